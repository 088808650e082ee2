package nd

import (
	"fmt"
	"math"
	"math/bits"
	"sync"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Helpers shared by the neural-network op families (op_conv.go, op_pool.go,
// op_norm.go, op_nn.go).

// nnFloat is the element type of the float-only NN kernels.
type nnFloat interface{ ~float32 | ~float64 }

// nnFloatType is an InferType for ops whose inputs must all share one float
// dtype; the outputs (n of them) get that dtype.
func nnFloatType(n int) func(any, []DType) ([]DType, error) {
	return func(_ any, in []DType) ([]DType, error) {
		if err := nnCheckFloat(in); err != nil {
			return nil, err
		}
		out := make([]DType, n)
		for i := range out {
			out[i] = in[0]
		}
		return out, nil
	}
}

// nnCheckFloat reports an error unless every dtype is the first one and it
// is float32 or float64.
func nnCheckFloat(in []DType) error {
	if len(in) == 0 {
		return nil
	}
	t := in[0]
	if t != Float32 && t != Float64 {
		return fmt.Errorf("dtype %v not supported (cast to float32)", t)
	}
	for i, u := range in {
		if u != t {
			return fmt.Errorf("input %d is %v, input 0 is %v (cast one with AsType)", i, u, t)
		}
	}
	return nil
}

// nnBufPools keep scratch slices (im2col columns, partial sums) between
// kernel calls so steady-state training does not allocate them. Slices are
// pooled by power-of-two capacity: with one pool for all sizes, ops of
// different sizes (two convolutions of a network) kept swapping each
// other's buffers out and allocating, and zeroing, new ones.
var nnBufPool32, nnBufPool64 [48]sync.Pool

func nnBufPools[T nnFloat]() *[48]sync.Pool {
	var z T
	if _, ok := any(z).(float32); ok {
		return &nnBufPool32
	}
	return &nnBufPool64
}

// nnGetBuf returns a scratch slice of length n (contents undefined).
func nnGetBuf[T nnFloat](n int) *[]T {
	class := bits.Len(uint(max(n, 1) - 1))
	if v := nnBufPools[T]()[class].Get(); v != nil {
		b := v.(*[]T)
		*b = (*b)[:n]
		return b
	}
	b := make([]T, n, 1<<class)
	return &b
}

// nnPutBuf returns a scratch slice from nnGetBuf to its pool.
func nnPutBuf[T nnFloat](b *[]T) {
	class := bits.Len(uint(cap(*b) - 1))
	if cap(*b) != 1<<class {
		return // not from nnGetBuf
	}
	nnBufPools[T]()[class].Put(b)
}

// nnNeedsGrad reports whether autograd can use a gradient for x: x comes
// from a recorded op or is a leaf with a gradient buffer (package
// autograd's rule for propagating). Costly gradients skip inputs that fail
// it, such as a network's input data.
func nnNeedsGrad(x *NDArray) bool { return x.ag.Tracked() }

// nnSpatial pads a tuple of 1 to 3 spatial values to three dimensions,
// filling leading dimensions with fill (so 1D and 2D run as 3D).
func nnSpatial(t Shape, nsp, def, fill int) [3]int {
	var r [3]int
	for i := range r {
		r[i] = fill
	}
	for i := 0; i < nsp; i++ {
		v := def
		if len(t) > 0 {
			v = t[i]
		}
		r[3-nsp+i] = v
	}
	return r
}

// nnCheckTuple validates an optional spatial tuple attribute.
func nnCheckTuple(name string, t Shape, nsp, minVal int) error {
	if len(t) == 0 {
		return nil
	}
	if len(t) != nsp {
		return fmt.Errorf("%s %v has %d values, kernel has %d dims", name, t, len(t), nsp)
	}
	for _, v := range t {
		if v < minVal {
			return fmt.Errorf("%s %v: values must be >= %d", name, t, minVal)
		}
	}
	return nil
}

// nnCheckLayout accepts the channel-first layouts for nsp spatial dims.
func nnCheckLayout(layout string, nsp int) error {
	if layout == "" {
		return nil
	}
	want := [...]string{"", "NCW", "NCHW", "NCDHW"}[nsp]
	if layout != want {
		return fmt.Errorf("layout %q not supported for %dD (only %s; transpose the input)", layout, nsp, want)
	}
	return nil
}

// nnValidRange returns the output positions [lo, hi) of [0, outLen) whose
// input position o*stride+off lies inside [0, inLen).
func nnValidRange(off, stride, inLen, outLen int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if inLen-off > 0 {
		hi = (inLen - off + stride - 1) / stride
	}
	hi = min(hi, outLen)
	lo = min(lo, hi)
	return lo, hi
}

// nnAxisSplit views shape as (outer, shape[axis], inner).
func nnAxisSplit(s Shape, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for i, d := range s {
		switch {
		case i < axis:
			outer *= d
		case i > axis:
			inner *= d
		}
	}
	return outer, s[axis], inner
}

// ChannelAttrs are the attributes of _channel_sum and _channel_broadcast.
type ChannelAttrs struct {
	Axis  int   `mx:"axis"`
	Shape Shape `mx:"shape"` // _channel_broadcast: the output shape
}

var opChannelSum, opChannelBroadcast *OpDef

// _channel_sum sums over every axis but one (a bias or scale gradient);
// _channel_broadcast is its adjoint, spreading a (C,) vector along an axis
// of a given shape (sizes of 1 elsewhere make it a reshape).
func init() {
	opChannelSum = RegisterOp(&OpDef{
		Name:      "_channel_sum",
		Attrs:     ChannelAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			ax, ok := normAxis(attrs.(ChannelAttrs).Axis, len(in[0]))
			if !ok {
				return nil, fmt.Errorf("axis %d out of range for %v", attrs.(ChannelAttrs).Axis, in[0])
			}
			return []Shape{{in[0][ax]}}, nil
		},
		InferType: nnFloatType(1),
		Kernels: cpu(func(k *KernelArgs) error {
			ax, _ := normAxis(k.Attrs.(ChannelAttrs).Axis, len(k.In[0].Shape))
			if k.In[0].DType == Float32 {
				nnChannelSum(k.In[0].F32(), k.Out[0].F32(), k.In[0].Shape, ax)
			} else {
				nnChannelSum(k.In[0].F64(), k.Out[0].F64(), k.In[0].Shape, ax)
			}
			return nil
		}),
		// Each input element feeds one output: dx = broadcast(g).
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{channelBroadcast(g.OutGrads[0], g.Attrs.(ChannelAttrs).Axis, g.Inputs[0].shape)}
		},
	})
	opChannelBroadcast = RegisterOp(&OpDef{
		Name:      "_channel_broadcast",
		Attrs:     ChannelAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			a := attrs.(ChannelAttrs)
			ax, ok := normAxis(a.Axis, len(a.Shape))
			if !ok || len(in[0]) != 1 || a.Shape[ax] != in[0][0] {
				return nil, fmt.Errorf("cannot spread %v along axis %d of %v", in[0], a.Axis, a.Shape)
			}
			return []Shape{a.Shape.Clone()}, nil
		},
		InferType: nnFloatType(1),
		Kernels: cpu(func(k *KernelArgs) error {
			ax, _ := normAxis(k.Attrs.(ChannelAttrs).Axis, len(k.Out[0].Shape))
			if k.In[0].DType == Float32 {
				nnChannelBroadcast(k.In[0].F32(), k.Out[0].F32(), k.Out[0].Shape, ax)
			} else {
				nnChannelBroadcast(k.In[0].F64(), k.Out[0].F64(), k.Out[0].Shape, ax)
			}
			return nil
		}),
		// dv = Σ g over the other axes.
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{channelSum(g.OutGrads[0], g.Attrs.(ChannelAttrs).Axis)}
		},
	})
}

func nnChannelSum[T nnFloat](x, out []T, s Shape, axis int) {
	outer, n, inner := nnAxisSplit(s, axis)
	clear(out)
	for o := 0; o < outer; o++ {
		for c := 0; c < n; c++ {
			out[c] += nnSum(x[(o*n+c)*inner : (o*n+c+1)*inner])
		}
	}
}

// nnSum adds x with eight independent partial sums, so that the adds
// overlap instead of each waiting for the previous one (a bias gradient
// sums whole feature maps).
func nnSum[T nnFloat](x []T) T {
	var a0, a1, a2, a3, a4, a5, a6, a7 T
	i := 0
	for ; i+8 <= len(x); i += 8 {
		v := x[i : i+8 : i+8]
		a0 += v[0]
		a1 += v[1]
		a2 += v[2]
		a3 += v[3]
		a4 += v[4]
		a5 += v[5]
		a6 += v[6]
		a7 += v[7]
	}
	for ; i < len(x); i++ {
		a0 += x[i]
	}
	return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
}

func nnChannelBroadcast[T nnFloat](v, out []T, s Shape, axis int) {
	outer, n, inner := nnAxisSplit(s, axis)
	for o := 0; o < outer; o++ {
		for c := 0; c < n; c++ {
			fillSlice(out[(o*n+c)*inner:(o*n+c+1)*inner], v[c])
		}
	}
}

// channelSum sums x over every axis but axis, giving shape (x.shape[axis],).
func channelSum(x *NDArray, axis int) *NDArray {
	return Invoke1(opChannelSum, ChannelAttrs{Axis: axis}, x)
}

// channelBroadcast spreads v (C,) along axis of shape.
func channelBroadcast(v *NDArray, axis int, shape Shape) *NDArray {
	return Invoke1(opChannelBroadcast, ChannelAttrs{Axis: axis, Shape: shape.Clone()}, v)
}

// ---- activations ----

// ActivationAttrs are the attributes of Activation: ActType is relu,
// sigmoid, tanh, softrelu (log(1+eˣ)) or softsign (x/(1+|x|)); MXNet has no
// default for it.
type ActivationAttrs struct {
	ActType string `mx:"act_type"`
}

// LeakyReLUAttrs are the attributes of LeakyReLU. ActType "" means leaky
// (MXNet's default); the others are prelu (gamma input), elu, selu and
// gelu. Slope nil means MXNet's 0.25 (leaky's negative slope, elu's α).
type LeakyReLUAttrs struct {
	ActType string   `mx:"act_type"`
	Slope   *float64 `mx:"slope"`
}

const (
	seluLambda = 1.0507009873554804934193349852946
	seluAlpha  = 1.6732632423543772848170429916717
)

func actFunc(t string) (func(float64) float64, error) {
	switch t {
	case "relu":
		return func(x float64) float64 { return max(x, 0) }, nil
	case "sigmoid":
		return func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, nil
	case "tanh":
		return math.Tanh, nil
	case "softrelu":
		// log(1+eˣ) without overflow for large x
		return func(x float64) float64 { return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }, nil
	case "softsign":
		return func(x float64) float64 { return x / (1 + math.Abs(x)) }, nil
	}
	return nil, fmt.Errorf("act_type %q (want relu, sigmoid, tanh, softrelu or softsign)", t)
}

func (a LeakyReLUAttrs) slope() float64 {
	if a.Slope == nil {
		return 0.25
	}
	return *a.Slope
}

func leakyFunc(a LeakyReLUAttrs) (func(float64) float64, error) {
	s := a.slope()
	switch a.ActType {
	case "", "leaky":
		return func(x float64) float64 { return max(x, 0) + s*min(x, 0) }, nil
	case "elu":
		return func(x float64) float64 {
			if x > 0 {
				return x
			}
			return s * math.Expm1(x)
		}, nil
	case "selu":
		return func(x float64) float64 {
			if x > 0 {
				return seluLambda * x
			}
			return seluLambda * seluAlpha * math.Expm1(x)
		}, nil
	case "gelu":
		return func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, nil
	}
	return nil, fmt.Errorf("act_type %q (want leaky, prelu, elu, selu or gelu)", a.ActType)
}

// nnActivationKernel runs Activation: relu as the relu op does (float32
// through kernels.Relu32, float64 through its loop), the other types
// elementwise through float64.
func nnActivationKernel(k *KernelArgs) error {
	if k.Attrs.(ActivationAttrs).ActType == "relu" {
		switch k.Out[0].DType {
		case Float32:
			unaryParallel(k.Out[0].F32(), k.In[0].F32(), kernels.Relu32, grainVec)
			return nil
		case Float64:
			unaryParallel(k.Out[0].F64(), k.In[0].F64(), unaryReluLoop[float64], 0)
			return nil
		}
	}
	return nnUnaryKernel(func(a any) (func(float64) float64, error) { return actFunc(a.(ActivationAttrs).ActType) })(k)
}

// nnUnaryKernel applies f elementwise to a float32 or float64 blob.
func nnUnaryKernel(get func(attrs any) (func(float64) float64, error)) Kernel {
	return func(k *KernelArgs) error {
		f, err := get(k.Attrs)
		if err != nil {
			return err
		}
		if k.In[0].DType == Float32 {
			nnApply(k.In[0].F32(), k.Out[0].F32(), f)
		} else {
			nnApply(k.In[0].F64(), k.Out[0].F64(), f)
		}
		return nil
	}
}

func nnApply[T nnFloat](x, y []T, f func(float64) float64) {
	kernels.ParallelFor(len(y), 1<<14, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y[i] = T(f(float64(x[i])))
		}
	})
}

// nnPositive is 1 where x > 0, else 0 (x's dtype).
func nnPositive(x *NDArray) *NDArray { return x.GreaterScalar(0) }

var opActivation, opLeakyReLU, opGeluDerivative *OpDef

func init() {
	opActivation = RegisterOp(&OpDef{
		Name:      "Activation",
		Attrs:     ActivationAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			_, err := actFunc(attrs.(ActivationAttrs).ActType)
			return []Shape{in[0]}, err
		},
		InferType: nnFloatType(1),
		Kernels:   cpu(nnActivationKernel),
		Grad: func(g *GradArgs) []*NDArray {
			x, y, og := g.Inputs[0], g.Outputs[0], g.OutGrads[0]
			var d *NDArray
			switch g.Attrs.(ActivationAttrs).ActType {
			case "relu": // g·[x > 0] = g·[y > 0], in one pass by _relu_grad
				d = Invoke1(opReluGrad, nil, og, y)
			case "sigmoid": // g·y(1-y)
				d = og.Mul(y.Mul(y.RsubScalar(1)))
			case "tanh": // g·(1-y²)
				d = og.Mul(y.Mul(y).RsubScalar(1))
			case "softrelu": // g·sigmoid(x)
				d = og.Mul(Activation(x, "sigmoid"))
			case "softsign": // g/(1+|x|)²
				d = og.Div(Maximum(x, x.Neg()).AddScalar(1).PowScalar(2))
			}
			return []*NDArray{d}
		},
	})

	opLeakyReLU = RegisterOp(&OpDef{
		Name:      "LeakyReLU",
		Attrs:     LeakyReLUAttrs{},
		NumInputs: -1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			a := attrs.(LeakyReLUAttrs)
			if a.ActType == "prelu" {
				if len(in) != 2 || len(in[0]) < 2 || !(in[1].Equal(Shape{in[0][1]}) || in[1].Equal(Shape{1})) {
					return nil, fmt.Errorf("prelu takes data (N, C, ...) and gamma (C,) or (1,)")
				}
				return []Shape{in[0]}, nil
			}
			if len(in) != 1 {
				return nil, fmt.Errorf("act_type %q takes one input, got %d", a.ActType, len(in))
			}
			_, err := leakyFunc(a)
			return []Shape{in[0]}, err
		},
		InferType: nnFloatType(1),
		Kernels: cpu(func(k *KernelArgs) error {
			a := k.Attrs.(LeakyReLUAttrs)
			if a.ActType == "prelu" {
				if k.In[0].DType == Float32 {
					nnPrelu(k.In[0].F32(), k.In[1].F32(), k.Out[0].F32(), k.In[0].Shape)
				} else {
					nnPrelu(k.In[0].F64(), k.In[1].F64(), k.Out[0].F64(), k.In[0].Shape)
				}
				return nil
			}
			return nnUnaryKernel(func(any) (func(float64) float64, error) { return leakyFunc(a) })(k)
		}),
		Grad: leakyGrad,
	})

	// _gelu_derivative(x) = Φ(x) + x·φ(x), d/dx gelu(x) with the normal cdf Φ
	// and pdf φ.
	opGeluDerivative = RegisterOp(&OpDef{
		Name:       "_gelu_derivative",
		NumInputs:  1,
		InferShape: sameShape,
		InferType:  nnFloatType(1),
		Kernels: cpu(func(k *KernelArgs) error {
			if k.In[0].DType == Float32 { // kernels.GeluGrad32: float32 arithmetic, within 2e-7
				unaryParallel(k.Out[0].F32(), k.In[0].F32(), kernels.GeluGrad32, 0)
				return nil
			}
			return nnUnaryKernel(func(any) (func(float64) float64, error) {
				return func(x float64) float64 {
					return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
				}, nil
			})(k)
		}),
		// d/dx (Φ + xφ) = φ·(2 - x²)
		Grad: func(g *GradArgs) []*NDArray {
			x := g.Inputs[0]
			x2 := x.Mul(x)
			phi := x2.MulScalar(-0.5).Exp().MulScalar(1 / math.Sqrt(2*math.Pi))
			return []*NDArray{g.OutGrads[0].Mul(phi.Mul(x2.RsubScalar(2)))}
		},
	})
}

func leakyGrad(g *GradArgs) []*NDArray {
	a := g.Attrs.(LeakyReLUAttrs)
	x, y, og := g.Inputs[0], g.Outputs[0], g.OutGrads[0]
	m := nnPositive(x)
	notm := m.RsubScalar(1)
	s := a.slope()
	switch a.ActType {
	case "", "leaky": // g·(m + s(1-m))
		return []*NDArray{og.Mul(m.MulScalar(1 - s).AddScalar(s))}
	case "elu": // g·(m + (1-m)(y + s))
		return []*NDArray{og.Mul(m.Add(notm.Mul(y.AddScalar(s))))}
	case "selu": // g·(λm + (1-m)(y + λα))
		return []*NDArray{og.Mul(m.MulScalar(seluLambda).Add(notm.Mul(y.AddScalar(seluLambda * seluAlpha))))}
	case "gelu":
		return []*NDArray{og.Mul(Invoke1(opGeluDerivative, nil, x))}
	case "prelu": // dx = g·(m + γ(1-m)); dγ = Σ g·min(x, 0) per channel
		gamma := g.Inputs[1]
		gb := gamma
		if gamma.shape[0] != 1 || x.shape[1] == 1 {
			gb = channelBroadcast(gamma, 1, x.shape)
		}
		neg := og.Mul(x.MinimumScalar(0))
		var dg *NDArray
		if gamma.shape[0] == 1 && x.shape[1] != 1 {
			dg = SumTo(neg, Shape{1})
		} else {
			dg = channelSum(neg, 1)
		}
		return []*NDArray{og.Mul(m.Add(notm.Mul(gb))), dg}
	}
	return nil
}

func nnPrelu[T nnFloat](x, gamma, y []T, s Shape) {
	outer, c, inner := nnAxisSplit(s, 1)
	for o := 0; o < outer; o++ {
		for ch := 0; ch < c; ch++ {
			gv := gamma[0]
			if len(gamma) > 1 {
				gv = gamma[ch]
			}
			off := (o*c + ch) * inner
			for i, v := range x[off : off+inner] {
				if v > 0 {
					y[off+i] = v
				} else {
					y[off+i] = gv * v
				}
			}
		}
	}
}

// Activation applies an elementwise activation (relu, sigmoid, tanh,
// softrelu, softsign) to data. It panics on an unknown actType.
func Activation(data *NDArray, actType string) *NDArray {
	return Invoke1(opActivation, ActivationAttrs{actType}, data)
}

// LeakyReLU applies a leaky rectifier: leaky (x or slope·x), elu, selu or
// gelu; for prelu pass the learned slopes gamma (C,) or (1,), else nil.
func LeakyReLU(data, gamma *NDArray, attrs LeakyReLUAttrs) *NDArray {
	if attrs.ActType == "prelu" {
		if gamma == nil {
			panicf("LeakyReLU", "prelu needs gamma")
		}
		return Invoke1(opLeakyReLU, attrs, data, gamma)
	}
	return Invoke1(opLeakyReLU, attrs, data)
}

// ---- dropout ----

// DropoutAttrs are the attributes of Dropout. P nil means MXNet's 0.5. Mode
// "" or "training" drops only when Train is set (MXNet's is_train, which
// the caller passes: Gluon uses autograd.IsTraining()); "always" drops in
// inference too. Axes lists axes along which one mask value is shared
// (variational dropout).
type DropoutAttrs struct {
	P     *float64 `mx:"p"`
	Mode  string   `mx:"mode"`
	Axes  Shape    `mx:"axes"`
	Train bool     `mx:"__is_train__"`
}

func (a DropoutAttrs) active() (p float64, on bool) {
	p = 0.5
	if a.P != nil {
		p = *a.P
	}
	return p, (a.Train || a.Mode == "always") && p > 0
}

var opDropout *OpDef

func init() {
	opDropout = RegisterOp(&OpDef{
		Name:       "Dropout",
		Attrs:      DropoutAttrs{},
		NumInputs:  1,
		NumOutputs: 2, // out, mask (0 or 1/(1-p), data's shape)
		RNG:        true,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			a := attrs.(DropoutAttrs)
			if p, _ := a.active(); p < 0 || p > 1 {
				return nil, fmt.Errorf("p %v must be in [0, 1]", p)
			}
			if a.Mode != "" && a.Mode != "training" && a.Mode != "always" {
				return nil, fmt.Errorf("mode %q (want training or always)", a.Mode)
			}
			for _, ax := range a.Axes {
				if _, ok := normAxis(ax, len(in[0])); !ok {
					return nil, fmt.Errorf("axis %d out of range for %v", ax, in[0])
				}
			}
			return []Shape{in[0], in[0]}, nil
		},
		InferType: nnFloatType(2),
		Kernels: cpu(func(k *KernelArgs) error {
			a := k.Attrs.(DropoutAttrs)
			p, on := a.active()
			if k.In[0].DType == Float32 {
				nnDropout(k, k.In[0].F32(), k.Out[0].F32(), k.Out[1].F32(), a, p, on)
			} else {
				nnDropout(k, k.In[0].F64(), k.Out[0].F64(), k.Out[1].F64(), a, p, on)
			}
			return nil
		}),
		// dx = g·mask
		Grad: func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Mul(g.Outputs[1])} },
	})
}

func nnDropout[T nnFloat](k *KernelArgs, x, y, mask []T, a DropoutAttrs, p float64, on bool) {
	if !on {
		copy(y, x)
		fillSlice(mask, 1)
		return
	}
	keep := T(0)
	if p < 1 {
		keep = T(1 / (1 - p))
	}
	shape := k.In[0].Shape
	// Draw one value per position of the mask shape (axes set to 1), then
	// spread it along the shared axes.
	ms := shape.Clone()
	for _, ax := range a.Axes {
		ax, _ = normAxis(ax, len(shape))
		ms[ax] = 1
	}
	draws := make([]T, ms.Size())
	for i := range draws {
		if k.RNG.Float64() >= p {
			draws[i] = keep
		}
	}
	if len(a.Axes) == 0 {
		copy(mask, draws)
	} else {
		st := bcastStrides(ms, shape)
		pos := 0
		forEachRow(shape, [][]int{st}, func(offs []int, n int, steps []int) {
			for j := 0; j < n; j++ {
				mask[pos+j] = draws[offs[0]+j*steps[0]]
			}
			pos += n
		})
	}
	for i := range y {
		y[i] = x[i] * mask[i]
	}
}

// Dropout zeroes each element of data with probability p and scales the
// rest by 1/(1-p) when attrs.Train is set (or Mode is "always"); otherwise
// it returns data unchanged. It also returns the mask it multiplied by.
func Dropout(data *NDArray, attrs DropoutAttrs) (out, mask *NDArray) {
	o := Invoke(opDropout, attrs, data)
	return o[0], o[1]
}

// ---- softmax layers ----

// SoftmaxActivationAttrs are the attributes of SoftmaxActivation: Mode ""
// or "instance" applies softmax over all but the first axis, "channel" over
// axis 1.
type SoftmaxActivationAttrs struct {
	Mode string `mx:"mode"`
}

// SoftmaxOutputAttrs are the attributes of SoftmaxOutput (MXNet's legacy
// softmax + cross-entropy gradient layer). GradScale 0 means 1;
// IgnoreLabel nil means -1; Normalization "" means "null" (also "batch",
// "valid").
type SoftmaxOutputAttrs struct {
	GradScale     float64  `mx:"grad_scale"`
	IgnoreLabel   *float64 `mx:"ignore_label"`
	MultiOutput   bool     `mx:"multi_output"`
	UseIgnore     bool     `mx:"use_ignore"`
	PreserveShape bool     `mx:"preserve_shape"`
	Normalization string   `mx:"normalization"`
	OutGrad       bool     `mx:"out_grad"`
	SmoothAlpha   float64  `mx:"smooth_alpha"`
}

// softmaxSplit views data as (outer, n, inner) with softmax over n.
func softmaxOutputSplit(a SoftmaxOutputAttrs, s Shape) (outer, n, inner int) {
	switch {
	case a.PreserveShape:
		return nnAxisSplit(s, len(s)-1)
	case a.MultiOutput:
		return nnAxisSplit(s, 1)
	}
	return s[0], Shape(s[1:]).Size(), 1
}

func softmaxActSplit(a SoftmaxActivationAttrs, s Shape) (outer, n, inner int) {
	if a.Mode == "channel" {
		return nnAxisSplit(s, 1)
	}
	return s[0], Shape(s[1:]).Size(), 1
}

// nnSoftmax computes a softmax over the middle dim of (outer, n, inner).
func nnSoftmax[T nnFloat](x, y []T, outer, n, inner int) {
	kernels.ParallelFor(outer, 1, func(o0, o1 int) {
		for o := o0; o < o1; o++ {
			for j := 0; j < inner; j++ {
				base := o*n*inner + j
				m := math.Inf(-1)
				for i := 0; i < n; i++ {
					m = max(m, float64(x[base+i*inner]))
				}
				var sum float64
				for i := 0; i < n; i++ {
					e := math.Exp(float64(x[base+i*inner]) - m)
					y[base+i*inner] = T(e)
					sum += e
				}
				for i := 0; i < n; i++ {
					y[base+i*inner] = T(float64(y[base+i*inner]) / sum)
				}
			}
		}
	})
}

var opSoftmaxActivation, opSoftmaxOutput, opSoftmaxOutputBackward *OpDef

func init() {
	opSoftmaxActivation = RegisterOp(&OpDef{
		Name:      "SoftmaxActivation",
		Attrs:     SoftmaxActivationAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			m := attrs.(SoftmaxActivationAttrs).Mode
			if m != "" && m != "instance" && m != "channel" {
				return nil, fmt.Errorf("mode %q (want instance or channel)", m)
			}
			if len(in[0]) < 1 || (m == "channel" && len(in[0]) < 2) {
				return nil, fmt.Errorf("data %v has too few dims", in[0])
			}
			return []Shape{in[0]}, nil
		},
		InferType: nnFloatType(1),
		Kernels: cpu(func(k *KernelArgs) error {
			o, n, i := softmaxActSplit(k.Attrs.(SoftmaxActivationAttrs), k.In[0].Shape)
			if k.In[0].DType == Float32 {
				nnSoftmax(k.In[0].F32(), k.Out[0].F32(), o, n, i)
			} else {
				nnSoftmax(k.In[0].F64(), k.Out[0].F64(), o, n, i)
			}
			return nil
		}),
		// dx = y·(g - Σ g·y) over the softmax dims
		Grad: func(g *GradArgs) []*NDArray {
			y, og := g.Outputs[0], g.OutGrads[0]
			rs := make(Shape, len(y.shape))
			for i := range rs {
				rs[i] = 1
			}
			rs[0] = y.shape[0]
			if g.Attrs.(SoftmaxActivationAttrs).Mode == "channel" {
				rs = y.shape.Clone()
				rs[1] = 1
			}
			return []*NDArray{y.Mul(og.Sub(SumTo(og.Mul(y), rs)))}
		},
	})

	labelShape := func(a SoftmaxOutputAttrs, s Shape) Shape {
		switch {
		case a.PreserveShape:
			return s[:len(s)-1]
		case a.MultiOutput:
			return append(Shape{s[0]}, s[2:]...)
		}
		return Shape{s[0]}
	}
	opSoftmaxOutput = RegisterOp(&OpDef{
		Name:      "SoftmaxOutput",
		Attrs:     SoftmaxOutputAttrs{},
		NumInputs: 2,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			a := attrs.(SoftmaxOutputAttrs)
			if len(in[0]) < 2 {
				return nil, fmt.Errorf("data %v must have a batch axis and classes", in[0])
			}
			if want := labelShape(a, in[0]); !in[1].Equal(want) {
				return nil, fmt.Errorf("label %v, want %v", in[1], want)
			}
			switch a.Normalization {
			case "", "null", "batch", "valid":
			default:
				return nil, fmt.Errorf("normalization %q (want null, batch or valid)", a.Normalization)
			}
			return []Shape{in[0]}, nil
		},
		InferType: func(_ any, in []DType) ([]DType, error) { return nnFloatType(1)(nil, in[:1]) },
		Kernels: cpu(func(k *KernelArgs) error {
			o, n, i := softmaxOutputSplit(k.Attrs.(SoftmaxOutputAttrs), k.In[0].Shape)
			if k.In[0].DType == Float32 {
				nnSoftmax(k.In[0].F32(), k.Out[0].F32(), o, n, i)
			} else {
				nnSoftmax(k.In[0].F64(), k.Out[0].F64(), o, n, i)
			}
			return nil
		}),
		// The loss layer's gradient ignores the head gradient (unless
		// out_grad): dx = (softmax - onehot(label))·grad_scale/norm.
		Grad: func(g *GradArgs) []*NDArray {
			a := g.Attrs.(SoftmaxOutputAttrs)
			dx := Invoke1(opSoftmaxOutputBackward, a, g.Outputs[0], g.Inputs[1])
			if a.OutGrad {
				dx = dx.Mul(g.OutGrads[0])
			}
			return []*NDArray{dx, nil}
		},
	})

	// _softmax_output_backward(prob, label) -> d loss / d data.
	opSoftmaxOutputBackward = RegisterOp(&OpDef{
		Name:      "_softmax_output_backward",
		Attrs:     SoftmaxOutputAttrs{},
		NumInputs: 2,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			if want := labelShape(attrs.(SoftmaxOutputAttrs), in[0]); !in[1].Equal(want) {
				return nil, fmt.Errorf("label %v, want %v", in[1], want)
			}
			return []Shape{in[0]}, nil
		},
		InferType: func(_ any, in []DType) ([]DType, error) { return nnFloatType(1)(nil, in[:1]) },
		Kernels: cpu(func(k *KernelArgs) error {
			a := k.Attrs.(SoftmaxOutputAttrs)
			labels := make([]float64, k.In[1].Shape.Size())
			loadF64(labels, k.In[1], 0)
			if k.In[0].DType == Float32 {
				nnSoftmaxOutputGrad(a, k.In[0].F32(), labels, k.Out[0].F32(), k.In[0].Shape)
			} else {
				nnSoftmaxOutputGrad(a, k.In[0].F64(), labels, k.Out[0].F64(), k.In[0].Shape)
			}
			return nil
		}),
	})
}

func nnSoftmaxOutputGrad[T nnFloat](a SoftmaxOutputAttrs, prob []T, labels []float64, dx []T, s Shape) {
	outer, n, inner := softmaxOutputSplit(a, s)
	ignore := -1.0
	if a.IgnoreLabel != nil {
		ignore = *a.IgnoreLabel
	}
	scale := a.GradScale
	if scale == 0 {
		scale = 1
	}
	on, off := 1-a.SmoothAlpha, 0.0
	if n > 1 {
		off = a.SmoothAlpha / float64(n-1)
	}
	valid := 0
	for o := 0; o < outer; o++ {
		for j := 0; j < inner; j++ {
			l := labels[o*inner+j]
			base := o*n*inner + j
			if a.UseIgnore && l == ignore {
				for i := 0; i < n; i++ {
					dx[base+i*inner] = 0
				}
				continue
			}
			valid++
			li := int(l)
			for i := 0; i < n; i++ {
				t := off
				if i == li {
					t = on
				}
				dx[base+i*inner] = prob[base+i*inner] - T(t)
			}
		}
	}
	switch a.Normalization {
	case "batch":
		scale /= float64(s[0])
	case "valid":
		scale /= float64(max(valid, 1))
	}
	for i := range dx {
		dx[i] *= T(scale)
	}
}

// SoftmaxActivation applies softmax over each instance (all but the first
// axis) or, with mode "channel", over axis 1.
func SoftmaxActivation(data *NDArray, mode string) *NDArray {
	return Invoke1(opSoftmaxActivation, SoftmaxActivationAttrs{mode}, data)
}

// SoftmaxOutput returns softmax(data) and, under autograd, back-propagates
// the cross-entropy gradient (softmax - onehot(label))·grad_scale, as
// MXNet's SoftmaxOutput layer does. label holds class indices.
func SoftmaxOutput(data, label *NDArray, attrs SoftmaxOutputAttrs) *NDArray {
	return Invoke1(opSoftmaxOutput, attrs, data, label)
}

// ---- embedding, upsampling ----

// EmbeddingAttrs are the attributes of Embedding. InputDim and OutputDim
// may be 0 to take them from the weight; DType is the weight's type
// (float32 by default); SparseGrad is accepted and ignored (dense grads).
type EmbeddingAttrs struct {
	InputDim   int   `mx:"input_dim"`
	OutputDim  int   `mx:"output_dim"`
	DType      DType `mx:"dtype"`
	SparseGrad bool  `mx:"sparse_grad"`
}

var opEmbedding, opEmbeddingBackward, opUpSampling *OpDef

func embeddingCheck(a EmbeddingAttrs, w Shape) error {
	if len(w) != 2 || (a.InputDim != 0 && w[0] != a.InputDim) || (a.OutputDim != 0 && w[1] != a.OutputDim) {
		return fmt.Errorf("weight %v must be (input_dim %d, output_dim %d)", w, a.InputDim, a.OutputDim)
	}
	return nil
}

func init() {
	opEmbedding = RegisterOp(&OpDef{
		Name:      "Embedding",
		Attrs:     EmbeddingAttrs{},
		NumInputs: 2,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			if err := embeddingCheck(attrs.(EmbeddingAttrs), in[1]); err != nil {
				return nil, err
			}
			return []Shape{append(in[0].Clone(), in[1][1])}, nil
		},
		InferType: func(_ any, in []DType) ([]DType, error) { return []DType{in[1]}, nil },
		Kernels: cpu(func(k *KernelArgs) error {
			idx := make([]float64, k.In[0].Shape.Size())
			loadF64(idx, k.In[0], 0)
			w, out := k.In[1], k.Out[0]
			rows, row := w.Shape[0], w.Shape[1]*w.DType.Size()
			for i, v := range idx {
				// MXNet clips out-of-range indices.
				r := min(max(int(v), 0), rows-1)
				copy(out.Data[i*row:(i+1)*row], w.Data[r*row:(r+1)*row])
			}
			return nil
		}),
		// Indices get no gradient; the weight gets the rows' gradients
		// summed per index (_embedding_backward).
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{nil, Invoke1(opEmbeddingBackward, EmbeddingAttrs{InputDim: g.Inputs[1].shape[0]}, g.Inputs[0], g.OutGrads[0])}
		},
	})

	// _embedding_backward(indices, g) scatters rows of g into a zero
	// (input_dim, output_dim) array, adding rows with the same index.
	opEmbeddingBackward = RegisterOp(&OpDef{
		Name:      "_embedding_backward",
		Attrs:     EmbeddingAttrs{},
		NumInputs: 2,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			a := attrs.(EmbeddingAttrs)
			if a.InputDim <= 0 || len(in[1]) != len(in[0])+1 || !in[1][:len(in[0])].Equal(in[0]) {
				return nil, fmt.Errorf("gradient %v does not match indices %v (input_dim %d)", in[1], in[0], a.InputDim)
			}
			return []Shape{{a.InputDim, in[1][len(in[0])]}}, nil
		},
		InferType: func(_ any, in []DType) ([]DType, error) { return nnFloatType(1)(nil, in[1:]) },
		Kernels: cpu(func(k *KernelArgs) error {
			idx := make([]float64, k.In[0].Shape.Size())
			loadF64(idx, k.In[0], 0)
			if k.Out[0].DType == Float32 {
				nnEmbeddingScatter(idx, k.In[1].F32(), k.Out[0].F32(), k.Out[0].Shape)
			} else {
				nnEmbeddingScatter(idx, k.In[1].F64(), k.Out[0].F64(), k.Out[0].Shape)
			}
			return nil
		}),
		// Linear in g: its adjoint gathers rows again (Embedding).
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{nil, Invoke1(opEmbedding, EmbeddingAttrs{}, g.Inputs[0], g.OutGrads[0])}
		},
	})
}

func nnEmbeddingScatter[T nnFloat](idx []float64, g, w []T, s Shape) {
	clear(w)
	rows, d := s[0], s[1]
	for i, v := range idx {
		r := min(max(int(v), 0), rows-1)
		dst, src := w[r*d:(r+1)*d], g[i*d:(i+1)*d]
		for j := range dst {
			dst[j] += src[j]
		}
	}
}

// Embedding looks up rows of weight (input_dim, output_dim) at the integer
// values of indices (any dtype; out-of-range values are clipped), giving
// shape indices.shape + (output_dim,).
func Embedding(indices, weight *NDArray, attrs EmbeddingAttrs) *NDArray {
	return Invoke1(opEmbedding, attrs, indices, weight)
}

// UpSamplingAttrs are the attributes of UpSampling. Only SampleType ""
// or "nearest" with one input is supported (bilinear is Deconvolution with
// a bilinear-initialized weight in MXNet).
type UpSamplingAttrs struct {
	Scale      int    `mx:"scale"`
	SampleType string `mx:"sample_type"`
	NumArgs    int    `mx:"num_args"`
}

func init() {
	opUpSampling = RegisterOp(&OpDef{
		Name:      "UpSampling",
		Attrs:     UpSamplingAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			a := attrs.(UpSamplingAttrs)
			if a.SampleType != "" && a.SampleType != "nearest" {
				return nil, fmt.Errorf("sample_type %q not supported (nearest)", a.SampleType)
			}
			if a.Scale < 1 || len(in[0]) != 4 {
				return nil, fmt.Errorf("scale %d must be >= 1 and data %v 4D (N, C, H, W)", a.Scale, in[0])
			}
			s := in[0].Clone()
			s[2] *= a.Scale
			s[3] *= a.Scale
			return []Shape{s}, nil
		},
		InferType: nnFloatType(1),
		Kernels: cpu(func(k *KernelArgs) error {
			sc := k.Attrs.(UpSamplingAttrs).Scale
			x, y := k.In[0], k.Out[0]
			es := x.DType.Size()
			H, W := x.Shape[2], x.Shape[3]
			planes := x.Shape[0] * x.Shape[1]
			for p := 0; p < planes; p++ {
				for oh := 0; oh < H*sc; oh++ {
					src := x.Data[(p*H+oh/sc)*W*es:]
					dst := y.Data[(p*H*sc+oh)*W*sc*es:]
					for ow := 0; ow < W*sc; ow++ {
						copy(dst[ow*es:(ow+1)*es], src[(ow/sc)*es:(ow/sc+1)*es])
					}
				}
			}
			return nil
		}),
		// Each input pixel feeds a scale×scale block: dx = sum-pool(g).
		Grad: func(g *GradArgs) []*NDArray {
			s := g.Attrs.(UpSamplingAttrs).Scale
			return []*NDArray{Pooling(g.OutGrads[0], PoolingAttrs{PoolType: "sum", Kernel: Shape{s, s}, Stride: Shape{s, s}})}
		},
	})
}

// UpSampling repeats each pixel of data (N, C, H, W) into a scale×scale
// block (nearest neighbour).
func UpSampling(data *NDArray, scale int) *NDArray {
	return Invoke1(opUpSampling, UpSamplingAttrs{Scale: scale, NumArgs: 1}, data)
}
