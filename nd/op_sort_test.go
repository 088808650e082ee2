package nd_test

import (
	"math"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func TestSortGolden(t *testing.T) { mathRunGolden(t, "sort", "argsort", "topk") }

func TestSortCheckGrad(t *testing.T) {
	x := nd.ArrayOf(mathSeq(15, 0.31, -2), nd.Shape{3, 5})
	cases := []struct {
		name string
		f    func(a *nd.NDArray) *nd.NDArray
	}{
		{"sort_last", func(a *nd.NDArray) *nd.NDArray { return a.Sort() }},
		{"sort_axis0_desc", func(a *nd.NDArray) *nd.NDArray { return nd.Sort(a, 0, false) }},
		{"topk_value", func(a *nd.NDArray) *nd.NDArray { return a.TopK(2) }},
		{"topk_both_axis0", func(a *nd.NDArray) *nd.NDArray { return nd.TopK(a, 0, 2, "both", true)[0] }},
		{"topk_all", func(a *nd.NDArray) *nd.NDArray { return nd.TopK(a, 1, -1, "value", false)[0] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray { return c.f(in[0]) }, []*nd.NDArray{x}, nil, 1e-6, 1e-8)
		})
	}
}

// The scatter in sort's gradient is itself differentiable: the gradient of
// a function of the gradient reaches the head gradient.
func TestSortSecondOrder(t *testing.T) {
	x := nd.ArrayOf([]float64{3, 1, 2}, nd.Shape{3}, nd.OfType(nd.Float64)).AttachGrad()
	var dx *nd.NDArray
	autograd.Record(func() {
		y := x.Sort().Mul(x.Sort()) // sorted squares: d/dx = 2x, d²/dx² = 2
		g, err := autograd.Grad([]*nd.NDArray{y}, []*nd.NDArray{x}, nil, true, false)
		if err != nil {
			t.Fatal(err)
		}
		dx = g[0]
	})
	ndtest.AssertClose(t, dx, nd.Shape{3}, []float64{6, 2, 4}, 0, 0)
	if err := autograd.BackwardOne(dx); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{3}, []float64{2, 2, 2}, 0, 0)
}

func TestSortTiesAndNaN(t *testing.T) {
	x := nd.Array([]float32{2, 1, 2, float32(math.NaN()), 1})
	// Stable: equal values keep index order in both directions; NaN is largest.
	ndtest.AssertClose(t, x.Argsort(), nd.Shape{5}, []float64{1, 4, 0, 2, 3}, 0, 0)
	ndtest.AssertClose(t, nd.Argsort(x, 0, false), nd.Shape{5}, []float64{3, 0, 2, 1, 4}, 0, 0)
	ndtest.AssertClose(t, x.Sort(), nd.Shape{5}, []float64{1, 1, 2, 2, math.NaN()}, 0, 0)
	ndtest.AssertClose(t, nd.TopK(x, 0, 2, "indices", false)[0], nd.Shape{2}, []float64{3, 0}, 0, 0)
}

func TestSortDTypes(t *testing.T) {
	for _, dt := range []nd.DType{nd.Int32, nd.Int64, nd.Uint8, nd.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			x := nd.ArrayOf([]float64{5, 2, 9, 1}, nd.Shape{4}, nd.OfType(dt))
			ndtest.AssertClose(t, x.Sort(), nd.Shape{4}, []float64{1, 2, 5, 9}, 0, 0)
			idx := x.Argsort()
			if idx.DType() != nd.Float32 {
				t.Fatalf("argsort dtype %v, want float32", idx.DType())
			}
			ndtest.AssertClose(t, idx, nd.Shape{4}, []float64{3, 1, 0, 2}, 0, 0)
		})
	}
	op, _ := nd.LookupOp("topk")
	out := nd.Invoke(op, nd.TopKAttrs{K: 2, RetTyp: "both", DType: nd.Int64}, nd.Array([]float32{4, 8, 6}))
	if out[1].DType() != nd.Int64 {
		t.Fatalf("topk indices dtype %v, want int64", out[1].DType())
	}
	ndtest.AssertClose(t, out[1], nd.Shape{2}, []float64{1, 2}, 0, 0)
	ndtest.AssertClose(t, nd.TopK(nd.Array([]float32{4, 8, 6}), 0, 2, "mask", false)[0], nd.Shape{3}, []float64{0, 1, 1}, 0, 0)
}

func TestSortEdgeShapes(t *testing.T) {
	ndtest.AssertClose(t, nd.Zeros(nd.Shape{0, 4}).Sort(), nd.Shape{0, 4}, nil, 0, 0)
	ndtest.AssertClose(t, nd.Zeros(nd.Shape{3, 0}).Argsort(), nd.Shape{3, 0}, nil, 0, 0)
	ndtest.AssertClose(t, nd.Array([]float32{7}).TopK(1), nd.Shape{1}, []float64{7}, 0, 0)
}

func TestSortErrors(t *testing.T) {
	x := nd.Zeros(nd.Shape{2, 3})
	cases := []struct {
		name string
		f    func()
		msg  string
	}{
		{"axis", func() { nd.Sort(x, 2, true) }, "out of range"},
		{"k", func() { x.TopK(4) }, "larger than axis"},
		{"ret_typ", func() {
			op, _ := nd.LookupOp("topk")
			nd.Invoke(op, nd.TopKAttrs{RetTyp: "values"}, x)
		}, "ret_typ"},
		{"dtype", func() {
			op, _ := nd.LookupOp("argsort")
			nd.Invoke(op, nd.ArgsortAttrs{DType: nd.Bool}, x)
		}, "index dtype"},
	}
	for _, c := range cases {
		if err := nd.Try(c.f); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.msg)
		}
	}
}
