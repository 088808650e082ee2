package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// extremaSizes cover the 64-element blocks of the whole-slice loops, the
// 16-element pieces of their tails, and the Go loop below 16.
var extremaSizes = []int{1, 2, 7, 15, 16, 17, 31, 32, 63, 64, 65, 79, 80, 127, 128, 129, 255, 1023, 1024, 4099}

// withExtremaPaths runs f with the assembly loops (where the CPU has
// them) and with the Go loops.
func withExtremaPaths(t *testing.T, f func(t *testing.T)) {
	t.Run("dispatch", f)
	if extreme32Fast == nil {
		return
	}
	e, a, r := extreme32Fast, argExtreme32Fast, extremeRows32Fast
	extreme32Fast, argExtreme32Fast, extremeRows32Fast = nil, nil, nil
	defer func() { extreme32Fast, argExtreme32Fast, extremeRows32Fast = e, a, r }()
	t.Run("go", f)
}

// nanPayload is a quiet NaN carrying p, to tell NaNs apart.
func nanPayload(p uint32) float32 { return math.Float32frombits(0x7fc00000 | p&0x3fffff) }

var negZero32 = float32(math.Copysign(0, -1))

// extremaInputs are inputs of each kind the loops must agree on: the
// vecInput specials (NaNs, ±Inf, ±0), the same without NaN, small
// integers (ties, and zeros of both signs), and non-positive values whose
// extreme is a zero, -0 or +0 first.
func extremaInputs(r *rand.Rand, n int) map[string][]float32 {
	special := vecInput(r, n)
	noNaN := append([]float32(nil), special...)
	ties := make([]float32, n)
	zeros := make([]float32, n)
	for i := range n {
		if noNaN[i] != noNaN[i] {
			noNaN[i] = float32(math.Inf(-1 + 2*r.IntN(2)))
		}
		ties[i] = float32(r.IntN(5) - 2)
		if ties[i] == 0 && r.IntN(2) == 0 {
			ties[i] = negZero32
		}
		zeros[i] = float32(-r.IntN(3)) // +0 for 0
		if zeros[i] == 0 && r.IntN(2) == 0 {
			zeros[i] = negZero32
		}
	}
	// NaNs with payloads, so that which NaN comes back shows.
	nans := append([]float32(nil), noNaN...)
	for k := range 3 {
		if n > 0 {
			i := r.IntN(n)
			nans[i] = nanPayload(uint32(i + 1 + k))
		}
	}
	return map[string][]float32{"special": special, "nonan": noNaN, "ties": ties, "zeros": zeros, "nans": nans}
}

func sameF32(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// Max32, Min32, Argmax32 and Argmin32 equal the Go loops bit for bit
// (the first NaN's payload and the first zero's sign included) at every
// length and alignment.
func TestExtremaMatchGo(t *testing.T) {
	if extreme32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against themselves")
	}
	withExtremaPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 3))
		for _, n := range extremaSizes {
			for kind, x := range extremaInputs(r, n+3) {
				for off := range 3 { // unaligned starts
					x := x[off : off+n]
					for _, isMin := range []bool{false, true} {
						name := fmt.Sprintf("%s n=%d off=%d min=%v", kind, n, off, isMin)
						f, af := Max32, Argmax32
						if isMin {
							f, af = Min32, Argmin32
						}
						if got, want := f(x), extreme32Go(x, isMin); !sameF32(got, want) {
							t.Fatalf("extreme %s: %v (%#x), Go loop %v (%#x)", name, got, math.Float32bits(got), want, math.Float32bits(want))
						}
						if got, want := af(x), argExtreme32Go(x, isMin); got != want {
							t.Fatalf("arg %s: %d (%v), Go loop %d (%v)", name, got, x[got], want, x[want])
						}
					}
				}
			}
		}
	})
}

// The Go loops are the semantics nd had: walk in order, keep the first of
// equal values, and a NaN wins at once.
func TestExtremaSemantics(t *testing.T) {
	withExtremaPaths(t, func(t *testing.T) {
		for _, n := range []int{3, 20, 100, 300} {
			// A NaN at each position, and a second one later: the first
			// comes back, and its index.
			for i := 0; i < n; i += max(1, n/17) {
				x := make([]float32, n)
				for k := range x {
					x[k] = float32(k % 7)
				}
				x[i] = nanPayload(1)
				if i+1 < n {
					x[n-1] = nanPayload(2)
				}
				for _, isMin := range []bool{false, true} {
					if got := extreme32("t", x, isMin); !sameF32(got, nanPayload(1)) {
						t.Fatalf("n=%d NaN at %d min=%v: %v (%#x)", n, i, isMin, got, math.Float32bits(got))
					}
					if got := argExtreme32("t", x, isMin); got != i {
						t.Fatalf("n=%d NaN at %d min=%v: arg %d", n, i, isMin, got)
					}
				}
			}
			// Negative values with a -0 at i and a +0 at j: the first
			// zero's sign and index win; ties of nonzero values too.
			for _, ij := range [][2]int{{0, n - 1}, {n - 1, 0}, {n / 2, n/2 + 1}, {n/2 + 1, n / 2}, {1, 2}} {
				i, j := ij[0], ij[1]
				if i == j {
					continue
				}
				x := make([]float32, n)
				for k := range x {
					x[k] = -1 - float32(k%5)
				}
				x[i], x[j] = negZero32, 0
				first := min(i, j)
				if got := Max32(x); !sameF32(got, x[first]) {
					t.Fatalf("n=%d -0 at %d, +0 at %d: max %v (sign %v)", n, i, j, got, math.Signbit(float64(got)))
				}
				if got := Argmax32(x); got != first {
					t.Fatalf("n=%d -0 at %d, +0 at %d: argmax %d", n, i, j, got)
				}
				for k := range x {
					x[k] = -x[k]
				}
				x[i], x[j] = negZero32, 0
				if got := Min32(x); !sameF32(got, x[first]) {
					t.Fatalf("n=%d -0 at %d, +0 at %d: min %v (sign %v)", n, i, j, got, math.Signbit(float64(got)))
				}
				if got := Argmin32(x); got != first {
					t.Fatalf("n=%d -0 at %d, +0 at %d: argmin %d", n, i, j, got)
				}
				x[i], x[j] = 7, 7
				if got := Argmax32(x); got != first {
					t.Fatalf("n=%d ties at %d and %d: argmax %d", n, i, j, got)
				}
			}
			// Infinities are values like any other.
			x := make([]float32, n)
			for k := range x {
				x[k] = float32(math.Inf(-1))
			}
			if got := Argmax32(x); got != 0 || Max32(x) != x[0] {
				t.Fatalf("n=%d all -Inf: argmax %d", n, got)
			}
			x[n-1] = float32(math.Inf(1))
			if got := Argmax32(x); got != n-1 || Max32(x) != x[n-1] {
				t.Fatalf("n=%d +Inf last: argmax %d", n, got)
			}
		}
	})
}

// MaxRows32 and MinRows32 equal the Go row folds bit for bit (NaN
// payloads included) over any rows, strides and alignments, writing
// nothing past acc.
func TestExtremeRowsMatchGo(t *testing.T) {
	withExtremaPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(12, 4))
		for _, cols := range append([]int{0}, extremaSizes...) {
			for _, rows := range []int{1, 2, 3, 8} {
				for _, pad := range []int{0, 1, 5} {
					stride := cols + pad
					x := extremaInputs(r, 1+rows*stride)["nans"]
					for i := range x {
						if r.IntN(4) == 0 {
							x[i] = float32(r.IntN(3) - 1) // ties in a column
						}
					}
					init := extremaInputs(r, cols)["nans"]
					for _, isMin := range []bool{false, true} {
						name := fmt.Sprintf("cols=%d rows=%d stride=%d min=%v", cols, rows, stride, isMin)
						want := append([]float32(nil), init...)
						for k := range rows {
							extremeRow32Go(want, x[1+k*stride:], isMin)
						}
						got := withSentinel(cols)
						copy(got, init)
						f := MaxRows32
						if isMin {
							f = MinRows32
						}
						f(got, x[1:], rows, stride) // unaligned
						checkVec(t, name, got[:cols+1], want)
					}
				}
			}
		}
	})
}

func TestExtremaPanic(t *testing.T) {
	checkPanics(t, map[string]func(){
		"max empty":       func() { Max32(nil) },
		"min empty":       func() { Min32([]float32{}) },
		"argmax empty":    func() { Argmax32(nil) },
		"argmin empty":    func() { Argmin32(nil) },
		"rows short":      func() { MaxRows32(make([]float32, 4), make([]float32, 7), 2, 4) },
		"rows neg stride": func() { MinRows32(make([]float32, 4), make([]float32, 8), 2, -4) },
	})
}

// BenchmarkExtrema32 compares the kernels with the Go loops on one core,
// over an L1-sized row and a 1 MB array.
//
//	go test -run XXX -bench Extrema32 ./nd/kernels
func BenchmarkExtrema32(b *testing.B) {
	for _, n := range []int{1024, 256 * 1024} {
		x := make([]float32, n)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range x {
			x[i] = r.Float32()
		}
		acc := make([]float32, 1024)
		var sink float32
		var isink int
		for _, c := range []struct {
			name string
			f    func()
		}{
			{"max", func() { sink += Max32(x) }},
			{"max_go", func() { sink += extreme32Go(x, false) }},
			{"argmax", func() { isink += Argmax32(x) }},
			{"argmax_go", func() { isink += argExtreme32Go(x, false) }},
			{"max_rows", func() { MaxRows32(acc, x, n/1024, 1024) }},
			{"max_rows_go", func() {
				for k := range n / 1024 {
					extremeRow32Go(acc, x[k*1024:], false)
				}
			}},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				b.SetBytes(int64(4 * n))
				for b.Loop() {
					c.f()
				}
			})
		}
		_, _ = sink, isink
	}
}
