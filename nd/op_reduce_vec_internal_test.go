package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd/kernels"
)

// The float32 sums, means, nansums, norms and _sum_to of every layout
// against two references: the order op_reduce_vec.go documents, worked
// out here from the shape alone (bit for bit), and a sequential float64
// sum (within float32 rounding). Shapes come small (inline) and above a
// million elements (split over the threads, on more threads than cores
// too, so that every split runs).

// reduceVecCase is an input shape and the axes it reduces.
type reduceVecCase struct {
	shape Shape
	axes  []int
}

var reduceVecCases = []reduceVecCase{
	// innermost axes: all, rows, rows of several runs, long rows
	{Shape{7}, nil},
	{Shape{3, 5, 2}, nil},
	{Shape{6, 100}, []int{1}},
	{Shape{4, 3, 50}, []int{0, 2}},
	{Shape{2, 3, 4, 5}, []int{1, 3}},
	{Shape{3, 40000}, []int{1}},
	{Shape{1100, 1000}, nil},
	{Shape{1100, 1000}, []int{1}},
	{Shape{2, 600000}, []int{-1}},
	{Shape{30, 200, 200}, []int{0, 2}},
	// leading and middle axes: columns, narrow columns, several runs
	{Shape{6, 100}, []int{0}},
	{Shape{5, 7, 3}, []int{1}},
	{Shape{2, 3, 4, 5}, []int{0, 2}},
	{Shape{1100, 1000}, []int{0}},
	{Shape{300000, 4}, []int{0}},
	{Shape{8192, 4}, []int{0}}, // just narrow enough to split: 2 blocks
	{Shape{8191, 4}, []int{0}},
	{Shape{2, 16385}, []int{1}}, // two pieces per row
	{Shape{4, 30000, 10}, []int{1}},
	{Shape{3, 5000, 1, 70}, []int{0, 1}},
	{Shape{20000, 3, 20}, []int{0, 1}},
	// size-1 and size-0 axes
	{Shape{1, 8}, []int{0}},
	{Shape{8, 1}, []int{1}},
	{Shape{1, 1}, nil},
	{Shape{}, nil},
	{Shape{0, 4}, []int{0}},
	{Shape{4, 0}, []int{1}},
}

// reduceVecInput is n values of mixed magnitudes.
func reduceVecInput(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * math.Exp2(float64(r.IntN(20)-10)))
	}
	return x
}

// reduceVecCancel gives each output of more than two elements (pos lists
// their positions in order) a huge value first and its negation later:
// in float64 the huge partial sum absorbs the small values added while it
// lasts, so the result, small again, shows the order of the adds even
// after rounding to float32.
func reduceVecCancel(r *rand.Rand, x []float32, pos [][]int) {
	const huge = 0x1p60
	for _, ps := range pos {
		if len(ps) > 2 {
			x[ps[0]] = huge
			x[ps[1+r.IntN(len(ps)-1)]] = -huge
		}
	}
}

// reduceVecKinds are the reductions checked, with their kernel term and
// how they finish.
var reduceVecKinds = []struct {
	name string
	kind reduceKind
	term kernels.Acc64
	f    func(a *NDArray, axes []int, keep bool) *NDArray
}{
	{"sum", reduceSum, kernels.AccValue, Sum},
	{"mean", reduceMean, kernels.AccValue, Mean},
	{"nansum", reduceNanSum, kernels.AccNonNaN, NanSum},
	{"norm1", reduceAbsSum, kernels.AccAbs, func(a *NDArray, axes []int, keep bool) *NDArray { return Norm(a, 1, axes, keep) }},
	{"norm2", reduceSqSum, kernels.AccSquare, func(a *NDArray, axes []int, keep bool) *NDArray { return Norm(a, 2, axes, keep) }},
}

func reduceVecTermOf(term kernels.Acc64, v float32) float64 {
	switch term {
	case kernels.AccSquare:
		return float64(v) * float64(v)
	case kernels.AccAbs:
		return math.Abs(float64(v))
	case kernels.AccNonNaN:
		if v != v {
			return 0
		}
	}
	return float64(v)
}

// reduceVecModel returns, per output in C order, the elements it reduces
// in input order, and how op_reduce_vec.go groups them: contiguous runs of
// run elements summed in pieces (innermost axes reduced), or rows added
// one at a time in blocks of blockRows (columns).
func reduceVecModel(shape Shape, mask []bool) (pos [][]int, innermost bool, run, width int) {
	strides := shape.Strides()
	nOut, count := 1, 1
	run, width = 1, 1
	inRun, inWidth := true, true
	innermost = true
	first := true
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] == 1 {
			continue
		}
		if first {
			innermost, first = mask[i], false
		}
		if mask[i] {
			count *= shape[i]
			inWidth = false
			if inRun {
				run *= shape[i]
			}
		} else {
			nOut *= shape[i]
			inRun = false
			if inWidth {
				width *= shape[i]
			}
		}
	}
	pos = make([][]int, nOut)
	for flat := range shape.Size() {
		o := 0
		for d := range shape {
			if !mask[d] {
				o = o*shape[d] + flat/strides[d]%shape[d]
			}
		}
		pos[o] = append(pos[o], flat)
	}
	return pos, innermost, run, width
}

func reduceVecFinal(kind reduceKind, acc float64, count int) float32 {
	return reduceFinal[float32](kind, acc, count)
}

func TestReduceVecMatchesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	prev := kernels.NumThreads()
	defer kernels.SetNumThreads(prev)
	for _, c := range reduceVecCases {
		var mb reduceMaskBuf
		mask, err := reduceMaskInto(mb[:], len(c.shape), c.axes, false)
		if err != nil {
			t.Fatal(err)
		}
		pos, innermost, run, width := reduceVecModel(c.shape, mask)
		x := reduceVecInput(r, c.shape.Size())
		reduceVecCancel(r, x, pos)
		if len(x) > 5 {
			x[3] = float32(math.NaN()) // nansum skips it; the others give NaN
		}
		xa := Array(x, c.shape...)
		elems := make([][]float32, len(pos))
		for o, ps := range pos {
			for _, p := range ps {
				elems[o] = append(elems[o], x[p])
			}
		}
		count := 1
		for i, d := range c.shape {
			if mask[i] {
				count *= d
			}
		}
		for _, k := range reduceVecKinds {
			want := make([]float32, len(elems))
			for o, es := range elems {
				var seq, mag float64
				for _, v := range es {
					seq += reduceVecTermOf(k.term, v)
					mag += math.Abs(reduceVecTermOf(k.term, v))
				}
				var acc float64
				switch {
				case innermost:
					for s := 0; s < len(es); s += run {
						for p := s; p < s+run; p += reducePiece {
							acc += kernels.SumOfF64(k.term, es[p:min(p+reducePiece, s+run)])
						}
					}
				case width < reduceNarrow && count*width >= 2*reducePiece:
					rows := (reducePiece + width - 1) / width
					for b := 0; b < len(es); b += rows {
						var blk float64
						for _, v := range es[b:min(b+rows, len(es))] {
							blk += reduceVecTermOf(k.term, v)
						}
						if b == 0 {
							acc = blk
						} else {
							acc += blk
						}
					}
				default:
					acc = seq
				}
				want[o] = reduceVecFinal(k.kind, acc, count)
				// The sequential float64 sum, rounded once, is within
				// float32 rounding (and far smaller float64 order effects).
				ref := float64(reduceVecFinal(k.kind, seq, count))
				if got := float64(want[o]); !(got == ref || got != got && ref != ref || math.Abs(got-ref) <= 0x1p-23*math.Abs(ref)+1e-12*mag) {
					t.Fatalf("%s %v axes %v: model [%d] = %v, sequential %v", k.name, c.shape, c.axes, o, got, ref)
				}
			}
			for _, threads := range []int{1, 2, 5} {
				kernels.SetNumThreads(threads)
				for _, keep := range []bool{false, true} {
					name := fmt.Sprintf("%s %v axes %v keep=%v threads=%d", k.name, c.shape, c.axes, keep, threads)
					got := k.f(xa, c.axes, keep)
					outShape := reduceOutShape(c.shape, mask, keep)
					if !got.Shape().Equal(outShape) {
						t.Fatalf("%s: shape %v, want %v", name, got.Shape(), outShape)
					}
					reduceVecSame(t, name, got.Float32s(), want)
				}
			}
			kernels.SetNumThreads(prev)
		}
		// _sum_to reduces as sum with keepdims.
		if c.shape.Size() > 0 {
			to := reduceOutShape(c.shape, mask, true)
			reduceVecSame(t, fmt.Sprintf("sum_to %v to %v", c.shape, to), SumTo(xa, to).Float32s(), Sum(xa, c.axes, true).Float32s())
		}
	}
}

func reduceVecSame(t *testing.T, name string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			t.Fatalf("%s: [%d] = %v (%#x), want %v (%#x)", name, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// Special values: NaN and infinities propagate through every layout and
// split, nansum skips NaN, and a sum of float32's largest values
// overflows only when rounded to float32, as the squares of a norm never
// do.
func TestReduceVecSpecials(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, shape := range []Shape{{4, 70}, {1100, 1000}} {
		n := shape.Size()
		x := make([]float32, n)
		for i := range x {
			x[i] = 1
		}
		x[n/2+3] = nan
		x[n/3+1] = inf
		xa := Array(x, shape...)
		sum := xa.Sum().Float32s()[0]
		if sum == sum {
			t.Errorf("%v: sum with a NaN = %v", shape, sum)
		}
		if got, want := xa.NanSum().Float32s()[0], float32(math.Inf(1)); got != want {
			t.Errorf("%v: nansum = %v, want %v", shape, got, want)
		}
		cols := xa.Sum(0).Float32s()
		if c := (n/3 + 1) % shape[1]; cols[c] != inf {
			t.Errorf("%v: column with +Inf sums to %v", shape, cols[c])
		}
		if c := (n/2 + 3) % shape[1]; cols[c] == cols[c] {
			t.Errorf("%v: column with NaN sums to %v", shape, cols[c])
		}
		big := Full(shape, math.MaxFloat32)
		if got := big.Mean().Float32s()[0]; got != math.MaxFloat32 {
			t.Errorf("%v: mean of MaxFloat32s = %v", shape, got)
		}
		if got := big.Sum().Float32s()[0]; got != inf {
			t.Errorf("%v: sum of MaxFloat32s = %v, want +Inf", shape, got)
		}
		// Squares past float32's range stay finite in float64.
		want := float32(math.Sqrt(float64(n)) * float64(float32(1e30)))
		if got := Norm(Full(shape, 1e30), 2, nil, false).Float32s()[0]; math.Abs(float64(got-want)) > 1e-6*float64(want) {
			t.Errorf("%v: norm of 1e30s = %v, want %v", shape, got, want)
		}
	}
}

// The same input gives the same bits on every call, inline or split.
func TestReduceVecDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 1))
	x := Array(reduceVecInput(r, 1100*1000), 1100, 1000)
	for _, axes := range [][]int{nil, {0}, {1}} {
		first := x.Sum(axes...).Float32s()
		for range 5 {
			reduceVecSame(t, fmt.Sprint("sum axes ", axes), x.Sum(axes...).Float32s(), first)
		}
	}
}

// The reduction kernels allocate nothing once their pools are warm, on one
// thread and split.
func TestReduceVecKernelsNoAlloc(t *testing.T) {
	if kernelAllocsRace {
		t.Skip("the race detector allocates")
	}
	f32 := func(s ...int) *NDArray { return RandomUniform(-1, 1, Shape(s)) }
	cases := []kernelAllocCase{
		{"sum_all", opSum, ReduceAttrs{}, []*NDArray{f32(256, 1024)}},
		{"sum_rows", opSum, ReduceAttrs{Axis: []int{1}}, []*NDArray{f32(256, 1024)}},
		{"sum_cols", opSum, ReduceAttrs{Axis: []int{0}}, []*NDArray{f32(256, 1024)}},
		{"mean_middle", opMean, ReduceAttrs{Axis: []int{1}}, []*NDArray{f32(8, 64, 100)}},
		{"norm", opNorm, NormAttrs{}, []*NDArray{f32(256, 1024)}},
		{"sum_all_split", opSum, ReduceAttrs{}, []*NDArray{f32(1100, 1000)}},
		{"sum_rows_split", opSum, ReduceAttrs{Axis: []int{1}}, []*NDArray{f32(2, 600000)}},
		{"sum_cols_split", opSum, ReduceAttrs{Axis: []int{0}}, []*NDArray{f32(1100, 1000)}},
		{"sum_narrow_split", opSum, ReduceAttrs{Axis: []int{0}}, []*NDArray{f32(300000, 4)}},
		{"sum_to_bias", opSumTo, SumToAttrs{Shape: Shape{1024}}, []*NDArray{f32(256, 1024)}},
		{"sum_to_rows", opSumTo, SumToAttrs{Shape: Shape{256, 1}}, []*NDArray{f32(256, 1024)}},
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
