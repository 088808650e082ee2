package nd

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Convolution and transposed convolution (1D/2D/3D, channel-first layouts).
//
// Three kernels do all the work, each in "forward" orientation x (N, C,
// in...) -> y (N, F, out...) with weight (F, C/G, k...):
//   - convForward:  y  = conv(x, w)            (Convolution)
//   - convAdjoint:  dx = convᵀ(dy, w)          (Deconvolution, and the data
//     gradient of Convolution)
//   - convWeight:   dw = Σ dy ⊗ patches(x)     (_conv_backward_weight)
//
// Each is im2col + GEMM (kernels.Sgemm/Dgemm), with a direct GEMM when the
// kernel is 1×1 with stride 1 and no padding, and direct loops for
// depthwise convolution. Small images (LeNet's) put the patch matrices of
// a block of images side by side and run one GEMM per block
// (op_conv_batch.go). The float32 1-D/2-D forward of larger images skips
// im2col: it multiplies straight from padded stride-phase planes of the
// image (op_conv_offset.go). Float32 2-D 3×3 stride-1 forwards with enough
// tiles for their channels (ResNet's first stage) run Winograd F(2×2, 3×3)
// instead: 16 GEMMs on transformed tiles, 2.25× fewer multiplies, results
// within about 1e-5 of the direct sum relative to the output's scale
// (op_conv_winograd.go); MXGO_CONV_WINOGRAD=0 turns it off for exact
// im2col results. Because all three are linear in each input, their
// gradients are again one of the three, so every gradient is an op and can
// be differentiated again.

// ConvolutionAttrs are the attributes of Convolution. Empty tuples take
// MXNet's defaults (stride and dilate 1, pad 0); NumGroup 0 means 1. Kernel
// and NumFilter may be left 0 to take them from the weight's shape.
type ConvolutionAttrs struct {
	Kernel    Shape  `mx:"kernel"`
	Stride    Shape  `mx:"stride"`
	Dilate    Shape  `mx:"dilate"`
	Pad       Shape  `mx:"pad"`
	NumFilter int    `mx:"num_filter"`
	NumGroup  int    `mx:"num_group"`
	NoBias    bool   `mx:"no_bias"`
	Layout    string `mx:"layout"` // "" or NCW, NCHW, NCDHW
}

// DeconvolutionAttrs are the attributes of Deconvolution (transposed
// convolution). Adj is PyTorch's output_padding; a non-empty TargetShape
// (output spatial size) overrides Pad and Adj as in MXNet.
type DeconvolutionAttrs struct {
	Kernel      Shape  `mx:"kernel"`
	Stride      Shape  `mx:"stride"`
	Dilate      Shape  `mx:"dilate"`
	Pad         Shape  `mx:"pad"`
	Adj         Shape  `mx:"adj"`
	TargetShape Shape  `mx:"target_shape"`
	NumFilter   int    `mx:"num_filter"`
	NumGroup    int    `mx:"num_group"`
	NoBias      bool   `mx:"no_bias"`
	Layout      string `mx:"layout"`
}

// convGeom is one convolution in forward orientation; spatial tuples are
// padded to 3 dims (leading size 1) so 1D and 2D run through the 3D code.
type convGeom struct {
	nsp                 int
	n, c, f, group      int
	in, out, k, s, d, p [3]int
}

func (g *convGeom) inSize() int  { return g.in[0] * g.in[1] * g.in[2] }
func (g *convGeom) outSize() int { return g.out[0] * g.out[1] * g.out[2] }
func (g *convGeom) kSize() int   { return g.k[0] * g.k[1] * g.k[2] }

// direct reports whether the im2col matrix is the input itself.
func (g *convGeom) direct() bool {
	return g.kSize() == 1 && g.s == [3]int{1, 1, 1} && g.p == [3]int{}
}

func (g *convGeom) depthwise() bool { return g.group == g.c && g.group > 1 }

// convTuples validates kernel/stride/dilate/pad against nsp spatial dims.
func convTuples(kernel, stride, dilate, pad Shape, nsp int) (k, s, d, p [3]int, err error) {
	for _, c := range []struct {
		name string
		t    Shape
		min  int
	}{{"kernel", kernel, 1}, {"stride", stride, 1}, {"dilate", dilate, 1}, {"pad", pad, 0}} {
		if err = nnCheckTuple(c.name, c.t, nsp, c.min); err != nil {
			return
		}
	}
	return nnSpatial(kernel, nsp, 1, 1), nnSpatial(stride, nsp, 1, 1), nnSpatial(dilate, nsp, 1, 1), nnSpatial(pad, nsp, 0, 0), nil
}

// convCommon checks data and weight and fills the fields both ops share.
// cIn is the data's channel count, wOut/wIn the weight's first two dims.
func convCommon(x, w, kernel Shape, group int, layout string) (geo convGeom, err error) {
	if len(x) < 3 || len(x) > 5 {
		return geo, fmt.Errorf("data must be 3D, 4D or 5D (N, C, spatial...), got %v", x)
	}
	geo.nsp = len(x) - 2
	if len(kernel) != 0 && len(kernel) != geo.nsp {
		return geo, fmt.Errorf("kernel %v has %d dims, data %v has %d spatial dims", kernel, len(kernel), x, geo.nsp)
	}
	if err = nnCheckLayout(layout, geo.nsp); err != nil {
		return geo, err
	}
	if len(w) != len(x) {
		return geo, fmt.Errorf("weight %v must have %d dims like data %v", w, len(x), x)
	}
	if len(kernel) != 0 && !w[2:].Equal(kernel) {
		return geo, fmt.Errorf("weight %v does not match kernel %v", w, kernel)
	}
	geo.group = max(group, 1)
	geo.n = x[0]
	return geo, nil
}

// convGeomFor derives the geometry of Convolution from its input shapes.
func convGeomFor(a ConvolutionAttrs, x, w Shape) (convGeom, error) {
	geo, err := convCommon(x, w, a.Kernel, a.NumGroup, a.Layout)
	if err != nil {
		return geo, err
	}
	kernel := a.Kernel
	if len(kernel) == 0 {
		kernel = w[2:]
	}
	if geo.k, geo.s, geo.d, geo.p, err = convTuples(kernel, a.Stride, a.Dilate, a.Pad, geo.nsp); err != nil {
		return geo, err
	}
	geo.c, geo.f = x[1], w[0]
	if a.NumFilter != 0 && a.NumFilter != geo.f {
		return geo, fmt.Errorf("weight %v has %d filters, num_filter is %d", w, geo.f, a.NumFilter)
	}
	if geo.c%geo.group != 0 || geo.f%geo.group != 0 || geo.f == 0 {
		return geo, fmt.Errorf("channels %d and filters %d must be positive multiples of num_group %d", geo.c, geo.f, geo.group)
	}
	if w[1] != geo.c/geo.group {
		return geo, fmt.Errorf("weight %v: dim 1 must be channels/num_group = %d", w, geo.c/geo.group)
	}
	for i := 0; i < 3; i++ {
		geo.in[i] = 1
		if j := i - (3 - geo.nsp); j >= 0 {
			geo.in[i] = x[2+j]
		}
		span := geo.in[i] + 2*geo.p[i] - geo.d[i]*(geo.k[i]-1) - 1
		if span < 0 {
			return geo, fmt.Errorf("kernel %v (dilated, pad %v) is larger than the padded input %v", kernel, a.Pad, x[2:])
		}
		geo.out[i] = span/geo.s[i] + 1
	}
	return geo, nil
}

// deconvGeomFor derives the forward-orientation geometry of Deconvolution:
// its output plays the convolution's input and vice versa. It also returns
// the output's spatial shape.
func deconvGeomFor(a DeconvolutionAttrs, x, w Shape) (convGeom, error) {
	geo, err := convCommon(x, w, a.Kernel, a.NumGroup, a.Layout)
	if err != nil {
		return geo, err
	}
	kernel := a.Kernel
	if len(kernel) == 0 {
		kernel = w[2:]
	}
	if geo.k, geo.s, geo.d, geo.p, err = convTuples(kernel, a.Stride, a.Dilate, a.Pad, geo.nsp); err != nil {
		return geo, err
	}
	if err = nnCheckTuple("adj", a.Adj, geo.nsp, 0); err != nil {
		return geo, err
	}
	if err = nnCheckTuple("target_shape", a.TargetShape, geo.nsp, 1); err != nil {
		return geo, err
	}
	adj := nnSpatial(a.Adj, geo.nsp, 0, 0)
	geo.f = x[1] // the weight's first dim: this op's input channels
	if w[0] != geo.f {
		return geo, fmt.Errorf("weight %v: dim 0 must be the input's %d channels", w, geo.f)
	}
	geo.c = w[1] * geo.group
	if a.NumFilter != 0 && a.NumFilter != geo.c {
		return geo, fmt.Errorf("weight %v with num_group %d gives %d filters, num_filter is %d", w, geo.group, geo.c, a.NumFilter)
	}
	if geo.f%geo.group != 0 || geo.c == 0 {
		return geo, fmt.Errorf("input channels %d must be a multiple of num_group %d and filters positive", geo.f, geo.group)
	}
	tgt := nnSpatial(a.TargetShape, geo.nsp, 0, 1)
	for i := 0; i < 3; i++ {
		geo.out[i] = 1
		if j := i - (3 - geo.nsp); j >= 0 {
			geo.out[i] = x[2+j]
		}
		full := geo.s[i]*(geo.out[i]-1) + geo.d[i]*(geo.k[i]-1) + 1
		if len(a.TargetShape) != 0 {
			// MXNet: split the surplus into a symmetric pad and an adj of 0 or 1.
			total := full - tgt[i]
			if total < 0 {
				return geo, fmt.Errorf("target_shape %v is larger than the full output", a.TargetShape)
			}
			geo.p[i], adj[i] = (total+1)/2, total%2
		}
		if adj[i] >= geo.s[i] && adj[i] > 0 {
			return geo, fmt.Errorf("adj %d must be smaller than stride %d", adj[i], geo.s[i])
		}
		geo.in[i] = full - 2*geo.p[i] + adj[i]
		if geo.in[i] <= 0 {
			return geo, fmt.Errorf("padding %v leaves no output for input %v", a.Pad, x[2:])
		}
	}
	return geo, nil
}

func (g *convGeom) spatialShape(t [3]int) Shape {
	s := make(Shape, g.nsp)
	copy(s, t[3-g.nsp:])
	return s
}

// deconvAttrsForDataGrad returns Deconvolution attrs that compute the data
// gradient of a convolution with geometry geo (pad and adj fixed so the
// result has the input's exact size).
func (g *convGeom) deconvAttrsForDataGrad() DeconvolutionAttrs {
	a := DeconvolutionAttrs{
		Kernel: g.spatialShape(g.k), Stride: g.spatialShape(g.s), Dilate: g.spatialShape(g.d), Pad: g.spatialShape(g.p),
		NumFilter: g.c, NumGroup: g.group, NoBias: true,
	}
	var adj [3]int
	for i := range adj {
		adj[i] = g.in[i] + 2*g.p[i] - g.d[i]*(g.k[i]-1) - 1 - g.s[i]*(g.out[i]-1)
	}
	a.Adj = g.spatialShape(adj)
	return a
}

// convAttrsFor returns Convolution attrs with geo's explicit tuples.
func (g *convGeom) convAttrs() ConvolutionAttrs {
	return ConvolutionAttrs{
		Kernel: g.spatialShape(g.k), Stride: g.spatialShape(g.s), Dilate: g.spatialShape(g.d), Pad: g.spatialShape(g.p),
		NumFilter: g.f, NumGroup: g.group, NoBias: true,
	}
}

func convNumInputs(noBias bool, in []Shape) error {
	want := 3
	if noBias {
		want = 2
	}
	if len(in) != want {
		return fmt.Errorf("got %d inputs, want %d (data, weight%s)", len(in), want, map[bool]string{false: ", bias", true: ""}[noBias])
	}
	return nil
}

func convCheckBias(in []Shape, n int) error {
	if len(in) == 3 && !in[2].Equal(Shape{n}) {
		return fmt.Errorf("bias %v must have shape (%d,)", in[2], n)
	}
	return nil
}

var opConvolution, opDeconvolution, opConvBackwardWeight *OpDef

func init() {
	opConvolution = RegisterOp(&OpDef{
		Name:      "Convolution",
		Aliases:   []string{"convolution"},
		Attrs:     ConvolutionAttrs{},
		NumInputs: -1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			a := attrs.(ConvolutionAttrs)
			if err := convNumInputs(a.NoBias, in); err != nil {
				return nil, err
			}
			geo, err := convGeomFor(a, in[0], in[1])
			if err != nil {
				return nil, err
			}
			if err := convCheckBias(in, geo.f); err != nil {
				return nil, err
			}
			return []Shape{append(Shape{geo.n, geo.f}, geo.spatialShape(geo.out)...)}, nil
		},
		InferType: nnFloatType(1),
		Kernels: cpu(func(k *KernelArgs) error {
			geo, err := convGeomFor(k.Attrs.(ConvolutionAttrs), k.In[0].Shape, k.In[1].Shape)
			if err != nil {
				return err
			}
			if k.Out[0].DType == Float32 {
				convForwardBlobs[float32](k, &geo)
			} else {
				convForwardBlobs[float64](k, &geo)
			}
			return nil
		}),
		// y = conv(x, w) + b: dx = convᵀ(g, w) (Deconvolution), dw = Σ g ⊗ patches(x),
		// db = Σ g over all but the channel axis.
		Grad: func(g *GradArgs) []*NDArray {
			a := g.Attrs.(ConvolutionAttrs)
			x, w, gy := g.Inputs[0], g.Inputs[1], g.OutGrads[0]
			geo, err := convGeomFor(a, x.shape, w.shape)
			must("Convolution", err)
			var dx *NDArray
			if nnNeedsGrad(x) { // a network's input data needs none
				dx = Invoke1(opDeconvolution, geo.deconvAttrsForDataGrad(), gy, w)
			}
			// The parameters' gradients go straight into the buffers
			// autograd offers, when it does (GradArgs.Into).
			dw := gradInto(g, 1, opConvBackwardWeight, geo.convAttrs(), x, gy)
			grads := []*NDArray{dx, dw}
			if !a.NoBias {
				grads = append(grads, gradInto(g, 2, opChannelSum, ChannelAttrs{Axis: 1}, gy))
			}
			return grads
		},
	})

	opDeconvolution = RegisterOp(&OpDef{
		Name:      "Deconvolution",
		Aliases:   []string{"_conv_backward_data"},
		Attrs:     DeconvolutionAttrs{},
		NumInputs: -1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			a := attrs.(DeconvolutionAttrs)
			if err := convNumInputs(a.NoBias, in); err != nil {
				return nil, err
			}
			geo, err := deconvGeomFor(a, in[0], in[1])
			if err != nil {
				return nil, err
			}
			if err := convCheckBias(in, geo.c); err != nil {
				return nil, err
			}
			return []Shape{append(Shape{geo.n, geo.c}, geo.spatialShape(geo.in)...)}, nil
		},
		InferType: nnFloatType(1),
		Kernels: cpu(func(k *KernelArgs) error {
			geo, err := deconvGeomFor(k.Attrs.(DeconvolutionAttrs), k.In[0].Shape, k.In[1].Shape)
			if err != nil {
				return err
			}
			if k.Out[0].DType == Float32 {
				deconvForwardBlobs[float32](k, &geo)
			} else {
				deconvForwardBlobs[float64](k, &geo)
			}
			return nil
		}),
		// y = convᵀ(x, w) + b is the adjoint of conv(·, w): dx = conv(g, w),
		// dw = Σ x ⊗ patches(g) (_conv_backward_weight with g as data), db = Σ g.
		Grad: func(g *GradArgs) []*NDArray {
			a := g.Attrs.(DeconvolutionAttrs)
			x, w, gy := g.Inputs[0], g.Inputs[1], g.OutGrads[0]
			geo, err := deconvGeomFor(a, x.shape, w.shape)
			must("Deconvolution", err)
			ca := geo.convAttrs()
			var dx *NDArray
			if nnNeedsGrad(x) {
				dx = Invoke1(opConvolution, ca, gy, w)
			}
			dw := Invoke1(opConvBackwardWeight, ca, gy, x)
			grads := []*NDArray{dx, dw}
			if !a.NoBias {
				grads = append(grads, channelSum(gy, 1))
			}
			return grads
		},
	})

	opConvBackwardWeight = RegisterOp(&OpDef{
		Name:      "_conv_backward_weight",
		Attrs:     ConvolutionAttrs{},
		NumInputs: 2, // data x, output gradient dy
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			geo, err := convWeightGeom(attrs.(ConvolutionAttrs), in[0], in[1])
			if err != nil {
				return nil, err
			}
			return []Shape{convWeightShape(&geo)}, nil
		},
		InferType: nnFloatType(1),
		Kernels: cpu(func(k *KernelArgs) error {
			geo, err := convWeightGeom(k.Attrs.(ConvolutionAttrs), k.In[0].Shape, k.In[1].Shape)
			if err != nil {
				return err
			}
			if k.Out[0].DType == Float32 {
				convWeight(k.In[0].F32(), k.In[1].F32(), k.Out[0].F32(), &geo)
			} else {
				convWeight(k.In[0].F64(), k.In[1].F64(), k.Out[0].F64(), &geo)
			}
			return nil
		}),
		// dw = W(x, dy) is bilinear: with h the gradient of dw,
		// d/dx = convᵀ(dy, h) and d/d(dy) = conv(x, h).
		Grad: func(g *GradArgs) []*NDArray {
			x, dy, h := g.Inputs[0], g.Inputs[1], g.OutGrads[0]
			geo, err := convWeightGeom(g.Attrs.(ConvolutionAttrs), x.shape, dy.shape)
			must("_conv_backward_weight", err)
			return []*NDArray{
				Invoke1(opDeconvolution, geo.deconvAttrsForDataGrad(), dy, h),
				Invoke1(opConvolution, geo.convAttrs(), x, h),
			}
		},
	})
}

// convWeightGeom is the geometry of _conv_backward_weight; Kernel is
// required. The weight shape it checks against is built in a pooled
// slice, so the kernel allocates nothing (convWeightShape gives it).
func convWeightGeom(a ConvolutionAttrs, x, dy Shape) (convGeom, error) {
	if len(a.Kernel) == 0 || len(x) < 3 {
		return convGeom{}, fmt.Errorf("kernel attribute and a 3D-5D data are required")
	}
	group := max(a.NumGroup, 1)
	if len(dy) != len(x) || x[1]%group != 0 {
		return convGeom{}, fmt.Errorf("data %v and output gradient %v do not match (num_group %d)", x, dy, group)
	}
	wsp := convWeightShapes.Get().(*Shape)
	ws := append(append((*wsp)[:0], dy[1], x[1]/group), a.Kernel...)
	*wsp = ws
	a.NumFilter = 0
	geo, err := convGeomFor(a, x, ws)
	convWeightShapes.Put(wsp)
	if err != nil {
		return geo, err
	}
	if dy[0] != geo.n || !convSpatialIs(dy[2:], geo.out, geo.nsp) {
		return geo, fmt.Errorf("output gradient %v, convolution of %v gives (%d, %d, %v)", dy, x, geo.n, geo.f, geo.spatialShape(geo.out))
	}
	return geo, nil
}

// convWeightShapes holds the scratch weight shapes of convWeightGeom.
var convWeightShapes = sync.Pool{New: func() any { return new(Shape) }}

// convWeightShape is the weight gradient's shape (F, C/G, kernel...).
func convWeightShape(geo *convGeom) Shape {
	return append(Shape{geo.f, geo.c / geo.group}, geo.spatialShape(geo.k)...)
}

// convSpatialIs reports whether s equals the last nsp entries of t.
func convSpatialIs(s Shape, t [3]int, nsp int) bool {
	if len(s) != nsp {
		return false
	}
	for i, v := range s {
		if v != t[3-nsp+i] {
			return false
		}
	}
	return true
}

// Convolution computes an N-D convolution (cross-correlation, as in MXNet
// and PyTorch) of data (N, C, spatial...) with weight (F, C/G, k...),
// plus bias (F,) unless bias is nil (then NoBias is implied). The output is
// (N, F, out...) with out = (in + 2·pad - dilate·(k-1) - 1)/stride + 1.
// Float32 3×3 stride-1 convolutions with many output tiles use Winograd's
// algorithm, whose rounding differs from the direct sum by about 1e-5 of
// the output's magnitude; set MXGO_CONV_WINOGRAD=0 in the environment for
// the direct (im2col) results. It panics if the shapes do not fit the
// attributes.
func Convolution(data, weight, bias *NDArray, attrs ConvolutionAttrs) *NDArray {
	if bias == nil {
		attrs.NoBias = true
		return Invoke1(opConvolution, attrs, data, weight)
	}
	if attrs.NoBias {
		return Invoke1(opConvolution, attrs, data, weight)
	}
	return Invoke1(opConvolution, attrs, data, weight, bias)
}

// Deconvolution computes a transposed convolution of data (N, C, in...)
// with weight (C, F/G, k...), plus bias (F,) unless bias is nil. The output
// is (N, F, out...) with out = stride·(in-1) + dilate·(k-1) + 1 - 2·pad + adj,
// or TargetShape when given. It is the gradient of Convolution with respect
// to its data. It panics if the shapes do not fit the attributes.
func Deconvolution(data, weight, bias *NDArray, attrs DeconvolutionAttrs) *NDArray {
	if bias == nil || attrs.NoBias {
		attrs.NoBias = true
		return Invoke1(opDeconvolution, attrs, data, weight)
	}
	return Invoke1(opDeconvolution, attrs, data, weight, bias)
}

// ---- kernels ----

type convGemmFunc[T nnFloat] func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

func convGemm[T nnFloat]() convGemmFunc[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(convGemmFunc[float32](kernels.Sgemm)).(convGemmFunc[T])
	}
	return any(convGemmFunc[float64](kernels.Dgemm)).(convGemmFunc[T])
}

func convForwardBlobs[T nnFloat](k *KernelArgs, geo *convGeom) {
	y := Elems[T](k.Out[0])
	var bias []T
	if len(k.In) == 3 {
		bias = Elems[T](k.In[2])
	}
	if convTryWinograd(Elems[T](k.In[0]), Elems[T](k.In[1]), bias, y, geo) { // op_conv_winograd.go
		return
	}
	if convTryDirect(Elems[T](k.In[0]), Elems[T](k.In[1]), bias, y, geo) { // op_conv_direct.go
		return
	}
	if convBatchOK(geo) && !convForwardOffsetOK(Elems[T](k.In[0]), geo) {
		convForwardBatched(Elems[T](k.In[0]), Elems[T](k.In[1]), bias, y, geo)
		return
	}
	convForward(Elems[T](k.In[0]), Elems[T](k.In[1]), y, geo)
	if len(k.In) == 3 {
		convAddBias(y, Elems[T](k.In[2]), geo.n, geo.f, geo.outSize())
	}
}

func deconvForwardBlobs[T nnFloat](k *KernelArgs, geo *convGeom) {
	y := Elems[T](k.Out[0])
	convAdjoint(Elems[T](k.In[0]), Elems[T](k.In[1]), y, geo)
	if len(k.In) == 3 {
		convAddBias(y, Elems[T](k.In[2]), geo.n, geo.c, geo.inSize())
	}
}

func convAddBias[T nnFloat](y, b []T, n, ch, size int) {
	for i := 0; i < n; i++ {
		for c := 0; c < ch; c++ {
			row := y[(i*ch+c)*size : (i*ch+c+1)*size]
			v := b[c]
			for j := range row {
				row[j] += v
			}
		}
	}
}

// convBatchParallel reports whether to spread the batch over threads (each
// image then runs a single-threaded GEMM) rather than parallelize each GEMM.
func convBatchParallel(n int) bool {
	t := kernels.NumThreads()
	return t > 1 && n >= t
}

// convForwardOffsetOK reports whether convForward takes the offset path.
func convForwardOffsetOK[T nnFloat](x []T, geo *convGeom) bool {
	_, ok := any(x).([]float32)
	return ok && convOffsetEnabled && convOffsetOK(geo)
}

// convForward computes y = conv(x, w) (no bias).
func convForward[T nnFloat](x, w, y []T, geoIn *convGeom) {
	if geoIn.n == 0 {
		return
	}
	// The batched path excludes depthwise convolutions, so it may be
	// tested first; it copies the geometry into its pooled task.
	if convBatchOK(geoIn) && !convForwardOffsetOK(x, geoIn) {
		convForwardBatched(x, w, nil, y, geoIn)
		return
	}
	geo := new(convGeom) // the closures below capture geo: a copy, so the caller's does not escape
	*geo = *geoIn
	if geo.depthwise() {
		convDepthwiseForward(x, w, y, geo)
		return
	}
	if convForwardOffsetOK(x, geo) {
		convForwardOffset(any(x).([]float32), any(w).([]float32), any(y).([]float32), geo)
		return
	}
	gemm := convGemm[T]()
	I, L, K := geo.inSize(), geo.outSize(), geo.kSize()
	cg, fg := geo.c/geo.group, geo.f/geo.group
	rows := cg * K
	if !geo.direct() {
		convForwardPanels(x, w, y, geo)
		return
	}
	image := func(i int, _ []T) {
		xi, yi := x[i*geo.c*I:(i+1)*geo.c*I], y[i*geo.f*L:(i+1)*geo.f*L]
		for g := 0; g < geo.group; g++ {
			gemm(false, false, fg, L, rows, 1, w[g*fg*rows:], rows, xi[g*rows*L:], L, 0, yi[g*fg*L:], L)
		}
	}
	convForEachImage(geo, 0, image)
}

// convPanelFloats is the size of one im2col panel in elements: with the
// packed weights it stays in a core's L2 (1 MB on the machines measured),
// so the GEMM packs hot data instead of re-reading a full im2col matrix
// from memory.
var convPanelFloats = 1 << 16

// convPanelWidth is how many output positions one im2col panel of rows
// rows covers. Panels pay only when the full patch matrix would spill
// from the caches (ResNet's stem and first stage): otherwise narrow GEMMs
// waste their wide tiles and repack the weights for little gain, so the
// image is one panel and its GEMM splits the filters among the threads.
// Panels are at least 128 wide and evened out so the last is no sliver.
func convPanelWidth(rows, L int) int {
	const minWidth = 128
	nb := max(convPanelFloats/max(rows, 1), minWidth)
	if rows*L <= convFullIm2colFloats || L < 4*minWidth || nb >= L {
		return L
	}
	blocks := (L + nb - 1) / nb
	return ((L+blocks-1)/blocks + 15) / 16 * 16
}

// convFullIm2colFloats is the largest patch matrix built whole (4 MB of
// float32).
var convFullIm2colFloats = 1 << 20

// convForwardPanels computes y = conv(x, w) panel by panel: the output
// positions of each image are cut into column blocks whose patches
// (im2col restricted to the block) fit in L2, and each block is one GEMM
// straight into its columns of y. Blocks spread over the threads, so a
// single image uses every core; a batch at least as large as the thread
// count spreads images instead, each running its blocks in turn.
func convForwardPanels[T nnFloat](x, w, y []T, geo *convGeom) {
	gemm := convGemm[T]()
	I, L, K := geo.inSize(), geo.outSize(), geo.kSize()
	cg, fg := geo.c/geo.group, geo.f/geo.group
	rows := cg * K
	nb := convPanelWidth(rows, L)
	blocks := (L + nb - 1) / nb
	// block computes columns [j0, j1) of image i, every group.
	block := func(i, j0, j1 int, col []T) {
		xi, yi := x[i*geo.c*I:(i+1)*geo.c*I], y[i*geo.f*L:(i+1)*geo.f*L]
		n := j1 - j0
		panel := col[:rows*n]
		for g := 0; g < geo.group; g++ {
			convIm2colBlock(xi, panel, geo, g*cg, (g+1)*cg, j0, j1)
			gemm(false, false, fg, n, rows, 1, w[g*fg*rows:], rows, panel, n, 0, yi[g*fg*L+j0:], L)
		}
	}
	threads := kernels.NumThreads()
	if convBatchParallel(geo.n) || blocks < threads {
		// One thread per image, or too few blocks to share: each GEMM
		// then parallelizes itself when it has the pool.
		convForEachImage(geo, geo.group*rows*nb, func(i int, col []T) {
			if blocks == 1 {
				// The whole patch matrix, copied and multiplied by all
				// threads when the pool is free.
				xi := x[i*geo.c*I : (i+1)*geo.c*I]
				if geo.im2colPlain() {
					convIm2colPlain(xi, col, geo)
				} else {
					kernels.ParallelFor(geo.c, max(1, convCopyGrain/(K*L+1)), func(c0, c1 int) {
						convIm2colBlock(xi, col[c0*K*L:c1*K*L], geo, c0, c1, 0, L)
					})
				}
				for g := 0; g < geo.group; g++ {
					gemm(false, false, fg, L, rows, 1, w[g*fg*rows:], rows, col[g*rows*L:], L, 0, y[i*geo.f*L+g*fg*L:], L)
				}
				return
			}
			for j0 := 0; j0 < L; j0 += nb {
				block(i, j0, min(j0+nb, L), col)
			}
		})
		return
	}
	// Blocks are claimed one at a time so a thread slowed by other load
	// on the machine does less of them.
	for i := 0; i < geo.n; i++ {
		var next atomic.Int64
		kernels.ParallelFor(threads, 1, func(lo, hi int) {
			buf := nnGetBuf[T](rows * nb)
			defer nnPutBuf(buf)
			for range hi - lo {
				for {
					b := int(next.Add(1) - 1)
					if b >= blocks {
						break
					}
					j0 := b * nb
					block(i, j0, min(j0+nb, L), *buf)
				}
			}
		})
	}
}

// convZero clears s; the rows of small images are short, and for them a
// call to memclr costs more than the stores.
func convZero[T nnFloat](s []T) {
	if len(s) >= 32 {
		clear(s)
		return
	}
	for i := range s {
		s[i] = 0
	}
}

// convIm2colBlock writes the patches of output positions [j0, j1) for
// channels [c0, c1) of one image x (C, D, H, W) as col ((c1-c0)·kD·kH·kW,
// j1-j0), zero where the window reads padding. A stride-2 1×1 convolution
// thus becomes a strided gather into a small panel.
func convIm2colBlock[T nnFloat](x, col []T, geo *convGeom, c0, c1, j0, j1 int) {
	D, H, W := geo.in[0], geo.in[1], geo.in[2]
	OH, OW := geo.out[1], geo.out[2]
	n := j1 - j0
	sw := geo.s[2]
	r := 0
	for c := c0; c < c1; c++ {
		xc := x[c*D*H*W : (c+1)*D*H*W]
		for kd := 0; kd < geo.k[0]; kd++ {
			for kh := 0; kh < geo.k[1]; kh++ {
				for kw := 0; kw < geo.k[2]; kw++ {
					dst := col[r*n : (r+1)*n]
					r++
					offW := kw*geo.d[2] - geo.p[2]
					lo, hi := nnValidRange(offW, sw, W, OW)
					for j := j0; j < j1; {
						row, ow0 := j/OW, j%OW
						ow1 := min(OW, ow0+j1-j)
						seg := dst[j-j0 : j-j0+ow1-ow0]
						j += ow1 - ow0
						od, oh := row/OH, row%OH
						id := od*geo.s[0] + kd*geo.d[0] - geo.p[0]
						ih := oh*geo.s[1] + kh*geo.d[1] - geo.p[1]
						if id < 0 || id >= D || ih < 0 || ih >= H {
							convZero(seg)
							continue
						}
						src := xc[(id*H+ih)*W : (id*H+ih+1)*W]
						a, b := max(lo, ow0), min(hi, ow1)
						if a >= b {
							convZero(seg)
							continue
						}
						convZero(seg[:a-ow0])
						convZero(seg[b-ow0:])
						d := seg[a-ow0 : b-ow0]
						switch sw {
						case 1:
							s := src[a+offW : b+offW]
							if len(d) >= 16 {
								copy(d, s)
							} else { // a call to memmove costs more than a short row
								for t := range d {
									d[t] = s[t]
								}
							}
						case 2:
							s := src[2*a+offW : 2*(b-1)+offW+1]
							for t := range d {
								d[t] = s[2*t]
							}
						default:
							for t := range d {
								d[t] = src[(a+t)*sw+offW]
							}
						}
					}
				}
			}
		}
	}
}

// convForEachImage runs image(i, col) for every batch item with a scratch
// column buffer of colLen, in parallel over the batch when it is large.
func convForEachImage[T nnFloat](geo *convGeom, colLen int, image func(i int, col []T)) {
	if convBatchParallel(geo.n) {
		kernels.ParallelFor(geo.n, 1, func(lo, hi int) {
			buf := nnGetBuf[T](colLen)
			defer nnPutBuf(buf)
			for i := lo; i < hi; i++ {
				image(i, *buf)
			}
		})
		return
	}
	buf := nnGetBuf[T](colLen)
	defer nnPutBuf(buf)
	for i := 0; i < geo.n; i++ {
		image(i, *buf)
	}
}

// convAdjoint computes dx = convᵀ(dy, w): the data gradient of conv, and
// the forward pass of Deconvolution.
func convAdjoint[T nnFloat](dy, w, dx []T, geoIn *convGeom) {
	if geoIn.n == 0 {
		return
	}
	if convTryWinogradAdjoint(dy, w, dx, geoIn) { // op_conv_winograd.go
		return
	}
	if convBatchOK(geoIn) { // never depthwise
		convAdjointBatched(dy, w, dx, geoIn)
		return
	}
	geo := new(convGeom) // captured by the closures below (see convForward)
	*geo = *geoIn
	if geo.depthwise() {
		convDepthwiseAdjoint(dy, w, dx, geo)
		return
	}
	gemm := convGemm[T]()
	I, L, K := geo.inSize(), geo.outSize(), geo.kSize()
	cg, fg := geo.c/geo.group, geo.f/geo.group
	rows := cg * K
	image := func(i int, col []T) {
		dxi, dyi := dx[i*geo.c*I:(i+1)*geo.c*I], dy[i*geo.f*L:(i+1)*geo.f*L]
		if geo.direct() {
			col = dxi
		}
		for g := 0; g < geo.group; g++ {
			gemm(true, false, rows, L, fg, 1, w[g*fg*rows:], rows, dyi[g*fg*L:], L, 0, col[g*rows*L:], L)
		}
		if !geo.direct() {
			convCol2im(col, dxi, geo)
		}
	}
	convForEachImage(geo, geo.c*K*L, image)
}

// convWeight computes dw = Σ_n dy_n · im2col(x_n)ᵀ per group.
func convWeight[T nnFloat](x, dy, dw []T, geoIn *convGeom) {
	clear(dw)
	if geoIn.n == 0 {
		return
	}
	if convBatchOK(geoIn) { // never depthwise
		convWeightBatched(x, dy, dw, geoIn)
		return
	}
	geo := new(convGeom) // captured by the closures below (see convForward)
	*geo = *geoIn
	if geo.depthwise() {
		convDepthwiseWeight(x, dy, dw, geo)
		return
	}
	gemm := convGemm[T]()
	I, L, K := geo.inSize(), geo.outSize(), geo.kSize()
	cg, fg := geo.c/geo.group, geo.f/geo.group
	rows := cg * K
	colLen := geo.c * K * L
	accumulate := func(lo, hi int, acc, col []T) {
		for i := lo; i < hi; i++ {
			xi, dyi := x[i*geo.c*I:(i+1)*geo.c*I], dy[i*geo.f*L:(i+1)*geo.f*L]
			c := col
			if geo.direct() {
				c = xi
			} else {
				convIm2col(xi, c, geo)
			}
			for g := 0; g < geo.group; g++ {
				gemm(false, true, fg, rows, L, 1, dyi[g*fg*L:], L, c[g*rows*L:], L, 1, acc[g*fg*rows:], rows)
			}
		}
	}
	if !convBatchParallel(geo.n) {
		buf := nnGetBuf[T](colLen)
		defer nnPutBuf(buf)
		accumulate(0, geo.n, dw, *buf)
		return
	}
	// Each thread sums its share of the batch into its own partial dw.
	parts := kernels.NumThreads()
	partial := nnGetBuf[T](parts * len(dw))
	defer nnPutBuf(partial)
	p := (*partial)[:parts*len(dw)]
	clear(p)
	kernels.ParallelFor(parts, 1, func(lo, hi int) {
		buf := nnGetBuf[T](colLen)
		defer nnPutBuf(buf)
		for t := lo; t < hi; t++ {
			accumulate(t*geo.n/parts, (t+1)*geo.n/parts, p[t*len(dw):(t+1)*len(dw)], *buf)
		}
	})
	for t := 0; t < parts; t++ {
		for j, v := range p[t*len(dw) : (t+1)*len(dw)] {
			dw[j] += v
		}
	}
}

// convIm2col writes the patches of one image x (C, D, H, W) as col
// (C·kD·kH·kW, oD·oH·oW), zero where the window reads padding.
func convIm2col[T nnFloat](x, col []T, geo *convGeom) {
	if geo.im2colPlain() {
		convIm2colPlain(x, col, geo)
		return
	}
	convIm2colGeneral(x, col, geo)
}

// convCopyGrain is the number of patch-matrix elements below which
// im2col and col2im run on one thread: they move a few bytes per element,
// and waking a helper costs more than copying tens of thousands of floats.
const convCopyGrain = 1 << 16

// convIm2colGeneral is convIm2col for any geometry.
func convIm2colGeneral[T nnFloat](x, col []T, geo *convGeom) {
	D, H, W := geo.in[0], geo.in[1], geo.in[2]
	OD, OH, OW := geo.out[0], geo.out[1], geo.out[2]
	L, K := geo.outSize(), geo.kSize()
	kernels.ParallelFor(geo.c, max(1, convCopyGrain/(K*L+1)), func(c0, c1 int) {
		for c := c0; c < c1; c++ {
			xc := x[c*D*H*W : (c+1)*D*H*W]
			for kd := 0; kd < geo.k[0]; kd++ {
				for kh := 0; kh < geo.k[1]; kh++ {
					for kw := 0; kw < geo.k[2]; kw++ {
						r := ((c*geo.k[0]+kd)*geo.k[1]+kh)*geo.k[2] + kw
						dst := col[r*L : (r+1)*L]
						offW := kw*geo.d[2] - geo.p[2]
						lo, hi := nnValidRange(offW, geo.s[2], W, OW)
						for od := 0; od < OD; od++ {
							id := od*geo.s[0] + kd*geo.d[0] - geo.p[0]
							for oh := 0; oh < OH; oh++ {
								ih := oh*geo.s[1] + kh*geo.d[1] - geo.p[1]
								seg := dst[(od*OH+oh)*OW : (od*OH+oh+1)*OW]
								if id < 0 || id >= D || ih < 0 || ih >= H {
									clear(seg)
									continue
								}
								row := xc[(id*H+ih)*W : (id*H+ih+1)*W]
								clear(seg[:lo])
								clear(seg[hi:])
								if geo.s[2] == 1 {
									d, src := seg[lo:hi], row[lo+offW:hi+offW]
									if len(d) >= 64 {
										copy(d, src)
									} else { // a call to memmove costs more than a short row
										for j := range d {
											d[j] = src[j]
										}
									}
								} else {
									for ow := lo; ow < hi; ow++ {
										seg[ow] = row[ow*geo.s[2]+offW]
									}
								}
							}
						}
					}
				}
			}
		}
	})
}

// im2colPlain reports whether every window lies inside the input at unit
// stride and dilation in a 1-D or 2-D convolution: each column row is
// then OH plain copies of OW input values.
func (g *convGeom) im2colPlain() bool {
	return g.in[0] == 1 && g.k[0] == 1 && g.p == [3]int{} && g.s == [3]int{1, 1, 1} && g.d == [3]int{1, 1, 1}
}

// convIm2colPlain is convIm2col for im2colPlain geometries, without the
// per-row padding checks (the rows of a small image are short, so that
// bookkeeping was most of the cost).
func convIm2colPlain[T nnFloat](x, col []T, geo *convGeom) {
	H, W, OH, OW := geo.in[1], geo.in[2], geo.out[1], geo.out[2]
	KH, KW := geo.k[1], geo.k[2]
	L := OH * OW
	kernels.ParallelFor(geo.c, max(1, convCopyGrain/(KH*KW*L+1)), func(c0, c1 int) {
		for c := c0; c < c1; c++ {
			xc := x[c*H*W : (c+1)*H*W]
			for kh := 0; kh < KH; kh++ {
				for kw := 0; kw < KW; kw++ {
					r := (c*KH+kh)*KW + kw
					dst := col[r*L : (r+1)*L]
					src := xc[kh*W+kw:]
					for oh := 0; oh < OH; oh++ {
						d := dst[oh*OW : oh*OW+OW]
						s := src[oh*W : oh*W+OW]
						for j := range d {
							d[j] = s[j]
						}
					}
				}
			}
		}
	})
}

// convCol2im adds the columns back into an image: dx = col2im(col).
func convCol2im[T nnFloat](col, dx []T, geo *convGeom) {
	if geo.im2colPlain() {
		convCol2imPlain(col, dx, geo)
		return
	}
	convCol2imGeneral(col, dx, geo)
}

// convCol2imPlain is convCol2im for im2colPlain geometries.
func convCol2imPlain[T nnFloat](col, dx []T, geo *convGeom) {
	H, W, OH, OW := geo.in[1], geo.in[2], geo.out[1], geo.out[2]
	KH, KW := geo.k[1], geo.k[2]
	L := OH * OW
	kernels.ParallelFor(geo.c, max(1, convCopyGrain/(KH*KW*L+1)), func(c0, c1 int) {
		for c := c0; c < c1; c++ {
			xc := dx[c*H*W : (c+1)*H*W]
			clear(xc)
			for kh := 0; kh < KH; kh++ {
				for kw := 0; kw < KW; kw++ {
					r := (c*KH+kh)*KW + kw
					src := col[r*L : (r+1)*L]
					dst := xc[kh*W+kw:]
					for oh := 0; oh < OH; oh++ {
						d := dst[oh*W : oh*W+OW]
						s := src[oh*OW : oh*OW+OW]
						for j := range d {
							d[j] += s[j]
						}
					}
				}
			}
		}
	})
}

// convCol2imGeneral is convCol2im for any geometry.
func convCol2imGeneral[T nnFloat](col, dx []T, geo *convGeom) {
	D, H, W := geo.in[0], geo.in[1], geo.in[2]
	OD, OH, OW := geo.out[0], geo.out[1], geo.out[2]
	L := geo.outSize()
	kernels.ParallelFor(geo.c, max(1, convCopyGrain/(geo.kSize()*L+1)), func(c0, c1 int) {
		for c := c0; c < c1; c++ {
			xc := dx[c*D*H*W : (c+1)*D*H*W]
			clear(xc)
			for kd := 0; kd < geo.k[0]; kd++ {
				for kh := 0; kh < geo.k[1]; kh++ {
					for kw := 0; kw < geo.k[2]; kw++ {
						r := ((c*geo.k[0]+kd)*geo.k[1]+kh)*geo.k[2] + kw
						src := col[r*L : (r+1)*L]
						offW := kw*geo.d[2] - geo.p[2]
						lo, hi := nnValidRange(offW, geo.s[2], W, OW)
						for od := 0; od < OD; od++ {
							id := od*geo.s[0] + kd*geo.d[0] - geo.p[0]
							if id < 0 || id >= D {
								continue
							}
							for oh := 0; oh < OH; oh++ {
								ih := oh*geo.s[1] + kh*geo.d[1] - geo.p[1]
								if ih < 0 || ih >= H {
									continue
								}
								row := xc[(id*H+ih)*W : (id*H+ih+1)*W]
								seg := src[(od*OH+oh)*OW : (od*OH+oh+1)*OW]
								if geo.s[2] == 1 && lo < hi {
									d, sg := row[lo+offW:hi+offW], seg[lo:hi]
									for j := range d {
										d[j] += sg[j]
									}
									continue
								}
								for ow := lo; ow < hi; ow++ {
									row[ow*geo.s[2]+offW] += seg[ow]
								}
							}
						}
					}
				}
			}
		}
	})
}

// ---- depthwise (num_group == channels): direct loops, no im2col ----

// convDepthwiseTaps calls tap(xOff, yOff, n, stride) for every run of
// output positions of one (input channel, filter) pair that read input
// row xOff..: y[yOff+j] pairs with x[xOff+j*stride] for j < n, for the
// kernel tap index t.
func convDepthwiseTaps(geo *convGeom, tap func(t, xOff, yOff, n int)) {
	D, H, W := geo.in[0], geo.in[1], geo.in[2]
	OD, OH, OW := geo.out[0], geo.out[1], geo.out[2]
	t := 0
	for kd := 0; kd < geo.k[0]; kd++ {
		for kh := 0; kh < geo.k[1]; kh++ {
			for kw := 0; kw < geo.k[2]; kw++ {
				offW := kw*geo.d[2] - geo.p[2]
				lo, hi := nnValidRange(offW, geo.s[2], W, OW)
				if lo < hi {
					for od := 0; od < OD; od++ {
						id := od*geo.s[0] + kd*geo.d[0] - geo.p[0]
						if id < 0 || id >= D {
							continue
						}
						for oh := 0; oh < OH; oh++ {
							ih := oh*geo.s[1] + kh*geo.d[1] - geo.p[1]
							if ih < 0 || ih >= H {
								continue
							}
							tap(t, (id*H+ih)*W+lo*geo.s[2]+offW, (od*OH+oh)*OW+lo, hi-lo)
						}
					}
				}
				t++
			}
		}
	}
}

func convDepthwiseForward[T nnFloat](x, w, y []T, geo *convGeom) {
	I, L, K := geo.inSize(), geo.outSize(), geo.kSize()
	mult := geo.f / geo.c
	s := geo.s[2]
	kernels.ParallelFor(geo.n*geo.f, 1, func(lo, hi int) {
		for nf := lo; nf < hi; nf++ {
			n, f := nf/geo.f, nf%geo.f
			xc := x[(n*geo.c+f/mult)*I : (n*geo.c+f/mult+1)*I]
			yc := y[nf*L : (nf+1)*L]
			wf := w[f*K : (f+1)*K]
			clear(yc)
			convDepthwiseTaps(geo, func(t, xo, yo, m int) {
				wv := wf[t]
				ys := yc[yo : yo+m]
				if s == 1 {
					xs := xc[xo : xo+m]
					for j := range ys {
						ys[j] += wv * xs[j]
					}
					return
				}
				for j := range ys {
					ys[j] += wv * xc[xo+j*s]
				}
			})
		}
	})
}

func convDepthwiseAdjoint[T nnFloat](dy, w, dx []T, geo *convGeom) {
	I, L, K := geo.inSize(), geo.outSize(), geo.kSize()
	mult := geo.f / geo.c
	s := geo.s[2]
	kernels.ParallelFor(geo.n*geo.c, 1, func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			n, c := nc/geo.c, nc%geo.c
			xc := dx[nc*I : (nc+1)*I]
			clear(xc)
			for f := c * mult; f < (c+1)*mult; f++ {
				yc := dy[(n*geo.f+f)*L : (n*geo.f+f+1)*L]
				wf := w[f*K : (f+1)*K]
				convDepthwiseTaps(geo, func(t, xo, yo, m int) {
					wv := wf[t]
					ys := yc[yo : yo+m]
					for j := range ys {
						xc[xo+j*s] += wv * ys[j]
					}
				})
			}
		}
	})
}

func convDepthwiseWeight[T nnFloat](x, dy, dw []T, geo *convGeom) {
	I, L, K := geo.inSize(), geo.outSize(), geo.kSize()
	mult := geo.f / geo.c
	s := geo.s[2]
	kernels.ParallelFor(geo.f, 1, func(lo, hi int) {
		for f := lo; f < hi; f++ {
			wf := dw[f*K : (f+1)*K]
			for n := 0; n < geo.n; n++ {
				xc := x[(n*geo.c+f/mult)*I : (n*geo.c+f/mult+1)*I]
				yc := dy[(n*geo.f+f)*L : (n*geo.f+f+1)*L]
				convDepthwiseTaps(geo, func(t, xo, yo, m int) {
					var acc T
					ys := yc[yo : yo+m]
					for j := range ys {
						acc += ys[j] * xc[xo+j*s]
					}
					wf[t] += acc
				})
			}
		}
	})
}
