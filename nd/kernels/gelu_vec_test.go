package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
)

// geluRef is GELU in float64, through erfc so that the negative tail
// keeps its relative accuracy.
func geluRef(x float64) float64 { return 0.5 * x * math.Erfc(-x/math.Sqrt2) }

// geluGradRef is GELU's derivative Φ(x) + x·φ(x) in float64.
func geluGradRef(x float64) float64 {
	return 0.5*math.Erfc(-x/math.Sqrt2) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
}

var geluFuncs = []struct {
	name   string
	vec    func(dst, src []float32)
	scalar func(float32) float32
	ref    func(float64) float64
}{
	{"Gelu32", Gelu32, Geluf, geluRef},
	{"GeluGrad32", GeluGrad32, GeluGradf, geluGradRef},
}

// The vector loops give the scalar functions' bits at every length, with
// special values, fresh and in place, and write nothing past the end.
func TestGeluKernelsMatchScalar(t *testing.T) {
	if gelu32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against the scalar functions")
	}
	r := rand.New(rand.NewPCG(14, 15))
	for _, f := range geluFuncs {
		for _, n := range append(vecSizes, 100003) {
			x := actInput(r, n)
			for i := range x {
				if i%2 == 0 {
					x[i] = float32(r.NormFloat64() * 4)
				}
			}
			want := make([]float32, n)
			for i, v := range x {
				want[i] = f.scalar(v)
			}
			got := withSentinel(n)
			f.vec(got, x)
			checkVecNaN(t, f.name, got[:n+1], want)
			inPlace := withSentinel(n)
			copy(inPlace, x)
			f.vec(inPlace, inPlace)
			checkVecNaN(t, f.name+" in place", inPlace[:n+1], want)
		}
	}
}

// GeluGradf is within 2e-7 of the derivative (whose values lie in
// [-0.17, 1.13]), or failing that 10 ulp, over a sweep of every 997th
// float32.
func TestGeluGradfAccuracy(t *testing.T) {
	worst := int64(0)
	for b := uint32(0); b < 0xff800000; b += 997 {
		x := math.Float32frombits(b)
		if x != x || math.IsInf(float64(x), 0) {
			continue
		}
		got, want := GeluGradf(x), float32(geluGradRef(float64(x)))
		if math.Abs(float64(got-want)) <= 2e-7 {
			continue
		}
		if d := testutil.Ulps(got, want); d > worst {
			worst = d
			if d > 10 {
				t.Fatalf("GeluGradf(%g) = %g, want %g (%d ulp)", x, got, want, d)
			}
		}
	}
	t.Logf("worst error past 2e-7: %d ulp", worst)
	for _, c := range []struct{ x, want float32 }{{0, 0.5}, {20, 1}, {-20, 0}} {
		if got := GeluGradf(c.x); math.Abs(float64(got-c.want)) > 1e-7 {
			t.Errorf("GeluGradf(%g) = %g, want %g", c.x, got, c.want)
		}
	}
}

// Geluf is within 8 ulp of the rounded GELU over a sweep of every 997th
// float32, subnormal results included, and exact where it must be.
func TestGelufAccuracy(t *testing.T) {
	worst := int64(0)
	for b := uint32(0); b < 0xff800000; b += 997 {
		x := math.Float32frombits(b)
		if x != x || math.IsInf(float64(x), 0) {
			continue
		}
		got, want := Geluf(x), float32(geluRef(float64(x)))
		if d := testutil.Ulps(got, want); d > worst {
			worst = d
			if d > 8 {
				t.Fatalf("Geluf(%g) = %g, want %g (%d ulp)", x, got, want, d)
			}
		}
	}
	t.Logf("worst error %d ulp", worst)
	inf := float32(math.Inf(1))
	for _, c := range []struct{ x, want float32 }{{0, 0}, {inf, inf}, {-20, 0}, {20, 20}, {100, 100}} {
		if got := Geluf(c.x); got != c.want {
			t.Errorf("Geluf(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	// -Inf·Φ(-Inf) is -Inf·0, NaN, as the float64 formula gives.
	for _, x := range []float32{float32(math.NaN()), -inf} {
		if got := Geluf(x); got == got {
			t.Errorf("Geluf(%g) = %g, want NaN", x, got)
		}
	}
}

// BenchmarkGelu32 runs activations as a network has them, mostly within a
// few units of 0 (far negative ones make subnormal intermediates, which
// cost the CPU microcode assists).
func BenchmarkGelu32(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 2)
	}
	dst := make([]float32, len(x))
	b.SetBytes(4 * int64(len(x)))
	for _, f := range geluFuncs {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				f.vec(dst, x)
			}
		})
	}
}
