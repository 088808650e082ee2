package nd_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// A dense layer's weight and bias gradients come from one fused op; they
// equal the two-op form Gᵀ·X and Σ_rows G exactly (same GEMM, same
// summation order), on odd shapes, with and without a data gradient.
func TestFullyConnectedParamGradMatchesComposition(t *testing.T) {
	t.Cleanup(func() { settlePool(t) })
	r := rand.New(rand.NewPCG(31, 32))
	for _, dt := range []nd.DType{nd.Float32, nd.Float64} {
		for _, c := range [][3]int{{1, 1, 1}, {7, 17, 5}, {64, 10, 128}, {3, 256, 33}, {2, 3, 2 * 1 * 3}} {
			rows, hidden, units := c[0], c[1], c[2]
			for _, dataGrad := range []bool{false, true} {
				name := fmt.Sprintf("%v/%dx%dx%d/data_grad=%v", dt, rows, hidden, units, dataGrad)
				x := randArray(r, rows, units).AsType(dt)
				w := randArray(r, hidden, units).AsType(dt)
				b := randArray(r, hidden).AsType(dt)
				g := randArray(r, rows, hidden).AsType(dt)
				w.AttachGrad()
				b.AttachGrad()
				if dataGrad {
					x.AttachGrad()
				}
				var y *nd.NDArray
				autograd.Record(func() { y = nd.FullyConnected(x, w, b, nd.FullyConnectedAttrs{}) })
				if err := autograd.Backward([]*nd.NDArray{y}, []*nd.NDArray{g}, false); err != nil {
					t.Fatal(err)
				}
				wantW := nd.DotT(g, x, true, false)
				wantB := nd.SumTo(g, nd.Shape{hidden})
				assertSame(t, name+" dW", w.Grad(), wantW)
				assertSame(t, name+" db", b.Grad(), wantB)
				if dataGrad {
					assertSame(t, name+" dX", x.Grad(), nd.Dot(g, w))
				}
			}
		}
	}
}

func assertSame(t *testing.T, name string, got, want *nd.NDArray) {
	t.Helper()
	if !got.Shape().Equal(want.Shape()) || got.DType() != want.DType() {
		t.Fatalf("%s: %v %v, want %v %v", name, got.Shape(), got.DType(), want.Shape(), want.DType())
	}
	g, w := got.Float64s(), want.Float64s()
	for i := range w {
		if g[i] != w[i] {
			t.Fatalf("%s: [%d] = %v, want %v", name, i, g[i], w[i])
		}
	}
}

// The fused op's own gradient (second order through a dense layer): the
// squared gradients of Σ FC(x, W, b)² with respect to W and b, checked
// against finite differences in every input.
func TestFullyConnectedParamGradSecondOrder(t *testing.T) {
	t.Cleanup(func() { settlePool(t) })
	r := rand.New(rand.NewPCG(33, 34))
	for _, shape := range [][3]int{{3, 2, 4}, {1, 3, 2}} {
		rows, hidden, units := shape[0], shape[1], shape[2]
		in := []*nd.NDArray{randArray(r, hidden, units), randArray(r, 1, hidden), randArray(r, rows, units)}
		f := nnSecondOrder(t, 2, func(in []*nd.NDArray) *nd.NDArray {
			y := nd.FullyConnected(in[2], in[0], in[1].Reshape(hidden), nd.FullyConnectedAttrs{})
			return y.Mul(y)
		})
		ndtest.CheckGrad(t, f, in, nil, 1e-5, 1e-7)
	}
}

func TestFullyConnectedParamGradShapeErrors(t *testing.T) {
	t.Cleanup(func() { settlePool(t) })
	op, ok := nd.LookupOp("_fully_connected_param_grad")
	if !ok {
		t.Fatal("_fully_connected_param_grad is not registered")
	}
	for _, c := range [][2]nd.Shape{{{3, 2}, {4, 5}}, {{3}, {3, 5}}, {{3, 2, 1}, {3, 5}}} {
		err := nd.Try(func() { nd.Invoke(op, nil, nd.Zeros(c[0]), nd.Zeros(c[1])) })
		if err == nil {
			t.Errorf("G %v, X %v: no error", c[0], c[1])
		}
	}
	err := nd.Try(func() {
		nd.Invoke(op, nil, nd.Zeros(nd.Shape{2, 2}, nd.OfType(nd.Int32)), nd.Zeros(nd.Shape{2, 2}, nd.OfType(nd.Int32)))
	})
	if err == nil {
		t.Error("int32 operands: no error")
	}
}
