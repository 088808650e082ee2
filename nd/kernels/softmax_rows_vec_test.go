package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
)

// The row counts and lengths the short-row tests cover: a lone row, part
// of a group, one group, one past, many; rows shorter than a vector, one
// lane short, exact, one past, and longer.
var (
	shortRowCounts  = []int{1, 7, 16, 17, 255}
	shortRowLengths = []int{1, 2, 7, 10, 15, 16, 17, 33, 63}
)

// shortRowsInput returns rows×n logits, normal with deviation 4, with
// rows of special values where special is set: row 2 a NaN past its
// first element (a NaN row), row 3 some -Inf (finite maximum), and the
// last row +Inf, NaN first, or all -Inf (rows that stop the kernel) when
// there are more than 20 rows.
func shortRowsInput(r *rand.Rand, rows, n int, special bool) []float32 {
	x := make([]float32, rows*n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 4)
	}
	if !special {
		return x
	}
	inf := float32(math.Inf(1))
	if rows > 2 && n > 1 {
		x[2*n+n-1] = float32(math.NaN())
	}
	if rows > 3 && n > 1 {
		x[3*n] = -inf
	}
	if rows > 20 {
		last := x[(rows-1)*n:]
		switch r.IntN(3) {
		case 0:
			last[n/2] = inf
		case 1:
			last[0] = float32(math.NaN())
		default:
			for i := range last {
				last[i] = -inf
			}
		}
	}
	return x
}

// The assembly gives the Go loops' bits for every row count and length,
// both kinds, with and without a temperature, fresh and in place; it
// stops before the same group, writing nothing of it or past the end.
func TestSoftmaxRows32MatchesGo(t *testing.T) {
	if softmaxRows32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against themselves")
	}
	r := rand.New(rand.NewPCG(21, 22))
	for _, rows := range shortRowCounts {
		for _, n := range append(shortRowLengths, 64, 100, 1000) {
			for _, special := range []bool{false, true} {
				x := shortRowsInput(r, rows, n, special)
				for _, log := range []bool{false, true} {
					for _, invT := range []float32{1, 0.7, -0.5} {
						name := fmt.Sprintf("rows%d_n%d_special%v_log%v_invT%v", rows, n, special, log, invT)
						want := make([]float32, len(x))
						wantDone := softmaxRows32Go(want, x, n, invT, log)
						got := withSentinel(len(x))
						done := SoftmaxRows32(got, x, n, invT, log)
						inPlace := withSentinel(len(x))
						copy(inPlace, x)
						doneInPlace := SoftmaxRows32(inPlace, inPlace, n, invT, log)
						if done != wantDone || doneInPlace != wantDone {
							t.Fatalf("%s: %d rows done (in place %d), want %d", name, done, doneInPlace, wantDone)
						}
						if stop := rows; special && rows > 20 && wantDone != (rows-1)/16*16 || !(special && rows > 20) && wantDone != stop {
							t.Fatalf("%s: stopped at row %d", name, wantDone)
						}
						copy(want[wantDone*n:], x[wantDone*n:]) // rows not done keep their values in place
						checkVecNaN(t, name+" in place", inPlace[:len(x)+1], want)
						clear(want[wantDone*n:])
						checkVecNaN(t, name, got[:len(x)+1], want)
					}
				}
			}
		}
	}
}

// The gradient kernel gives the Go loops' bits, fresh and in place over
// g and over y.
func TestSoftmaxGradRows32MatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, rows := range shortRowCounts {
		for _, n := range append(shortRowLengths, 64, 1000) {
			g := shortRowsInput(r, rows, n, true)
			y := shortRowsInput(r, rows, n, false)
			for i := range y {
				y[i] = -float32(math.Abs(float64(y[i]))) // a log-softmax output
			}
			for _, log := range []bool{false, true} {
				for _, temp := range []float32{1, 2.5} {
					name := fmt.Sprintf("rows%d_n%d_log%v_t%v", rows, n, log, temp)
					want := make([]float32, len(g))
					softmaxGradRows32Go(want, g, y, n, temp, log)
					got := withSentinel(len(g))
					SoftmaxGradRows32(got, g, y, n, temp, log)
					checkVecNaN(t, name, got[:len(g)+1], want)
					overG := withSentinel(len(g))
					copy(overG, g)
					SoftmaxGradRows32(overG, overG, y, n, temp, log)
					checkVecNaN(t, name+" over g", overG[:len(g)+1], want)
					overY := withSentinel(len(g))
					copy(overY, y)
					SoftmaxGradRows32(overY, g, overY, n, temp, log)
					checkVecNaN(t, name+" over y", overY[:len(g)+1], want)
				}
			}
		}
	}
}

// Softmax and log-softmax of short rows against float64 computed from
// the shifted inputs s = (x-m)·invT as float32 rounds them: within 3 ulp.
// (Those roundings, of x-m and of the product, move exp(s) by up to 2|s|
// ulp: every float32 softmax that shifts by the maximum has them.)
func TestSoftmaxRows32Accuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	worst := map[bool]int64{}
	for _, n := range shortRowLengths {
		rows := 200
		x := shortRowsInput(r, rows, n, false)
		for _, log := range []bool{false, true} {
			for _, invT := range []float32{1, 0.7} {
				y := make([]float32, len(x))
				if done := SoftmaxRows32(y, x, n, invT, log); done != rows {
					t.Fatalf("n=%d: %d rows done", n, done)
				}
				s := make([]float64, n)
				for o := range rows {
					xr := x[o*n : (o+1)*n]
					m := slicesMax(xr)
					var sum float64
					for i, v := range xr {
						s[i] = float64((v - m) * invT)
						sum += math.Exp(s[i])
					}
					for i := range xr {
						want := math.Exp(s[i]) / sum
						if log {
							want = s[i] - math.Log(sum)
						}
						d := testutil.Ulps(y[o*n+i], float32(want))
						if d > 3 {
							t.Fatalf("n=%d log=%v invT=%v: row %d element %d = %v, want %v (%d ulp)", n, log, invT, o, i, y[o*n+i], want, d)
						}
						worst[log] = max(worst[log], d)
					}
				}
			}
		}
	}
	t.Logf("worst error: softmax %d ulp, log-softmax %d ulp", worst[false], worst[true])
}

// The gradients of short rows against float64 computed from the same
// inputs.
func TestSoftmaxGradRows32Accuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for _, n := range shortRowLengths {
		rows := 37
		g, y := make([]float32, rows*n), make([]float32, rows*n)
		for i := range g {
			g[i] = float32(r.NormFloat64())
			y[i] = float32(r.Float64())
		}
		for _, log := range []bool{false, true} {
			if log {
				for i := range y {
					y[i] = -float32(r.Float64() * 10)
				}
			}
			for _, temp := range []float32{1, 2} {
				dx := make([]float32, len(g))
				SoftmaxGradRows32(dx, g, y, n, temp, log)
				for o := range rows {
					var sum float64
					for i := o * n; i < (o+1)*n; i++ {
						if log {
							sum += float64(g[i])
						} else {
							sum += float64(g[i]) * float64(y[i])
						}
					}
					for i := o * n; i < (o+1)*n; i++ {
						want := float64(y[i]) * (float64(g[i]) - sum)
						if log {
							want = float64(g[i]) - math.Exp(float64(y[i]))*sum
						}
						want /= float64(temp)
						if tol := 1e-6 * (1 + math.Abs(sum) + math.Abs(float64(g[i]))); math.Abs(float64(dx[i])-want) > tol {
							t.Fatalf("n=%d log=%v t=%v: element %d = %v, want %v", n, log, temp, i, dx[i], want)
						}
					}
				}
			}
		}
	}
}

// Rows of special values: a NaN past the first element makes the row
// NaN; -Inf elements give 0 (log-softmax -Inf); a temperature so small
// that the sums overflow (invT < 0 puts the largest exponent on the
// smallest element) gives log-softmax -Inf and softmax 0 or NaN, as the
// formulas do; and a row with an infinite or NaN maximum stops the group.
func TestSoftmaxRows32Specials(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	x := []float32{
		1, 2, nan, // NaN row
		0, -inf, 0, // -Inf: exp 0
		1, 2, 3,
	}
	y := make([]float32, len(x))
	if done := SoftmaxRows32(y, x, 3, 1, false); done != 3 {
		t.Fatalf("%d rows done, want 3", done)
	}
	for i, v := range y[:3] {
		if v == v {
			t.Fatalf("NaN row: element %d = %v", i, v)
		}
	}
	if y[3] != 0.5 || y[4] != 0 || y[5] != 0.5 {
		t.Fatalf("row with -Inf: %v, want [0.5 0 0.5]", y[3:6])
	}
	SoftmaxRows32(y, x, 3, 1, true)
	if l2 := float32(-math.Ln2); y[3] != l2 || !math.IsInf(float64(y[4]), -1) || y[5] != l2 {
		t.Fatalf("log row with -Inf: %v, want [-ln2 -Inf -ln2]", y[3:6])
	}
	// Σ exp(-100·(x-3)) overflows float64 at x = -5: ln Σ is +Inf.
	big := []float32{3, -5, 2}
	SoftmaxRows32(y[:3], big, 3, -100, true)
	if !math.IsInf(float64(y[0]), -1) || !math.IsInf(float64(y[1]), -1) {
		t.Fatalf("overflowing sum: log-softmax %v, want -Inf", y[:3])
	}
	for _, bad := range [][]float32{{1, inf, 0}, {nan, 1, 2}, {-inf, -inf, -inf}} {
		rows := append(make([]float32, 3*16), bad...)
		rows = append(rows, make([]float32, 3*5)...)
		out := make([]float32, len(rows))
		if done := SoftmaxRows32(out, rows, 3, 1, false); done != 16 {
			t.Fatalf("row %v: %d rows done, want 16", bad, done)
		}
		for i, v := range out[3*16:] {
			if v != 0 {
				t.Fatalf("row %v: the stopped group's element %d written", bad, i)
			}
		}
	}
}

// lnSum64 against math.Log: within 2 float64 ulp over [1, 64] and the
// powers of 2, and the same float32 rounding.
func TestLnSum64(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	check := func(x float64) {
		got, want := lnSum64(x), math.Log(x)
		if math.Abs(got-want) > 2*math.Abs(want)*0x1p-52 || float32(got) != float32(want) {
			t.Fatalf("lnSum64(%v) = %v, want %v", x, got, want)
		}
	}
	for range 100000 {
		check(1 + r.Float64()*63)
		check(1 + r.Float64()*1e-6)
	}
	for e := -1000; e < 1000; e++ {
		check(math.Ldexp(1, e))
		check(math.Ldexp(1.5, e))
		check(math.Ldexp(1.4999999999, e))
	}
	if lnSum64(1) != 0 {
		t.Fatalf("lnSum64(1) = %v", lnSum64(1))
	}
	if !math.IsInf(lnSum64(math.Inf(1)), 1) || !math.IsNaN(lnSum64(math.NaN())) {
		t.Fatal("lnSum64 of +Inf or NaN is not itself")
	}
}

func TestSoftmaxRowsKernelsPanicOnBadInput(t *testing.T) {
	f := func(n int) []float32 { return make([]float32, n) }
	checkPanics(t, map[string]func(){
		"SoftmaxRows32 n 0":           func() { SoftmaxRows32(f(4), f(4), 0, 1, false) },
		"SoftmaxRows32 ragged":        func() { SoftmaxRows32(f(5), f(5), 2, 1, false) },
		"SoftmaxRows32 short":         func() { SoftmaxRows32(f(4), f(3), 2, 1, true) },
		"SoftmaxGradRows32 n 0":       func() { SoftmaxGradRows32(f(4), f(4), f(4), 0, 1, false) },
		"SoftmaxGradRows32 ragged":    func() { SoftmaxGradRows32(f(6), f(6), f(6), 4, 1, false) },
		"SoftmaxGradRows32 g short":   func() { SoftmaxGradRows32(f(4), f(2), f(4), 2, 1, true) },
		"SoftmaxGradRows32 y short":   func() { SoftmaxGradRows32(f(4), f(4), f(2), 2, 1, true) },
		"SoftmaxRows32 n past length": func() { SoftmaxRows32(f(4), f(4), 8, 1, true) },
	})
}

func TestSoftmaxRowsKernelsAllocateNothing(t *testing.T) {
	x := shortRowsInput(rand.New(rand.NewPCG(1, 2)), 256, 10, false)
	y := make([]float32, len(x))
	if a := testing.AllocsPerRun(10, func() {
		SoftmaxRows32(y, x, 10, 1, true)
		SoftmaxGradRows32(y, x, y, 10, 1, false)
	}); a != 0 {
		t.Fatalf("%v allocations per call", a)
	}
}

// BenchmarkSoftmaxRows32 runs a classifier head's shapes: 256 rows of 10
// and 32 rows of 100, and rows of 63.
func BenchmarkSoftmaxRows32(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range [][2]int{{256, 10}, {32, 100}, {64, 63}} {
		rows, n := sh[0], sh[1]
		x := shortRowsInput(r, rows, n, false)
		y, dx := make([]float32, len(x)), make([]float32, len(x))
		for _, log := range []bool{false, true} {
			kind := "softmax"
			if log {
				kind = "log_softmax"
			}
			b.Run(fmt.Sprintf("%s/%dx%d", kind, rows, n), func(b *testing.B) {
				for b.Loop() {
					SoftmaxRows32(y, x, n, 1, log)
				}
			})
			b.Run(fmt.Sprintf("%s_grad/%dx%d", kind, rows, n), func(b *testing.B) {
				for b.Loop() {
					SoftmaxGradRows32(dx, x, y, n, 1, log)
				}
			})
			b.Run(fmt.Sprintf("go/%s/%dx%d", kind, rows, n), func(b *testing.B) {
				for b.Loop() {
					softmaxRows32Go(y, x, n, 1, log)
				}
			})
		}
	}
}
