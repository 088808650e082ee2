package nd_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

type softmaxGradCase struct {
	shape nd.Shape
	axis  int
	temp  float64
}

var softmaxGradCases = []softmaxGradCase{
	{nd.Shape{64, 10}, -1, 0},
	{nd.Shape{1, 1}, -1, 0},
	{nd.Shape{2, 3, 4}, 1, 0.7},
	{nd.Shape{3, 5}, 0, 3},
	{nd.Shape{7}, 0, 0},
}

func softmaxGradOps(t *testing.T) (sm, lsm *nd.OpDef) {
	sm, ok1 := nd.LookupOp("_backward_softmax")
	lsm, ok2 := nd.LookupOp("_backward_log_softmax")
	if !ok1 || !ok2 {
		t.Fatal("softmax backward ops are not registered")
	}
	return sm, lsm
}

// The fused backward ops equal the composed formulas
// y*(g - Σ g*y)/T and (g - exp(y)*Σ g)/T along the axis.
func TestSoftmaxBackwardMatchesComposition(t *testing.T) {
	t.Cleanup(func() { settlePool(t) })
	sm, lsm := softmaxGradOps(t)
	r := rand.New(rand.NewPCG(41, 42))
	for _, c := range softmaxGradCases {
		for _, dt := range []nd.DType{nd.Float64, nd.Float32} {
			x := randArray(r, c.shape...).MulScalar(3).AsType(dt)
			g := randArray(r, c.shape...).AsType(dt)
			attrs := nd.SoftmaxAttrs{Axis: &c.axis, Temperature: c.temp}
			tt := c.temp
			if tt == 0 {
				tt = 1
			}
			ax := []int{c.axis}

			y := nd.Softmax(x, c.axis, c.temp)
			want := y.Mul(g.Sub(nd.Sum(g.Mul(y), ax, true))).DivScalar(tt)
			got := nd.Invoke1(sm, attrs, g, y)
			tol := 1e-12
			if dt == nd.Float32 {
				tol = 1e-6
			}
			ndtest.AssertClose(t, got, c.shape, want.Float64s(), tol, tol)

			ly := nd.LogSoftmax(x, c.axis, c.temp)
			want = g.Sub(ly.Exp().Mul(nd.Sum(g, ax, true))).DivScalar(tt)
			got = nd.Invoke1(lsm, attrs, g, ly)
			ndtest.AssertClose(t, got, c.shape, want.Float64s(), tol, tol)
		}
	}
}

// The backward ops' own gradients, in both inputs, against finite
// differences (second order of softmax and log_softmax).
func TestSoftmaxBackwardCheckGrad(t *testing.T) {
	t.Cleanup(func() { settlePool(t) })
	sm, lsm := softmaxGradOps(t)
	r := rand.New(rand.NewPCG(43, 44))
	for _, c := range softmaxGradCases[1:] {
		attrs := nd.SoftmaxAttrs{Axis: &c.axis, Temperature: c.temp}
		in := []*nd.NDArray{randArray(r, c.shape...), randArray(r, c.shape...)}
		for name, op := range map[string]*nd.OpDef{"softmax": sm, "log_softmax": lsm} {
			t.Run(fmt.Sprintf("%s/%v/axis%d", name, c.shape, c.axis), func(t *testing.T) {
				ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray { return nd.Invoke1(op, attrs, in[0], in[1]) }, in, nil, 1e-5, 1e-8)
			})
		}
	}
}

func TestSoftmaxBackwardErrors(t *testing.T) {
	t.Cleanup(func() { settlePool(t) })
	_, lsm := softmaxGradOps(t)
	for name, f := range map[string]func(){
		"shapes differ": func() { nd.Invoke1(lsm, nd.SoftmaxAttrs{}, nd.Zeros(nd.Shape{2, 3}), nd.Zeros(nd.Shape{3, 2})) },
		"int32": func() {
			nd.Invoke1(lsm, nd.SoftmaxAttrs{}, nd.Zeros(nd.Shape{2}, nd.OfType(nd.Int32)), nd.Zeros(nd.Shape{2}, nd.OfType(nd.Int32)))
		},
		"axis": func() {
			ax := 2
			nd.Invoke1(lsm, nd.SoftmaxAttrs{Axis: &ax}, nd.Zeros(nd.Shape{2}), nd.Zeros(nd.Shape{2}))
		},
	} {
		if err := nd.Try(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
