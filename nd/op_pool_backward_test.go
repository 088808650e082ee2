package nd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// The gradient of _pool_max_gather (the second-order op of max pooling)
// is a _pool_backward fed the pooled maxima of x: checked against finite
// differences through h, on the tiled 2×2 path and a general window.
func TestPoolMaxGatherGrad(t *testing.T) {
	op, ok := nd.LookupOp("_pool_max_gather")
	if !ok {
		t.Fatal("_pool_max_gather is not registered")
	}
	r := rand.New(rand.NewPCG(31, 31))
	for _, a := range []nd.PoolingAttrs{
		{Kernel: nd.Shape{2, 2}, Stride: nd.Shape{2, 2}},
		{Kernel: nd.Shape{3, 3}, Stride: nd.Shape{2, 2}, Pad: nd.Shape{1, 1}},
	} {
		x, h := nnRand(r, 2, 3, 6, 6), nnRand(r, 2, 3, 6, 6)
		ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
			g := nd.Invoke1(op, a, in[0], in[1])
			return g.Mul(g)
		}, []*nd.NDArray{h, x}, []bool{true, false}, 1e-5, 1e-6)
	}
}

// Max pooling's gradient, taken through the engine, sends each window's
// gradient to its first maximum, ties and all.
func TestPoolMaxGradTies(t *testing.T) {
	x := nd.Array([]float32{
		1, 1, 0, 0,
		1, 1, 0, 0,
		2, 5, 3, 3,
		5, 1, 3, 4,
	}, 1, 1, 4, 4)
	x.AttachGrad()
	a := nd.PoolingAttrs{Kernel: nd.Shape{2, 2}, Stride: nd.Shape{2, 2}}
	var y *nd.NDArray
	autograd.Record(func() { y = nd.Pooling(x, a) })
	if err := autograd.Backward([]*nd.NDArray{y}, nil, false); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{1, 1, 4, 4}, []float64{
		1, 0, 1, 0,
		0, 0, 0, 0,
		0, 1, 0, 0,
		0, 0, 0, 1,
	}, 0, 0)
}
