package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// softmaxInput returns a row of logits: mostly normal values, or with
// specials mixed in (every fifth element) when special is set.
func softmaxInput(r *rand.Rand, n int, special bool) []float32 {
	x := make([]float32, n)
	if special {
		copy(x, actInput(r, n))
		return x
	}
	for i := range x {
		x[i] = float32(r.NormFloat64() * 4)
	}
	return x
}

// The assembly row kernels give the Go loops' bits at every length, with
// and without special values, fresh and in place, and write nothing past
// the end.
func TestSoftmaxKernelsMatchGo(t *testing.T) {
	if rowMax32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against themselves")
	}
	r := rand.New(rand.NewPCG(5, 11))
	for _, n := range []int{1, 2, 7, 15, 16, 17, 31, 32, 33, 255, 1023, 4099} {
		for _, special := range []bool{false, true} {
			x := softmaxInput(r, n, special)
			if got, want := RowMax32(x), rowMax32Go(x); math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
				t.Fatalf("RowMax32 n=%d special=%v = %v, want %v", n, special, got, want)
			}
			m := rowMax32Go(x)
			if !special && m != slicesMax(x) {
				t.Fatalf("rowMax32Go n=%d = %v, want %v", n, m, slicesMax(x))
			}
			for _, storeExp := range []bool{true, false} {
				want := make([]float32, n)
				wantSum := expShiftSum32Go(want, x, m, 0.5, storeExp)
				got := withSentinel(n)
				sum := ExpShiftSum32(got, x, m, 0.5, storeExp)
				inPlace := withSentinel(n)
				copy(inPlace, x)
				sumInPlace := ExpShiftSum32(inPlace, inPlace, m, 0.5, storeExp)
				checkVecNaN(t, "ExpShiftSum32", got[:n+1], want)
				checkVecNaN(t, "ExpShiftSum32 in place", inPlace[:n+1], want)
				for _, s := range []float64{sum, sumInPlace} {
					if math.Float64bits(s) != math.Float64bits(wantSum) && !(s != s && wantSum != wantSum) {
						t.Fatalf("ExpShiftSum32 n=%d special=%v storeExp=%v: sum %v, want %v", n, special, storeExp, s, wantSum)
					}
				}
			}
		}
	}
}

// The gradient kernels give the Go loops' bits at every length, both
// kinds, with and without a temperature, fresh and in place over g.
func TestSoftmaxGradKernelsMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 12))
	for _, n := range []int{1, 2, 7, 15, 16, 17, 31, 32, 33, 255, 1023, 4099} {
		for _, special := range []bool{false, true} {
			g := softmaxInput(r, n, special)
			y := softmaxInput(r, n, false)
			for i := range y {
				y[i] = -float32(math.Abs(float64(y[i]))) // a log-softmax output
			}
			for _, log := range []bool{false, true} {
				if got, want := SoftmaxGradSum32(g, y, log), softmaxGradSum32Go(g, y, log); math.Float64bits(got) != math.Float64bits(want) && !(got != got && want != want) {
					t.Fatalf("SoftmaxGradSum32 n=%d log=%v = %v, want %v", n, log, got, want)
				}
				for _, temp := range []float32{1, 2.5} {
					s := float32(softmaxGradSum32Go(g, y, log))
					want := make([]float32, n)
					softmaxGrad32Go(want, g, y, s, temp, log)
					got := withSentinel(n)
					SoftmaxGrad32(got, g, y, s, temp, log)
					checkVecNaN(t, "SoftmaxGrad32", got[:n+1], want)
					inPlace := withSentinel(n)
					copy(inPlace, g)
					SoftmaxGrad32(inPlace, inPlace, y, s, temp, log)
					checkVecNaN(t, "SoftmaxGrad32 in place", inPlace[:n+1], want)
				}
			}
		}
	}
}

// The gradient formulas on a row worked by hand.
func TestSoftmaxGradKernelsKnownValues(t *testing.T) {
	g, y := []float32{1, -2, 0.5}, []float32{0.5, 0.25, 0.25}
	if s := SoftmaxGradSum32(g, y, false); s != 0.5-0.5+0.125 {
		t.Fatalf("Σ g·y = %v, want 0.125", s)
	}
	if s := SoftmaxGradSum32(g, y, true); s != -0.5 {
		t.Fatalf("Σ g = %v, want -0.5", s)
	}
	dx := make([]float32, 3)
	SoftmaxGrad32(dx, g, y, 0.125, 1, false)
	if dx[0] != 0.5*0.875 || dx[1] != 0.25*-2.125 || dx[2] != 0.25*0.375 {
		t.Fatalf("softmax dx = %v", dx)
	}
	SoftmaxGrad32(dx, g, []float32{0, 0, 0}, -0.5, 2, true) // exp(0) = 1
	if dx[0] != 0.75 || dx[1] != -0.75 || dx[2] != 0.5 {
		t.Fatalf("log-softmax dx at T=2 = %v, want (g+0.5)/2", dx)
	}
}

func slicesMax(x []float32) float32 {
	m := x[0]
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

// The Go loops against the definitions: the maximum, and the exponentials
// and their sum within float64 rounding of a sequential sum.
func TestSoftmaxKernelsKnownValues(t *testing.T) {
	x := []float32{1, 3, -2, 3, 0.5}
	if m := RowMax32(x); m != 3 {
		t.Fatalf("RowMax32 = %v, want 3", m)
	}
	e := make([]float32, len(x))
	sum := ExpShiftSum32(e, x, 3, 1, true)
	var want float64
	for i, v := range x {
		if w := Expf(v - 3); e[i] != w {
			t.Fatalf("exp[%d] = %v, want %v", i, e[i], w)
		}
		want += float64(Expf(v - 3))
	}
	if math.Abs(sum-want) > 1e-15 {
		t.Fatalf("sum = %v, want %v", sum, want)
	}
	s := make([]float32, len(x))
	if got := ExpShiftSum32(s, x, 3, 2, false); math.Abs(got-(math.Exp(-4)+2+math.Exp(-10)+math.Exp(-5))) > 1e-6 {
		t.Fatalf("sum at T=0.5 = %v", got)
	}
	if s[2] != -10 || s[1] != 0 || s[4] != -5 {
		t.Fatalf("shifted = %v, want (x-3)*2", s)
	}
	// A long row: many lanes, each summing several elements.
	long := make([]float32, 1000)
	for i := range long {
		long[i] = float32(i%7) - 3
	}
	le := make([]float32, len(long))
	got := ExpShiftSum32(le, long, 3, 1, true)
	want = 0
	for _, v := range le {
		want += float64(v)
	}
	if math.Abs(got-want) > 1e-12*want {
		t.Fatalf("long sum = %v, want %v", got, want)
	}
}

func TestSoftmaxKernelsPanicOnBadInput(t *testing.T) {
	checkPanics(t, map[string]func(){
		"RowMax32 empty":      func() { RowMax32(nil) },
		"ExpShiftSum32 short": func() { ExpShiftSum32(make([]float32, 4), make([]float32, 3), 0, 1, true) },
		"SoftmaxGradSum32":    func() { SoftmaxGradSum32(make([]float32, 4), make([]float32, 3), false) },
		"SoftmaxGrad32 g":     func() { SoftmaxGrad32(make([]float32, 4), make([]float32, 3), make([]float32, 4), 0, 1, false) },
		"SoftmaxGrad32 y":     func() { SoftmaxGrad32(make([]float32, 4), make([]float32, 4), make([]float32, 3), 0, 1, true) },
	})
}

func TestSoftmaxKernelsAllocateNothing(t *testing.T) {
	x := softmaxInput(rand.New(rand.NewPCG(1, 2)), 1000, false)
	y := make([]float32, len(x))
	if a := testing.AllocsPerRun(10, func() {
		ExpShiftSum32(y, x, RowMax32(x), 1, true)
		SoftmaxGrad32(y, x, y, float32(SoftmaxGradSum32(x, y, false)), 2, true)
	}); a != 0 {
		t.Fatalf("%v allocations per call", a)
	}
}

func BenchmarkSoftmaxKernels(b *testing.B) {
	x := softmaxInput(rand.New(rand.NewPCG(1, 2)), 1024, false)
	y := make([]float32, len(x))
	b.SetBytes(4 * int64(len(x)))
	b.Run("RowMax32", func(b *testing.B) {
		for b.Loop() {
			RowMax32(x)
		}
	})
	b.Run("ExpShiftSum32", func(b *testing.B) {
		for b.Loop() {
			ExpShiftSum32(y, x, 3, 1, true)
		}
	})
	b.Run("go/ExpShiftSum32", func(b *testing.B) {
		for b.Loop() {
			expShiftSum32Go(y, x, 3, 1, true)
		}
	})
}
