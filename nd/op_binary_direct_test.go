package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The direct binary loops must match binaryApply with a float64 reference
// per element, for every broadcasting case and odd sizes.
func TestBinaryDirectMatchesGeneric(t *testing.T) {
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	kinds := []struct {
		kind, left scalarKind
		ref        func(x, y float64) float64
	}{
		{scalarPlus, scalarPlus, func(x, y float64) float64 { return x + y }},
		{scalarMinus, scalarRminus, func(x, y float64) float64 { return x - y }},
		{scalarMul, scalarMul, func(x, y float64) float64 { return x * y }},
		{scalarDiv, scalarRdiv, func(x, y float64) float64 { return x / y }},
		{scalarMaximum, scalarMaximum, func(x, y float64) float64 { return max(x, y) }},
		{scalarMinimum, scalarMinimum, func(x, y float64) float64 { return min(x, y) }},
		{scalarEqual, scalarEqual, func(x, y float64) float64 { return b2f(x == y) }},
		{scalarNotEqual, scalarNotEqual, func(x, y float64) float64 { return b2f(x != y) }},
		{scalarGreater, scalarLesser, func(x, y float64) float64 { return b2f(x > y) }},
		{scalarGreaterEqual, scalarLesserEqual, func(x, y float64) float64 { return b2f(x >= y) }},
		{scalarLesser, scalarGreater, func(x, y float64) float64 { return b2f(x < y) }},
		{scalarLesserEqual, scalarGreaterEqual, func(x, y float64) float64 { return b2f(x <= y) }},
	}
	shapes := [][2]Shape{
		{{7}, {7}}, {{1023}, {1023}}, {{3, scalarGrain + 1}, {3, scalarGrain + 1}},
		{{17, 5}, {1}}, {{1}, {5, 17}}, {{}, {255}}, {{3, 4, 5}, {}},
		{{64, 10}, {10}}, {{10}, {64, 10}}, {{7, 1}, {1, 9}}, {{2, 3, 1}, {3, 4}}, {{0, 3}, {3}}, {{5, 1}, {5, 1}},
	}
	r := rand.New(rand.NewPCG(11, 12))
	special := []float64{0, math.Copysign(0, -1), 1, math.Inf(1), math.Inf(-1), math.NaN()}
	fill := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(r.IntN(7) - 3) // ties for comparisons
			if r.IntN(3) == 0 {
				v[i] = r.NormFloat64()
			}
			if r.IntN(8) == 0 {
				v[i] = special[r.IntN(len(special))]
			}
		}
		return v
	}
	for _, k := range kinds {
		for _, sh := range shapes {
			os, err := BroadcastShapes(sh[0], sh[1])
			if err != nil {
				t.Fatal(err)
			}
			a, b := fill(sh[0].Size()), fill(sh[1].Size())
			name := fmt.Sprintf("kind%d/%v-%v", k.kind, sh[0], sh[1])
			t.Run(name+"/f64", func(t *testing.T) {
				binaryCompare(t, k.kind, k.left, a, b, os, sh[0], sh[1], k.ref)
			})
			t.Run(name+"/f32", func(t *testing.T) {
				a32, b32 := make([]float32, len(a)), make([]float32, len(b))
				for i, v := range a {
					a32[i] = float32(v)
				}
				for i, v := range b {
					b32[i] = float32(v)
				}
				binaryCompare(t, k.kind, k.left, a32, b32, os, sh[0], sh[1], k.ref)
			})
		}
	}
}

func binaryCompare[T nnFloat](t *testing.T, kind, left scalarKind, a, b []T, os, as, bs Shape, ref func(x, y float64) float64) {
	got, want := make([]T, os.Size()), make([]T, os.Size())
	if !binaryDirect(kind, left, got, a, b, os, as, bs) {
		t.Fatal("declined")
	}
	binaryApply(want, a, b, os, as, bs, func(x, y T) T { return T(ref(float64(x), float64(y))) })
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if !(g == w && math.Signbit(g) == math.Signbit(w) || g != g && w != w) {
			t.Fatalf("[%d]: got %v, want %v", i, g, w)
		}
	}
}
