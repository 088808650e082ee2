package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
)

// actInput returns n values, uniform in [-110, 110] with specials,
// the range ends and tiny values mixed in.
func actInput(r *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		1e-40, -1e-40, 88.72, 88.7228, 88.73, -103.9, -103.98, -87.3, 0.625, -0.625, 0.6249999, 1e30, -1e30}
	v := make([]float32, n)
	for i := range v {
		if r.IntN(5) == 0 {
			v[i] = special[r.IntN(len(special))]
		} else {
			v[i] = float32(r.Float64()*220 - 110)
		}
	}
	return v
}

var actFuncs = []struct {
	name   string
	vec    func(dst, src []float32)
	scalar func(float32) float32
	ref    func(float64) float64
	ulps   int64 // against ref, as nd's float32 accuracy test allows
}{
	{"Exp32", Exp32, Expf, math.Exp, 2},
	{"Sigmoid32", Sigmoid32, Sigmoidf, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }, 4},
	{"Tanh32", Tanh32, Tanhf, math.Tanh, 2},
}

// The vector kernels give the scalar functions' bits, NaN for NaN,
// at every length, and leave what follows dst alone; in place too.
func TestActKernelsMatchScalar(t *testing.T) {
	if exp32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against the scalar functions")
	}
	r := rand.New(rand.NewPCG(3, 9))
	for _, f := range actFuncs {
		for _, n := range []int{0, 1, 15, 16, 17, 31, 33, 1000, 4099} {
			x := actInput(r, n)
			got := withSentinel(n)
			f.vec(got, x)
			inPlace := append([]float32(nil), x...)
			f.vec(inPlace, inPlace)
			for i, v := range x {
				want := f.scalar(v)
				for _, g := range []float32{got[i], inPlace[i]} {
					if want != want {
						if g == g {
							t.Fatalf("%s(%v) = %v, want NaN", f.name, v, g)
						}
						continue
					}
					if math.Float32bits(g) != math.Float32bits(want) {
						t.Fatalf("%s n=%d (%v) = %v (%#x), want %v (%#x)", f.name, n, v, g, math.Float32bits(g), want, math.Float32bits(want))
					}
				}
			}
			if s := got[:n+1][n]; s != 12345 {
				t.Fatalf("%s n=%d: wrote past the end (%v)", f.name, n, s)
			}
		}
	}
}

// The scalar functions (and so the kernels) stay within the ulp bounds of
// float64 references over the float32 range, results below the normal
// range allowed an absolute slack.
func TestActAccuracy(t *testing.T) {
	var xs []float32
	for x := float32(-110); x < 110; x += 0.00371 {
		xs = append(xs, x)
	}
	xs = append(xs, 0, 1e-30, -1e-30, 88.72, 88.7228, -87.3, -103.9, -103.97, 1e-7, 0.625, -0.625)
	got := make([]float32, len(xs))
	for _, f := range actFuncs {
		f.vec(got, xs)
		for i, v := range xs {
			want := float32(f.ref(float64(v)))
			if d := testutil.Ulps(got[i], want); d > f.ulps && math.Abs(float64(got[i]-want)) > 1e-44 {
				t.Fatalf("%s(%g) = %g, want %g (%d ulp)", f.name, v, got[i], want, d)
			}
		}
	}
}

func TestActSpecialValues(t *testing.T) {
	inf := float32(math.Inf(1))
	x := []float32{float32(math.NaN()), inf, -inf, 0, 89, -104, 20, -20}
	for _, c := range []struct {
		name string
		f    func(dst, src []float32)
		want []float32
	}{
		{"Exp32", Exp32, []float32{0, inf, 0, 1, inf, 0, 4.85165195e8, 2.0611537e-09}},
		{"Sigmoid32", Sigmoid32, []float32{0, 1, 0, 0.5, 1, 0, 1, 2.0611537e-09}},
		{"Tanh32", Tanh32, []float32{0, 1, -1, 0, 1, -1, 1, -1}},
	} {
		got := make([]float32, len(x))
		c.f(got, x)
		if got[0] == got[0] {
			t.Errorf("%s(NaN) = %v", c.name, got[0])
		}
		for i := 1; i < len(x); i++ {
			if d := testutil.Ulps(got[i], c.want[i]); d > 4 {
				t.Errorf("%s(%v) = %v, want %v", c.name, x[i], got[i], c.want[i])
			}
		}
	}
}

func TestActShortSource(t *testing.T) {
	defer func() {
		if _, ok := recover().(*Error); !ok {
			t.Fatal("want a *Error panic for a short source")
		}
	}()
	Exp32(make([]float32, 4), make([]float32, 3))
}

func BenchmarkSigmoid32(b *testing.B) {
	x := actInput(rand.New(rand.NewPCG(1, 1)), 1024)
	dst := make([]float32, len(x))
	b.SetBytes(4 * int64(len(x)))
	for b.Loop() {
		Sigmoid32(dst, x)
	}
}

func BenchmarkSigmoid32Scalar(b *testing.B) {
	x := actInput(rand.New(rand.NewPCG(1, 1)), 1024)
	dst := make([]float32, len(x))
	b.SetBytes(4 * int64(len(x)))
	for b.Loop() {
		for i, v := range x {
			dst[i] = Sigmoidf(v)
		}
	}
}
