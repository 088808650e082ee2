package nd_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// shapeGoldenOps computes a golden case's outputs from its inputs and attrs,
// by op name (the part of the case name before '/').
var shapeGoldenOps = map[string]func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray{
	"transpose": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.Transpose(in[0], at.ints("axes")...))
	},
	"swapaxes": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.SwapAxes(in[0], at.int("dim1"), at.int("dim2")))
	},
	"flip": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.Flip(in[0], at.ints("axis")...))
	},
	"expand_dims": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.ExpandDims(in[0], at.int("axis")))
	},
	"squeeze": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.Squeeze(in[0], at.ints("axis")...))
	},
	"flatten": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray { return shapeOne(nd.Flatten(in[0])) },
	"concat":  func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray { return shapeOne(nd.Concat(at.int("dim"), in...)) },
	"stack":   func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray { return shapeOne(nd.Stack(at.int("axis"), in...)) },
	"tile": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.Tile(in[0], at.ints("reps")...))
	},
	"slice": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.SliceOp(in[0], at.ints("begin"), at.ints("end"), at.ints("step")))
	},
	"slice_like": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.SliceLike(in[0], in[1], at.ints("axes")...))
	},
	"slice_axis": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.SliceAxis(in[0], at.int("axis"), at.int("begin"), at.int("end")))
	},
	"split": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return nd.Split(in[0], at.int("num_outputs"), at.int("axis"), at["squeeze_axis"] == true)
	},
	"repeat": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		if at["axis"] == nil {
			return shapeOne(nd.RepeatFlat(in[0], at.int("repeats")))
		}
		return shapeOne(nd.Repeat(in[0], at.int("repeats"), at.int("axis")))
	},
	"pad": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.Pad(in[0], at["mode"].(string), at.ints("pad_width"), at["constant_value"].(float64)))
	},
	"take": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.Take(in[0], in[1], at.int("axis"), at["mode"].(string)))
	},
	"pick": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.Pick(in[0], in[1], at.int("axis"), at["keepdims"] == true, at["mode"].(string)))
	},
	"gather_nd": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray { return shapeOne(nd.GatherND(in[0], in[1])) },
	"scatter_nd": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.ScatterND(in[0], in[1], at.ints("shape")))
	},
	"where": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray { return shapeOne(nd.Where(in[0], in[1], in[2])) },
	"one_hot": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		t, err := nd.ParseDType(at["dtype"].(string))
		if err != nil {
			panic(err)
		}
		return shapeOne(nd.OneHot(in[0], at.int("depth"), at["on_value"].(float64), at["off_value"].(float64), t))
	},
	"boolean_mask": func(at shapeAttrs, in []*nd.NDArray) []*nd.NDArray {
		return shapeOne(nd.BooleanMask(in[0], in[1], at.int("axis")))
	},
}

func shapeOne(a *nd.NDArray) []*nd.NDArray { return []*nd.NDArray{a} }

// shapeAttrs reads golden attributes (JSON numbers, lists, null = None).
type shapeAttrs map[string]any

func (a shapeAttrs) int(k string) int {
	v, ok := a[k].(float64)
	if !ok {
		return nd.SliceNone
	}
	return int(v)
}

func (a shapeAttrs) ints(k string) []int {
	l, ok := a[k].([]any)
	if !ok {
		return nil
	}
	out := make([]int, len(l))
	for i, v := range l {
		if f, ok := v.(float64); ok {
			out[i] = int(f)
		} else {
			out[i] = nd.SliceNone
		}
	}
	return out
}

// shapeRunGolden checks every golden case whose op is one of ops.
func shapeRunGolden(t *testing.T, ops ...string) {
	cases := ndtest.LoadGolden(t, "testdata/golden_shape.json")
	ran := 0
	for name, c := range cases {
		op, _, _ := strings.Cut(name, "/")
		found := false
		for _, o := range ops {
			found = found || o == op
		}
		if !found {
			continue
		}
		fn := shapeGoldenOps[op]
		if fn == nil {
			t.Fatalf("%s: no runner for op %q", name, op)
		}
		ran++
		t.Run(name, func(t *testing.T) {
			in := make([]*nd.NDArray, len(c.Inputs))
			for i, g := range c.Inputs {
				in[i] = g.NDArray()
			}
			out := fn(shapeAttrs(c.Attrs), in)
			if len(out) != len(c.Outputs) {
				t.Fatalf("%d outputs, want %d", len(out), len(c.Outputs))
			}
			for i, want := range c.Outputs {
				if got := out[i].DType().String(); got != want.DType {
					t.Fatalf("output %d dtype %s, want %s", i, got, want.DType)
				}
				ndtest.AssertClose(t, out[i], nd.Shape(want.Shape), want.Values, 0, 0)
			}
		})
	}
	if ran == 0 {
		t.Fatalf("no golden cases for %v", ops)
	}
}

func TestShapeGolden(t *testing.T) {
	ndtest.BothEngines(t, func(t *testing.T) {
		shapeRunGolden(t, "transpose", "swapaxes", "flip", "expand_dims", "squeeze", "flatten",
			"concat", "stack", "split", "tile", "repeat", "pad")
	})
}

func TestReshapeCodes(t *testing.T) {
	// Examples from MXNet's reshape documentation.
	tests := []struct {
		in, spec, want nd.Shape
		reverse        bool
	}{
		{nd.Shape{2, 3, 4}, nd.Shape{4, 0, 2}, nd.Shape{4, 3, 2}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{2, 0, 0}, nd.Shape{2, 3, 4}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{6, 1, -1}, nd.Shape{6, 1, 4}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{3, -1, 8}, nd.Shape{3, 1, 8}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{-1}, nd.Shape{24}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{-2}, nd.Shape{2, 3, 4}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{2, -2}, nd.Shape{2, 3, 4}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{-2, 1, 1}, nd.Shape{2, 3, 4, 1, 1}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{-3, 4}, nd.Shape{6, 4}, false},
		{nd.Shape{2, 3, 4, 5}, nd.Shape{-3, -3}, nd.Shape{6, 20}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{0, -3}, nd.Shape{2, 12}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{-3, -2}, nd.Shape{6, 4}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{-4, 1, 2, -2}, nd.Shape{1, 2, 3, 4}, false},
		{nd.Shape{2, 3, 4}, nd.Shape{2, -4, -1, 3, -2}, nd.Shape{2, 1, 3, 4}, false},
		{nd.Shape{10, 5, 4}, nd.Shape{-1, 0}, nd.Shape{40, 5}, false},
		{nd.Shape{10, 5, 4}, nd.Shape{-1, 0}, nd.Shape{50, 4}, true},
		{nd.Shape{6, 4}, nd.Shape{-1, -4, 2, -1}, nd.Shape{6, 2, 2}, true},
		{nd.Shape{0, 3}, nd.Shape{3, -1}, nd.Shape{3, 0}, false},
		{nd.Shape{}, nd.Shape{1, 1}, nd.Shape{1, 1}, false},
		{nd.Shape{1}, nd.Shape{}, nd.Shape{}, false},
	}
	for _, tc := range tests {
		x := nd.Arange(0, float64(tc.in.Size()), 1).Reshape(tc.in...)
		if tc.in.Size() == 1 {
			x = nd.Full(tc.in, 7)
		}
		y := nd.Reshape(x, tc.spec, tc.reverse)
		if !y.Shape().Equal(tc.want) {
			t.Errorf("reshape %v to %v (reverse %v): got %v, want %v", tc.in, tc.spec, tc.reverse, y.Shape(), tc.want)
			continue
		}
		if !y.SharesStorage(x) {
			t.Errorf("reshape %v to %v: not a view", tc.in, tc.spec)
		}
		ndtest.AssertClose(t, y, tc.want, x.Float64s(), 0, 0)
	}
	bad := []nd.Shape{{5}, {-1, -1}, {-3}, {-4, 5, -1}, {-4, -1, -1}, {2, -4, 1}, {-5}, {0, 0, 0, 0}}
	for _, spec := range bad {
		x := nd.Zeros(nd.Shape{2, 3, 4})
		if err := nd.Try(func() { nd.Reshape(x, spec, false) }); err == nil || !strings.Contains(err.Error(), "Reshape") {
			t.Errorf("reshape %v to %v: got error %v, want a Reshape error", x.Shape(), spec, err)
		}
	}
}

func TestReshapeOfViewCopies(t *testing.T) {
	x := nd.Arange(0, 12, 1).Reshape(3, 4)
	col := x.SliceRanges(nd.Whole(), nd.Span(1, 3)) // strided view (3, 2)
	y := col.Reshape(-1)
	if y.SharesStorage(x) {
		t.Fatal("reshape of a strided view must copy")
	}
	ndtest.AssertClose(t, y, nd.Shape{6}, []float64{1, 2, 5, 6, 9, 10}, 0, 0)
}

func TestShapeErrors(t *testing.T) {
	x := nd.Zeros(nd.Shape{2, 3})
	tests := map[string]func(){
		"transpose repeat": func() { nd.Transpose(x, 0, 0) },
		"transpose len":    func() { nd.Transpose(x, 0) },
		"swap range":       func() { nd.SwapAxes(x, 0, 2) },
		"flip range":       func() { nd.Flip(x, 3) },
		"expand range":     func() { nd.ExpandDims(x, 4) },
		"squeeze size":     func() { nd.Squeeze(x, 1) },
		"flatten scalar":   func() { nd.Flatten(nd.Full(nd.Shape{}, 1)) },
		"concat shapes":    func() { nd.Concat(0, x, nd.Zeros(nd.Shape{2, 2})) },
		"concat dtypes":    func() { nd.Concat(0, x, nd.Zeros(nd.Shape{2, 3}, nd.OfType(nd.Float64))) },
		"stack shapes":     func() { nd.Stack(0, x, nd.Zeros(nd.Shape{3, 2})) },
		"split uneven":     func() { nd.Split(x, 2, 1, false) },
		"split squeeze":    func() { nd.Split(x, 1, 1, true) },
		"tile negative":    func() { nd.Tile(x, -1) },
		"repeat negative":  func() { nd.Repeat(x, -1, 0) },
		"pad width":        func() { nd.Pad(x, "constant", []int{1, 1}, 0) },
		"pad mode":         func() { nd.Pad(x, "wrap", []int{1, 1, 1, 1}, 0) },
		"pad reflect long": func() { nd.Pad(x, "reflect", []int{2, 0, 0, 0}, 0) },
	}
	for name, f := range tests {
		err := nd.Try(f)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if _, ok := err.(*nd.Error); !ok {
			t.Errorf("%s: error %T, want *nd.Error", name, err)
		}
	}
}

func TestShapeGrads(t *testing.T) {
	x := nd.Arange(0, 24, 1).Reshape(2, 3, 4).MulScalar(0.1)
	m := nd.Arange(0, 6, 1).Reshape(2, 3).MulScalar(0.3).SubScalar(0.5)
	f1 := func(f func(a *nd.NDArray) *nd.NDArray) func(in []*nd.NDArray) *nd.NDArray {
		return func(in []*nd.NDArray) *nd.NDArray { return f(in[0]) }
	}
	tests := []struct {
		name string
		f    func(in []*nd.NDArray) *nd.NDArray
		in   []*nd.NDArray
	}{
		{"reshape", f1(func(a *nd.NDArray) *nd.NDArray { return nd.Reshape(a, nd.Shape{-3, -1}, false) }), []*nd.NDArray{x}},
		{"reshape_strided", f1(func(a *nd.NDArray) *nd.NDArray {
			return a.SliceRanges(nd.Whole(), nd.Whole().By(2)).Reshape(-1)
		}), []*nd.NDArray{x}},
		{"expand_dims", f1(func(a *nd.NDArray) *nd.NDArray { return a.ExpandDims(1) }), []*nd.NDArray{m}},
		{"squeeze", f1(func(a *nd.NDArray) *nd.NDArray { return a.Reshape(2, 1, 3).Squeeze() }), []*nd.NDArray{m}},
		{"flatten", f1(func(a *nd.NDArray) *nd.NDArray { return a.Flatten() }), []*nd.NDArray{x}},
		{"transpose", f1(func(a *nd.NDArray) *nd.NDArray { return a.Transpose(2, 0, 1) }), []*nd.NDArray{x}},
		{"swapaxes", f1(func(a *nd.NDArray) *nd.NDArray { return a.SwapAxes(0, 2) }), []*nd.NDArray{x}},
		{"flip", f1(func(a *nd.NDArray) *nd.NDArray { return a.Flip(0, 2) }), []*nd.NDArray{x}},
		{"concat", func(in []*nd.NDArray) *nd.NDArray { return nd.Concat(1, in[0], in[1].T(), in[0]) }, []*nd.NDArray{m, m.T()}},
		{"stack", func(in []*nd.NDArray) *nd.NDArray { return nd.Stack(-1, in[0], in[1]) }, []*nd.NDArray{m, m.MulScalar(2)}},
		{"split", f1(func(a *nd.NDArray) *nd.NDArray {
			p := nd.Split(a, 3, 1, true)
			return p[0].Mul(p[2]).Add(p[1])
		}), []*nd.NDArray{m}},
		{"tile", f1(func(a *nd.NDArray) *nd.NDArray { return a.Tile(2, 1, 3) }), []*nd.NDArray{m}},
		{"repeat", f1(func(a *nd.NDArray) *nd.NDArray { return nd.Repeat(a, 3, -2) }), []*nd.NDArray{x}},
		{"repeat_flat", f1(func(a *nd.NDArray) *nd.NDArray { return nd.RepeatFlat(a, 2) }), []*nd.NDArray{m}},
		{"pad_constant", f1(func(a *nd.NDArray) *nd.NDArray { return nd.Pad(a, "constant", []int{1, 0, 2, 1}, 3) }), []*nd.NDArray{m}},
		{"pad_edge", f1(func(a *nd.NDArray) *nd.NDArray { return nd.Pad(a, "edge", []int{2, 1, 1, 3}, 0) }), []*nd.NDArray{m}},
		{"pad_reflect", f1(func(a *nd.NDArray) *nd.NDArray { return nd.Pad(a, "reflect", []int{0, 0, 1, 1, 2, 3}, 0) }), []*nd.NDArray{x}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { ndtest.CheckGrad(t, tc.f, tc.in, nil, 1e-5, 1e-7) })
	}
}

// The gradient of a tiled product: d/dx Σ tile(x)² = 2·reps·x.
func TestTileGradValue(t *testing.T) {
	x := nd.ArrayOf([]float64{1, -2, 3}, nd.Shape{3})
	x.AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() {
		y = x.Tile(2, 2)
		y = y.Mul(y)
	})
	if err := autograd.Backward([]*nd.NDArray{y}, nil, false); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{3}, []float64{8, -16, 24}, 1e-12, 0)
}

func TestShapeDTypes(t *testing.T) {
	for _, dt := range []nd.DType{nd.Float32, nd.Float64, nd.Float16, nd.BFloat16, nd.Int8, nd.Int32, nd.Int64, nd.Uint8, nd.Bool} {
		x := nd.ArrayOf([]float64{1, 0, 1, 1, 0, 1}, nd.Shape{2, 3}, nd.OfType(dt))
		y := nd.Concat(0, x.T(), nd.Flip(x.T(), 0)).Tile(1, 2)
		want := []float64{1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1}
		if y.DType() != dt {
			t.Fatalf("%v: result dtype %v", dt, y.DType())
		}
		ndtest.AssertClose(t, y, nd.Shape{6, 4}, want, 0, 0)
		p := nd.Pad(x, "constant", []int{0, 0, 1, 0}, 1)
		ndtest.AssertClose(t, p, nd.Shape{2, 4}, []float64{1, 1, 0, 1, 1, 1, 0, 1}, 0, 0)
	}
}

// Swapping the last two axes of 4-byte elements runs kernels.Transpose32
// per matrix of the batch: float32 and int32, shapes around its 16×16
// tiles and one that splits over the pool, against the definition.
func TestTransposeLastTwoAxes(t *testing.T) {
	for _, sh := range []nd.Shape{{1, 1}, {17, 33}, {3, 16, 48}, {2, 5, 70, 31}, {600, 700}} {
		n := sh.Size()
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = float64(i%1000) - 500
		}
		for _, dt := range []nd.DType{nd.Float32, nd.Int32} {
			x := nd.ArrayOf(vals, sh, nd.OfType(dt))
			k := len(sh)
			axes := make([]int, k)
			for i := range axes {
				axes[i] = i
			}
			axes[k-2], axes[k-1] = k-1, k-2
			y := x.Transpose(axes...)
			rows, cols := sh[k-2], sh[k-1]
			want := make([]float64, n)
			for b := range n / (rows * cols) {
				for i := range rows {
					for j := range cols {
						want[b*rows*cols+j*rows+i] = vals[b*rows*cols+i*cols+j]
					}
				}
			}
			out := sh.Clone()
			out[k-2], out[k-1] = cols, rows
			ndtest.AssertClose(t, y, out, want, 0, 0)
		}
	}
}

func BenchmarkTranspose(b *testing.B) {
	for _, n := range []int{64, 512} {
		x := nd.Ones(nd.Shape{n, n})
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n * n * 4))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := x.T().WaitToRead(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkConcat(b *testing.B) {
	x, y := nd.Ones(nd.Shape{256, 128}), nd.Ones(nd.Shape{256, 64})
	b.SetBytes(256 * 192 * 4)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := nd.Concat(1, x, y).WaitToRead(); err != nil {
			b.Fatal(err)
		}
	}
}
