package kernels

// Elementwise float32 arithmetic over slices: nd's add, sub, mul, div,
// maximum and minimum, between two arrays or an array and a scalar. With
// AVX-512 they run in assembly (2×16 lanes per iteration, then a masked
// tail); elsewhere, and under the noasm tag, the Go loops below run. Both
// give the same bits, NaN payloads aside: IEEE +, -, * and / are correctly
// rounded whichever unit computes them, and the assembly's maximum and
// minimum follow Go's builtins (see BinaryMax).
//
// An output may be either input (o = a op b in place), as long as it is
// the very same slice; no other overlap is allowed.

// BinaryOp is the operation of BinaryVec32, BinaryScalar32 and
// BinaryScalarLeft32.
type BinaryOp uint8

const (
	BinaryAdd BinaryOp = iota // x + y
	BinarySub                 // x - y
	BinaryMul                 // x * y
	BinaryDiv                 // x / y
	// BinaryMax is Go's builtin max(x, y): NaN if x or y is NaN, and
	// max(-0, +0) = +0.
	BinaryMax
	// BinaryMin is Go's builtin min(x, y): NaN if x or y is NaN, and
	// min(-0, +0) = -0.
	BinaryMin
	numBinaryOps
)

var binaryOpNames = [numBinaryOps]string{"add", "sub", "mul", "div", "max", "min"}

// String is the op's name: "add", "sub", "mul", "div", "max" or "min".
func (op BinaryOp) String() string {
	if op < numBinaryOps {
		return binaryOpNames[op]
	}
	return "BinaryOp(?)"
}

// BinaryVec32 sets o[i] = a[i] op b[i] for i < len(o). o may be a or b. It
// panics with *Error if a or b is shorter than o, or op is unknown.
func BinaryVec32(op BinaryOp, o, a, b []float32) {
	if op >= numBinaryOps || len(a) < len(o) || len(b) < len(o) {
		binaryPanic(op, len(o), len(a), len(b))
	}
	if len(o) == 0 {
		return
	}
	if binaryVec32Fast != nil && len(o) >= binaryVecMin {
		binaryVec32Fast(op, o, a, b)
		return
	}
	binaryVec32Go(op, o, a, b)
}

// BinaryScalar32 sets o[i] = a[i] op s for i < len(o). o may be a. It
// panics with *Error if a is shorter than o, or op is unknown.
func BinaryScalar32(op BinaryOp, o, a []float32, s float32) {
	if op >= numBinaryOps || len(a) < len(o) {
		binaryPanic(op, len(o), len(a), len(o))
	}
	if len(o) == 0 {
		return
	}
	if binaryScalar32Fast != nil && len(o) >= binaryVecMin {
		binaryScalar32Fast(op, o, a, s, false)
		return
	}
	binaryScalar32Go(op, o, a, s)
}

// BinaryScalarLeft32 sets o[i] = s op b[i] for i < len(o) (the scalar on
// the left: s - b[i], s / b[i]). o may be b. It panics with *Error if b is
// shorter than o, or op is unknown.
func BinaryScalarLeft32(op BinaryOp, o []float32, s float32, b []float32) {
	if op >= numBinaryOps || len(b) < len(o) {
		binaryPanic(op, len(o), len(b), len(o))
	}
	if len(o) == 0 {
		return
	}
	if binaryScalar32Fast != nil && len(o) >= binaryVecMin {
		binaryScalar32Fast(op, o, b, s, true)
		return
	}
	binaryScalarLeft32Go(op, o, s, b)
}

// binaryPanic raises the *Error for an unknown op or an input (of length
// na or nb) shorter than the output (n).
func binaryPanic(op BinaryOp, n, na, nb int) {
	if op >= numBinaryOps {
		panicf("binary", "unknown BinaryOp %d", op)
	}
	checkLen(op.String(), n, na)
	checkLen(op.String(), n, nb)
}

// binaryVecMin is the length from which the assembly runs: below one
// full vector its masked lanes cost more than the Go loop (7 elements: 7
// against 5 ns).
const binaryVecMin = 16

// binaryVec32Fast and binaryScalar32Fast are the assembly loops where the
// CPU has them (left: the scalar is the left operand).
var (
	binaryVec32Fast    func(op BinaryOp, o, a, b []float32)
	binaryScalar32Fast func(op BinaryOp, o, a []float32, s float32, left bool)
)

func binaryVec32Go(op BinaryOp, o, a, b []float32) {
	a, b = a[:len(o)], b[:len(o)]
	switch op {
	case BinaryAdd:
		for i := range o {
			o[i] = a[i] + b[i]
		}
	case BinarySub:
		for i := range o {
			o[i] = a[i] - b[i]
		}
	case BinaryMul:
		for i := range o {
			o[i] = a[i] * b[i]
		}
	case BinaryDiv:
		for i := range o {
			o[i] = a[i] / b[i]
		}
	case BinaryMax:
		for i := range o {
			o[i] = max(a[i], b[i])
		}
	case BinaryMin:
		for i := range o {
			o[i] = min(a[i], b[i])
		}
	}
}

func binaryScalar32Go(op BinaryOp, o, a []float32, s float32) {
	a = a[:len(o)]
	switch op {
	case BinaryAdd:
		for i, v := range a {
			o[i] = v + s
		}
	case BinarySub:
		for i, v := range a {
			o[i] = v - s
		}
	case BinaryMul:
		for i, v := range a {
			o[i] = v * s
		}
	case BinaryDiv:
		for i, v := range a {
			o[i] = v / s
		}
	case BinaryMax:
		for i, v := range a {
			o[i] = max(v, s)
		}
	case BinaryMin:
		for i, v := range a {
			o[i] = min(v, s)
		}
	}
}

func binaryScalarLeft32Go(op BinaryOp, o []float32, s float32, b []float32) {
	b = b[:len(o)]
	switch op {
	case BinaryAdd:
		for i, v := range b {
			o[i] = s + v
		}
	case BinarySub:
		for i, v := range b {
			o[i] = s - v
		}
	case BinaryMul:
		for i, v := range b {
			o[i] = s * v
		}
	case BinaryDiv:
		for i, v := range b {
			o[i] = s / v
		}
	case BinaryMax:
		for i, v := range b {
			o[i] = max(s, v)
		}
	case BinaryMin:
		for i, v := range b {
			o[i] = min(s, v)
		}
	}
}
