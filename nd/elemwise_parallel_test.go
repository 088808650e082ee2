package nd_test

import (
	"testing"

	"github.com/mxgo/mxgo/nd"
)

// Large unary ops without a vector loop split the work over threads; a
// range the parallel loop runs inline must not split again (it recursed
// without end and overflowed the stack).
func TestUnaryLargeFloat64(t *testing.T) {
	for _, n := range []int{1 << 16, 1 << 17, 3<<16 + 5} {
		got := nd.Ones(nd.Shape{n}, nd.OfType(nd.Float64)).Sin().Sum().Scalar()
		want := float64(n) * 0.8414709848078965
		if d := got - want; d > 1e-6*want || d < -1e-6*want {
			t.Fatalf("n=%d: sum of sin(1) = %v, want %v", n, got, want)
		}
	}
}

// The streaming float32 loops (relu, its gradient, sgd_update) split over
// the threads from tens of thousands of elements while the kernel pool's
// helpers are awake, and from a million always. Each chunk must cover its
// own range: results equal the element-by-element formula on sizes that
// split unevenly, run right after a parallel GEMM so that the helpers are
// awake.
func TestStreamingLoopsSplit(t *testing.T) {
	wake := nd.RandomUniform(-1, 1, nd.Shape{256, 256})
	for _, n := range []int{1<<15 + 7, 100003, 1<<20 + 5} {
		x, g, w := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(i%13) - 6
			g[i] = float32(i%7) - 3.5
			w[i] = float32(i%5) * 0.25
		}
		nd.Dot(wake, wake).WaitToRead()
		xa := nd.ArrayOf(x, nd.Shape{n})
		relu := xa.Relu().Float32s()
		nd.Dot(wake, wake).WaitToRead()
		grad := nd.Invoke1(reluGradOp(t), nil, nd.ArrayOf(g, nd.Shape{n}), xa).Float32s()
		nd.Dot(wake, wake).WaitToRead()
		wa := nd.ArrayOf(w, nd.Shape{n})
		nd.SGDUpdate(wa, nd.ArrayOf(g, nd.Shape{n}), nd.SGDAttrs{LR: 0.5})
		updated := wa.Float32s()
		for i := range x {
			wantRelu, wantGrad := max(x[i], 0), float32(0)
			if x[i] > 0 {
				wantGrad = g[i]
			}
			if relu[i] != wantRelu || grad[i] != wantGrad || updated[i] != w[i]-0.5*g[i] {
				t.Fatalf("n=%d, element %d: relu %v, grad %v, sgd %v; want %v, %v, %v",
					n, i, relu[i], grad[i], updated[i], wantRelu, wantGrad, w[i]-0.5*g[i])
			}
		}
	}
}
