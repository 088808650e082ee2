package transforms

import "testing"

// TestTapsAreConsecutive checks the invariant resampleU8's row cache
// relies on: the taps of one output index are consecutive source indices
// (repeats allowed where clamped at the border).
func TestTapsAreConsecutive(t *testing.T) {
	for _, ip := range []Interp{Bilinear, Nearest, Area, Bicubic} {
		for _, n := range []int{1, 2, 3, 7, 100, 375} {
			for _, m := range []int{1, 2, 5, 224, 640} {
				tp := axisTaps(n, m, 3, ip)
				for d := range m {
					first := tp.idx[d*tp.k]
					for j := range tp.k {
						if v := tp.idx[d*tp.k+j]; v < first || v >= first+tp.k {
							t.Fatalf("%v %d->%d output %d: taps %v not consecutive", ip, n, m, d, tp.idx[d*tp.k:(d+1)*tp.k])
						}
					}
				}
			}
		}
	}
}
