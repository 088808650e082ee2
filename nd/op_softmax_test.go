package nd_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func TestSoftmaxGolden(t *testing.T) { mathRunGolden(t, "softmax", "log_softmax") }

func TestSoftmaxGoldenBothEngines(t *testing.T) {
	ndtest.BothEngines(t, func(t *testing.T) { mathRunGolden(t, "softmax") })
}

func TestSoftmaxCheckGrad(t *testing.T) {
	x := nd.ArrayOf(mathSeq(24, 0.21, -2.3), nd.Shape{2, 3, 4})
	for _, c := range []struct {
		name string
		f    func(a *nd.NDArray) *nd.NDArray
	}{
		{"softmax_last", func(a *nd.NDArray) *nd.NDArray { return a.Softmax() }},
		{"softmax_axis1_temp", func(a *nd.NDArray) *nd.NDArray { return nd.Softmax(a, 1, 0.7) }},
		{"log_softmax_last", func(a *nd.NDArray) *nd.NDArray { return a.LogSoftmax() }},
		{"log_softmax_axis0_temp", func(a *nd.NDArray) *nd.NDArray { return nd.LogSoftmax(a, 0, 3) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray { return c.f(in[0]) }, []*nd.NDArray{x}, nil, 1e-5, 1e-8)
		})
	}
}

// Second order: the gradient of Σ w·softmax(x) is differentiable again.
// Checked against central differences of the first gradient.
func TestSoftmaxSecondOrder(t *testing.T) {
	xs := []float64{0.3, -1.2, 2.0, 0.5}
	w := nd.ArrayOf([]float64{1, 2, 0.5, -1}, nd.Shape{4}, nd.OfType(nd.Float64))
	firstGrad := func(vals []float64, create bool) (*nd.NDArray, *nd.NDArray) {
		x := nd.ArrayOf(vals, nd.Shape{4}, nd.OfType(nd.Float64)).AttachGrad()
		var g *nd.NDArray
		autograd.Record(func() {
			y := x.Softmax().Mul(w)
			gs, err := autograd.Grad([]*nd.NDArray{y}, []*nd.NDArray{x}, nil, create, false)
			if err != nil {
				t.Fatal(err)
			}
			g = gs[0].Mul(gs[0]).Sum() // a scalar function of the gradient
		})
		return x, g
	}
	x, g := firstGrad(xs, true)
	if err := autograd.BackwardOne(g); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, len(xs))
	for i := range xs {
		up := append([]float64(nil), xs...)
		down := append([]float64(nil), xs...)
		up[i] += 1e-6
		down[i] -= 1e-6
		_, gu := firstGrad(up, false)
		_, gd := firstGrad(down, false)
		want[i] = (gu.Scalar() - gd.Scalar()) / 2e-6
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{4}, want, 1e-5, 1e-8)
}

func TestSoftmaxExtremes(t *testing.T) {
	x := nd.Array([]float32{-inf32(), 0, 0, 88, 1e30, -1e30}, 1, 6)
	got := x.Softmax().Float32s()
	for i, want := range []float64{0, 0, 0, 0, 1, 0} {
		if math.Abs(float64(got[i])-want) > 1e-6 {
			t.Fatalf("softmax %v = %v", x, got)
		}
	}
	ls := nd.Array([]float32{0, -200, -1e4}, 1, 3).LogSoftmax()
	ndtest.AssertClose(t, ls, nd.Shape{1, 3}, []float64{0, -200, -1e4}, 1e-6, 0)
	// Rows sum to 1 along any axis.
	y := nd.ArrayOf(mathSeq(60, 0.4, -10), nd.Shape{3, 4, 5}, nd.OfType(nd.Float32))
	for _, ax := range []int{0, 1, 2, -1} {
		s := nd.Sum(nd.Softmax(y, ax, 0), []int{ax}, false)
		ones := make([]float64, s.Size())
		for i := range ones {
			ones[i] = 1
		}
		ndtest.AssertClose(t, s, s.Shape(), ones, 1e-6, 0)
	}
	ndtest.AssertClose(t, nd.Zeros(nd.Shape{0, 3}).Softmax(), nd.Shape{0, 3}, nil, 0, 0)
}

func inf32() float32 { return float32(math.Inf(1)) }

// The parallel float32 path matches a float64 reference.
func TestSoftmaxLargeFloat32(t *testing.T) {
	rows, cols := 512, 300
	vals := mathSeq(rows*cols, 0.003, -2)
	got := nd.ArrayOf(vals, nd.Shape{rows, cols}, nd.OfType(nd.Float32)).Softmax()
	want := nd.ArrayOf(vals, nd.Shape{rows, cols}, nd.OfType(nd.Float32)).AsType(nd.Float64).Softmax().Float64s()
	ndtest.AssertClose(t, got, nd.Shape{rows, cols}, want, 1e-5, 1e-9)
	x32 := nd.ArrayOf(vals, nd.Shape{rows, cols}, nd.OfType(nd.Float32))
	wantLog := x32.AsType(nd.Float64).LogSoftmax().Float64s()
	ndtest.AssertClose(t, x32.LogSoftmax(), nd.Shape{rows, cols}, wantLog, 1e-5, 1e-5)
}

func BenchmarkSoftmaxFloat32(b *testing.B) {
	for _, sz := range []struct{ rows, cols int }{{64, 10}, {256, 1000}, {32, 30000}} {
		x := nd.ArrayOf(mathSeq(sz.rows*sz.cols, 0.001, -1), nd.Shape{sz.rows, sz.cols}, nd.OfType(nd.Float32))
		b.Run(fmt.Sprintf("%dx%d", sz.rows, sz.cols), func(b *testing.B) {
			b.SetBytes(int64(4 * sz.rows * sz.cols))
			b.ReportAllocs()
			for range b.N {
				if err := x.Softmax().WaitToRead(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("%dx%d/into", sz.rows, sz.cols), func(b *testing.B) {
			op, _ := nd.LookupOp("softmax")
			out := nd.ZerosLike(x)
			b.SetBytes(int64(4 * sz.rows * sz.cols))
			b.ReportAllocs()
			for range b.N {
				nd.InvokeInto(op, nd.SoftmaxAttrs{}, []*nd.NDArray{x}, []*nd.NDArray{out})
				if err := out.WaitToRead(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
