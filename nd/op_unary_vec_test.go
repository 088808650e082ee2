package nd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd"
)

// The float32 relu, its gradient and sgd_update run vectorized loops in
// nd/kernels, split over the threads above a size; both sides of the split
// equal the float64 computation rounded to float32.
func TestVectorizedFloat32Ops(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{1, 33, 4099, 1<<20 + 5} {
		x, g := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], g[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		x[0] = float32(math.NaN())
		xa, ga := nd.ArrayOf(x, nd.Shape{n}), nd.ArrayOf(g, nd.Shape{n})

		relu := xa.Relu().Float32s()
		for i, v := range x {
			want := float32(max(float64(v), 0))
			if relu[i] != want && !(v != v && relu[i] != relu[i]) {
				t.Fatalf("relu n=%d [%d](%v) = %v, want %v", n, i, v, relu[i], want)
			}
		}

		op, ok := nd.LookupOp("_relu_grad")
		if !ok {
			t.Fatal("_relu_grad is not registered")
		}
		rg := nd.Invoke1(op, nil, ga, xa).Float32s()
		for i, v := range x {
			want := g[i] * 0
			if v > 0 {
				want = g[i]
			}
			if rg[i] != want {
				t.Fatalf("_relu_grad n=%d [%d] = %v, want %v", n, i, rg[i], want)
			}
		}

		w := nd.ArrayOf(append([]float32(nil), g...), nd.Shape{n})
		attrs := nd.SGDAttrs{LR: 0.1, WD: 0.01, RescaleGrad: 0.5}
		nd.SGDUpdate(w, xa, attrs)
		got := w.Float32s()
		decay, lr, rs := float32(1-0.1*0.01), float32(0.1), float32(0.5)
		for i := range got {
			want := decay*g[i] - lr*(x[i]*rs)
			if got[i] != want && !(want != want && got[i] != got[i]) {
				t.Fatalf("sgd_update n=%d [%d] = %v, want %v", n, i, got[i], want)
			}
		}
	}
}
