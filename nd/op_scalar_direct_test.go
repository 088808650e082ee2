package nd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The direct loops must give exactly what the float64 reference gives
// (rounded to the dtype), on odd sizes and special values.
func TestScalarDirectMatchesReference(t *testing.T) {
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	refs := map[scalarKind]func(x, s float64) float64{
		scalarPlus: func(x, s float64) float64 { return x + s }, scalarMinus: func(x, s float64) float64 { return x - s },
		scalarRminus: func(x, s float64) float64 { return s - x }, scalarMul: func(x, s float64) float64 { return x * s },
		scalarDiv: func(x, s float64) float64 { return x / s }, scalarRdiv: func(x, s float64) float64 { return s / x },
		scalarMaximum: math.Max, scalarMinimum: math.Min,
		scalarEqual: func(x, s float64) float64 { return b2f(x == s) }, scalarNotEqual: func(x, s float64) float64 { return b2f(x != s) },
		scalarGreater: func(x, s float64) float64 { return b2f(x > s) }, scalarGreaterEqual: func(x, s float64) float64 { return b2f(x >= s) },
		scalarLesser: func(x, s float64) float64 { return b2f(x < s) }, scalarLesserEqual: func(x, s float64) float64 { return b2f(x <= s) },
	}
	r := rand.New(rand.NewPCG(9, 10))
	special := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, math.Inf(1), math.Inf(-1), math.NaN(), 3e38, 1e-40}
	for kind, ref := range refs {
		for _, n := range []int{1, 7, 17, 255, 1023, 3*scalarGrain + 5} {
			x := make([]float64, n)
			for i := range x {
				x[i] = (r.Float64()*2 - 1) * 10
				if r.IntN(4) == 0 {
					x[i] = special[r.IntN(len(special))]
				}
			}
			for _, s := range []float64{0, 0.3, -2, math.Inf(1), math.NaN()} {
				scalarCheck(t, kind, x, s, func(v float64) float64 { return v }, ref)
				scalarCheck(t, kind, x, s, func(v float64) float64 { return float64(float32(v)) }, ref)
			}
		}
	}
}

// scalarCheck runs kind in float64 (round is the identity) or float32.
func scalarCheck(t *testing.T, kind scalarKind, x []float64, s float64, round func(float64) float64, ref func(x, s float64) float64) {
	t.Helper()
	same := func(a, b float64) bool { return a == b && math.Signbit(a) == math.Signbit(b) || a != a && b != b }
	if round(0.1) == 0.1 {
		o := make([]float64, len(x))
		if !scalarDirect(kind, o, x, s) {
			scalarCheckDeclined(t, kind, s)
			return
		}
		for i := range o {
			if want := ref(x[i], s); !same(o[i], want) {
				t.Fatalf("kind %d f64 n=%d s=%v x=%v: got %v, want %v", kind, len(x), s, x[i], o[i], want)
			}
		}
		return
	}
	x32, o32 := make([]float32, len(x)), make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	s32 := float32(s)
	if !scalarDirect(kind, o32, x32, s32) {
		scalarCheckDeclined(t, kind, s)
		return
	}
	for i := range o32 {
		if want := float32(ref(float64(x32[i]), float64(s32))); !same(float64(o32[i]), float64(want)) {
			t.Fatalf("kind %d f32 n=%d s=%v x=%v: got %v, want %v", kind, len(x), s32, x32[i], o32[i], want)
		}
	}
}

// scalarCheckDeclined fails unless the direct loops were entitled to leave
// the call to the generic path.
func scalarCheckDeclined(t *testing.T, kind scalarKind, s float64) {
	t.Helper()
	if (kind != scalarMaximum && kind != scalarMinimum) || !(math.IsInf(s, 0) || math.IsNaN(s)) {
		t.Fatalf("kind %d declined scalar %v", kind, s)
	}
}

// BenchmarkScalarDirect compares a comparison and a multiply against the
// generic closure path on a LeNet-sized activation.
func BenchmarkScalarDirect(b *testing.B) {
	n := 64 * 20 * 24 * 24
	x, o := make([]float32, n), make([]float32, n)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range x {
		x[i] = r.Float32() - 0.5
	}
	for _, c := range []struct {
		name string
		kind scalarKind
		f    func(x, s float64) float64
	}{
		{"greater", scalarGreater, func(x, s float64) float64 {
			if x > s {
				return 1
			}
			return 0
		}},
		{"mul", scalarMul, func(x, s float64) float64 { return x * s }},
	} {
		b.Run(c.name+"/direct", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				scalarDirect(c.kind, o, x, 0.5)
			}
		})
		b.Run(c.name+"/generic", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(4 * n))
			s32 := float32(0.5)
			uf := unaryFuncs{f32: func(v float32) float32 { return float32(c.f(float64(v), float64(s32))) }}
			for b.Loop() {
				unaryApply(o, x, uf.f32)
			}
		})
	}
}
