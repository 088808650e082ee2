package nd

import (
	"math"

	"github.com/mxgo/mxgo/engine"
)

// CastAttrs are the attributes of Cast.
type CastAttrs struct {
	DType DType `mx:"dtype"`
}

var opCast *OpDef

func init() {
	opCast = RegisterOp(&OpDef{
		Name:       "Cast",
		Aliases:    []string{"cast", "amp_cast"},
		Attrs:      CastAttrs{},
		NumInputs:  1,
		InferShape: sameShape,
		InferType:  func(a any, _ []DType) ([]DType, error) { return []DType{a.(CastAttrs).DType}, nil },
		Kernels: map[engine.DeviceType]Kernel{engine.CPU: func(k *KernelArgs) error {
			convertBlob(k.Out[0], k.In[0])
			return nil
		}},
		// The gradient is cast back to the input's type.
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{g.OutGrads[0].AsType(g.Inputs[0].dtype)}
		},
	})
}

// AsType returns a copy converted to dtype t (a itself is never changed).
// Float to integer conversion truncates toward zero; to Bool gives 1 for
// nonzero values.
func (a *NDArray) AsType(t DType) *NDArray { return Invoke1(opCast, CastAttrs{t}, a) }

// Cast is AsType as a function.
func Cast(a *NDArray, t DType) *NDArray { return a.AsType(t) }

const convertChunk = 256

// convertBlob converts src's elements into dst's type. Same-sized blobs.
func convertBlob(dst, src Blob) {
	if dst.DType == src.DType {
		copy(dst.Data, src.Data)
		return
	}
	n := src.Shape.Size()
	var buf [convertChunk]float64
	for lo := 0; lo < n; lo += convertChunk {
		hi := min(lo+convertChunk, n)
		loadF64(buf[:hi-lo], src, lo)
		storeF64(dst, lo, buf[:hi-lo])
	}
}

// loadF64 reads elements [off, off+len(dst)) of b as float64.
func loadF64(dst []float64, b Blob, off int) {
	n := len(dst)
	switch b.DType {
	case Float32:
		for i, v := range Elems[float32](b)[off : off+n] {
			dst[i] = float64(v)
		}
	case Float64:
		copy(dst, Elems[float64](b)[off:off+n])
	case Float16:
		for i, v := range Elems[uint16](b)[off : off+n] {
			dst[i] = float64(f16ToF32(v))
		}
	case BFloat16:
		for i, v := range Elems[uint16](b)[off : off+n] {
			dst[i] = float64(bf16ToF32(v))
		}
	case Uint8, Bool:
		for i, v := range Elems[uint8](b)[off : off+n] {
			dst[i] = float64(v)
		}
	case Int8:
		for i, v := range Elems[int8](b)[off : off+n] {
			dst[i] = float64(v)
		}
	case Int16:
		for i, v := range Elems[int16](b)[off : off+n] {
			dst[i] = float64(v)
		}
	case Uint16:
		for i, v := range Elems[uint16](b)[off : off+n] {
			dst[i] = float64(v)
		}
	case Int32:
		for i, v := range Elems[int32](b)[off : off+n] {
			dst[i] = float64(v)
		}
	case Uint32:
		for i, v := range Elems[uint32](b)[off : off+n] {
			dst[i] = float64(v)
		}
	case Int64:
		for i, v := range Elems[int64](b)[off : off+n] {
			dst[i] = float64(v)
		}
	case Uint64:
		for i, v := range Elems[uint64](b)[off : off+n] {
			dst[i] = float64(v)
		}
	}
}

// storeF64 writes src into elements [off, off+len(src)) of b, converting.
func storeF64(b Blob, off int, src []float64) {
	n := len(src)
	switch b.DType {
	case Float32:
		d := Elems[float32](b)[off : off+n]
		for i, v := range src {
			d[i] = float32(v)
		}
	case Float64:
		copy(Elems[float64](b)[off:off+n], src)
	case Float16:
		d := Elems[uint16](b)[off : off+n]
		for i, v := range src {
			d[i] = f32ToF16(float32(v))
		}
	case BFloat16:
		d := Elems[uint16](b)[off : off+n]
		for i, v := range src {
			d[i] = f32ToBF16(float32(v))
		}
	case Bool:
		d := Elems[uint8](b)[off : off+n]
		for i, v := range src {
			if v != 0 {
				d[i] = 1
			} else {
				d[i] = 0
			}
		}
	case Uint8:
		storeInt(Elems[uint8](b)[off:off+n], src)
	case Int8:
		storeInt(Elems[int8](b)[off:off+n], src)
	case Int16:
		storeInt(Elems[int16](b)[off:off+n], src)
	case Uint16:
		storeInt(Elems[uint16](b)[off:off+n], src)
	case Int32:
		storeInt(Elems[int32](b)[off:off+n], src)
	case Uint32:
		storeInt(Elems[uint32](b)[off:off+n], src)
	case Int64:
		storeInt(Elems[int64](b)[off:off+n], src)
	case Uint64:
		storeInt(Elems[uint64](b)[off:off+n], src)
	}
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// storeInt truncates toward zero; NaN becomes 0 (Go's conversion of NaN to
// an integer is implementation-defined, so it is made explicit here).
func storeInt[T integer](d []T, src []float64) {
	for i, v := range src {
		if math.IsNaN(v) {
			d[i] = 0
			continue
		}
		d[i] = T(int64(v))
	}
}

// bytesToSlice copies host bytes into a new typed slice.
func bytesToSlice(t DType, b []byte) any {
	bl := Blob{DType: t, Data: b}
	switch t {
	case Float32:
		return append([]float32(nil), Elems[float32](bl)...)
	case Float64:
		return append([]float64(nil), Elems[float64](bl)...)
	case Float16, BFloat16, Uint16:
		return append([]uint16(nil), Elems[uint16](bl)...)
	case Uint8:
		return append([]uint8(nil), b...)
	case Bool:
		out := make([]bool, len(b))
		for i, v := range b {
			out[i] = v != 0
		}
		return out
	case Int8:
		return append([]int8(nil), Elems[int8](bl)...)
	case Int16:
		return append([]int16(nil), Elems[int16](bl)...)
	case Int32:
		return append([]int32(nil), Elems[int32](bl)...)
	case Uint32:
		return append([]uint32(nil), Elems[uint32](bl)...)
	case Int64:
		return append([]int64(nil), Elems[int64](bl)...)
	case Uint64:
		return append([]uint64(nil), Elems[uint64](bl)...)
	}
	return nil
}
