package kernels

import "math"

// UnaryOp names an elementwise float32 function of Unary32.
type UnaryOp int

// The functions of Unary32. Each gives the bits of the Go expression in
// its comment (NaN payloads aside). Squares and reciprocals are
// BinaryVec32(BinaryMul, o, a, a) and BinaryScalarLeft32(BinaryDiv, o, 1, a).
const (
	UnaryNeg   UnaryOp = iota // -x (the sign flips, NaN's too)
	UnaryAbs                  // |x| (the sign cleared, NaN's too)
	UnarySqrt                 // float32(math.Sqrt(float64(x))), correctly rounded
	UnaryRsqrt                // 1 / float32(math.Sqrt(float64(x)))
	unaryOps
)

// Unary32 sets dst[i] = op(src[i]) for i < len(dst); src must be at least
// as long, and dst may be src.
func Unary32(op UnaryOp, dst, src []float32) {
	if op < 0 || op >= unaryOps {
		panicf("unary", "unknown op %d", op)
	}
	checkLen("unary", len(dst), len(src))
	if len(dst) == 0 {
		return
	}
	if unary32Fast != nil {
		unary32Fast(op, dst, src[:len(dst)])
		return
	}
	unary32Go(op, dst, src[:len(dst)])
}

// unary32Fast is the assembly version, set by init when the CPU has it;
// the slices are non-empty and of one length.
var unary32Fast func(op UnaryOp, dst, src []float32)

func unary32Go(op UnaryOp, dst, src []float32) {
	switch op {
	case UnaryNeg:
		for i, v := range src {
			dst[i] = -v
		}
	case UnaryAbs:
		for i, v := range src {
			dst[i] = math.Float32frombits(math.Float32bits(v) &^ (1 << 31))
		}
	case UnarySqrt:
		for i, v := range src {
			dst[i] = float32(math.Sqrt(float64(v)))
		}
	case UnaryRsqrt:
		for i, v := range src {
			dst[i] = 1 / float32(math.Sqrt(float64(v)))
		}
	}
}

// Clip32 sets dst[i] = min(max(src[i], lo), hi) for i < len(dst), with Go's
// builtin min and max: NaN stays NaN, and +0 is above -0. src must be at
// least as long as dst, and dst may be src.
func Clip32(dst, src []float32, lo, hi float32) {
	checkLen("clip", len(dst), len(src))
	if len(dst) == 0 {
		return
	}
	if clip32Fast != nil && lo == lo && hi == hi { // NaN bounds: the loop
		clip32Fast(dst, src[:len(dst)], lo, hi)
		return
	}
	for i, v := range src[:len(dst)] {
		dst[i] = min(max(v, lo), hi)
	}
}

// clip32Fast is the assembly version, set by init when the CPU has it; the
// slices are non-empty and of one length.
var clip32Fast func(dst, src []float32, lo, hi float32)
