package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
)

// logInput returns n positive values over the whole float32 range
// (subnormals, values near 1 and near √½, powers of two) with the
// special values of actInput mixed in.
func logInput(r *rand.Rand, n int) []float32 {
	x := actInput(r, n)
	for i := range x {
		switch r.IntN(4) {
		case 0:
			x[i] = math.Float32frombits(r.Uint32N(0x7f800000)) // any positive float
		case 1:
			x[i] = 1 + float32(r.NormFloat64()*1e-3)
		case 2:
			x[i] = float32(math.Ldexp(0.70710678, r.IntN(250)-140)) * (1 + float32(r.NormFloat64()*1e-6))
		}
	}
	return x
}

// The vector loop gives Logf's bits at every length, fresh and in place,
// and writes nothing past the end.
func TestLog32MatchesLogf(t *testing.T) {
	if log32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loop against Logf")
	}
	r := rand.New(rand.NewPCG(10, 11))
	for _, n := range append(vecSizes, 100003) {
		x := logInput(r, n)
		want := make([]float32, n)
		for i, v := range x {
			want[i] = Logf(v)
		}
		got := withSentinel(n)
		Log32(got, x)
		checkVecNaN(t, "Log32", got[:n+1], want)
		inPlace := withSentinel(n)
		copy(inPlace, x)
		Log32(inPlace, inPlace)
		checkVecNaN(t, "Log32 in place", inPlace[:n+1], want)
	}
}

// Logf is within 2 ulp of the correctly rounded logarithm over a sweep of
// every 257th positive float32, subnormals included, and exact where it
// must be.
func TestLogfAccuracy(t *testing.T) {
	worst := int64(0)
	for b := uint32(1); b < 0x7f800000; b += 257 {
		x := math.Float32frombits(b)
		got, want := Logf(x), float32(math.Log(float64(x)))
		if d := testutil.Ulps(got, want); d > worst {
			worst = d
			if d > 2 {
				t.Fatalf("Logf(%g) = %g, want %g (%d ulp)", x, got, want, d)
			}
		}
	}
	t.Logf("worst error %d ulp", worst)
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	for _, c := range []struct{ x, want float32 }{
		{1, 0}, {0, -inf}, {negZero, -inf}, {inf, inf}, {2, float32(math.Ln2)},
		{math.Float32frombits(1), float32(math.Log(float64(math.Float32frombits(1))))}, // the least subnormal
	} {
		if got := Logf(c.x); got != c.want {
			t.Errorf("Logf(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	for _, x := range []float32{-1, -inf, float32(math.NaN())} {
		if got := Logf(x); got == got {
			t.Errorf("Logf(%g) = %g, want NaN", x, got)
		}
	}
}

func BenchmarkLog32(b *testing.B) {
	x := logInput(rand.New(rand.NewPCG(1, 1)), 4096)
	dst := make([]float32, len(x))
	b.SetBytes(4 * int64(len(x)))
	for b.Loop() {
		Log32(dst, x)
	}
}
