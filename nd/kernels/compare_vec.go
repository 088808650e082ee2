package kernels

// Elementwise float32 comparisons over slices: nd's equal, not_equal,
// greater, greater_equal, lesser and lesser_equal, between two arrays or
// an array and a scalar, giving 1 where the comparison holds and 0 (+0)
// where it does not. They compare as Go does: a NaN is unequal to
// everything, itself included, and neither larger nor smaller; -0 equals
// +0. With AVX-512 they run in assembly (one VCMPPS per 16 lanes, 2×16
// lanes per iteration, then a masked tail); elsewhere, and under the
// noasm tag, the Go loops below run. Both give the same bits.
//
// An output may be either input (o = a op b in place), as long as it is
// the very same slice; no other overlap is allowed.

// CmpOp is the comparison of CompareVec32, CompareScalar32 and
// CompareScalarLeft32.
type CmpOp uint8

const (
	CmpEq CmpOp = iota // x == y
	CmpNe              // x != y (true where either is NaN)
	CmpGt              // x > y
	CmpGe              // x >= y
	CmpLt              // x < y
	CmpLe              // x <= y
	numCmpOps
)

var cmpOpNames = [numCmpOps]string{"eq", "ne", "gt", "ge", "lt", "le"}

// String is the op's name: "eq", "ne", "gt", "ge", "lt" or "le".
func (op CmpOp) String() string {
	if op < numCmpOps {
		return cmpOpNames[op]
	}
	return "CmpOp(?)"
}

// Swap is op with its operands exchanged: x op y is y op.Swap() x, NaNs
// included (x > y is y < x).
func (op CmpOp) Swap() CmpOp {
	switch op {
	case CmpGt:
		return CmpLt
	case CmpGe:
		return CmpLe
	case CmpLt:
		return CmpGt
	case CmpLe:
		return CmpGe
	}
	return op
}

// CompareVec32 sets o[i] to 1 where a[i] op b[i], else 0, for i < len(o).
// o may be a or b. It panics with *Error if a or b is shorter than o, or
// op is unknown.
func CompareVec32(op CmpOp, o, a, b []float32) {
	if op >= numCmpOps || len(a) < len(o) || len(b) < len(o) {
		cmpPanic(op, len(o), len(a), len(b))
	}
	if len(o) == 0 {
		return
	}
	if compareVec32Fast != nil && len(o) >= cmpVecMin {
		compareVec32Fast(op, o, a, b)
		return
	}
	compareVec32Go(op, o, a, b)
}

// CompareScalar32 sets o[i] to 1 where a[i] op s, else 0, for i < len(o).
// o may be a. It panics with *Error if a is shorter than o, or op is
// unknown.
func CompareScalar32(op CmpOp, o, a []float32, s float32) {
	if op >= numCmpOps || len(a) < len(o) {
		cmpPanic(op, len(o), len(a), len(o))
	}
	if len(o) == 0 {
		return
	}
	if compareScalar32Fast != nil && len(o) >= cmpVecMin {
		compareScalar32Fast(op, o, a, s)
		return
	}
	compareScalar32Go(op, o, a, s)
}

// CompareScalarLeft32 sets o[i] to 1 where s op b[i], else 0, for i <
// len(o) (the scalar on the left: s > b[i]). o may be b. It panics with
// *Error if b is shorter than o, or op is unknown.
func CompareScalarLeft32(op CmpOp, o []float32, s float32, b []float32) {
	if op >= numCmpOps {
		cmpPanic(op, len(o), len(b), len(o))
	}
	CompareScalar32(op.Swap(), o, b, s)
}

// cmpPanic raises the *Error for an unknown op or an input (of length na
// or nb) shorter than the output (n).
func cmpPanic(op CmpOp, n, na, nb int) {
	if op >= numCmpOps {
		panicf("compare", "unknown CmpOp %d", op)
	}
	checkLen(op.String(), n, na)
	checkLen(op.String(), n, nb)
}

// cmpVecMin is the length from which the assembly runs, as for the
// arithmetic (binaryVecMin).
const cmpVecMin = 16

// compareVec32Fast and compareScalar32Fast are the assembly loops where
// the CPU has them.
var (
	compareVec32Fast    func(op CmpOp, o, a, b []float32)
	compareScalar32Fast func(op CmpOp, o, a []float32, s float32)
)

// b2f32 is 1 for true, 0 for false, without a branch (a flag move).
func b2f32(b bool) float32 {
	var x float32
	if b {
		x = 1
	}
	return x
}

func compareVec32Go(op CmpOp, o, a, b []float32) {
	a, b = a[:len(o)], b[:len(o)]
	switch op {
	case CmpEq:
		for i := range o {
			o[i] = b2f32(a[i] == b[i])
		}
	case CmpNe:
		for i := range o {
			o[i] = b2f32(a[i] != b[i])
		}
	case CmpGt:
		for i := range o {
			o[i] = b2f32(a[i] > b[i])
		}
	case CmpGe:
		for i := range o {
			o[i] = b2f32(a[i] >= b[i])
		}
	case CmpLt:
		for i := range o {
			o[i] = b2f32(a[i] < b[i])
		}
	case CmpLe:
		for i := range o {
			o[i] = b2f32(a[i] <= b[i])
		}
	}
}

func compareScalar32Go(op CmpOp, o, a []float32, s float32) {
	a = a[:len(o)]
	switch op {
	case CmpEq:
		for i, v := range a {
			o[i] = b2f32(v == s)
		}
	case CmpNe:
		for i, v := range a {
			o[i] = b2f32(v != s)
		}
	case CmpGt:
		for i, v := range a {
			o[i] = b2f32(v > s)
		}
	case CmpGe:
		for i, v := range a {
			o[i] = b2f32(v >= s)
		}
	case CmpLt:
		for i, v := range a {
			o[i] = b2f32(v < s)
		}
	case CmpLe:
		for i, v := range a {
			o[i] = b2f32(v <= s)
		}
	}
}
