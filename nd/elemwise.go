package nd

import (
	"fmt"

	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd/kernels"
)

// binaryFuncs is an elementwise binary function for each kernel dtype
// family. Integer and bool types compute through i64.
type binaryFuncs struct {
	f32 func(x, y float32) float32
	f64 func(x, y float64) float64
	i64 func(x, y int64) int64
	// kind is the op as a direct loop over float32/float64 (a op b, and a
	// op s for a scalar s); kindLeft is s op b. scalarGeneric: none.
	kind, kindLeft scalarKind
	name           string
}

func binaryShape(_ any, in []Shape) ([]Shape, error) {
	s, err := BroadcastShapes(in[0], in[1])
	if err != nil {
		return nil, err
	}
	return []Shape{s}, nil
}

func binaryType(_ any, in []DType) ([]DType, error) {
	if in[0] != in[1] {
		return nil, fmt.Errorf("dtypes %v and %v differ (cast one with AsType)", in[0], in[1])
	}
	return []DType{in[0]}, nil
}

func (f binaryFuncs) kernel() Kernel {
	return func(k *KernelArgs) error {
		a, b, o := k.In[0], k.In[1], k.Out[0]
		switch o.DType {
		case Float32:
			if !binaryDirect(f.kind, f.kindLeft, o.F32(), a.F32(), b.F32(), o.Shape, a.Shape, b.Shape) {
				binaryApply(o.F32(), a.F32(), b.F32(), o.Shape, a.Shape, b.Shape, f.f32)
			}
		case Float64:
			if !binaryDirect(f.kind, f.kindLeft, o.F64(), a.F64(), b.F64(), o.Shape, a.Shape, b.Shape) {
				binaryApply(o.F64(), a.F64(), b.F64(), o.Shape, a.Shape, b.Shape, f.f64)
			}
		case Int32:
			binaryApply(Elems[int32](o), Elems[int32](a), Elems[int32](b), o.Shape, a.Shape, b.Shape, viaI64[int32](f.i64))
		case Int64:
			binaryApply(Elems[int64](o), Elems[int64](a), Elems[int64](b), o.Shape, a.Shape, b.Shape, f.i64)
		case Uint8, Bool:
			binaryApply(Elems[uint8](o), Elems[uint8](a), Elems[uint8](b), o.Shape, a.Shape, b.Shape, viaI64[uint8](f.i64))
		case Int8:
			binaryApply(Elems[int8](o), Elems[int8](a), Elems[int8](b), o.Shape, a.Shape, b.Shape, viaI64[int8](f.i64))
		case Float16, BFloat16:
			return fmt.Errorf("%v is a storage type: cast to float32 to compute", o.DType)
		default:
			return fmt.Errorf("dtype %v not supported", o.DType)
		}
		return nil
	}
}

func viaI64[T integer](f func(x, y int64) int64) func(x, y T) T {
	return func(x, y T) T { return T(f(int64(x), int64(y))) }
}

// binaryApply computes o = f(a, b) with broadcasting.
func binaryApply[T any](o, a, b []T, os, as, bs Shape, f func(x, y T) T) {
	if as.Equal(bs) {
		for i := range o {
			o[i] = f(a[i], b[i])
		}
		return
	}
	sa, sb := bcastStrides(as, os), bcastStrides(bs, os)
	pos := 0
	forEachRow(os, [][]int{sa, sb}, func(offs []int, n int, steps []int) {
		ai, bi := offs[0], offs[1]
		dst := o[pos : pos+n]
		switch {
		case steps[0] != 0 && steps[1] != 0:
			av, bv := a[ai:ai+n], b[bi:bi+n]
			for j := range dst {
				dst[j] = f(av[j], bv[j])
			}
		case steps[0] != 0:
			av, y := a[ai:ai+n], b[bi]
			for j := range dst {
				dst[j] = f(av[j], y)
			}
		case steps[1] != 0:
			x, bv := a[ai], b[bi:bi+n]
			for j := range dst {
				dst[j] = f(x, bv[j])
			}
		default:
			v := f(a[ai], b[bi])
			for j := range dst {
				dst[j] = v
			}
		}
		pos += n
	})
}

// unaryFuncs is an elementwise unary function per dtype family.
type unaryFuncs struct {
	f32 func(x float32) float32
	f64 func(x float64) float64
	i64 func(x int64) int64 // nil: the op is float-only
}

func (f unaryFuncs) kernel() Kernel {
	return func(k *KernelArgs) error {
		a, o := k.In[0], k.Out[0]
		switch o.DType {
		case Float32:
			unaryApply(o.F32(), a.F32(), f.f32)
		case Float64:
			unaryApply(o.F64(), a.F64(), f.f64)
		default:
			if f.i64 == nil || !(o.DType == Int32 || o.DType == Int64 || o.DType == Uint8 || o.DType == Int8 || o.DType == Bool) {
				return fmt.Errorf("dtype %v not supported (cast to float32)", o.DType)
			}
			switch o.DType {
			case Int32:
				unaryApply(Elems[int32](o), Elems[int32](a), viaI64u[int32](f.i64))
			case Int64:
				unaryApply(Elems[int64](o), Elems[int64](a), f.i64)
			case Uint8, Bool:
				unaryApply(Elems[uint8](o), Elems[uint8](a), viaI64u[uint8](f.i64))
			case Int8:
				unaryApply(Elems[int8](o), Elems[int8](a), viaI64u[int8](f.i64))
			}
		}
		return nil
	}
}

func viaI64u[T integer](f func(x int64) int64) func(x T) T {
	return func(x T) T { return T(f(int64(x))) }
}

func unaryApply[T any](o, a []T, f func(x T) T) {
	a = a[:len(o)]
	if len(o) >= 2*scalarGrain {
		// The body loops itself: ParallelFor may run a large range inline
		// (one thread, or busy helpers), and recursing would never end.
		kernels.ParallelFor(len(o), scalarGrain, func(lo, hi int) { mapLoop(o[lo:hi], a[lo:hi], f) })
		return
	}
	mapLoop(o, a, f)
}

// cpu builds a kernel map for the CPU only.
func cpu(k Kernel) map[engine.DeviceType]Kernel { return map[engine.DeviceType]Kernel{engine.CPU: k} }
