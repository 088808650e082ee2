package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

var accTerms = []struct {
	name string
	term Acc64
	f    func(float32) float64 // the term; NaN where nothing is added
}{
	{"value", AccValue, func(v float32) float64 { return float64(v) }},
	{"square", AccSquare, func(v float32) float64 { return float64(v) * float64(v) }},
	{"abs", AccAbs, func(v float32) float64 { return math.Abs(float64(v)) }},
	{"nonnan", AccNonNaN, func(v float32) float64 {
		if v != v {
			return 0
		}
		return float64(v)
	}},
}

// sumSizes cover the 64-element blocks of SumOfF64 and the 16-element
// pieces of its tail, on both sides.
var sumSizes = func() []int {
	var s []int
	for n := range 200 {
		s = append(s, n)
	}
	return append(s, 255, 256, 257, 1000, 1023, 1024, 4095, 4099, 1<<16+17)
}()

// reduceInputs are inputs of each kind the sums must agree on: ordinary
// values, the vecInput specials (NaN, ±Inf, ±0, subnormals), magnitudes
// near float32's largest (whose squares need float64's range), and
// cancelling pairs, whose float64 sums depend on the order.
func reduceInputs(r *rand.Rand, n int) map[string][]float32 {
	big := make([]float32, n)
	cancel := make([]float32, n)
	plain := make([]float32, n)
	for i := range n {
		big[i] = float32((r.Float64()*2 - 1) * 3.4e38)
		plain[i] = float32(r.NormFloat64() * 100)
		if i%2 == 0 {
			cancel[i] = float32(r.NormFloat64() * 1e30)
		} else {
			cancel[i] = -cancel[i-1] + float32(r.NormFloat64())
		}
	}
	return map[string][]float32{"plain": plain, "special": vecInput(r, n), "big": big, "cancel": cancel}
}

func sameF64(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b
}

// The assembly sums equal the Go loops bit for bit (NaN payloads aside) at
// every length and alignment, and stay close to a sequential float64 sum.
func TestSumOfF64MatchesGo(t *testing.T) {
	if sumOfF64Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against themselves")
	}
	r := rand.New(rand.NewPCG(1, 7))
	for _, n := range sumSizes {
		for kind, x := range reduceInputs(r, n+3) {
			for off := range 3 { // unaligned starts
				x := x[off : off+n]
				for _, tm := range accTerms {
					got, want := SumOfF64(tm.term, x), sumOfF64Go(tm.term, x)
					if !sameF64(got, want) {
						t.Fatalf("%s %s n=%d off=%d: %v (%#x), Go loop %v (%#x)", tm.name, kind, n, off, got, math.Float64bits(got), want, math.Float64bits(want))
					}
					var seq, mag float64
					for _, v := range x {
						seq += tm.f(v)
						mag += math.Abs(tm.f(v))
					}
					if seq != seq || math.IsInf(seq, 0) || math.IsInf(mag, 0) {
						if !sameF64(got, seq) {
							t.Fatalf("%s %s n=%d: %v, sequential %v", tm.name, kind, n, got, seq)
						}
						continue
					}
					// Each add of either sum (n, and 63 more combining the
					// partials) rounds by at most half an ulp of a partial
					// sum no larger than Σ|term|.
					if d := math.Abs(got - seq); d > float64(2*n+64)*0x1p-53*mag {
						t.Fatalf("%s %s n=%d: %v, sequential %v (off by %g of %g)", tm.name, kind, n, got, seq, d, mag)
					}
				}
			}
		}
	}
}

// The documented order, spelled out: element i into partial i%64, then
// the tree.
func TestSumOfF64Order(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 9))
	for _, n := range []int{1, 63, 64, 65, 200, 1000} {
		x := reduceInputs(r, n)["cancel"]
		var p [64]float64
		for i, v := range x {
			p[i%64] += float64(v)
		}
		var z [8]float64
		for l := range 8 {
			z[l] = ((p[l] + p[8+l]) + (p[16+l] + p[24+l])) + ((p[32+l] + p[40+l]) + (p[48+l] + p[56+l]))
		}
		want := ((z[0] + z[4]) + (z[2] + z[6])) + ((z[1] + z[5]) + (z[3] + z[7]))
		if got := SumF64(x); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("n=%d: %v, want %v", n, got, want)
		}
	}
}

// Exact cases: NaN propagates (and nansum skips it), infinities add up,
// opposite infinities give NaN, a float32 sum of many ones is exact, and
// squares of float32's largest values stay finite in float64.
func TestSumOfF64Specials(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	ones := make([]float32, 1<<20+3)
	for i := range ones {
		ones[i] = 1
	}
	for _, c := range []struct {
		name string
		term Acc64
		x    []float32
		want float64
	}{
		{"nan", AccValue, []float32{1, nan, 2}, math.NaN()},
		{"nan_skip", AccNonNaN, []float32{1, nan, 2}, 3},
		{"nan_abs", AccAbs, []float32{1, nan, 2}, math.NaN()},
		{"inf", AccValue, []float32{inf, 1, inf}, math.Inf(1)},
		{"inf_minus_inf", AccValue, []float32{inf, 1, -inf}, math.NaN()},
		{"inf_square", AccSquare, []float32{-inf, 1}, math.Inf(1)},
		{"inf_abs", AccAbs, []float32{-inf, 1}, math.Inf(1)},
		{"ones", AccValue, ones, float64(len(ones))},
		{"max_square", AccSquare, []float32{math.MaxFloat32, -math.MaxFloat32}, 2 * float64(math.MaxFloat32) * float64(math.MaxFloat32)},
		{"neg_zeros", AccValue, []float32{float32(math.Copysign(0, -1)), float32(math.Copysign(0, -1))}, 0},
		{"empty", AccValue, nil, 0},
	} {
		for _, sum := range []func(Acc64, []float32) float64{SumOfF64, sumOfF64Go} {
			if got := sum(c.term, c.x); !sameF64(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	}
}

// The column kernel equals the Go loop and the one-rounding definition bit
// for bit, and leaves what follows acc alone.
func TestAddColsOfF64MatchesGo(t *testing.T) {
	if addRowsOfF64Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against themselves")
	}
	r := rand.New(rand.NewPCG(4, 2))
	for _, n := range sumSizes {
		for kind, x := range reduceInputs(r, n+1) {
			x := x[1:]
			for _, tm := range accTerms {
				start := make([]float64, n)
				for j := range start {
					start[j] = float64(float32(r.NormFloat64() * 10))
				}
				buf := make([]float64, n+2)
				buf[n+1] = 12345
				got := buf[1 : n+1 : n+2]
				copy(got, start)
				AddColsOfF64(tm.term, got, x)
				want := append([]float64(nil), start...)
				addColsOfF64Go(tm.term, want, x)
				for j := range want {
					def := start[j] + tm.f(x[j])
					if !sameF64(got[j], want[j]) || !sameF64(got[j], def) {
						t.Fatalf("%s %s n=%d: [%d] = %v, Go loop %v, want %v", tm.name, kind, n, j, got[j], want[j], def)
					}
				}
				if buf[n+1] != 12345 || buf[0] != 0 {
					t.Fatalf("%s n=%d: wrote outside acc", tm.name, n)
				}
			}
		}
	}
	if err := catch(func() { AddColsF64(make([]float64, 3), make([]float32, 2)) }); err == nil {
		t.Error("short x: no panic")
	}
}

// Several rows at once equal the row-by-row Go loop bit for bit, for
// every column count around the 32- and 16-column strips, and touch
// nothing outside acc.
func TestAddRowsOfF64MatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 3))
	for _, n := range []int{1, 3, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 257} {
		for _, rows := range []int{0, 1, 2, 5, 16} {
			for _, pad := range []int{0, 1, 7} {
				stride := n + pad
				x := vecInput(r, max(rows, 1)*stride+1)[1:]
				x = x[:max(0, (rows-1)*stride+n)]
				for _, tm := range accTerms {
					buf := make([]float64, n+2)
					buf[n+1] = 12345
					got := buf[1 : n+1 : n+2]
					for j := range got {
						got[j] = float64(float32(r.NormFloat64()))
					}
					want := append([]float64(nil), got...)
					AddRowsOfF64(tm.term, got, x, rows, stride)
					for k := range rows {
						addColsOfF64Go(tm.term, want, x[k*stride:])
					}
					for j := range want {
						if !sameF64(got[j], want[j]) {
							t.Fatalf("%s n=%d rows=%d stride=%d: [%d] = %v, want %v", tm.name, n, rows, stride, j, got[j], want[j])
						}
					}
					if buf[n+1] != 12345 || buf[0] != 0 {
						t.Fatalf("%s n=%d rows=%d: wrote outside acc", tm.name, n, rows)
					}
				}
			}
		}
	}
	if err := catch(func() { AddRowsOfF64(AccValue, make([]float64, 4), make([]float32, 9), 2, 6) }); err == nil {
		t.Error("short x: no panic")
	}
}

func catch(f func()) (err any) {
	defer func() { err = recover() }()
	f()
	return nil
}

func BenchmarkSumOfF64(b *testing.B) {
	for _, n := range []int{1024, 1 << 16, 1 << 20} {
		x := reduceInputs(rand.New(rand.NewPCG(1, 1)), n)["plain"]
		for _, tm := range accTerms[:2] {
			b.Run(fmt.Sprintf("%s/%d", tm.name, n), func(b *testing.B) {
				b.SetBytes(int64(4 * n))
				for b.Loop() {
					SumOfF64(tm.term, x)
				}
			})
			b.Run(fmt.Sprintf("%s/%d/go", tm.name, n), func(b *testing.B) {
				b.SetBytes(int64(4 * n))
				for b.Loop() {
					sumOfF64Go(tm.term, x)
				}
			})
		}
	}
}

func BenchmarkAddColsF64(b *testing.B) {
	for _, n := range []int{1024, 4096} {
		x := reduceInputs(rand.New(rand.NewPCG(1, 1)), n)["plain"]
		acc := make([]float64, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				AddColsF64(acc, x)
			}
		})
		b.Run(fmt.Sprintf("%d/go", n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				addColsOfF64Go(AccValue, acc, x)
			}
		})
	}
}

// A sum over the rows of a 256×1024 array (a bias gradient), a few rows
// per call.
func BenchmarkAddRowsF64(b *testing.B) {
	const rows, cols = 256, 1024
	x := reduceInputs(rand.New(rand.NewPCG(1, 1)), rows*cols)["plain"]
	acc := make([]float64, cols)
	for _, block := range []int{1, 4, 8, 16, 256} {
		b.Run(fmt.Sprint(block), func(b *testing.B) {
			b.SetBytes(int64(4 * rows * cols))
			for b.Loop() {
				for r := 0; r < rows; r += block {
					AddRowsOfF64(AccValue, acc, x[r*cols:], block, cols)
				}
			}
		})
	}
}
