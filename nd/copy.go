package nd

import (
	"errors"

	"github.com/mxgo/mxgo/engine"
)

// _copy makes a contiguous copy of any (possibly strided) array.
var opCopy, opCopyTo *OpDef

func init() {
	opCopy = RegisterOp(&OpDef{
		Name:       "_copy",
		Aliases:    []string{"identity"},
		NumInputs:  1,
		InferShape: sameShape,
		Strided:    true,
		Kernels: map[engine.DeviceType]Kernel{engine.CPU: func(k *KernelArgs) error {
			in, out := k.In[0], k.Out[0]
			stridedCopy(out.Data, nil, in.Data, in.Strides, in.Shape, in.DType.Size())
			return nil
		}},
		// d/dx x = 1
		Grad: func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0]} },
	})
}

func sameShape(_ any, in []Shape) ([]Shape, error) { return []Shape{in[0]}, nil }

// Copy returns a new contiguous array with the same values on the same device.
func (a *NDArray) Copy() *NDArray { return Invoke1(opCopy, nil, a) }

// stridedCopy copies the elements of src (C-order over shape, element
// strides srcStrides or contiguous when nil) into dst (strides dstStrides,
// contiguous when nil). Both slices start at their first element.
func stridedCopy(dst []byte, dstStrides []int, src []byte, srcStrides []int, shape Shape, es int) {
	n := shape.Size()
	if n == 0 {
		return
	}
	if dstStrides == nil && srcStrides == nil {
		copy(dst[:n*es], src[:n*es])
		return
	}
	cs := shape.Strides()
	if dstStrides == nil {
		dstStrides = cs
	}
	if srcStrides == nil {
		srcStrides = cs
	}
	nd := len(shape)
	if nd == 0 {
		copy(dst[:es], src[:es])
		return
	}
	inner := shape[nd-1]
	ds, ss := dstStrides[nd-1]*es, srcStrides[nd-1]*es
	idx := make([]int, nd)
	for done := 0; done < n; done += inner {
		doff, soff := 0, 0
		for d := 0; d < nd-1; d++ {
			doff += idx[d] * dstStrides[d]
			soff += idx[d] * srcStrides[d]
		}
		doff *= es
		soff *= es
		if ds == es && ss == es {
			copy(dst[doff:doff+inner*es], src[soff:soff+inner*es])
		} else {
			for j := 0; j < inner; j++ {
				copy(dst[doff+j*ds:doff+j*ds+es], src[soff+j*ss:soff+j*ss+es])
			}
		}
		for d := nd - 2; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
}

// copyInto writes src's values into dst, which may be a strided view. It is
// how writes into slices reach the engine.
func copyInto(dst, src *NDArray) {
	if dst.st.traced || src.st.traced {
		panicf("copyto", "in-place writes involving traced values cannot be recorded in a hybridized graph; use ops that return new arrays")
	}
	if !dst.shape.Equal(src.shape) {
		panicf("copyto", "shapes %v and %v differ", dst.shape, src.shape)
	}
	if src.dtype != dst.dtype {
		src = src.AsType(dst.dtype)
	}
	if src.st.dev != dst.st.dev {
		src = src.CopyTo(dst.st.dev)
	}
	if dst.Size() == 0 {
		return
	}
	checkDevice("copyto", dst.st.dev)
	if !isHost(dst.st.dev) {
		panicf("copyto", "writing into views on %v is not supported yet", dst.st.dev)
	}
	if src.st == dst.st {
		src = src.Copy() // overlapping views: copy out first
	}
	db, sb := dst.blob(), src.blob()
	es := dst.dtype.Size()
	shape := dst.shape
	dst.st.eng.Push(engine.Op{
		Name: "copyto", Device: dst.st.dev,
		Reads: []*engine.Var{src.st.v}, Writes: []*engine.Var{dst.st.v},
		Run: func() error {
			stridedCopy(db.Data, db.Strides, sb.Data, sb.Strides, shape, es)
			return nil
		},
	})
}

// CopyTo returns a copy of a on device d (a plain Copy when d is a's device).
func (a *NDArray) CopyTo(d Device) *NDArray {
	if d == a.st.dev {
		return a.Copy()
	}
	checkDevice("CopyTo", d)
	src := a
	if !src.IsContiguous() {
		src = src.Copy()
	}
	out := newArray(a.shape.Clone(), a.dtype, d)
	if out.Size() == 0 {
		return out
	}
	backendsMu.RLock()
	sbk, dbk := backends[src.st.dev.Type], backends[d.Type]
	backendsMu.RUnlock()
	sblob, dblob := src.blob(), out.blob()
	run := func() error {
		switch {
		case isHost(src.st.dev) && isHost(d):
			copy(dblob.Data, sblob.Data)
			return nil
		case isHost(src.st.dev):
			return dbk.CopyFromHost(dblob.Chunk, dblob.Offset, sblob.Data)
		case isHost(d):
			return sbk.CopyToHost(dblob.Data, sblob.Chunk, sblob.Offset)
		default:
			host := make([]byte, len(dblob.Data))
			if err := sbk.CopyToHost(host, sblob.Chunk, sblob.Offset); err != nil {
				return err
			}
			return dbk.CopyFromHost(dblob.Chunk, dblob.Offset, host)
		}
	}
	out.st.eng.Push(engine.Op{Name: "copyto", Device: d, Reads: []*engine.Var{src.st.v}, Writes: []*engine.Var{out.st.v}, Run: run})
	if recorder != nil && recorder.Recording() {
		recorder.Record(opCopyTo, d, []*NDArray{a}, []*NDArray{out})
	}
	return out
}

// opCopyTo exists so autograd can send gradients back across devices.
func init() {
	opCopyTo = RegisterOp(&OpDef{
		Name:       "_copyto",
		NumInputs:  1,
		InferShape: sameShape,
		Kernels: map[engine.DeviceType]Kernel{engine.CPU: func(k *KernelArgs) error {
			return errors.New("_copyto runs through CopyTo, not as a kernel")
		}},
		// The gradient goes back to the input's device.
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{g.OutGrads[0].AsIn(g.Inputs[0].Device())}
		},
	})
}

// AsIn returns a itself when it already lives on d, else a copy on d.
func (a *NDArray) AsIn(d Device) *NDArray {
	if a.st.dev == d {
		return a
	}
	return a.CopyTo(d)
}

// CopyFrom writes src's values into a (a may be a view: this is how slices
// are assigned). Shapes must match; dtype and device are converted.
func (a *NDArray) CopyFrom(src *NDArray) { copyInto(a, src) }

// Set writes a scalar into every element of a (a may be a view).
func (a *NDArray) Set(v float64) {
	copyInto(a, Full(a.shape.Clone(), v, OfType(a.dtype), On(a.st.dev)))
}

// Detach returns an array sharing a's storage but cut from the autograd graph.
func (a *NDArray) Detach() *NDArray {
	b := *a
	b.ag = nil
	return &b
}
