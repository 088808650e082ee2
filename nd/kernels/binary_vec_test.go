package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// binaryRef is each BinaryOp as Go computes it on one pair.
var binaryRef = [numBinaryOps]func(x, y float32) float32{
	BinaryAdd: func(x, y float32) float32 { return x + y },
	BinarySub: func(x, y float32) float32 { return x - y },
	BinaryMul: func(x, y float32) float32 { return x * y },
	BinaryDiv: func(x, y float32) float32 { return x / y },
	BinaryMax: func(x, y float32) float32 { return max(x, y) },
	BinaryMin: func(x, y float32) float32 { return min(x, y) },
}

// binarySpecials are the values whose results the lane operations could
// get wrong: zeros of both signs (max(-0, +0) = +0), infinities (Inf -
// Inf, 0·Inf), NaN, subnormals and the ends of the range.
var binarySpecials = []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1.5, float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.NaN()), 1e-40, -1e-40, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32}

// withBinaryPaths runs f with the assembly loops (where the CPU has them)
// and with the Go loops.
func withBinaryPaths(t *testing.T, f func(t *testing.T)) {
	t.Run("dispatch", f)
	if binaryVec32Fast == nil {
		return
	}
	vec, sc := binaryVec32Fast, binaryScalar32Fast
	binaryVec32Fast, binaryScalar32Fast = nil, nil
	defer func() { binaryVec32Fast, binaryScalar32Fast = vec, sc }()
	t.Run("go", f)
}

// Every op in every operand form equals Go's per-element result bit for
// bit (any NaN for NaN) at every size around the 2×16-lane blocks, with
// special values in both inputs and as the scalar; into a fresh output
// (nothing past its end written) and in place on either input.
func TestBinaryKernelsMatchGo(t *testing.T) {
	if binaryVec32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops")
	}
	withBinaryPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 8))
		for op := range numBinaryOps {
			ref := binaryRef[op]
			for _, n := range vecSizes {
				a, b := vecInput(r, n), vecInput(r, n)
				if n > 0 {
					a[r.IntN(n)], b[r.IntN(n)] = float32(math.Copysign(0, -1)), 0
					b[n-1] = a[n-1] // ties
				}
				want := make([]float32, n)
				for i := range want {
					want[i] = ref(a[i], b[i])
				}
				name := fmt.Sprintf("BinaryVec32(%v)", op)
				got := withSentinel(n)
				BinaryVec32(op, got, a, b)
				checkVecNaN(t, name, got[:n+1], want)
				inA, inB := withSentinel(n), withSentinel(n)
				copy(inA, a)
				copy(inB, b)
				BinaryVec32(op, inA, inA, b)
				BinaryVec32(op, inB, a, inB)
				checkVecNaN(t, name+" into a", inA[:n+1], want)
				checkVecNaN(t, name+" into b", inB[:n+1], want)

				for _, s := range append([]float32{0.3, -7}, binarySpecials...) {
					for _, left := range []bool{false, true} {
						for i := range want {
							if left {
								want[i] = ref(s, a[i])
							} else {
								want[i] = ref(a[i], s)
							}
						}
						call, name := BinaryScalar32, fmt.Sprintf("BinaryScalar32(%v, %v)", op, s)
						if left {
							call = func(op BinaryOp, o, a []float32, s float32) { BinaryScalarLeft32(op, o, s, a) }
							name = fmt.Sprintf("BinaryScalarLeft32(%v, %v)", op, s)
						}
						got := withSentinel(n)
						call(op, got, a, s)
						checkVecNaN(t, name, got[:n+1], want)
						in := withSentinel(n)
						copy(in, a)
						call(op, in, in, s)
						checkVecNaN(t, name+" in place", in[:n+1], want)
					}
				}
			}
		}
	})
}

// Every pair of special values, in every lane position of a vector and its
// masked tail: the cases (±0 ties, NaN against infinities) that a random
// draw meets rarely.
func TestBinaryKernelsSpecialPairs(t *testing.T) {
	withBinaryPaths(t, func(t *testing.T) {
		var a, b []float32
		for _, x := range binarySpecials {
			for _, y := range binarySpecials {
				a, b = append(a, x), append(b, y)
			}
		}
		for op := range numBinaryOps {
			for _, n := range []int{len(a), 33, 17} {
				want := make([]float32, n)
				for i := range want {
					want[i] = binaryRef[op](a[i], b[i])
				}
				got := withSentinel(n)
				BinaryVec32(op, got, a[:n], b[:n])
				checkVecNaN(t, fmt.Sprintf("BinaryVec32(%v)", op), got[:n+1], want)
			}
		}
	})
}

// Known values of Go's max and min: the builtin semantics the assembly
// must keep.
func TestBinaryMaxMinSemantics(t *testing.T) {
	withBinaryPaths(t, func(t *testing.T) {
		negZero, nan, inf := float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1))
		a := []float32{negZero, 0, nan, 1, inf, nan, -inf}
		b := []float32{0, negZero, 1, nan, nan, inf, nan}
		o := make([]float32, len(a))
		BinaryVec32(BinaryMax, o, a, b)
		if math.Signbit(float64(o[0])) || math.Signbit(float64(o[1])) {
			t.Errorf("max(-0, +0), max(+0, -0) = %v, %v, want +0", o[0], o[1])
		}
		for i := 2; i < len(o); i++ {
			if o[i] == o[i] {
				t.Errorf("max(%v, %v) = %v, want NaN", a[i], b[i], o[i])
			}
		}
		BinaryVec32(BinaryMin, o, a, b)
		if !math.Signbit(float64(o[0])) || !math.Signbit(float64(o[1])) {
			t.Errorf("min(-0, +0), min(+0, -0) = %v, %v, want -0", o[0], o[1])
		}
		for i := 2; i < len(o); i++ {
			if o[i] == o[i] {
				t.Errorf("min(%v, %v) = %v, want NaN", a[i], b[i], o[i])
			}
		}
	})
}

func TestBinaryKernelsPanic(t *testing.T) {
	checkPanics(t, map[string]func(){
		"short a":      func() { BinaryVec32(BinaryAdd, make([]float32, 4), make([]float32, 3), make([]float32, 4)) },
		"short b":      func() { BinaryVec32(BinaryAdd, make([]float32, 4), make([]float32, 4), make([]float32, 3)) },
		"short scalar": func() { BinaryScalar32(BinaryMul, make([]float32, 4), make([]float32, 3), 1) },
		"short left":   func() { BinaryScalarLeft32(BinaryDiv, make([]float32, 4), 1, make([]float32, 3)) },
		"unknown op":   func() { BinaryVec32(numBinaryOps, nil, nil, nil) },
	})
}

// BenchmarkBinaryVec32 compares the kernels with the Go loops on one core,
// from L1-sized to memory-sized arrays.
//
//	go test -run XXX -bench BinaryVec32 ./nd/kernels
func BenchmarkBinaryVec32(b *testing.B) {
	for _, n := range []int{1024, 256 * 1024, 1024 * 4096} {
		x, y, o := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], y[i] = float32(i%97)+0.5, float32(i%89)+1
		}
		for _, c := range []struct {
			name string
			f    func()
		}{
			{"add", func() { BinaryVec32(BinaryAdd, o, x, y) }},
			{"add_go", func() { binaryVec32Go(BinaryAdd, o, x, y) }},
			{"max", func() { BinaryVec32(BinaryMax, o, x, y) }},
			{"max_go", func() { binaryVec32Go(BinaryMax, o, x, y) }},
			{"mul_scalar", func() { BinaryScalar32(BinaryMul, o, x, 1.5) }},
			{"mul_scalar_go", func() { binaryScalar32Go(BinaryMul, o, x, 1.5) }},
			{"rdiv_scalar", func() { BinaryScalarLeft32(BinaryDiv, o, 1.5, y) }},
			{"rdiv_scalar_go", func() { binaryScalarLeft32Go(BinaryDiv, o, 1.5, y) }},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					c.f()
				}
			})
		}
	}
}
