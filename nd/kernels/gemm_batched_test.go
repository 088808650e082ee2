package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSgemmBatched(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, d := range [][4]int{{3, 5, 7, 4}, {40, 33, 20, 9}, {130, 70, 120, 3}, {8, 8, 8, 1}} {
		m, n, k, batch := d[0], d[1], d[2], d[3]
		for tr := range 4 {
			ta, tb := tr&1 != 0, tr&2 != 0
			lda, ldb := k, n
			if ta {
				lda = m
			}
			if tb {
				ldb = k
			}
			// Strides leave gaps between items, which must stay untouched.
			sa, sb, sc := m*k+3, k*n+1, m*n+2
			a, b := randSlice(r, batch*sa), randSlice(r, batch*sb)
			c := randSlice(r, batch*sc)
			want := append([]float32(nil), c...)
			for i := range batch {
				SgemmNaive(ta, tb, m, n, k, 1.5, a[i*sa:], lda, b[i*sb:], ldb, -0.5, want[i*sc:], n)
			}
			SgemmBatched(ta, tb, m, n, k, 1.5, a, lda, sa, b, ldb, sb, -0.5, c, n, sc, batch)
			tol := 1e-5 * float64(k+2)
			for i := range c {
				if math.Abs(float64(c[i]-want[i])) > tol {
					t.Fatalf("%v tA=%v tB=%v: c[%d] = %v, want %v", d, ta, tb, i, c[i], want[i])
				}
			}
		}
	}
}

func TestSgemmBatchedPanics(t *testing.T) {
	defer func() {
		if _, ok := recover().(*Error); !ok {
			t.Fatal("want *Error panic for a batch that overruns C")
		}
	}()
	a := make([]float32, 8)
	SgemmBatched(false, false, 2, 2, 2, 1, a, 2, 4, a, 2, 4, 0, make([]float32, 7), 2, 4, 2)
}
