package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd/kernels"
)

// normCase is one norm op call: its forward op and attributes, the data
// shape and the parameter size.
type normCase struct {
	name   string
	op     *OpDef
	attrs  normAttrs
	shape  Shape
	nparam int
}

func normFastCases() []normCase {
	t, f := true, false
	bn := func(shape Shape, axis int, fix, train, global bool) normCase {
		fg := f
		if fix {
			fg = t
		}
		ax := axis
		if ax < 0 {
			ax += len(shape)
		}
		return normCase{fmt.Sprintf("batch%v/axis%d/fix=%v/train=%v/global=%v", shape, axis, fix, train, global), opBatchNorm,
			BatchNormAttrs{Axis: axis, FixGamma: &fg, Train: train, UseGlobalStats: global, Eps: 1e-4}, shape, shape[ax]}
	}
	ln := func(shape Shape, axis int) normCase {
		ax := axis
		if ax == 0 { // MXNet's -1
			ax = -1
		}
		if ax < 0 {
			ax += len(shape)
		}
		return normCase{fmt.Sprintf("layer%v/axis%d", shape, axis), opLayerNorm, LayerNormAttrs{Axis: axis}, shape, shape[ax]}
	}
	gn := func(shape Shape, groups int) normCase {
		return normCase{fmt.Sprintf("group%v/groups%d", shape, groups), opGroupNorm, GroupNormAttrs{NumGroups: groups}, shape, shape[1]}
	}
	in := func(shape Shape) normCase {
		return normCase{fmt.Sprintf("instance%v", shape), opInstanceNorm, InstanceNormAttrs{}, shape, shape[1]}
	}
	cases := []normCase{
		ln(Shape{1, 1}, -1), ln(Shape{3, 7}, -1), ln(Shape{17, 255}, -1), ln(Shape{40, 1023}, -1),
		ln(Shape{5, 4, 33}, -1), ln(Shape{6, 40}, 1), ln(Shape{2, 3, 17}, 2), ln(Shape{64}, 0),
		ln(Shape{4, 9, 5}, -2), ln(Shape{7, 6, 5}, -3), // inner axes: the generic path
		gn(Shape{4, 12, 5, 5}, 3), gn(Shape{4, 12, 5, 5}, 12), gn(Shape{2, 12, 7}, 1), gn(Shape{8, 32}, 4),
		gn(Shape{3, 6, 1, 17}, 2), gn(Shape{4, 16, 2, 2}, 4), // runs shorter than normRowMin in rows longer
		in(Shape{3, 5, 17}), in(Shape{2, 4, 6, 6}), in(Shape{4, 8}), in(Shape{3, 4, 3, 3}),
	}
	for _, fix := range []bool{false, true} {
		for _, mode := range [][2]bool{{true, false}, {true, true}, {false, false}} { // train, global
			cases = append(cases,
				bn(Shape{4, 3, 5, 7}, 1, fix, mode[0], mode[1]),
				bn(Shape{8, 16, 14, 14}, 1, fix, mode[0], mode[1]),
				bn(Shape{3, 4, 8, 8}, 1, fix, mode[0], mode[1]), // planes of normPlaneMin
				bn(Shape{3, 4, 63}, 1, fix, mode[0], mode[1]),   // one less: columns
				bn(Shape{5, 40, 3}, 1, fix, mode[0], mode[1]),
				bn(Shape{3, 5, 2}, 1, fix, mode[0], mode[1]),
				bn(Shape{33, 70}, 1, fix, mode[0], mode[1]),
				bn(Shape{200, 17}, -1, fix, mode[0], mode[1]),
				bn(Shape{2, 5, 5, 24}, -1, fix, mode[0], mode[1]),
				bn(Shape{1, 1}, 1, fix, mode[0], mode[1]),
			)
		}
	}
	return cases
}

// normRand returns values of scale·N(0,1) + shift.
func normRand(r *rand.Rand, shape Shape, scale, shift float64) *NDArray {
	v := make([]float32, shape.Size())
	for i := range v {
		v[i] = float32(r.NormFloat64()*scale + shift)
	}
	return ArrayOf(v, shape)
}

// normInputs are a case's forward inputs: data off centre, random γ and
// β, and for batch norm moving statistics.
func normInputs(r *rand.Rand, c normCase) []*NDArray {
	in := []*NDArray{normRand(r, c.shape, 2, 0.7), normRand(r, Shape{c.nparam}, 1, 0.5), normRand(r, Shape{c.nparam}, 1, 0)}
	if c.op == opBatchNorm {
		in = append(in, normRand(r, Shape{c.nparam}, 0.3, 0.2), normRand(r, Shape{c.nparam}, 0.1, 1.5))
	}
	return in
}

// normBoth runs f with the float32 path on and off and returns both
// results' values.
func normBoth(t *testing.T, f func() []*NDArray) (fast, generic [][]float32) {
	t.Helper()
	values := func() [][]float32 {
		var vs [][]float32
		for _, o := range f() {
			vs = append(vs, o.Float32s())
		}
		return vs
	}
	fast = values()
	normGenericOnly.Store(true)
	defer normGenericOnly.Store(false)
	return fast, values()
}

// normCheckClose compares got with want elementwise: |got - want| <=
// rtol·(|want| + max(max|want|, floor)), NaNs equal. floor is the size of
// the terms that cancel in the result: the generic path rounds them too
// (it computes batch norm's output as x·γr + (β - γrμ), for one), so
// where they cancel its error is theirs, not the result's.
func normCheckClose(t *testing.T, name string, got, want []float32, rtol, floor float64) {
	t.Helper()
	scale := floor
	for _, w := range want {
		if !math.IsInf(float64(w), 0) && w == w {
			scale = max(scale, math.Abs(float64(w)))
		}
	}
	for i, w := range want {
		g := got[i]
		if g == w || g != g && w != w {
			continue
		}
		if d := math.Abs(float64(g) - float64(w)); !(d <= rtol*(math.Abs(float64(w))+scale)) {
			t.Fatalf("%s: [%d] = %v, generic %v (|Δ| %.3g, max|generic| %.3g)", name, i, g, w, d, scale)
		}
	}
}

func normMaxAbs(a *NDArray) float64 {
	var m float64
	for _, v := range a.Float32s() {
		m = max(m, math.Abs(float64(v)))
	}
	return m
}

// The float32 path against the generic one (float64 sums element by
// element), forward and backward, for every layout, inline and split over
// two threads; the backward takes gradients at the mean and variance
// outputs too.
func TestNormFastMatchesGeneric(t *testing.T) {
	prev := kernels.NumThreads()
	defer kernels.SetNumThreads(prev)
	defer normGrainTest.Store(0)
	r := rand.New(rand.NewPCG(5, 9))
	for _, c := range normFastCases() {
		for _, split := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/split=%v", c.name, split), func(t *testing.T) {
				if split {
					kernels.SetNumThreads(2)
					normGrainTest.Store(64)
				} else {
					kernels.SetNumThreads(1)
					normGrainTest.Store(0)
				}
				in := normInputs(r, c)
				fast, gen := normBoth(t, func() []*NDArray { return Invoke(c.op, c.attrs, in...) })
				b := c.attrs.backward()
				gy := normRand(r, c.shape, 1, 0.2)
				// The sizes of the terms: |x|·|γ|·r for the output, |gy|·|γ|·r
				// for the data gradient, and per parameter, over its n
				// elements, √n·|gy|·|x|·r and √n·|gy| for its gradients.
				minVar := math.Inf(1)
				for _, v := range gen[2] {
					minVar = min(minVar, float64(v))
				}
				if len(in) > 3 && (b.GlobalStats) {
					for _, v := range in[4].Float32s() {
						minVar = min(minVar, float64(v))
					}
				}
				xmax, gmax, gymax, rmax := normMaxAbs(in[0]), normMaxAbs(in[1]), normMaxAbs(gy), 1/math.Sqrt(minVar+b.Eps)
				if b.FixGamma {
					gmax = 1
				}
				perParam := math.Sqrt(float64(c.shape.Size() / c.nparam))
				for i, name := range []string{"out", "mean", "var"} {
					normCheckClose(t, name, fast[i], gen[i], 2e-6, []float64{xmax * gmax * rmax, 0, 0}[i])
				}
				stat := Invoke(c.op, c.attrs, in...)[1].Shape()
				mean, variance := ArrayOf(gen[1], stat), ArrayOf(gen[2], stat)
				for _, statGrads := range []bool{false, true} {
					gm, gv := Zeros(mean.Shape()), Zeros(variance.Shape())
					if statGrads {
						gm, gv = normRand(r, mean.Shape(), 1, 0), normRand(r, variance.Shape(), 1, 0)
					}
					fast, gen := normBoth(t, func() []*NDArray {
						return Invoke(opNormBackward, b, gy, in[0], in[1], mean, variance, gm, gv)
					})
					floors := []float64{gymax * gmax * rmax, perParam * gymax * xmax * rmax, perParam * gymax}
					for i, name := range []string{"dx", "dgamma", "dbeta"} {
						normCheckClose(t, fmt.Sprintf("%s (stat grads %v)", name, statGrads), fast[i], gen[i], 2e-6, floors[i])
					}
				}
			})
		}
	}
}

// The float32 kernels allocate nothing once their pooled job is warm,
// inline and split over two threads, forward and backward, in every
// layout.
func TestNormFastNoAlloc(t *testing.T) {
	if kernelAllocsRace {
		t.Skip("the race detector allocates")
	}
	prev := kernels.NumThreads()
	defer kernels.SetNumThreads(prev)
	defer normGrainTest.Store(0)
	f32 := func(s ...int) *NDArray { return RandomUniform(-1, 1, Shape(s)) }
	pos := func(s ...int) *NDArray { return RandomUniform(0.5, 1, Shape(s)) }
	fg := false
	train := BatchNormAttrs{FixGamma: &fg, Train: true}
	cases := []kernelAllocCase{
		{"layer", opLayerNorm, LayerNormAttrs{}, []*NDArray{f32(64, 100), f32(100), f32(100)}},
		{"layer_backward", opNormBackward, LayerNormAttrs{}.backward(),
			[]*NDArray{f32(64, 100), f32(64, 100), f32(100), f32(64, 1), pos(64, 1), f32(64, 1), f32(64, 1)}},
		{"group", opGroupNorm, GroupNormAttrs{NumGroups: 4}, []*NDArray{f32(8, 16, 5, 5), f32(16), f32(16)}},
		{"group_backward", opNormBackward, GroupNormAttrs{NumGroups: 4}.backward(),
			[]*NDArray{f32(8, 16, 5, 5), f32(8, 16, 5, 5), f32(16), f32(8, 4), pos(8, 4), f32(8, 4), f32(8, 4)}},
		{"batch_nchw", opBatchNorm, train, []*NDArray{f32(8, 16, 5, 5), f32(16), f32(16), f32(16), pos(16)}},
		{"batch_nchw_backward", opNormBackward, train.backward(),
			[]*NDArray{f32(8, 16, 5, 5), f32(8, 16, 5, 5), f32(16), f32(16), pos(16), f32(16), f32(16)}},
		{"batch_nc", opBatchNorm, train, []*NDArray{f32(64, 40), f32(40), f32(40), f32(40), pos(40)}},
		{"batch_nc_backward", opNormBackward, train.backward(),
			[]*NDArray{f32(64, 40), f32(64, 40), f32(40), f32(40), pos(40), f32(40), f32(40)}},
	}
	for _, threads := range []int{1, 2} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/threads=%d", c.name, threads), func(t *testing.T) {
				kernels.SetNumThreads(threads)
				normGrainTest.Store(0)
				if threads > 1 {
					normGrainTest.Store(256) // split
				}
				if n := kernelAllocsPerRun(t, c); n > 0 {
					t.Errorf("%v allocations per call", n)
				}
			})
		}
	}
}

// A NaN and an infinity in the data: the forward's outputs and statistics
// are NaN and infinite where the generic path's are.
func TestNormFastSpecialValues(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 10))
	for _, c := range normFastCases() {
		in := normInputs(r, c)
		xs := in[0].Float32s()
		xs[0] = float32(math.NaN())
		if len(xs) > 5 {
			xs[len(xs)-2] = float32(math.Inf(1))
		}
		in[0] = ArrayOf(xs, c.shape)
		fast, gen := normBoth(t, func() []*NDArray { return Invoke(c.op, c.attrs, in...) })
		for i := range fast {
			for k, f := range fast[i] {
				g := gen[i][k]
				if (f != f) != (g != g) || math.IsInf(float64(f), 0) != math.IsInf(float64(g), 0) {
					t.Errorf("%s: output %d [%d] = %v, generic %v", c.name, i, k, f, g)
					break
				}
			}
		}
	}
}

// On two threads, a norm's results are the same bit for bit whether it
// runs inline or split (the backward's parameter gradients included,
// whose order does not follow the split size), and while several run at
// once from different goroutines (pooled jobs in use together, regions
// falling back inline).
func TestNormFastDeterministic(t *testing.T) {
	prev := kernels.NumThreads()
	defer kernels.SetNumThreads(prev)
	defer normGrainTest.Store(0)
	kernels.SetNumThreads(2)
	r := rand.New(rand.NewPCG(8, 1))
	for _, c := range normFastCases() {
		if c.shape.Size() < 64 {
			continue
		}
		in := normInputs(r, c)
		gy := normRand(r, c.shape, 1, 0.2)
		run := func() [][]float32 {
			o := Invoke(c.op, c.attrs, in...)
			g := Invoke(opNormBackward, c.attrs.backward(), gy, in[0], in[1], o[1], o[2], o[1], o[2])
			var vs [][]float32
			for _, a := range append(o, g...) {
				vs = append(vs, a.Float32s())
			}
			return vs
		}
		same := func(what string, got, want [][]float32) {
			t.Helper()
			for i := range want {
				for k, w := range want[i] {
					if g := got[i][k]; math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
						t.Fatalf("%s %s: output %d [%d] = %v, want %v", c.name, what, i, k, g, w)
					}
				}
			}
		}
		normGrainTest.Store(1 << 30)
		want := run()
		normGrainTest.Store(64)
		same("split", run(), want)
		done := make(chan [][]float32)
		for range 3 {
			go func() { done <- run() }()
		}
		for range 3 {
			same("concurrent", <-done, want)
		}
	}
}
