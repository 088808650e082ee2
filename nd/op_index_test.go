package nd_test

import (
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func TestIndexGolden(t *testing.T) {
	ndtest.BothEngines(t, func(t *testing.T) {
		shapeRunGolden(t, "take", "pick", "gather_nd", "scatter_nd", "where", "one_hot", "boolean_mask")
	})
}

func TestIndexGrads(t *testing.T) {
	x := sliceIota(4, 3).MulScalar(0.25).SubScalar(1)
	idx := nd.ArrayOf([]float64{3, 0, 3, -1, 9}, nd.Shape{5}) // repeats and clipped indices
	idx2 := nd.ArrayOf([]float64{2, 0, -1, 1}, nd.Shape{2, 2})
	cond := nd.ArrayOf([]float64{1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1}, nd.Shape{4, 3})
	tests := []struct {
		name string
		f    func(in []*nd.NDArray) *nd.NDArray
		in   []*nd.NDArray
	}{
		{"take_axis0", func(in []*nd.NDArray) *nd.NDArray { return nd.Take(in[0], idx, 0, "clip") }, []*nd.NDArray{x}},
		{"take_axis1_wrap", func(in []*nd.NDArray) *nd.NDArray { return nd.Take(in[0], idx2, -1, "wrap") }, []*nd.NDArray{x}},
		{"pick", func(in []*nd.NDArray) *nd.NDArray {
			return nd.Pick(in[0], nd.ArrayOf([]float64{0, 2, 1, 2}, nd.Shape{4}), 1, false, "clip")
		}, []*nd.NDArray{x}},
		{"pick_keepdims_axis0", func(in []*nd.NDArray) *nd.NDArray {
			return nd.Pick(in[0], nd.ArrayOf([]float64{3, 0, 3}, nd.Shape{1, 3}), 0, true, "clip")
		}, []*nd.NDArray{x}},
		{"gather_nd", func(in []*nd.NDArray) *nd.NDArray {
			return nd.GatherND(in[0], nd.ArrayOf([]float64{0, 3, 0, 2, 1, 2, 2, 0}, nd.Shape{2, 4}))
		}, []*nd.NDArray{x}},
		{"gather_nd_rows_repeat", func(in []*nd.NDArray) *nd.NDArray {
			return nd.GatherND(in[0], nd.ArrayOf([]float64{1, 1, -1}, nd.Shape{1, 3}))
		}, []*nd.NDArray{x}},
		{"scatter_nd", func(in []*nd.NDArray) *nd.NDArray {
			return nd.ScatterND(in[0], nd.ArrayOf([]float64{0, 3, 2, 1}, nd.Shape{1, 4}), nd.Shape{5, 3})
		}, []*nd.NDArray{x}},
		{"where", func(in []*nd.NDArray) *nd.NDArray { return nd.Where(cond, in[0], in[1]) },
			[]*nd.NDArray{x, x.MulScalar(-2)}},
		{"where_rows", func(in []*nd.NDArray) *nd.NDArray {
			return nd.Where(nd.Array([]float32{0, 1, 1, 0}), in[0], in[1].Mul(in[1]))
		}, []*nd.NDArray{x, x.AddScalar(1)}},
		{"boolean_mask", func(in []*nd.NDArray) *nd.NDArray {
			return nd.BooleanMask(in[0], nd.Array([]float32{1, 0, 1, 1}), 0)
		}, []*nd.NDArray{x}},
		{"boolean_mask_axis1", func(in []*nd.NDArray) *nd.NDArray {
			return nd.BooleanMask(in[0], nd.Array([]int32{0, 1, 1}), -1)
		}, []*nd.NDArray{x}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { ndtest.CheckGrad(t, tc.f, tc.in, nil, 1e-5, 1e-7) })
	}
}

// Second order through the scatter ops: y = take(x)², head w.
// dy/dx = 2·c·x (c = how often x is taken); d/dx (dy/dx · w) = 2·c·w.
func TestIndexSecondOrder(t *testing.T) {
	idx := nd.ArrayOf([]float64{2, 0, 2, 2}, nd.Shape{4})
	rows := nd.ArrayOf([]float64{2, 2, 0}, nd.Shape{1, 3})
	for name, take := range map[string]func(x *nd.NDArray) *nd.NDArray{
		"take":      func(x *nd.NDArray) *nd.NDArray { return nd.Take(x, idx, 0, "clip") },
		"gather_nd": func(x *nd.NDArray) *nd.NDArray { return nd.GatherND(x, rows) },
		"pick": func(x *nd.NDArray) *nd.NDArray {
			return nd.Pick(x.Reshape(1, 3), nd.ArrayOf([]float64{2}, nd.Shape{1}), 1, false, "clip")
		},
	} {
		t.Run(name, func(t *testing.T) {
			x := nd.ArrayOf([]float64{1, 2, 3}, nd.Shape{3})
			x.AttachGrad()
			var gx *nd.NDArray
			autograd.Record(func() {
				y := take(x)
				y = y.Mul(y)
				g, err := autograd.Grad([]*nd.NDArray{y}, []*nd.NDArray{x}, nil, true, true)
				if err != nil {
					t.Fatal(err)
				}
				gx = g[0]
			})
			counts := map[string][]float64{"take": {1, 0, 3}, "gather_nd": {1, 0, 2}, "pick": {0, 0, 1}}[name]
			want1 := make([]float64, 3)
			for i, c := range counts {
				want1[i] = 2 * c * float64(i+1)
			}
			ndtest.AssertClose(t, gx, nd.Shape{3}, want1, 1e-12, 0)
			w := []float64{0.5, 2, 3}
			if err := autograd.Backward([]*nd.NDArray{gx}, []*nd.NDArray{nd.ArrayOf(w, nd.Shape{3})}, false); err != nil {
				t.Fatal(err)
			}
			want2 := make([]float64, 3)
			for i, c := range counts {
				want2[i] = 2 * c * w[i]
			}
			ndtest.AssertClose(t, x.Grad(), nd.Shape{3}, want2, 1e-12, 0)
		})
	}
}

func TestTakeRaise(t *testing.T) {
	x := sliceIota(3, 2)
	ok := nd.Take(x, nd.Array([]int32{-3, 2}), 0, "raise")
	ndtest.AssertClose(t, ok, nd.Shape{2, 2}, []float64{0, 1, 4, 5}, 0, 0)
	bad := nd.Take(x, nd.Array([]int32{3}), 0, "raise")
	if _, err := bad.Values(); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("take out of range with raise: error %v, want out of range", err)
	}
	badND := nd.GatherND(x, nd.ArrayOf([]float64{0, 5}, nd.Shape{2, 1}))
	if _, err := badND.Values(); err == nil {
		t.Fatal("gather_nd out of range: no error")
	}
}

func TestIndexDTypes(t *testing.T) {
	for _, dt := range []nd.DType{nd.Float32, nd.Float64, nd.Float16, nd.Int8, nd.Int32, nd.Int64, nd.Uint8, nd.Bool} {
		x := nd.ArrayOf([]float64{1, 0, 1, 1, 1, 0}, nd.Shape{3, 2}, nd.OfType(dt))
		got := nd.Take(x, nd.Array([]int64{2, 0}), 0, "clip")
		if got.DType() != dt {
			t.Fatalf("%v: take gives %v", dt, got.DType())
		}
		ndtest.AssertClose(t, got, nd.Shape{2, 2}, []float64{1, 0, 1, 0}, 0, 0)
		ndtest.AssertClose(t, nd.GatherND(x, nd.Array([]int32{1, 2, 0, 1}, 2, 2)), nd.Shape{2}, []float64{1, 0}, 0, 0)
		ndtest.AssertClose(t, nd.Where(nd.Array([]bool{true, false, true}), x, nd.ZerosLike(x)), nd.Shape{3, 2},
			[]float64{1, 0, 0, 0, 1, 0}, 0, 0)
		ndtest.AssertClose(t, nd.BooleanMask(x, nd.Array([]bool{false, true, true}), 0), nd.Shape{2, 2}, []float64{1, 1, 1, 0}, 0, 0)
	}
	// Scatter-adds compute for the arithmetic dtypes.
	for _, dt := range []nd.DType{nd.Float32, nd.Float64, nd.Int32, nd.Int64} {
		d := nd.ArrayOf([]float64{1, 2, 3}, nd.Shape{3}, nd.OfType(dt))
		d.AttachGrad()
		var y *nd.NDArray
		autograd.Record(func() { y = nd.Take(d, nd.Array([]int32{1, 1, 0}), 0, "clip") })
		if err := autograd.Backward([]*nd.NDArray{y}, nil, false); err != nil {
			t.Fatal(err)
		}
		ndtest.AssertClose(t, d.Grad(), nd.Shape{3}, []float64{1, 2, 0}, 0, 0)
	}
}

func TestIndexErrors(t *testing.T) {
	x := sliceIota(3, 2)
	tests := map[string]func(){
		"take axis":       func() { nd.Take(x, nd.Array([]int32{0}), 2, "clip") },
		"pick shape":      func() { nd.Pick(x, nd.Array([]int32{0, 1}), 1, false, "clip") },
		"gather_nd depth": func() { nd.GatherND(x, nd.Zeros(nd.Shape{3, 1})) },
		"scatter_nd data": func() { nd.ScatterND(nd.Zeros(nd.Shape{4}), nd.Zeros(nd.Shape{1, 3}), nd.Shape{3}) },
		"where shapes":    func() { nd.Where(nd.Zeros(nd.Shape{2}), x, x) },
		"where dtypes":    func() { nd.Where(nd.Zeros(nd.Shape{3}), x, x.AsType(nd.Float64)) },
		"mask length":     func() { nd.BooleanMask(x, nd.Zeros(nd.Shape{2}), 0) },
		"one_hot depth":   func() { nd.OneHot(x, -1, 1, 0, nd.Float32) },
	}
	for name, f := range tests {
		if err := nd.Try(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// An unknown mode is reported when the kernel runs.
	if _, err := nd.Take(x, nd.Array([]int32{0}), 0, "nearest").Values(); err == nil {
		t.Error("take with an unknown mode: no error")
	}
}

func BenchmarkTake(b *testing.B) {
	x := nd.Ones(nd.Shape{1000, 64})
	idx := nd.RandInt(0, 1000, nd.Shape{256})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := nd.Take(x, idx, 0, "clip").WaitToRead(); err != nil {
			b.Fatal(err)
		}
	}
}
