package kernels

import (
	"math/rand/v2"
	"testing"
)

// The vector shapes (one row of op(A), one column of op(B), k = 1) take
// their own loops; check them against the naive reference with every
// transpose, padding and beta, at sizes that split over threads, with the
// assembly and the Go loops.
func TestSgemmVectorShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	dims := [][3]int{{1, 500, 800}, {1, 801, 33}, {1, 3, 1000}, {700, 1, 300}, {5, 1, 31}, {500, 800, 1}, {3, 1001, 1}, {1, 1, 1}}
	for _, fast := range []bool{true, false} {
		if !fast {
			d, a, sc := dot32Fast, axpy32Fast, scale32Fast
			dot32Fast, axpy32Fast, scale32Fast = nil, nil, nil
			t.Cleanup(func() { dot32Fast, axpy32Fast, scale32Fast = d, a, sc })
		}
		for i, d := range dims {
			for tr := range 4 {
				beta := []float32{0, 1, 0.5}[(i+tr)%3]
				tc := gemmCase{m: d[0], n: d[1], k: d[2], transA: tr&1 != 0, transB: tr&2 != 0, alpha: 1.5, beta: beta, pad: (i + tr) % 2 * 3}
				t.Run(tc.String(), func(t *testing.T) { tc.run(t, r) })
			}
		}
	}
}

func TestDotAxpy32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 100, 1000} {
		a, b := randSlice(r, n), randSlice(r, n+3)
		var want float64
		for i := range a {
			want += float64(a[i]) * float64(b[i])
		}
		if got := dot32(a, b); abs64(float64(got)-want) > 1e-5*float64(n+1) {
			t.Fatalf("dot32 n=%d: %v, want %v", n, got, want)
		}
		dst := randSlice(r, n+1) // the element past n is a guard
		wantDst := append([]float32(nil), dst...)
		for i := 0; i < n; i++ {
			wantDst[i] += 0.75 * b[i]
		}
		axpy32(dst[:n], b, 0.75)
		for i := range dst {
			if abs64(float64(dst[i]-wantDst[i])) > 1e-6 {
				t.Fatalf("axpy32 n=%d: element %d is %v, want %v", n, i, dst[i], wantDst[i])
			}
		}
		guard := dst[n]
		scale32(dst[:n], b, -2)
		for i := 0; i < n; i++ {
			if dst[i] != -2*b[i] {
				t.Fatalf("scale32 n=%d: element %d is %v, want %v", n, i, dst[i], -2*b[i])
			}
		}
		if dst[n] != guard {
			t.Fatalf("scale32 n=%d wrote past the end", n)
		}
	}
}

func abs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
