package nd

import "github.com/mxgo/mxgo/nd/kernels"

// Direct float32/float64 loops for the common *_scalar ops. The generic
// path calls a float64 closure per element; these loops compile to
// straight-line code, comparisons included (a branch on a comparison of
// random data mispredicts half the time), and float32 arithmetic,
// maximum, minimum and comparisons run the kernels' vector loops. Large
// arrays split over the threads as binaryDirect's do (binaryParallel).
// For float32 they give the same values as the float64 path: +, -, *, /
// of two float32 values rounded once through float64 are already
// correctly rounded in float32.

// scalarKind names the loop a scalar op runs; scalarGeneric has none.
type scalarKind int

const (
	scalarGeneric scalarKind = iota
	scalarPlus
	scalarMinus
	scalarRminus
	scalarMul
	scalarDiv
	scalarRdiv
	scalarMaximum
	scalarMinimum
	scalarEqual
	scalarNotEqual
	scalarGreater
	scalarGreaterEqual
	scalarLesser
	scalarLesserEqual
)

// scalarGrain is the elements per parallel chunk of an elementwise loop:
// below it, waking a helper costs more than the loop.
const scalarGrain = 1 << 15

// scalarDirect computes o = op(a, s) for kind and reports whether it had a
// loop for it.
func scalarDirect[T nnFloat](kind scalarKind, o, a []T, s T) bool {
	if kind == scalarGeneric {
		return false
	}
	if (kind == scalarMaximum || kind == scalarMinimum) && (s != s || s-s != 0) {
		// math.Max lets an infinity win over NaN, the builtin does not:
		// leave infinite and NaN scalars to the generic path.
		return false
	}
	binaryParallel(binaryFormScalar, kind, o, a[:len(o)], nil, s)
	return true
}

// scalarLoop computes o = a op s elementwise (a scalar-left kind, such as
// scalarRminus, s op a); comparisons give 1 or 0.
func scalarLoop[T nnFloat](kind scalarKind, o, a []T, s T) {
	a = a[:len(o)]
	if o32, ok := any(o).([]float32); ok {
		if op, left, ok := binaryVecOp(kind); ok {
			a32, s32 := any(a).([]float32), float32(s)
			if left {
				kernels.BinaryScalarLeft32(op, o32, s32, a32)
			} else {
				kernels.BinaryScalar32(op, o32, a32, s32)
			}
			return
		}
		if op, ok := cmpVecOp(kind); ok {
			kernels.CompareScalar32(op, o32, any(a).([]float32), float32(s))
			return
		}
	}
	switch kind {
	case scalarPlus:
		for i, v := range a {
			o[i] = v + s
		}
	case scalarMinus:
		for i, v := range a {
			o[i] = v - s
		}
	case scalarRminus:
		for i, v := range a {
			o[i] = s - v
		}
	case scalarMul:
		for i, v := range a {
			o[i] = v * s
		}
	case scalarDiv:
		for i, v := range a {
			o[i] = v / s
		}
	case scalarRdiv:
		for i, v := range a {
			o[i] = s / v
		}
	case scalarMaximum: // with s finite the builtin is math.Max, ±0 and NaN included
		for i, v := range a {
			o[i] = max(v, s)
		}
	case scalarMinimum:
		for i, v := range a {
			o[i] = min(v, s)
		}
	case scalarEqual:
		for i, v := range a {
			o[i] = T(scalarB2I(v == s))
		}
	case scalarNotEqual:
		for i, v := range a {
			o[i] = T(scalarB2I(v != s))
		}
	case scalarGreater:
		for i, v := range a {
			o[i] = T(scalarB2I(v > s))
		}
	case scalarGreaterEqual:
		for i, v := range a {
			o[i] = T(scalarB2I(v >= s))
		}
	case scalarLesser:
		for i, v := range a {
			o[i] = T(scalarB2I(v < s))
		}
	case scalarLesserEqual:
		for i, v := range a {
			o[i] = T(scalarB2I(v <= s))
		}
	}
}

// scalarB2I is 1 for true; it compiles to a flag move, not a branch.
func scalarB2I(b bool) int64 {
	var x int64
	if b {
		x = 1
	}
	return x
}
