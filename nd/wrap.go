package nd

import (
	"fmt"
	"unsafe"

	"github.com/mxgo/mxgo/engine"
)

// Wrap returns a contiguous CPU array of the given shape that uses data's
// memory without copying it: data is a []float32, []float64, []int32,
// []int64, []int8 or []uint8 whose length fills shape. The caller hands the
// slice over: writing to it afterwards changes the array. Input pipelines
// use it to give pixels they produced to NDArray code without a copy.
//
// It panics if the type is not one of those or the length does not match.
func Wrap(data any, shape Shape) *NDArray {
	var t DType
	var raw []byte
	n := 0
	switch d := data.(type) {
	case []float32:
		t, raw, n = Float32, wrapBytes(d), len(d)
	case []float64:
		t, raw, n = Float64, wrapBytes(d), len(d)
	case []int32:
		t, raw, n = Int32, wrapBytes(d), len(d)
	case []int64:
		t, raw, n = Int64, wrapBytes(d), len(d)
	case []int8:
		t, raw, n = Int8, wrapBytes(d), len(d)
	case []uint8:
		t, raw, n = Uint8, d[:len(d):len(d)], len(d)
	default:
		panic(&Error{Op: "Wrap", Msg: fmt.Sprintf("unsupported data type %T", data)})
	}
	if shape.Size() != n {
		panicf("Wrap", "%d values do not fill shape %v", n, shape)
	}
	st := &storage{dev: CPU(), eng: engine.Default(), small: raw}
	st.v = &st.vbuf
	return &NDArray{shape: shape.Clone(), dtype: t, st: st}
}

func wrapBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(z)))
}

// HostData returns the elements of the array as a typed slice ([]float32
// for Float32, []uint8 for Uint8, ... as ToSlice) after waiting for pending
// writes. For a contiguous CPU array whose memory is plain Go memory (made
// by Wrap, or small) the slice is the array's own memory, not a copy: the
// caller must treat it as read-only unless it owns the array. Arrays in
// the engine's memory pool, which is recycled once the array is collected,
// and other arrays are copied, as ToSlice does.
func (a *NDArray) HostData() (out any, err error) {
	err = Try(func() {
		b := a.hostBytes("HostData")
		if a.st.chunk != nil || !a.IsContiguous() {
			out = bytesToSlice(a.dtype, b)
			return
		}
		out = wrapView(a.dtype, b)
	})
	return out, err
}

func wrapView(t DType, b []byte) any {
	p := unsafe.Pointer(unsafe.SliceData(b))
	n := len(b) / t.Size()
	if n == 0 {
		return bytesToSlice(t, b)
	}
	switch t {
	case Float32:
		return unsafe.Slice((*float32)(p), n)
	case Float64:
		return unsafe.Slice((*float64)(p), n)
	case Int32:
		return unsafe.Slice((*int32)(p), n)
	case Int64:
		return unsafe.Slice((*int64)(p), n)
	case Int8:
		return unsafe.Slice((*int8)(p), n)
	case Uint8:
		return b
	}
	return bytesToSlice(t, b)
}
