package nd_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func goldenBool(attrs map[string]any, key string) bool {
	v, _ := attrs[key].(bool)
	return v
}

// runDotGolden calls the op a golden case names.
func runDotGolden(c ndtest.Golden, in []*nd.NDArray) *nd.NDArray {
	ta, tb := goldenBool(c.Attrs, "transpose_a"), goldenBool(c.Attrs, "transpose_b")
	switch {
	case strings.HasPrefix(c.Name, "dot_"):
		return nd.DotT(in[0], in[1], ta, tb)
	case strings.HasPrefix(c.Name, "batch_dot_"):
		return nd.BatchDotT(in[0], in[1], ta, tb)
	case strings.HasPrefix(c.Name, "matmul_"):
		return nd.Matmul(in[0], in[1])
	case strings.HasPrefix(c.Name, "fc_"):
		at := nd.FullyConnectedAttrs{NoBias: goldenBool(c.Attrs, "no_bias")}
		if f, ok := c.Attrs["flatten"].(bool); ok && !f {
			at.NoFlatten = true
		}
		var bias *nd.NDArray
		if len(in) == 3 {
			bias = in[2]
		}
		return nd.FullyConnected(in[0], in[1], bias, at)
	}
	panic("unknown golden case " + c.Name)
}

func TestDotGolden(t *testing.T) {
	cases := ndtest.LoadGolden(t, "testdata/golden_dot.json")
	if len(cases) < 30 {
		t.Fatalf("only %d golden cases", len(cases))
	}
	ndtest.BothEngines(t, func(t *testing.T) {
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				in := make([]*nd.NDArray, len(c.Inputs))
				for i, g := range c.Inputs {
					in[i] = g.NDArray()
				}
				out := runDotGolden(c, in)
				want := c.Outputs[0]
				if got := out.DType().String(); got != want.DType {
					t.Fatalf("dtype %s, want %s", got, want.DType)
				}
				ndtest.AssertClose(t, out, nd.Shape(want.Shape), want.Values, 1e-5, 1e-5)
			})
		}
	})
}

func randArray(r *rand.Rand, shape ...int) *nd.NDArray {
	v := make([]float64, nd.Shape(shape).Size())
	for i := range v {
		v[i] = r.Float64()*2 - 1
	}
	return nd.ArrayOf(v, nd.Shape(shape), nd.OfType(nd.Float64))
}

// atLeast1D reads a scalar result as shape (1,): ndtest.CheckGrad builds
// its head gradient with Shape.Clone, which turns () into nil (a 1-D shape).
func atLeast1D(a *nd.NDArray) *nd.NDArray {
	if a.Ndim() == 0 {
		return a.Reshape(1)
	}
	return a
}

func TestDotGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		a, b   []int
		ta, tb bool
	}{
		{[]int{2, 3}, []int{3, 4}, false, false},
		{[]int{3, 2}, []int{3, 4}, true, false},
		{[]int{2, 3}, []int{4, 3}, false, true},
		{[]int{3, 2}, []int{4, 3}, true, true},
		{[]int{2, 2, 3}, []int{3, 2, 2}, false, false},
		{[]int{3, 2, 2}, []int{3, 2}, true, false},
		{[]int{2, 3}, []int{2, 2, 3}, false, true},
		{[]int{3}, []int{3, 2}, false, false},
		{[]int{2, 3}, []int{3}, false, false},
		{[]int{4}, []int{4}, false, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v_%v_%v_%v", c.a, c.b, c.ta, c.tb), func(t *testing.T) {
			f := func(in []*nd.NDArray) *nd.NDArray { return atLeast1D(nd.DotT(in[0], in[1], c.ta, c.tb)) }
			ndtest.CheckGrad(t, f, []*nd.NDArray{randArray(r, c.a...), randArray(r, c.b...)}, nil, 1e-6, 1e-8)
		})
	}
}

func TestBatchDotGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			t.Run(fmt.Sprintf("ta%v_tb%v", ta, tb), func(t *testing.T) {
				as, bs := []int{2, 3, 2}, []int{2, 2, 4}
				if ta {
					as = []int{2, 2, 3}
				}
				if tb {
					bs = []int{2, 4, 2}
				}
				f := func(in []*nd.NDArray) *nd.NDArray { return nd.BatchDotT(in[0], in[1], ta, tb) }
				ndtest.CheckGrad(t, f, []*nd.NDArray{randArray(r, as...), randArray(r, bs...)}, nil, 1e-6, 1e-8)
			})
		}
	}
}

func TestMatmulGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cases := [][2][]int{
		{{2, 3}, {3, 2}},
		{{2, 1, 2, 3}, {3, 3, 2}},
		{{3}, {2, 3, 2}},
		{{2, 2, 3}, {3}},
		{{3}, {3}},
		{{1, 2, 3}, {2, 3, 1}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v_%v", c[0], c[1]), func(t *testing.T) {
			ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray { return atLeast1D(nd.Matmul(in[0], in[1])) },
				[]*nd.NDArray{randArray(r, c[0]...), randArray(r, c[1]...)}, nil, 1e-6, 1e-8)
		})
	}
}

func TestFullyConnectedGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	cases := []struct {
		name   string
		x, w   []int
		attrs  nd.FullyConnectedAttrs
		noBias bool
	}{
		{"2d", []int{3, 4}, []int{2, 4}, nd.FullyConnectedAttrs{}, false},
		{"no_bias", []int{3, 4}, []int{2, 4}, nd.FullyConnectedAttrs{}, true},
		{"flatten_4d", []int{2, 2, 1, 3}, []int{3, 6}, nd.FullyConnectedAttrs{}, false},
		{"no_flatten", []int{2, 3, 4}, []int{2, 4}, nd.FullyConnectedAttrs{NoFlatten: true}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := []*nd.NDArray{randArray(r, c.x...), randArray(r, c.w...)}
			if !c.noBias {
				in = append(in, randArray(r, c.w[0]))
			}
			f := func(in []*nd.NDArray) *nd.NDArray {
				var b *nd.NDArray
				if len(in) == 3 {
					b = in[2]
				}
				return nd.FullyConnected(in[0], in[1], b, c.attrs)
			}
			ndtest.CheckGrad(t, f, in, nil, 1e-6, 1e-8)
		})
	}
}

// TestDotSecondOrder differentiates the gradient of F(X) = Σ (X·W)² again:
// dF/dX = 2·X·W·Wᵀ, and ∂/∂X_ij Σ dF/dX = 2·Σ_l (W·Wᵀ)_jl.
func TestDotSecondOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x := randArray(r, 2, 3).AttachGrad()
	w := randArray(r, 3, 4)
	var dx *nd.NDArray
	autograd.Record(func() {
		y := nd.Dot(x, w)
		g, err := autograd.Grad([]*nd.NDArray{y.Mul(y)}, []*nd.NDArray{x}, nil, true, false)
		if err != nil {
			t.Fatal(err)
		}
		dx = g[0]
	})
	if err := autograd.BackwardOne(dx); err != nil {
		t.Fatal(err)
	}
	wv := w.Float64s()
	want := make([]float64, 6)
	for j := 0; j < 3; j++ {
		s := 0.0
		for l := 0; l < 3; l++ {
			for c := 0; c < 4; c++ {
				s += wv[j*4+c] * wv[l*4+c]
			}
		}
		want[j], want[3+j] = 2*s, 2*s
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{2, 3}, want, 1e-9, 1e-12)
}

func TestDotShapeErrors(t *testing.T) {
	f32 := func(s ...int) *nd.NDArray { return nd.Zeros(nd.Shape(s)) }
	cases := []struct {
		name string
		f    func()
		msg  string
	}{
		{"inner", func() { nd.Dot(f32(2, 3), f32(4, 5)) }, "contracted sizes 3 != 4"},
		{"vectors", func() { nd.DotT(f32(3), f32(3), true, false) }, "cannot transpose vectors"},
		{"scalar", func() { nd.Dot(f32(), f32(3)) }, "at least 1 axis"},
		{"dtype", func() { nd.Dot(f32(2, 2), nd.Zeros(nd.Shape{2, 2}, nd.OfType(nd.Float64))) }, "differ"},
		{"batch", func() { nd.BatchDot(f32(2, 3, 4), f32(3, 4, 5)) }, "batch axes"},
		{"batch_ndim", func() { nd.BatchDot(f32(3, 4), f32(4, 5)) }, "at least 3"},
		{"matmul_bcast", func() { nd.Matmul(f32(2, 3, 4), f32(3, 4, 5)) }, "batch axes"},
		{"fc_units", func() { nd.FullyConnected(f32(2, 5), f32(3, 4), nil, nd.FullyConnectedAttrs{}) }, "input units"},
		{"fc_bias", func() { nd.FullyConnected(f32(2, 4), f32(3, 4), f32(4), nd.FullyConnectedAttrs{}) }, "bias"},
		{"fc_hidden", func() { nd.FullyConnected(f32(2, 4), f32(3, 4), nil, nd.FullyConnectedAttrs{NumHidden: 5}) }, "num_hidden 5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := nd.Try(c.f)
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("got error %v, want one containing %q", err, c.msg)
			}
		})
	}
}

func TestDotFloat16NeedsCast(t *testing.T) {
	a := nd.Ones(nd.Shape{2, 2}, nd.OfType(nd.Float16))
	out := nd.Dot(a, a)
	if err := out.WaitToRead(); err == nil || !strings.Contains(err.Error(), "storage type") {
		t.Fatalf("got %v, want a storage type error", err)
	}
}

// The bias is written first and the GEMM accumulates onto it; a second call
// into reused memory must not accumulate onto stale values.
func TestFullyConnectedRepeatable(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	x, w, b := randArray(r, 5, 7).AsType(nd.Float32), randArray(r, 3, 7).AsType(nd.Float32), randArray(r, 3).AsType(nd.Float32)
	first := nd.FullyConnected(x, w, b, nd.FullyConnectedAttrs{}).Float64s()
	for i := 0; i < 3; i++ {
		ndtest.AssertClose(t, nd.FullyConnected(x, w, b, nd.FullyConnectedAttrs{}), nd.Shape{5, 3}, first, 0, 0)
	}
	ndtest.AssertClose(t, nd.DotT(x, w, false, true).Add(b), nd.Shape{5, 3}, first, 1e-6, 1e-6)
}

func BenchmarkFullyConnected(b *testing.B) {
	for _, s := range []struct{ batch, in, out int }{{64, 784, 128}, {256, 1024, 1024}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s.batch, s.in, s.out), func(b *testing.B) {
			x, w, bias := nd.Ones(nd.Shape{s.batch, s.in}), nd.Ones(nd.Shape{s.out, s.in}), nd.Ones(nd.Shape{s.out})
			b.ReportAllocs()
			b.SetBytes(int64(4 * (s.batch*s.in + s.out*s.in + s.batch*s.out)))
			for b.Loop() {
				if err := nd.FullyConnected(x, w, bias, nd.FullyConnectedAttrs{}).WaitToRead(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(2*float64(s.batch*s.in*s.out)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

func BenchmarkFullyConnectedBackward(b *testing.B) {
	for _, s := range []struct{ batch, in, out int }{{64, 784, 128}, {256, 1024, 1024}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s.batch, s.in, s.out), func(b *testing.B) {
			x := nd.Ones(nd.Shape{s.batch, s.in})
			w, bias := nd.Ones(nd.Shape{s.out, s.in}).AttachGrad(), nd.Ones(nd.Shape{s.out}).AttachGrad()
			x.AttachGrad()
			b.ReportAllocs()
			for b.Loop() {
				var y *nd.NDArray
				autograd.Record(func() { y = nd.FullyConnected(x, w, bias, nd.FullyConnectedAttrs{}) })
				if err := autograd.BackwardOne(y); err != nil {
					b.Fatal(err)
				}
				if err := w.Grad().WaitToRead(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(3*2*float64(s.batch*s.in*s.out)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
