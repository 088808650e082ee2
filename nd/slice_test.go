package nd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func TestSliceGolden(t *testing.T) {
	ndtest.BothEngines(t, func(t *testing.T) { shapeRunGolden(t, "slice", "slice_axis", "slice_like") })
}

func sliceIota(shape ...int) *nd.NDArray {
	n := nd.Shape(shape).Size()
	return nd.Arange(0, float64(n), 1).Reshape(shape...)
}

func TestSliceViews(t *testing.T) {
	ndtest.BothEngines(t, func(t *testing.T) {
		x := sliceIota(4, 3)
		v := x.Slice(1, 3)
		if !v.SharesStorage(x) || !v.IsContiguous() {
			t.Fatalf("Slice(1, 3): shares %v contiguous %v, want a contiguous view", v.SharesStorage(x), v.IsContiguous())
		}
		ndtest.AssertClose(t, v, nd.Shape{2, 3}, []float64{3, 4, 5, 6, 7, 8}, 0, 0)

		// Later writes to the base show in the view.
		x.CopyFrom(x.MulScalar(10))
		ndtest.AssertClose(t, v, nd.Shape{2, 3}, []float64{30, 40, 50, 60, 70, 80}, 0, 0)

		// Writes into the view reach the base.
		v.Set(-1)
		ndtest.AssertClose(t, x, nd.Shape{4, 3}, []float64{0, 10, 20, -1, -1, -1, -1, -1, -1, 90, 100, 110}, 0, 0)

		row := x.At(-1)
		if !row.SharesStorage(x) || !row.Shape().Equal(nd.Shape{3}) {
			t.Fatalf("At(-1): shape %v shares %v", row.Shape(), row.SharesStorage(x))
		}
		row.CopyFrom(nd.Array([]float32{7, 8, 9}))
		ndtest.AssertClose(t, x.At(3), nd.Shape{3}, []float64{7, 8, 9}, 0, 0)
		ndtest.AssertClose(t, x.Slice(-2, 100), nd.Shape{2, 3}, []float64{-1, -1, -1, 7, 8, 9}, 0, 0)
	})
}

func TestSliceStridedViews(t *testing.T) {
	ndtest.BothEngines(t, func(t *testing.T) {
		x := sliceIota(3, 4)
		cols := x.SliceRanges(nd.Whole(), nd.SpanFrom(1).By(2)) // x[:, 1::2]
		if !cols.SharesStorage(x) || cols.IsContiguous() {
			t.Fatal("x[:, 1::2] should be a strided view")
		}
		ndtest.AssertClose(t, cols, nd.Shape{3, 2}, []float64{1, 3, 5, 7, 9, 11}, 0, 0)
		// Strided views work as op inputs.
		ndtest.AssertClose(t, cols.Add(cols), nd.Shape{3, 2}, []float64{2, 6, 10, 14, 18, 22}, 0, 0)

		cols.CopyFrom(nd.ArrayOf([]float64{-1, -2, -3, -4, -5, -6}, nd.Shape{3, 2}))
		ndtest.AssertClose(t, x, nd.Shape{3, 4}, []float64{0, -1, 2, -2, 4, -3, 6, -4, 8, -5, 10, -6}, 0, 0)

		// A view of a view: row 2 of the columns, then an element.
		r := cols.At(2)
		ndtest.AssertClose(t, r, nd.Shape{2}, []float64{-5, -6}, 0, 0)
		e := x.SliceRanges(nd.Elem(1), nd.Elem(-1))
		if !e.Shape().Equal(nd.Shape{}) || e.Scalar() != -4 {
			t.Fatalf("x[1, -1] = %v with shape %v, want -4 and shape ()", e.Scalar(), e.Shape())
		}
		e.Set(42)
		ndtest.AssertClose(t, x.At(1), nd.Shape{4}, []float64{4, -3, 6, 42}, 0, 0)

		col := x.SliceRanges(nd.Whole(), nd.Elem(0)) // x[:, 0]
		ndtest.AssertClose(t, col, nd.Shape{3}, []float64{0, 4, 8}, 0, 0)
		col.Set(1)
		ndtest.AssertClose(t, x.SliceRanges(nd.Whole(), nd.SpanTo(1)), nd.Shape{3, 1}, []float64{1, 1, 1}, 0, 0)
	})
}

func TestSliceNegativeStepCopies(t *testing.T) {
	x := sliceIota(3, 2)
	r := x.SliceRanges(nd.Whole().By(-1))
	if r.SharesStorage(x) {
		t.Fatal("a negative step should copy")
	}
	ndtest.AssertClose(t, r, nd.Shape{3, 2}, []float64{4, 5, 2, 3, 0, 1}, 0, 0)
	r2 := x.SliceRanges(nd.Span(-1, 0).By(-2), nd.Elem(1))
	ndtest.AssertClose(t, r2, nd.Shape{1}, []float64{5}, 0, 0)
}

// Views and the slice op agree with a direct computation on random ranges.
func TestSliceRangesRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shape := nd.Shape{4, 5, 3}
	x := sliceIota(shape...)
	vals := x.Float64s()
	st := shape.Strides()
	pick := func(n int) (nd.Range, []int) {
		b, e := rng.IntN(2*n+3)-n-1, rng.IntN(2*n+3)-n-1
		step := []int{1, 2, 3, -1, -2}[rng.IntN(5)]
		var r nd.Range
		switch rng.IntN(4) {
		case 0:
			r = nd.Span(b, e)
		case 1:
			r = nd.SpanFrom(b)
			e = nd.SliceNone
		case 2:
			r = nd.SpanTo(e)
			b = nd.SliceNone
		default:
			r, b, e = nd.Whole(), nd.SliceNone, nd.SliceNone
		}
		return r.By(step), sliceRef(n, b, e, step)
	}
	for it := 0; it < 200; it++ {
		var ranges []nd.Range
		var idx [][]int
		for _, n := range shape {
			r, ix := pick(n)
			ranges = append(ranges, r)
			idx = append(idx, ix)
		}
		var want []float64
		for _, i := range idx[0] {
			for _, j := range idx[1] {
				for _, k := range idx[2] {
					want = append(want, vals[i*st[0]+j*st[1]+k*st[2]])
				}
			}
		}
		got := x.SliceRanges(ranges...)
		ndtest.AssertClose(t, got, nd.Shape{len(idx[0]), len(idx[1]), len(idx[2])}, want, 0, 0)
		// The same slice through a view of a view.
		inner := x.SliceRanges(nd.Whole()).SliceRanges(ranges...)
		ndtest.AssertClose(t, inner, got.Shape(), want, 0, 0)
	}
}

// sliceRef lists the indices Python's range(n)[b:e:step] selects.
func sliceRef(n, b, e, step int) []int {
	var all []int
	for i := 0; i < n; i++ {
		all = append(all, i)
	}
	norm := func(i, def int, lo, hi int) int {
		if i == nd.SliceNone {
			return def
		}
		if i < 0 {
			i += n
		}
		return min(max(i, lo), hi)
	}
	out := []int{}
	if step > 0 {
		for i := norm(b, 0, 0, n); i < norm(e, n, 0, n); i += step {
			out = append(out, all[i])
		}
	} else {
		for i := norm(b, n-1, -1, n-1); i > norm(e, -1, -1, n-1); i += step {
			out = append(out, all[i])
		}
	}
	return out
}

func TestSliceRecordedGrad(t *testing.T) {
	x := sliceIota(4, 3).AsType(nd.Float64)
	x.AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() {
		v := x.Slice(1, 3)
		if v.SharesStorage(x) {
			t.Error("slicing a tracked array while recording must go through a recorded op")
		}
		y = v.Mul(v).Add(x.At(0).Reshape(1, 3)).Add(x.SliceRanges(nd.Span(0, 2), nd.Elem(2)).Reshape(2, 1))
	})
	if err := autograd.Backward([]*nd.NDArray{y}, nil, false); err != nil {
		t.Fatal(err)
	}
	// y[i, j] = x[1+i, j]² + x[0, j] + x[i, 2] for i in 0..1.
	want := []float64{2, 2, 2 + 3, 2 * 3, 2 * 4, 2*5 + 3, 2 * 6, 2 * 7, 2 * 8, 0, 0, 0}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{4, 3}, want, 0, 0)
	// Outside recording the same calls give views.
	if !x.Slice(1, 3).SharesStorage(x) || !x.Reshape(12).SharesStorage(x) {
		t.Fatal("outside recording, Slice and Reshape should be views")
	}
}

func TestSliceGrads(t *testing.T) {
	x := sliceIota(3, 4, 5).MulScalar(0.1)
	tests := []struct {
		name string
		f    func(in []*nd.NDArray) *nd.NDArray
		in   []*nd.NDArray
	}{
		{"slice", func(in []*nd.NDArray) *nd.NDArray {
			return nd.SliceOp(in[0], []int{nd.SliceNone, -1, 1}, []int{nd.SliceNone, 0, 5}, []int{-1, -2, 2})
		}, []*nd.NDArray{x}},
		{"slice_axis", func(in []*nd.NDArray) *nd.NDArray { return nd.SliceAxis(in[0], 1, 1, nd.SliceNone) }, []*nd.NDArray{x}},
		{"slice_like", func(in []*nd.NDArray) *nd.NDArray { return nd.SliceLike(in[0], in[1], 0, 2) },
			[]*nd.NDArray{x, nd.Zeros(nd.Shape{2, 1, 3})}},
		{"ranges", func(in []*nd.NDArray) *nd.NDArray {
			return in[0].SliceRanges(nd.Elem(1), nd.Whole().By(-1), nd.Span(1, 4).By(2))
		}, []*nd.NDArray{x}},
		// Second order through _backward_slice: d/dx of the slice of (x·x).
		{"slice_of_square", func(in []*nd.NDArray) *nd.NDArray {
			return nd.SliceAxis(in[0].Mul(in[0]), 2, 0, 2)
		}, []*nd.NDArray{x}},
	}
	for _, tc := range tests {
		diff := make([]bool, len(tc.in))
		diff[0] = true
		t.Run(tc.name, func(t *testing.T) { ndtest.CheckGrad(t, tc.f, tc.in, diff, 1e-5, 1e-7) })
	}
}

func TestSliceSecondOrder(t *testing.T) {
	// y = slice(x)³ summed: dy/dx = 3x² inside the slice; d/dx (dy/dx · w) = 6x·w.
	x := nd.ArrayOf([]float64{1, 2, 3, 4}, nd.Shape{4})
	x.AttachGrad()
	var gx *nd.NDArray
	autograd.Record(func() {
		s := nd.SliceAxis(x, 0, 1, 3)
		y := s.Mul(s).Mul(s)
		g, err := autograd.Grad([]*nd.NDArray{y}, []*nd.NDArray{x}, nil, true, true)
		if err != nil {
			t.Fatal(err)
		}
		gx = g[0]
	})
	ndtest.AssertClose(t, gx, nd.Shape{4}, []float64{0, 12, 27, 0}, 1e-12, 0)
	if err := autograd.Backward([]*nd.NDArray{gx}, []*nd.NDArray{nd.ArrayOf([]float64{1, 1, 2, 1}, nd.Shape{4})}, false); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{4}, []float64{0, 12, 36, 0}, 1e-12, 0)
}

func TestSliceErrors(t *testing.T) {
	x := sliceIota(2, 3)
	tests := map[string]func(){
		"too many ranges": func() { x.SliceRanges(nd.Whole(), nd.Whole(), nd.Whole()) },
		"elem range":      func() { x.At(2) },
		"elem negative":   func() { x.SliceRanges(nd.Whole(), nd.Elem(-4)) },
		"scalar":          func() { nd.Full(nd.Shape{}, 1).Slice(0, 1) },
		"step zero":       func() { nd.SliceOp(x, []int{0}, []int{1}, []int{0}) },
		"axis":            func() { nd.SliceAxis(x, 2, 0, 1) },
		"like too big":    func() { nd.SliceLike(x, nd.Zeros(nd.Shape{3, 3})) },
		"like ndim":       func() { nd.SliceLike(x, nd.Zeros(nd.Shape{3})) },
	}
	for name, f := range tests {
		if err := nd.Try(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func BenchmarkSliceView(b *testing.B) {
	x := nd.Zeros(nd.Shape{64, 64})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = x.SliceRanges(nd.Span(1, 60), nd.SpanFrom(2).By(2))
	}
}
