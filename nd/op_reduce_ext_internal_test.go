package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd/kernels"
)

// The float32 max, min, argmax and argmin of every layout against the
// scalar loops they replaced (reduceRun and argRun, which stay the
// float64 and integer paths), bit for bit, on inputs whose results depend
// on the walk: NaNs, ±Inf, ties, and zeros of both signs as the extreme.
// Products against the scalar loop's sequential float64 product, within
// float32 rounding. Shapes come small (inline) and above a million
// elements (split over the threads, on more threads than cores too).

// reduceExtCases add to reduceVecCases the layouts particular to max:
// one long run (reduceWide's pieces), two long runs, and a long run of
// one output among several segments.
var reduceExtCases = append([]reduceVecCase{
	{Shape{70000}, nil},
	{Shape{1 << 20}, nil},
	{Shape{2, 70000}, []int{1}},
	{Shape{1, 70000}, nil},
	{Shape{3, 70000}, nil},
	{Shape{70000, 1}, nil},
	{Shape{5, 3, 70000}, []int{0, 2}},
	{Shape{600, 3}, []int{0}},
	{Shape{3, 4}, []int{0, 1}},
}, reduceVecCases...)

// reduceExtInput is n values of the kind named: "special" (normal draws
// with NaN, ±Inf, ±0 and small integers mixed in), "nonan" (the same
// without NaN), "zerosmax" (-2, -1, -0, +0: a zero maximum whose sign the
// walk decides) and "zerosmin" (2, 1, -0, +0).
func reduceExtInput(r *rand.Rand, kind string, n int) []float32 {
	negZero := float32(math.Copysign(0, -1))
	x := make([]float32, n)
	for i := range x {
		switch kind {
		case "zerosmax", "zerosmin":
			x[i] = [4]float32{-2, -1, negZero, 0}[r.IntN(4)]
			if kind == "zerosmin" && x[i] != 0 {
				x[i] = -x[i]
			}
			continue
		}
		switch r.IntN(10) {
		case 0:
			x[i] = [6]float32{0, negZero, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-40}[r.IntN(6)]
		case 1, 2:
			x[i] = float32(r.IntN(5) - 2)
		default:
			x[i] = float32(r.NormFloat64())
		}
		if kind == "nonan" && x[i] != x[i] {
			x[i] = 3
		}
	}
	if kind == "special" && n > 0 && n < 4000 {
		// Mostly one NaN per output at most: let some outputs have none.
		for i := range x {
			if x[i] != x[i] && r.IntN(4) > 0 {
				x[i] = -3
			}
		}
	}
	return x
}

func TestReduceExtMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	prev := kernels.NumThreads()
	defer kernels.SetNumThreads(prev)
	for _, c := range reduceExtCases {
		var mb reduceMaskBuf
		mask, err := reduceMaskInto(mb[:], len(c.shape), c.axes, false)
		if err != nil {
			t.Fatal(err)
		}
		if reduceCheckNonEmpty(c.shape, mask, "max") != nil {
			continue // max has no identity over zero-size axes
		}
		large := c.shape.Size() > 1<<16
		g := reduceLayout(c.shape, mask)
		for _, in := range []string{"special", "nonan", "zerosmax", "zerosmin"} {
			if large && kernelAllocsRace && in != "zerosmax" {
				continue
			}
			x := reduceExtInput(r, in, c.shape.Size())
			xa := Array(x, c.shape...)
			for _, k := range []struct {
				name string
				kind reduceKind
				f    func(a *NDArray, axes []int, keep bool) *NDArray
			}{{"max", reduceMax, Max}, {"min", reduceMin, Min}} {
				// The scalar loop on one thread: on more it split column
				// reductions by the thread count (see op_reduce_ext.go).
				kernels.SetNumThreads(1)
				want := make([]float32, g.nOut)
				reduceRun[float32, float64](k.kind, want, x, g)
				for _, threads := range []int{1, 2, 5} {
					kernels.SetNumThreads(threads)
					for _, keep := range []bool{false, true} {
						name := fmt.Sprintf("%s %s %v axes %v keep=%v threads=%d", k.name, in, c.shape, c.axes, keep, threads)
						got := k.f(xa, c.axes, keep)
						if outShape := reduceOutShape(c.shape, mask, keep); !got.Shape().Equal(outShape) {
							t.Fatalf("%s: shape %v, want %v", name, got.Shape(), outShape)
						}
						reduceVecSame(t, name, got.Float32s(), want)
					}
				}
				kernels.SetNumThreads(prev)
			}
		}
	}
}

// Products stay within float32 rounding of the scalar loop's sequential
// float64 product (on one thread), and agree with it exactly where zeros,
// infinities and NaN decide.
func TestReduceProdMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	prev := kernels.NumThreads()
	defer kernels.SetNumThreads(prev)
	for _, c := range reduceExtCases {
		var mb reduceMaskBuf
		mask, err := reduceMaskInto(mb[:], len(c.shape), c.axes, false)
		if err != nil {
			t.Fatal(err)
		}
		g := reduceLayout(c.shape, mask)
		n := c.shape.Size()
		if n > 1<<16 && kernelAllocsRace {
			continue
		}
		near := make([]float32, n)
		for i := range near {
			near[i] = float32(1 + r.NormFloat64()*0.01)
			if r.IntN(16) == 0 {
				near[i] = -near[i]
			}
		}
		special := append([]float32(nil), near...)
		for i := range special {
			if r.IntN(200) == 0 {
				special[i] = [5]float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}[r.IntN(5)]
			}
		}
		for in, x := range map[string][]float32{"near": near, "special": special} {
			kernels.SetNumThreads(1)
			want := make([]float32, g.nOut)
			reduceRun[float32, float64](reduceProd, want, x, g)
			xa := Array(x, c.shape...)
			for _, threads := range []int{1, 2, 5} {
				kernels.SetNumThreads(threads)
				for _, keep := range []bool{false, true} {
					name := fmt.Sprintf("prod %s %v axes %v keep=%v threads=%d", in, c.shape, c.axes, keep, threads)
					got := Prod(xa, c.axes, keep)
					if outShape := reduceOutShape(c.shape, mask, keep); !got.Shape().Equal(outShape) {
						t.Fatalf("%s: shape %v, want %v", name, got.Shape(), outShape)
					}
					for i, v := range got.Float32s() {
						w := want[i]
						if math.Float32bits(v) == math.Float32bits(w) || v != v && w != w {
							continue
						}
						// Both round float64 products within ~1e-12 of each
						// other to float32: one float32 ulp apart at most.
						aw := float32(math.Abs(float64(w)))
						if d := math.Abs(float64(v) - float64(w)); !(d <= float64(math.Nextafter32(aw, aw+1)-aw)) {
							t.Fatalf("%s: [%d] = %v, scalar loop %v", name, i, v, w)
						}
					}
				}
			}
			kernels.SetNumThreads(prev)
		}
	}
}

// Argmax and argmin along the last axis and of the flattened array give
// argRun's indices, inline and split (few long rows in pieces).
func TestArgExtMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	prev := kernels.NumThreads()
	defer kernels.SetNumThreads(prev)
	last, first := -1, 0
	for _, c := range []struct {
		shape Shape
		axis  *int
	}{
		{Shape{1}, nil}, {Shape{7}, nil}, {Shape{7}, &last}, {Shape{1000}, nil}, {Shape{5, 1}, &last},
		{Shape{6, 100}, &last}, {Shape{6, 100}, nil}, {Shape{3, 4, 50}, &last}, {Shape{6, 100}, &first},
		{Shape{3, 40000}, &last}, {Shape{1100, 1000}, &last}, {Shape{1100, 1000}, nil},
		{Shape{2, 600000}, &last}, {Shape{1 << 20}, nil}, {Shape{0, 5}, &last},
	} {
		n := c.shape.Size()
		if n > 1<<16 && kernelAllocsRace {
			continue
		}
		outer, m, inner := argGeom(c.shape, c.axis)
		for _, in := range []string{"special", "nonan", "zerosmax", "zerosmin"} {
			x := reduceExtInput(r, in, n)
			xa := Array(x, c.shape...)
			for _, isMax := range []bool{true, false} {
				want := make([]float32, outer*inner)
				if m > 0 {
					argRun(want, x, outer, m, inner, isMax)
				}
				var axes []int
				if c.axis != nil {
					axes = []int{*c.axis}
				}
				for _, threads := range []int{1, 2, 5} {
					kernels.SetNumThreads(threads)
					for _, keep := range []bool{false, true} {
						name := fmt.Sprintf("max=%v %s %v axes %v keep=%v threads=%d", isMax, in, c.shape, axes, keep, threads)
						f := Argmax
						if !isMax {
							f = Argmin
						}
						got := f(xa, axes, keep)
						reduceVecSame(t, name, got.Float32s(), want)
					}
				}
				kernels.SetNumThreads(prev)
			}
		}
	}
}

// Float64 max, min, prod and argmax still run the scalar loops.
func TestReduceExtFloat64Unchanged(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	x32 := reduceExtInput(r, "zerosmax", 6*100)
	x := make([]float64, len(x32))
	for i, v := range x32 {
		x[i] = float64(v)
	}
	xa := Array(x, 6, 100)
	for _, axes := range [][]int{nil, {0}, {1}} {
		var mb reduceMaskBuf
		mask, _ := reduceMaskInto(mb[:], 2, axes, false)
		g := reduceLayout(Shape{6, 100}, mask)
		for _, k := range []struct {
			kind reduceKind
			f    func(a *NDArray, axes []int, keep bool) *NDArray
		}{{reduceMax, Max}, {reduceMin, Min}, {reduceProd, Prod}} {
			want := make([]float64, g.nOut)
			reduceRun[float64, float64](k.kind, want, x, g)
			got := k.f(xa, axes, false).Float64s()
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("kind %d axes %v: [%d] = %v, want %v", k.kind, axes, i, got[i], want[i])
				}
			}
		}
	}
	want := make([]float64, 6)
	argRun(want, x, 6, 100, 1, true)
	got := xa.Argmax(1).Float64s()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("argmax [%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

// The reduction, argmax and comparison kernels allocate nothing once
// their pools are warm, on one thread and split.
func TestReduceExtKernelsNoAlloc(t *testing.T) {
	if kernelAllocsRace {
		t.Skip("the race detector allocates")
	}
	f32 := func(s ...int) *NDArray { return RandomUniform(-1, 1, Shape(s)) }
	last := -1
	cases := []kernelAllocCase{
		{"max_all", opMax, ReduceAttrs{}, []*NDArray{f32(256, 1024)}},
		{"max_rows", opMax, ReduceAttrs{Axis: []int{1}}, []*NDArray{f32(256, 1024)}},
		{"min_cols", opMin, ReduceAttrs{Axis: []int{0}}, []*NDArray{f32(256, 1024)}},
		{"max_all_split", opMax, ReduceAttrs{}, []*NDArray{f32(1100, 1000)}},
		{"max_rows_split", opMax, ReduceAttrs{Axis: []int{1}}, []*NDArray{f32(2, 600000)}},
		{"max_cols_split", opMax, ReduceAttrs{Axis: []int{0}}, []*NDArray{f32(1100, 1000)}},
		{"max_narrow_split", opMax, ReduceAttrs{Axis: []int{0}}, []*NDArray{f32(300000, 4)}},
		{"prod_rows", opProd, ReduceAttrs{Axis: []int{1}}, []*NDArray{f32(256, 1024)}},
		{"prod_cols_split", opProd, ReduceAttrs{Axis: []int{0}}, []*NDArray{f32(1100, 1000)}},
		{"argmax_rows", opArgmax, ArgReduceAttrs{Axis: &last}, []*NDArray{f32(256, 1024)}},
		{"argmax_flat_split", opArgmax, ArgReduceAttrs{}, []*NDArray{f32(1100, 1000)}},
		{"argmin_rows_split", opArgmin, ArgReduceAttrs{Axis: &last}, []*NDArray{f32(2, 600000)}},
		{"greater_row_large", opGreater, nil, []*NDArray{f32(1024, 1100), f32(1100)}},
		{"lesser_col_large", opLesser, nil, []*NDArray{f32(1024, 1100), f32(1024, 1)}},
		{"equal_scalar_large", opEqualScalar, ScalarAttrs{Scalar: 0.5}, []*NDArray{f32(1024, 1100)}},
	}
	for _, threads := range []int{1, 2} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/threads=%d", c.name, threads), func(t *testing.T) {
				prev := kernels.NumThreads()
				kernels.SetNumThreads(threads)
				defer kernels.SetNumThreads(prev)
				if n := kernelAllocsPerRun(t, c); n > 0 {
					t.Errorf("%v allocations per call", n)
				}
			})
		}
	}
}
