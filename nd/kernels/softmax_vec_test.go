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
	for name, f := range map[string]func(){
		"RowMax32 empty":      func() { RowMax32(nil) },
		"ExpShiftSum32 short": func() { ExpShiftSum32(make([]float32, 4), make([]float32, 3), 0, 1, true) },
	} {
		func() {
			defer func() {
				if _, ok := recover().(*Error); !ok {
					t.Errorf("%s: no *Error panic", name)
				}
			}()
			f()
		}()
	}
}

func TestSoftmaxKernelsAllocateNothing(t *testing.T) {
	x := softmaxInput(rand.New(rand.NewPCG(1, 2)), 1000, false)
	y := make([]float32, len(x))
	if a := testing.AllocsPerRun(10, func() { ExpShiftSum32(y, x, RowMax32(x), 1, true) }); a != 0 {
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
