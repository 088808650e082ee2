package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// vecSizes cover empty, sub-vector, one-lane-short, exact and ragged
// lengths on both sides of the 32-element main loop.
var vecSizes = []int{0, 1, 7, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 255, 1023, 4099}

// vecInput returns n values with zeros of both signs, infinities and NaNs
// mixed into random ones.
func vecInput(r *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-40, -1e-40}
	v := make([]float32, n)
	for i := range v {
		if r.IntN(6) == 0 {
			v[i] = special[r.IntN(len(special))]
		} else {
			v[i] = float32(r.NormFloat64())
		}
	}
	return v
}

// sameBits reports whether a and b hold the same bit patterns; got keeps
// a sentinel past len(want) that must be untouched.
func checkVec(t *testing.T, name string, got []float32, want []float32) {
	t.Helper()
	for i, w := range want {
		if math.Float32bits(got[i]) != math.Float32bits(w) {
			t.Fatalf("%s n=%d: [%d] = %v (%#x), want %v (%#x)", name, len(want), i, got[i], math.Float32bits(got[i]), w, math.Float32bits(w))
		}
	}
	if s := got[len(want)]; s != 12345 {
		t.Fatalf("%s n=%d: wrote past the end (%v)", name, len(want), s)
	}
}

// withSentinel returns an n-element slice (offset by one element, so the
// vectors are not 64-byte aligned) whose backing array has a sentinel after
// it.
func withSentinel(n int) []float32 {
	buf := make([]float32, n+2)
	buf[n+1] = 12345
	return buf[1 : n+1 : n+2]
}

func TestVecKernelsMatchGo(t *testing.T) {
	if relu32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against themselves")
	}
	r := rand.New(rand.NewPCG(7, 7))
	for _, n := range vecSizes {
		x, g, w := vecInput(r, n), vecInput(r, n), vecInput(r, n)

		want := make([]float32, n)
		relu32Go(want, x)
		got := withSentinel(n)
		Relu32(got, x)
		checkVec(t, "Relu32", got[:n+1], want)

		reluGrad32Go(want, g, x)
		got = withSentinel(n)
		ReluGrad32(got, g, x)
		checkVec(t, "ReluGrad32", got[:n+1], want)

		got = withSentinel(n)
		copy(got, w)
		copy(want, w)
		addTo32Go(want, g)
		AddTo32(got, g)
		checkVec(t, "AddTo32", got[:n+1], want)

		got = withSentinel(n)
		copy(got, w)
		copy(want, w)
		// Equal pairs, and zeros of both signs against each other, too.
		src := append([]float32(nil), g...)
		for i := 0; i < n; i += 3 {
			src[i] = w[i]
			if w[i] == 0 {
				src[i] = -w[i]
			}
		}
		maxTo32Go(want, src)
		MaxTo32(got, src)
		// Go's max mixes the other operand's bits into a NaN's payload:
		// any NaN will do there.
		for i := range want {
			if got[i] != got[i] && want[i] != want[i] {
				got[i] = want[i]
			}
		}
		checkVec(t, "MaxTo32", got[:n+1], want)

		// 2×2 pooling rows: n outputs from two rows of 2n.
		r0, r1 := vecInput(r, 2*n), vecInput(r, 2*n)
		for i := 0; i < 2*n; i += 5 {
			r1[i] = -r0[i] // equal magnitudes, zeros of both signs
		}
		maxPool2x2Row32Go(want, r0, r1)
		got = withSentinel(n)
		MaxPool2x2Plane32(got, append(r0, r1...), 2*n, 1, n)
		for i := range want {
			if got[i] != got[i] && want[i] != want[i] {
				got[i] = want[i] // any NaN
			}
		}
		checkVec(t, "MaxPool2x2Plane32", got[:n+1], want)

		// Its backward, from the forward's maxima (so ties, -0 against
		// +0 and NaN windows all occur); vecInput puts a NaN in about one
		// window in ten.
		wantD0, wantD1 := make([]float32, 2*n), make([]float32, 2*n)
		maxPool2x2GradRow32Go(wantD0, wantD1, g, want, r0, r1)
		gotD0, gotD1 := withSentinel(2*n), withSentinel(2*n)
		gotDX := make([]float32, 4*n)
		MaxPool2x2GradPlane32(gotDX, g, want, append(r0, r1...), 2*n, 1, n)
		copy(gotD0, gotDX[:2*n])
		copy(gotD1, gotDX[2*n:])
		checkVec(t, "MaxPool2x2GradPlane32 row 0", gotD0[:2*n+1], wantD0)
		checkVec(t, "MaxPool2x2GradPlane32 row 1", gotD1[:2*n+1], wantD1)
		// Without NaNs no row falls back to the Go loop: this checks the
		// assembly's own routing.
		for i := range r0 {
			if r0[i] != r0[i] {
				r0[i] = 2
			}
			if r1[i] != r1[i] {
				r1[i] = -r0[i]
			}
		}
		maxPool2x2Row32Go(want, r0, r1)
		if maxPool2x2GradRow32Fast == nil || n == 0 {
			maxPool2x2GradRow32Go(gotD0, gotD1, g, want, r0, r1)
		} else if maxPool2x2GradRow32Fast(gotD0, gotD1, g, want, r0, r1) {
			t.Fatalf("n=%d: the assembly saw a NaN maximum in NaN-free rows", n)
		}
		maxPool2x2GradRow32Go(wantD0, wantD1, g, want, r0, r1)
		checkVec(t, "MaxPool2x2GradRow32 (assembly) row 0", gotD0[:2*n+1], wantD0)
		checkVec(t, "MaxPool2x2GradRow32 (assembly) row 1", gotD1[:2*n+1], wantD1)

		for _, p := range [][3]float32{{1, 0.01, 1}, {0.9995, 0.1, 0.5}, {1, -3, 1e-3}} {
			sgdUpdate32Go(want, w, g, p[0], p[1], p[2])
			got = withSentinel(n)
			SGDUpdate32(got, w, g, p[0], p[1], p[2])
			checkVec(t, "SGDUpdate32", got[:n+1], want)
			// In place, as the optimizer calls it.
			inPlace := withSentinel(n)
			copy(inPlace, w)
			SGDUpdate32(inPlace, inPlace, g, p[0], p[1], p[2])
			checkVec(t, "SGDUpdate32 in place", inPlace[:n+1], want)
		}
	}
}

func TestVecKernelsKnownValues(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	x := []float32{-2, negZero, 0, 3, nan, inf, -inf}
	o := make([]float32, len(x))
	Relu32(o, x)
	want := []float32{0, 0, 0, 3, nan, inf, 0}
	for i := range want {
		if !(o[i] == want[i] || o[i] != o[i] && want[i] != want[i]) || math.Signbit(float64(o[i])) {
			t.Errorf("Relu32(%v) = %v, want %v", x[i], o[i], want[i])
		}
	}
	g := []float32{5, 5, 5, 5, 5, inf, inf}
	ReluGrad32(o, g, x)
	for i, w := range []float32{0, 0, 0, 5, 0, inf, nan} {
		if !(o[i] == w || o[i] != o[i] && w != w) {
			t.Errorf("ReluGrad32(g=%v, x=%v) = %v, want %v", g[i], x[i], o[i], w)
		}
	}
	w := []float32{1, 2}
	SGDUpdate32(w, w, []float32{10, -10}, 0.5, 0.1, 2)
	if w[0] != 0.5-2 || w[1] != 1+2 {
		t.Errorf("SGDUpdate32 = %v, want [-1.5 3]", w)
	}
}

func TestVecKernelsPanicOnShortInput(t *testing.T) {
	checkPanics(t, map[string]func(){
		"Relu32":      func() { Relu32(make([]float32, 4), make([]float32, 3)) },
		"ReluGrad32":  func() { ReluGrad32(make([]float32, 4), make([]float32, 4), make([]float32, 3)) },
		"SGDUpdate32": func() { SGDUpdate32(make([]float32, 4), make([]float32, 4), make([]float32, 2), 1, 1, 1) },
		"AddTo32":     func() { AddTo32(make([]float32, 4), make([]float32, 1)) },
		"MaxTo32":     func() { MaxTo32(make([]float32, 4), make([]float32, 1)) },
		"MaxPool2x2Plane32": func() {
			MaxPool2x2Plane32(make([]float32, 4), make([]float32, 7), 4, 2, 2)
		},
		"MaxPool2x2GradPlane32": func() {
			MaxPool2x2GradPlane32(make([]float32, 15), make([]float32, 4), make([]float32, 4), make([]float32, 16), 4, 2, 2)
		},
	})
}

func BenchmarkVecKernels(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{16384, 200704} {
		x, g := vecInput(r, n), vecInput(r, n)
		o := make([]float32, n)
		b.Run(fmt.Sprintf("relu_%d", n), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				Relu32(o, x)
			}
		})
		b.Run(fmt.Sprintf("relu_go_%d", n), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				relu32Go(o, x)
			}
		})
		b.Run(fmt.Sprintf("sgd_%d", n), func(b *testing.B) {
			b.SetBytes(int64(12 * n))
			for b.Loop() {
				SGDUpdate32(o, o, g, 1, 1e-9, 1)
			}
		})
		b.Run(fmt.Sprintf("sgd_go_%d", n), func(b *testing.B) {
			b.SetBytes(int64(12 * n))
			for b.Loop() {
				sgdUpdate32Go(o, o, g, 1, 1e-9, 1)
			}
		})
	}
}

// maxPool2x2Row32Go is the oracle of one 2×2 pooling row.
func maxPool2x2Row32Go(y, r0, r1 []float32) {
	for i := range y {
		y[i] = max(max(r0[2*i], r0[2*i+1]), max(r1[2*i], r1[2*i+1]))
	}
}

// A plane of several rows whose width leaves a column out (odd W), on
// both sides of the vector threshold: every window as the row oracle
// computes it, and nothing written outside the windows.
func TestMaxPool2x2Plane(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, ow := range []int{1, 4, 7, 8, 17, 40} {
		const oh = 3
		w := 2*ow + 1
		x := vecInput(r, (2*oh+1)*w)
		y := make([]float32, oh*ow)
		MaxPool2x2Plane32(y, x, w, oh, ow)
		want := make([]float32, ow)
		dy := vecInput(r, oh*ow)
		for i := range dy {
			if dy[i] != dy[i] {
				dy[i] = 1
			}
		}
		dx := make([]float32, len(x))
		for i := range dx {
			dx[i] = 12345
		}
		MaxPool2x2GradPlane32(dx, dy, y, x, w, oh, ow)
		for o := range oh {
			r0, r1 := x[2*o*w:2*o*w+2*ow], x[(2*o+1)*w:(2*o+1)*w+2*ow]
			maxPool2x2Row32Go(want, r0, r1)
			for i := range want {
				if g := y[o*ow+i]; math.Float32bits(g) != math.Float32bits(want[i]) && !(g != g && want[i] != want[i]) {
					t.Fatalf("OW=%d row %d: y[%d] = %v, want %v", ow, o, i, g, want[i])
				}
			}
			d0, d1 := make([]float32, 2*ow), make([]float32, 2*ow)
			maxPool2x2GradRow32Go(d0, d1, dy[o*ow:(o+1)*ow], y[o*ow:(o+1)*ow], r0, r1)
			for i := range d0 {
				if a, b := dx[2*o*w+i], dx[(2*o+1)*w+i]; math.Float32bits(a) != math.Float32bits(d0[i]) || math.Float32bits(b) != math.Float32bits(d1[i]) {
					t.Fatalf("OW=%d row %d: dx %d = %v, %v, want %v, %v", ow, o, i, a, b, d0[i], d1[i])
				}
			}
			if dx[2*o*w+2*ow] != 12345 || dx[(2*o+1)*w+2*ow] != 12345 {
				t.Fatalf("OW=%d row %d: the left-out column was written", ow, o)
			}
		}
		if dx[2*oh*w] != 12345 {
			t.Fatalf("OW=%d: the left-out row was written", ow)
		}
	}
}

// Inner columns of 3-wide, stride-2 max pooling: every length on both
// sides of the 16-output blocks, with the shortest row allowed (the
// assembly must not read past it) and a longer one.
func TestMaxWindow3Stride2(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	for _, n := range vecSizes {
		for _, extra := range []int{0, 1, 5} {
			row := vecInput(r, 2*n+1+extra)
			row = row[:len(row):len(row)]
			want := make([]float32, n)
			for i := range want {
				want[i] = max(max(row[2*i], row[2*i+1]), row[2*i+2])
			}
			got := withSentinel(n)
			MaxWindow3Stride2(got, row)
			for i := range want {
				if got[i] != got[i] && want[i] != want[i] {
					got[i] = want[i] // any NaN
				}
			}
			checkVec(t, "MaxWindow3Stride2", got[:n+1], want)
		}
	}
	defer func() {
		if _, ok := recover().(*Error); !ok {
			t.Error("a short row: no *Error panic")
		}
	}()
	MaxWindow3Stride2(make([]float32, 4), make([]float32, 8))
}

// checkPanics calls each case and fails the test for those that do not
// panic with *Error (bad lengths, unknown ops).
func checkPanics(t *testing.T, cases map[string]func()) {
	t.Helper()
	for name, f := range cases {
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
