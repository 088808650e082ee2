package nd

import (
	"fmt"
	"math"
)

// DType is an element type. Its value is MXNet's type flag, the number
// stored in .params files.
type DType int32

// Element types, numbered as MXNet numbers them.
const (
	Float32  DType = 0
	Float64  DType = 1
	Float16  DType = 2
	Uint8    DType = 3
	Int32    DType = 4
	Int8     DType = 5
	Int64    DType = 6
	Bool     DType = 7
	Int16    DType = 8
	Uint16   DType = 9
	Uint32   DType = 10
	Uint64   DType = 11
	BFloat16 DType = 12
)

var dtypeInfo = map[DType]struct {
	name string
	size int
}{
	Float32: {"float32", 4}, Float64: {"float64", 8}, Float16: {"float16", 2},
	Uint8: {"uint8", 1}, Int32: {"int32", 4}, Int8: {"int8", 1}, Int64: {"int64", 8},
	Bool: {"bool", 1}, Int16: {"int16", 2}, Uint16: {"uint16", 2}, Uint32: {"uint32", 4},
	Uint64: {"uint64", 8}, BFloat16: {"bfloat16", 2},
}

// Size is the number of bytes of one element.
func (t DType) Size() int { return elemSize(t) }

// Valid reports whether t is a known type flag.
func (t DType) Valid() bool { _, ok := dtypeInfo[t]; return ok }

func (t DType) String() string {
	if i, ok := dtypeInfo[t]; ok {
		return i.name
	}
	return fmt.Sprintf("dtype(%d)", int32(t))
}

// IsFloat reports whether t is a floating-point type.
func (t DType) IsFloat() bool {
	return t == Float32 || t == Float64 || t == Float16 || t == BFloat16
}

// ParseDType maps MXNet/NumPy names ("float32", "int64", "bool", ...) to a DType.
func ParseDType(name string) (DType, error) {
	for t, i := range dtypeInfo {
		if i.name == name {
			return t, nil
		}
	}
	switch name {
	case "float", "single":
		return Float32, nil
	case "double":
		return Float64, nil
	case "half":
		return Float16, nil
	}
	return 0, fmt.Errorf("nd: unknown dtype %q", name)
}

// Float16 and BFloat16 are storage types: kernels compute in float32 and
// convert on the way in and out.

// f32ToF16 rounds to nearest even.
func f32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case b&0x7fffffff >= 0x7f800000: // inf or nan
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp >= 31:
		return sign | 0x7c00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := uint32(1) << (shift - 1)
		r := mant >> shift
		rem := mant & (1<<shift - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++ // may carry into the exponent, which rounds up to inf correctly
	}
	return sign | uint16(r)
}

func f16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h >> 10 & 0x1f)
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		// subnormal: normalize
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
	case exp == 31:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

func f32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b >> 16 & 1)
	return uint16(b >> 16)
}

func bf16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }
