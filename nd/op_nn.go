package nd

import (
	"fmt"
	"sync"
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
// kernel calls so steady-state training does not allocate them.
var nnBufPool32, nnBufPool64 sync.Pool

// nnGetBuf returns a scratch slice of length n (contents undefined).
func nnGetBuf[T nnFloat](n int) *[]T {
	var z T
	var p *sync.Pool
	if _, ok := any(z).(float32); ok {
		p = &nnBufPool32
	} else {
		p = &nnBufPool64
	}
	if v := p.Get(); v != nil {
		b := v.(*[]T)
		if cap(*b) >= n {
			*b = (*b)[:n]
			return b
		}
	}
	b := make([]T, n)
	return &b
}

// nnPutBuf returns a scratch slice to its pool.
func nnPutBuf[T nnFloat](b *[]T) {
	var z T
	if _, ok := any(z).(float32); ok {
		nnBufPool32.Put(b)
	} else {
		nnBufPool64.Put(b)
	}
}

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
			var acc T
			for _, v := range x[(o*n+c)*inner : (o*n+c+1)*inner] {
				acc += v
			}
			out[c] += acc
		}
	}
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
