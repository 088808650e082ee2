package nd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func reluGradOp(t testing.TB) *nd.OpDef {
	op, ok := nd.LookupOp("_relu_grad")
	if !ok {
		t.Fatal("_relu_grad is not registered")
	}
	return op
}

// The fused relu gradient equals the two-op form g*(x > 0) exactly, NaN
// and infinite gradients included, on odd sizes.
func TestReluGradMatchesComposition(t *testing.T) {
	op := reluGradOp(t)
	r := rand.New(rand.NewPCG(13, 14))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN()}
	for _, n := range []int{1, 7, 17, 255, 1023, 100003} {
		for _, dt := range []nd.DType{nd.Float32, nd.Float64} {
			g, x := make([]float64, n), make([]float64, n)
			for i := range g {
				g[i], x[i] = r.NormFloat64(), r.NormFloat64()
				if r.IntN(10) == 0 {
					g[i] = special[r.IntN(len(special))]
				}
				if r.IntN(10) == 0 {
					x[i] = special[r.IntN(len(special))]
				}
			}
			ga := nd.ArrayOf(g, nd.Shape{n}).AsType(dt)
			xa := nd.ArrayOf(x, nd.Shape{n}).AsType(dt)
			got := nd.Invoke1(op, nil, ga, xa).Float64s()
			want := ga.Mul(xa.GreaterScalar(0)).Float64s()
			for i := range want {
				if !(got[i] == want[i] || got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("%v n=%d [%d] g=%v x=%v: got %v, want %v", dt, n, i, g[i], x[i], got[i], want[i])
				}
			}
		}
	}
	if err := nd.Try(func() { nd.Invoke1(op, nil, nd.Zeros(nd.Shape{2}), nd.Zeros(nd.Shape{3})) }); err == nil {
		t.Fatal("mismatched shapes did not fail")
	}
}

// relu's gradient (through _relu_grad) and its second order against finite
// differences.
func TestReluGradCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	x := nnRand(r, 3, 4)
	ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray { return in[0].Relu().Mul(in[0]) }, []*nd.NDArray{x}, nil, 1e-5, 1e-6)
	ndtest.CheckGrad(t, nnSecondOrder(t, 1, func(in []*nd.NDArray) *nd.NDArray {
		y := in[0].Relu()
		return y.Mul(y).Mul(y)
	}), []*nd.NDArray{x}, nil, 1e-4, 1e-6)
}

// BenchmarkReluGrad justifies the fused op: one pass and one output
// against a mask array and a product.
func BenchmarkReluGrad(b *testing.B) {
	op := reluGradOp(b)
	r := rand.New(rand.NewPCG(1, 1))
	g, x := nnRand32(r, 64, 20, 24, 24), nnRand32(r, 64, 20, 24, 24)
	b.Run("fused", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := nd.Invoke1(op, nil, g, x).WaitToRead(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("two-ops", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := g.Mul(x.GreaterScalar(0)).WaitToRead(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
