package nd_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/kernels"
)

// The float32 relu, its gradient, exp, log, gelu, tanh, sigmoid, the
// Unary32 ops and sgd_update run vectorized loops in nd/kernels, split
// over the threads above a size; both sides of the split equal the scalar
// computation.
func TestVectorizedFloat32Ops(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{1, 33, 4099, 1<<20 + 5} {
		x, g := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], g[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		x[0] = float32(math.NaN())
		xa, ga := nd.ArrayOf(x, nd.Shape{n}), nd.ArrayOf(g, nd.Shape{n})

		ya := xa.Relu()
		relu := ya.Float32s()
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
		rga := nd.Invoke1(op, nil, ga, xa)
		rg := rga.Float32s()
		for i, v := range x {
			want := g[i] * 0
			if v > 0 {
				want = g[i]
			}
			if rg[i] != want {
				t.Fatalf("_relu_grad n=%d [%d] = %v, want %v", n, i, rg[i], want)
			}
		}

		// exp, log, gelu, tanh and sigmoid run kernels.Exp32, Log32, Gelu32,
		// Tanh32 and Sigmoid32,
		// negative, abs, square, sqrt, rsqrt and reciprocal
		// kernels.Unary32: the same bits as their scalar functions.
		for _, f := range []struct {
			name   string
			op     func(*nd.NDArray) *nd.NDArray
			scalar func(float32) float32
		}{
			{"exp", (*nd.NDArray).Exp, kernels.Expf},
			{"tanh", (*nd.NDArray).Tanh, kernels.Tanhf},
			{"sigmoid", (*nd.NDArray).Sigmoid, kernels.Sigmoidf},
			{"log", (*nd.NDArray).Log, kernels.Logf},
			{"gelu", (*nd.NDArray).Gelu, kernels.Geluf},
			{"negative", (*nd.NDArray).Neg, func(v float32) float32 { return -v }},
			{"abs", (*nd.NDArray).Abs, func(v float32) float32 { return float32(math.Abs(float64(v))) }},
			{"square", (*nd.NDArray).Square, func(v float32) float32 { return v * v }},
			{"sqrt", (*nd.NDArray).Sqrt, func(v float32) float32 { return float32(math.Sqrt(float64(v))) }},
			{"rsqrt", (*nd.NDArray).Rsqrt, func(v float32) float32 { return 1 / float32(math.Sqrt(float64(v))) }},
			{"reciprocal", (*nd.NDArray).Reciprocal, func(v float32) float32 { return 1 / v }},
			{"clip", func(a *nd.NDArray) *nd.NDArray { return a.Clip(-0.5, 2) }, func(v float32) float32 { return min(max(v, -0.5), 2) }},
		} {
			got := f.op(xa).Float32s()
			for i, v := range x {
				want := f.scalar(v)
				if math.Float32bits(got[i]) != math.Float32bits(want) && !(want != want && got[i] != got[i]) {
					t.Fatalf("%s n=%d [%d](%v) = %v, want %v", f.name, n, i, v, got[i], want)
				}
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
	settlePool(t)
}

// settlePool collects the test's dead arrays and waits until their pooled
// memory is back, so that a later test counting the pool's bytes in use
// (TestCollectedArraysReturnMemory) does not see it returned during its
// window.
func settlePool(t testing.TB) {
	t.Helper()
	cpu := engine.Device{Type: engine.CPU}
	last := int64(-1)
	for range 100 {
		runtime.GC()
		_ = nd.WaitAll() // its error is any earlier test's
		inUse := engine.MemStats(cpu).InUse
		if inUse == last {
			return
		}
		last = inUse
		time.Sleep(2 * time.Millisecond) // cleanups run on their own goroutine
	}
}

// Activation(relu) runs the relu op's kernel and gradient: the same values
// and gradients as Relu, in both float types, NaN included.
func TestActivationReluMatchesRelu(t *testing.T) {
	t.Cleanup(func() { settlePool(t) })
	r := rand.New(rand.NewPCG(23, 24))
	for _, dt := range []nd.DType{nd.Float32, nd.Float64} {
		v := make([]float64, 4099)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		v[3], v[5] = math.NaN(), math.Copysign(0, -1)
		a := nd.ArrayOf(v, nd.Shape{len(v)}).AsType(dt).AttachGrad()
		b := nd.ArrayOf(v, nd.Shape{len(v)}).AsType(dt).AttachGrad()
		g := nd.ArrayOf(v, nd.Shape{len(v)}).AsType(dt).MulScalar(3)
		var ya, yb *nd.NDArray
		autograd.Record(func() {
			ya = nd.Activation(a, "relu")
			yb = b.Relu()
		})
		if err := autograd.Backward([]*nd.NDArray{ya, yb}, []*nd.NDArray{g, g}, false); err != nil {
			t.Fatal(err)
		}
		for name, pair := range map[string][2]*nd.NDArray{"forward": {ya, yb}, "gradient": {a.Grad(), b.Grad()}} {
			x, y := pair[0].Float64s(), pair[1].Float64s()
			for i := range x {
				if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
					t.Fatalf("%v %s [%d] (x=%v): Activation %v, Relu %v", dt, name, i, v[i], x[i], y[i])
				}
			}
		}
	}
}

// The float32 gelu gradient is one _gelu_derivative pass through
// kernels.GeluGrad32, times the output gradient: with a gradient of ones
// it gives GeluGradf's bits, inline and split.
func TestGeluGradFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, n := range []int{33, 100003} {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64() * 3)
		}
		x := nd.ArrayOf(v, nd.Shape{n}).AttachGrad()
		var y *nd.NDArray
		autograd.Record(func() { y = x.Gelu() })
		if err := autograd.Backward([]*nd.NDArray{y}, []*nd.NDArray{nd.Ones(nd.Shape{n})}, false); err != nil {
			t.Fatal(err)
		}
		got := x.Grad().Float32s()
		for i, xv := range v {
			if want := kernels.GeluGradf(xv); got[i] != want {
				t.Fatalf("n=%d: d gelu(%v) = %v, want %v", n, xv, got[i], want)
			}
		}
	}
}
