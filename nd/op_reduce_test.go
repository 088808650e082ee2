package nd_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func TestReduceGolden(t *testing.T) {
	mathRunGolden(t, "sum", "mean", "prod", "max", "min", "norm", "argmax", "argmin")
}

func TestReduceGoldenBothEngines(t *testing.T) {
	ndtest.BothEngines(t, func(t *testing.T) { mathRunGolden(t, "sum", "max") })
}

func mathSeq(n int, scale, shift float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64((i*37)%n)*scale + shift
	}
	return v
}

func TestReduceCheckGrad(t *testing.T) {
	x := nd.ArrayOf(mathSeq(24, 0.13, -1.4), nd.Shape{2, 3, 4})
	xp := nd.ArrayOf(mathSeq(24, 0.05, 0.6), nd.Shape{2, 3, 4})
	cases := []struct {
		name string
		in   *nd.NDArray
		f    func(a *nd.NDArray) *nd.NDArray
	}{
		// Full reductions keep dims here: CheckGrad cannot weight a () output.
		{"sum_all", x, func(a *nd.NDArray) *nd.NDArray { return nd.Sum(a, nil, true) }},
		{"sum_axis1", x, func(a *nd.NDArray) *nd.NDArray { return a.Sum(1) }},
		{"sum_axes02_keep", x, func(a *nd.NDArray) *nd.NDArray { return nd.Sum(a, []int{0, 2}, true) }},
		{"mean_neg", x, func(a *nd.NDArray) *nd.NDArray { return a.Mean(-1) }},
		{"prod_axis2", xp, func(a *nd.NDArray) *nd.NDArray { return a.Prod(2) }},
		{"prod_all", xp, func(a *nd.NDArray) *nd.NDArray { return nd.Prod(a, nil, true) }},
		{"max_axis1", x, func(a *nd.NDArray) *nd.NDArray { return a.Max(1) }},
		{"min_axes01", x, func(a *nd.NDArray) *nd.NDArray { return a.Min(0, 1) }},
		{"nansum", x, func(a *nd.NDArray) *nd.NDArray { return a.NanSum(0) }},
		{"norm2_axis1", x, func(a *nd.NDArray) *nd.NDArray { return a.Norm(1) }},
		{"norm1_all", x, func(a *nd.NDArray) *nd.NDArray { return nd.Norm(a, 1, nil, true) }},
		{"norm2_keep", x, func(a *nd.NDArray) *nd.NDArray { return nd.Norm(a, 2, []int{-1}, true) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray { return c.f(in[0]) }, []*nd.NDArray{c.in}, nil, 1e-5, 1e-7)
		})
	}
}

// Max and min split the gradient evenly between tied extremes.
func TestReduceMaxTiesGrad(t *testing.T) {
	x := nd.Array([]float32{1, 3, 3, -1, 2, 2, 2, 0}, 2, 4).AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() { y = x.Max(1) })
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	third := 1.0 / 3
	ndtest.AssertClose(t, x.Grad(), nd.Shape{2, 4}, []float64{0, 0.5, 0.5, 0, third, third, third, 0}, 1e-6, 0)
}

// Second order through a reduction: d²/dx² sum(x³)/3 = 2x, and through
// softmax-like compositions the reduction's gradient must be recorded.
func TestReduceSecondOrder(t *testing.T) {
	x := nd.ArrayOf([]float64{0.5, -1, 2, 3}, nd.Shape{2, 2}, nd.OfType(nd.Float64)).AttachGrad()
	var dx *nd.NDArray
	autograd.Record(func() {
		y := x.Mul(x).Mul(x).Mean(1).MulScalar(2.0 / 3) // per row (x0³+x1³)/3
		g, err := autograd.Grad([]*nd.NDArray{y.Sum()}, []*nd.NDArray{x}, nil, true, false)
		if err != nil {
			t.Fatal(err)
		}
		dx = g[0] // x²
	})
	if err := autograd.BackwardOne(dx); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{2, 2}, []float64{1, -2, 4, 6}, 1e-12, 1e-12)
}

func TestReduceShapes(t *testing.T) {
	x := nd.Zeros(nd.Shape{2, 3, 4})
	cases := []struct {
		name string
		got  *nd.NDArray
		want nd.Shape
	}{
		{"all", x.Sum(), nd.Shape{}},
		{"all_keep", nd.Sum(x, nil, true), nd.Shape{1, 1, 1}},
		{"axis1", x.Sum(1), nd.Shape{2, 4}},
		{"neg_keep", nd.Max(x, []int{-1}, true), nd.Shape{2, 3, 1}},
		{"argmax_flat", x.Argmax(), nd.Shape{}},
		{"argmax_keep", nd.Argmax(x, []int{2}, true), nd.Shape{2, 3, 1}},
		{"norm_axes", nd.Norm(x, 1, []int{0, 1}, false), nd.Shape{4}},
		{"scalar", nd.Array(float32(3)).Sum(), nd.Shape{}},
		{"empty_out", nd.Zeros(nd.Shape{0, 3}).Sum(1), nd.Shape{0}},
	}
	for _, c := range cases {
		if !c.got.Shape().Equal(c.want) {
			t.Errorf("%s: shape %v, want %v", c.name, c.got.Shape(), c.want)
		}
	}
	op, _ := nd.LookupOp("sum")
	ex := nd.Invoke1(op, nd.ReduceAttrs{Axis: []int{1}, Exclude: true}, nd.Ones(nd.Shape{2, 3, 4}))
	ndtest.AssertClose(t, ex, nd.Shape{3}, []float64{8, 8, 8}, 0, 0)
	// Reducing a zero-size axis gives the identity.
	ndtest.AssertClose(t, nd.Zeros(nd.Shape{2, 0}).Sum(1), nd.Shape{2}, []float64{0, 0}, 0, 0)
	ndtest.AssertClose(t, nd.Zeros(nd.Shape{2, 0}).Prod(1), nd.Shape{2}, []float64{1, 1}, 0, 0)
	ndtest.AssertClose(t, nd.Zeros(nd.Shape{2, 0}).Mean(1), nd.Shape{2}, []float64{math.NaN(), math.NaN()}, 0, 0)
}

func TestReduceErrors(t *testing.T) {
	x := nd.Zeros(nd.Shape{2, 3})
	cases := []struct {
		name string
		f    func()
		msg  string
	}{
		{"axis_range", func() { x.Sum(2) }, "out of range"},
		{"axis_twice", func() { x.Sum(1, -1) }, "twice"},
		{"max_empty", func() { nd.Zeros(nd.Shape{0, 3}).Max(0) }, "no identity"},
		{"argmax_two_axes", func() { nd.Argmax(x, []int{0, 1}, false) }, "at most one axis"},
		{"norm_ord", func() { nd.Norm(x, 3, nil, false) }, "ord 3"},
	}
	for _, c := range cases {
		err := nd.Try(c.f)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.msg)
		}
	}
	if _, err := nd.Array([]bool{true, false}).Sum().Values(); err == nil {
		t.Error("sum of bool: want an error asking for a cast")
	}
}

func TestReduceNaN(t *testing.T) {
	nan := math.NaN()
	x := nd.Array([]float32{1, float32(nan), 2, 4, 5, 6}, 2, 3)
	ndtest.AssertClose(t, x.NanSum(1), nd.Shape{2}, []float64{3, 15}, 0, 0)
	ndtest.AssertClose(t, x.Sum(1), nd.Shape{2}, []float64{nan, 15}, 0, 0)
	ndtest.AssertClose(t, x.Max(1), nd.Shape{2}, []float64{nan, 6}, 0, 0)
	ndtest.AssertClose(t, x.Max(0), nd.Shape{3}, []float64{4, nan, 6}, 0, 0)
	ndtest.AssertClose(t, x.Min(0), nd.Shape{3}, []float64{1, nan, 2}, 0, 0)
	ndtest.AssertClose(t, nd.Array([]float32{3, float32(nan), 1}).Min(), nd.Shape{}, []float64{nan}, 0, 0)
	ndtest.AssertClose(t, x.Argmax(1), nd.Shape{2}, []float64{1, 2}, 0, 0)
	ndtest.AssertClose(t, x.Argmin(1), nd.Shape{2}, []float64{1, 0}, 0, 0)
	// nansum's gradient skips the NaN positions.
	xg := x.AsType(nd.Float64).AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() { y = xg.NanSum() })
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, xg.Grad(), nd.Shape{2, 3}, []float64{1, 0, 1, 1, 1, 1}, 0, 0)
}

// Float32 sums accumulate in float64: a million ones is exact, and a
// million 0.1s matches the float64 sum to float32 precision.
func TestReduceLargeSumAccuracy(t *testing.T) {
	n := 1000000
	if got := nd.Ones(nd.Shape{n}).Sum().Scalar(); got != float64(n) {
		t.Fatalf("sum of %d ones = %v", n, got)
	}
	tenth := nd.Full(nd.Shape{n}, 0.1)
	want := float64(float32(0.1)) * float64(n)
	ndtest.AssertClose(t, tenth.Sum(), nd.Shape{}, []float64{want}, 1e-7, 0)
	ndtest.AssertClose(t, tenth.Mean(), nd.Shape{}, []float64{float64(float32(0.1))}, 1e-7, 0)
	// Row sums along the first axis (the strided path) too.
	ndtest.AssertClose(t, nd.Ones(nd.Shape{n / 4, 4}).Sum(0), nd.Shape{4}, []float64{250000, 250000, 250000, 250000}, 0, 0)
}

// Every reduction layout (first, middle, last, several axes) against a naive
// float64 reference.
func TestReduceLayouts(t *testing.T) {
	mathCheckLayouts(t, nd.Shape{3, 4, 5, 2}, [][]int{{0}, {1}, {2}, {3}, {0, 1}, {1, 2}, {0, 2}, {1, 3}, {0, 3}, {0, 1, 2, 3}, {0, 2, 3}})
}

// Large enough for the parallel paths, including the split of reduced rows
// when few output columns remain.
func TestReduceLayoutsLarge(t *testing.T) {
	mathCheckLayouts(t, nd.Shape{40, 3, 500, 3}, [][]int{{0, 2}, {0, 1, 2}, {3}, {1}, {0, 1, 2, 3}})
}

func mathCheckLayouts(t *testing.T, shape nd.Shape, axesList [][]int) {
	vals := mathSeq(shape.Size(), 0.01, -0.5)
	x := nd.ArrayOf(vals, shape, nd.OfType(nd.Float32))
	strides := shape.Strides()
	for _, axes := range axesList {
		t.Run(fmt.Sprint(axes), func(t *testing.T) {
			red := make([]bool, len(shape))
			for _, a := range axes {
				red[a] = true
			}
			var outShape nd.Shape
			for i, d := range shape {
				if !red[i] {
					outShape = append(outShape, d)
				}
			}
			sum := make([]float64, outShape.Size())
			mx := make([]float64, outShape.Size())
			for i := range mx {
				mx[i] = math.Inf(-1)
			}
			for flat := range vals {
				o := 0
				for d := range shape {
					if !red[d] {
						o = o*shape[d] + (flat/strides[d])%shape[d]
					}
				}
				sum[o] += vals[flat]
				mx[o] = max(mx[o], float64(float32(vals[flat])))
			}
			if outShape == nil {
				outShape = nd.Shape{}
			}
			ndtest.AssertClose(t, x.Sum(axes...), outShape, sum, 1e-5, 1e-5)
			ndtest.AssertClose(t, x.Max(axes...), outShape, mx, 0, 0)
		})
	}
}

func TestReduceIntegerDTypes(t *testing.T) {
	for _, dt := range []nd.DType{nd.Int32, nd.Int64, nd.Uint8, nd.Int8, nd.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			x := nd.ArrayOf([]float64{1, 5, 2, 7, 3, 4}, nd.Shape{2, 3}, nd.OfType(dt))
			ndtest.AssertClose(t, x.Sum(1), nd.Shape{2}, []float64{8, 14}, 0, 0)
			ndtest.AssertClose(t, x.Prod(0), nd.Shape{3}, []float64{7, 15, 8}, 0, 0)
			ndtest.AssertClose(t, x.Max(1), nd.Shape{2}, []float64{5, 7}, 0, 0)
			ndtest.AssertClose(t, x.Min(), nd.Shape{}, []float64{1}, 0, 0)
			ndtest.AssertClose(t, x.Argmax(1), nd.Shape{2}, []float64{1, 0}, 0, 0)
			if x.Sum().DType() != dt || x.Argmax().DType() != dt {
				t.Fatalf("result dtypes %v, %v, want %v", x.Sum().DType(), x.Argmax().DType(), dt)
			}
		})
	}
	b := nd.Array([]bool{false, true, false})
	ndtest.AssertClose(t, b.Max(), nd.Shape{}, []float64{1}, 0, 0)
}

func BenchmarkReduceFloat32(b *testing.B) {
	for _, sz := range []struct{ rows, cols int }{{1, 1 << 20}, {1024, 1024}, {64, 100}} {
		x := nd.ArrayOf(mathSeq(sz.rows*sz.cols, 0.001, -1), nd.Shape{sz.rows, sz.cols}, nd.OfType(nd.Float32))
		for _, r := range []struct {
			name string
			f    func(*nd.NDArray) *nd.NDArray
		}{
			{"sum_last", func(a *nd.NDArray) *nd.NDArray { return a.Sum(1) }},
			{"max_last", func(a *nd.NDArray) *nd.NDArray { return a.Max(1) }},
			{"sum_first", func(a *nd.NDArray) *nd.NDArray { return a.Sum(0) }},
		} {
			b.Run(fmt.Sprintf("%s/%dx%d", r.name, sz.rows, sz.cols), func(b *testing.B) {
				b.SetBytes(int64(4 * sz.rows * sz.cols))
				b.ReportAllocs()
				for range b.N {
					if err := r.f(x).WaitToRead(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
