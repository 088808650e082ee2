package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// cmpRef is each CmpOp as Go computes it on one pair.
var cmpRef = [numCmpOps]func(x, y float32) bool{
	CmpEq: func(x, y float32) bool { return x == y },
	CmpNe: func(x, y float32) bool { return x != y },
	CmpGt: func(x, y float32) bool { return x > y },
	CmpGe: func(x, y float32) bool { return x >= y },
	CmpLt: func(x, y float32) bool { return x < y },
	CmpLe: func(x, y float32) bool { return x <= y },
}

// withComparePaths runs f with the assembly loops (where the CPU has them)
// and with the Go loops.
func withComparePaths(t *testing.T, f func(t *testing.T)) {
	t.Run("dispatch", f)
	if compareVec32Fast == nil {
		return
	}
	vec, sc := compareVec32Fast, compareScalar32Fast
	compareVec32Fast, compareScalar32Fast = nil, nil
	defer func() { compareVec32Fast, compareScalar32Fast = vec, sc }()
	t.Run("go", f)
}

// cmpWant is 1 where ref holds, else 0.
func cmpWant(ok bool) float32 {
	if ok {
		return 1
	}
	return 0
}

// Every comparison in every operand form gives Go's 1 or 0 (+0) bit for
// bit at every size around the 2×16-lane blocks, with ties, ±0, NaN and
// infinities in both inputs and as the scalar; into a fresh output
// (nothing past its end written), from unaligned inputs, and in place on
// either input.
func TestCompareKernelsMatchGo(t *testing.T) {
	if compareVec32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops")
	}
	withComparePaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(16, 8))
		for op := range numCmpOps {
			ref := cmpRef[op]
			for _, n := range vecSizes {
				a, b := vecInput(r, n+1)[1:], vecInput(r, n)
				for i := range n {
					if r.IntN(4) == 0 {
						b[i] = a[i] // ties
					}
				}
				if n > 0 {
					a[r.IntN(n)], b[r.IntN(n)] = negZero32, 0
				}
				want := make([]float32, n)
				for i := range want {
					want[i] = cmpWant(ref(a[i], b[i]))
				}
				name := fmt.Sprintf("CompareVec32(%v)", op)
				got := withSentinel(n)
				CompareVec32(op, got, a, b)
				checkVec(t, name, got[:n+1], want)
				inA, inB := withSentinel(n), withSentinel(n)
				copy(inA, a)
				copy(inB, b)
				CompareVec32(op, inA, inA, b)
				CompareVec32(op, inB, a, inB)
				checkVec(t, name+" into a", inA[:n+1], want)
				checkVec(t, name+" into b", inB[:n+1], want)

				for _, s := range append([]float32{0.3, -7}, binarySpecials...) {
					for _, left := range []bool{false, true} {
						for i := range want {
							if left {
								want[i] = cmpWant(ref(s, a[i]))
							} else {
								want[i] = cmpWant(ref(a[i], s))
							}
						}
						call, name := CompareScalar32, fmt.Sprintf("CompareScalar32(%v, %v)", op, s)
						if left {
							call = func(op CmpOp, o, a []float32, s float32) { CompareScalarLeft32(op, o, s, a) }
							name = fmt.Sprintf("CompareScalarLeft32(%v, %v)", op, s)
						}
						got := withSentinel(n)
						call(op, got, a, s)
						checkVec(t, name, got[:n+1], want)
						in := withSentinel(n)
						copy(in, a)
						call(op, in, in, s)
						checkVec(t, name+" in place", in[:n+1], want)
					}
				}
			}
		}
	})
}

// Every pair of special values, in every lane position of a vector and
// its masked tail.
func TestCompareKernelsSpecialPairs(t *testing.T) {
	withComparePaths(t, func(t *testing.T) {
		var a, b []float32
		for _, x := range binarySpecials {
			for _, y := range binarySpecials {
				a, b = append(a, x), append(b, y)
			}
		}
		for op := range numCmpOps {
			for _, n := range []int{len(a), 33, 17} {
				want := make([]float32, n)
				for i := range want {
					want[i] = cmpWant(cmpRef[op](a[i], b[i]))
				}
				got := withSentinel(n)
				CompareVec32(op, got, a[:n], b[:n])
				checkVec(t, fmt.Sprintf("CompareVec32(%v)", op), got[:n+1], want)
			}
		}
	})
}

// Known values: NaN compares false but for not-equal, -0 equals +0.
func TestCompareSemantics(t *testing.T) {
	withComparePaths(t, func(t *testing.T) {
		nan, inf := float32(math.NaN()), float32(math.Inf(1))
		a := []float32{nan, nan, 1, negZero32, 0, inf, -inf, 2, 1}
		b := []float32{nan, 1, nan, 0, negZero32, inf, inf, 1, 2}
		want := map[CmpOp][]float32{
			CmpEq: {0, 0, 0, 1, 1, 1, 0, 0, 0},
			CmpNe: {1, 1, 1, 0, 0, 0, 1, 1, 1},
			CmpGt: {0, 0, 0, 0, 0, 0, 0, 1, 0},
			CmpGe: {0, 0, 0, 1, 1, 1, 0, 1, 0},
			CmpLt: {0, 0, 0, 0, 0, 0, 1, 0, 1},
			CmpLe: {0, 0, 0, 1, 1, 1, 1, 0, 1},
		}
		// Repeated past one vector so the assembly runs too.
		var ra, rb, rw []float32
		for range 5 {
			ra, rb = append(ra, a...), append(rb, b...)
		}
		for op, w := range want {
			rw = rw[:0]
			for range 5 {
				rw = append(rw, w...)
			}
			got := withSentinel(len(ra))
			CompareVec32(op, got, ra, rb)
			checkVec(t, op.String(), got[:len(ra)+1], rw)
			if op.Swap().Swap() != op {
				t.Errorf("%v swapped twice is %v", op, op.Swap().Swap())
			}
		}
	})
}

func TestCompareKernelsPanic(t *testing.T) {
	checkPanics(t, map[string]func(){
		"short a":      func() { CompareVec32(CmpEq, make([]float32, 4), make([]float32, 3), make([]float32, 4)) },
		"short b":      func() { CompareVec32(CmpGt, make([]float32, 4), make([]float32, 4), make([]float32, 3)) },
		"short scalar": func() { CompareScalar32(CmpLt, make([]float32, 4), make([]float32, 3), 1) },
		"short left":   func() { CompareScalarLeft32(CmpGe, make([]float32, 4), 1, make([]float32, 3)) },
		"unknown op":   func() { CompareVec32(numCmpOps, nil, nil, nil) },
		"unknown left": func() { CompareScalarLeft32(numCmpOps, nil, 0, nil) },
	})
}

// BenchmarkCompare32 compares the kernels with the Go loops on one core,
// from L1-sized to memory-sized arrays.
//
//	go test -run XXX -bench Compare32 ./nd/kernels
func BenchmarkCompare32(b *testing.B) {
	for _, n := range []int{1024, 256 * 1024, 1024 * 4096} {
		x, y, o := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], y[i] = float32(i%97), float32(i%89)
		}
		for _, c := range []struct {
			name string
			f    func()
		}{
			{"gt", func() { CompareVec32(CmpGt, o, x, y) }},
			{"gt_go", func() { compareVec32Go(CmpGt, o, x, y) }},
			{"eq_scalar", func() { CompareScalar32(CmpEq, o, x, 3) }},
			{"eq_scalar_go", func() { compareScalar32Go(CmpEq, o, x, 3) }},
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
