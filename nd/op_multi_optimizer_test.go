package nd_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
)

// multiRand returns an array of shape with values in [-scale, scale).
func multiRand(r *rand.Rand, shape nd.Shape, dt nd.DType, scale float64) *nd.NDArray {
	v := make([]float64, shape.Size())
	for i := range v {
		v[i] = (2*r.Float64() - 1) * scale
	}
	return nd.ArrayOf(v, shape, nd.OfType(dt))
}

// multiBits returns an array's values as raw bit patterns, so that equal
// means bit-identical (NaNs included).
func multiBits(t *testing.T, a *nd.NDArray) []uint64 {
	t.Helper()
	if err := a.WaitToRead(); err != nil {
		t.Fatal(err)
	}
	switch a.DType() {
	case nd.Float32:
		f := a.Float32s()
		b := make([]uint64, len(f))
		for i, x := range f {
			b[i] = uint64(math.Float32bits(x))
		}
		return b
	case nd.Float64:
		f := a.Float64s()
		b := make([]uint64, len(f))
		for i, x := range f {
			b[i] = math.Float64bits(x)
		}
		return b
	}
	t.Fatalf("dtype %v", a.DType())
	return nil
}

func multiSameBits(t *testing.T, what string, got, want *nd.NDArray) {
	t.Helper()
	g, w := multiBits(t, got), multiBits(t, want)
	if len(g) != len(w) {
		t.Fatalf("%s: %d values, want %d", what, len(g), len(w))
	}
	for i := range g {
		if g[i] != w[i] {
			t.Fatalf("%s: element %d differs: bits %x, per-tensor op gives %x", what, i, g[i], w[i])
		}
	}
}

// The multi ops give bit-identical results to the per-tensor ops over
// several steps, for each dtype, with and without momentum, weight decay,
// clipping and rescaling, on shapes that take the inline and the threaded
// paths (the float32 SGD path splits at 1<<20 elements, the others at 1<<16).
func TestMultiSGDMatchesPerTensor(t *testing.T) {
	shapes := []nd.Shape{{3, 2}, {7}, {}, {0, 4}, {2*(1<<15) + 5}, {1, 1}}
	cases := []struct {
		name               string
		momentum, clip, rs float64
	}{
		{"plain", 0, 0, 1},
		{"rescale", 0, -1, 0.25},
		{"clip", 0, 0.05, 1.5},
		{"mom", 0.9, 0, 0.5},
		{"mom_clip", 0.8, 0.1, 2},
	}
	for _, dt := range []nd.DType{nd.Float32, nd.Float64} {
		for _, c := range cases {
			t.Run(dt.String()+"/"+c.name, func(t *testing.T) {
				multiCompare(t, dt, shapes, c.momentum, c.clip, c.rs)
			})
		}
	}
	t.Run("float32/plain_threaded", func(t *testing.T) {
		multiCompare(t, nd.Float32, []nd.Shape{{1<<20 + 3}, {5}}, 0, 0, 1)
	})
}

func multiCompare(t *testing.T, dt nd.DType, shapes []nd.Shape, momentum, clip, rescale float64) {
	r := rand.New(rand.NewPCG(1, uint64(len(shapes))))
	n := len(shapes)
	var wm, wp, gs, mm, mp []*nd.NDArray
	lrs, wds := make([]float64, n), make([]float64, n)
	for i, s := range shapes {
		w := multiRand(r, s, dt, 1)
		wm, wp = append(wm, w), append(wp, w.Copy())
		gs = append(gs, nil)
		mm, mp = append(mm, nd.ZerosLike(w)), append(mp, nd.ZerosLike(w))
		lrs[i], wds[i] = 0.01*float64(i+1), 0.001*float64(i%3)
	}
	for step := range 3 {
		for i, s := range shapes {
			gs[i] = multiRand(r, s, dt, 0.3)
		}
		if momentum == 0 {
			nd.MultiSGDUpdate(wm, gs, nd.MultiSGDAttrs{LRs: lrs, WDs: wds, RescaleGrad: rescale, ClipGradient: clip})
		} else {
			nd.MultiSGDMomUpdate(wm, gs, mm, nd.MultiSGDMomAttrs{LRs: lrs, WDs: wds, Momentum: momentum, RescaleGrad: rescale, ClipGradient: clip})
		}
		for i := range shapes {
			a := nd.SGDAttrs{LR: lrs[i], WD: wds[i], Momentum: momentum, RescaleGrad: rescale, ClipGradient: clip}
			if momentum == 0 {
				nd.SGDUpdate(wp[i], gs[i], a)
			} else {
				nd.SGDMomUpdate(wp[i], gs[i], mp[i], a)
			}
		}
		for i := range shapes {
			multiSameBits(t, fmt.Sprintf("step %d weight %d %v", step, i, shapes[i]), wm[i], wp[i])
			multiSameBits(t, fmt.Sprintf("step %d mom %d", step, i), mm[i], mp[i])
		}
	}
	// The update did something (a test of equal no-ops would pass too).
	if len(shapes[0]) > 0 && shapes[0].Size() > 0 {
		w0 := wm[0].Float64s()
		if w0[0] == 0 || math.IsNaN(w0[0]) {
			t.Fatalf("weight 0 is %v", w0[0])
		}
	}
}

// The per-tensor SGD family keeps its values: one hand-computed step each.
func TestSGDFamilyValues(t *testing.T) {
	w := nd.Array([]float64{1, -2}, 2)
	g := nd.Array([]float64{0.5, 4}, 2)
	nd.SGDUpdate(w, g, nd.SGDAttrs{LR: 0.1, WD: 0.5, RescaleGrad: 2, ClipGradient: 3})
	// w = (1 - 0.05)·w - 0.1·clip(2g, 3) = (0.95 - 0.1, -1.9 - 0.3)
	multiNear(t, w, []float64{0.85, -2.2})
	mom := nd.Array([]float64{1, 1}, 2)
	w = nd.Array([]float64{1, -2}, 2)
	nd.NAGMomUpdate(w, g, mom, nd.SGDAttrs{LR: 0.1, Momentum: 0.5, WD: 0.5})
	// g' = g + 0.5w = (1, 3); mom = 0.5 + g' = (1.5, 3.5); w -= 0.1(g' + 0.5 mom)
	multiNear(t, mom, []float64{1.5, 3.5})
	multiNear(t, w, []float64{1 - 0.1*(1+0.75), -2 - 0.1*(3+1.75)})
}

func multiNear(t *testing.T, a *nd.NDArray, want []float64) {
	t.Helper()
	got := a.Float64s()
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// Invoke (not in place) returns the new weights and momenta and leaves
// the inputs alone.
func TestMultiSGDMomInvoke(t *testing.T) {
	op, ok := nd.LookupOp("multi_sgd_mom_update")
	if !ok {
		t.Fatal("multi_sgd_mom_update not registered")
	}
	w0, g0, m0 := nd.Array([]float32{1, 2}, 2), nd.Array([]float32{1, 1}, 2), nd.Array([]float32{0, 0}, 2)
	w1, g1, m1 := nd.Array([]float32{3}, 1), nd.Array([]float32{-2}, 1), nd.Array([]float32{1}, 1)
	out := nd.Invoke(op, nd.MultiSGDMomAttrs{LRs: []float64{0.5, 0.25}, WDs: []float64{0, 0}, Momentum: 0.5, NumWeights: 2},
		w0, g0, m0, w1, g1, m1)
	if len(out) != 4 {
		t.Fatalf("%d outputs, want 4 (2 weights, 2 momenta)", len(out))
	}
	multiNear(t, out[0], []float64{0.5, 1.5})
	multiNear(t, out[1], []float64{3 + 0.5 + 0.5})
	multiNear(t, out[2], []float64{-0.5, -0.5})
	multiNear(t, out[3], []float64{1})
	multiNear(t, w0, []float64{1, 2})
	multiNear(t, m1, []float64{1})
}

func TestMultiSGDErrors(t *testing.T) {
	f32 := func(n int) *nd.NDArray { return nd.Zeros(nd.Shape{n}) }
	sgd, _ := nd.LookupOp("multi_sgd_update")
	mom, _ := nd.LookupOp("multi_sgd_mom_update")
	two := nd.MultiSGDAttrs{LRs: []float64{1, 1}, WDs: []float64{0, 0}, NumWeights: 2}
	cases := []struct {
		name, want string
		f          func()
	}{
		{"lists", "2 weights, 1 grads", func() { nd.MultiSGDUpdate([]*nd.NDArray{f32(2), f32(2)}, []*nd.NDArray{f32(2)}, two) }},
		{"mom lists", "1 moms", func() {
			nd.MultiSGDMomUpdate([]*nd.NDArray{f32(2), f32(2)}, []*nd.NDArray{f32(2), f32(2)}, []*nd.NDArray{f32(2)}, nd.MultiSGDMomAttrs{LRs: []float64{1, 1}, WDs: []float64{0, 0}})
		}},
		{"lrs", "1 learning rates", func() {
			nd.MultiSGDUpdate([]*nd.NDArray{f32(2), f32(2)}, []*nd.NDArray{f32(2), f32(2)}, nd.MultiSGDAttrs{LRs: []float64{1}, WDs: []float64{0, 0}})
		}},
		{"wds", "0 weight decays", func() {
			nd.MultiSGDUpdate([]*nd.NDArray{f32(2)}, []*nd.NDArray{f32(2)}, nd.MultiSGDAttrs{LRs: []float64{1}})
		}},
		{"shape", "input 3 has shape (3,), its weight (input 2)", func() {
			nd.MultiSGDUpdate([]*nd.NDArray{f32(2), f32(2)}, []*nd.NDArray{f32(2), f32(3)}, two)
		}},
		{"mom shape", "input 2 has shape (1,)", func() {
			nd.MultiSGDMomUpdate([]*nd.NDArray{f32(2)}, []*nd.NDArray{f32(2)}, []*nd.NDArray{f32(1)}, nd.MultiSGDMomAttrs{LRs: []float64{1}, WDs: []float64{0}})
		}},
		{"dtype", "is float64", func() {
			nd.MultiSGDUpdate([]*nd.NDArray{f32(2)}, []*nd.NDArray{nd.Zeros(nd.Shape{2}, nd.OfType(nd.Float64))}, nd.MultiSGDAttrs{LRs: []float64{1}, WDs: []float64{0}})
		}},
		{"input count", "got 3 inputs, want 4", func() {
			nd.InvokeInto(sgd, two, []*nd.NDArray{f32(2), f32(2), f32(2)}, []*nd.NDArray{f32(2), f32(2)})
		}},
		{"output count", "got 1 outputs, want 2", func() {
			a, b := f32(2), f32(2)
			nd.InvokeInto(mom, nd.MultiSGDMomAttrs{LRs: []float64{1}, WDs: []float64{0}, NumWeights: 1}, []*nd.NDArray{a, f32(2), b}, []*nd.NDArray{a})
		}},
		{"num_weights", "num_weights 0", func() {
			nd.InvokeInto(sgd, nd.MultiSGDAttrs{}, []*nd.NDArray{f32(2), f32(2)}, []*nd.NDArray{f32(2)})
		}},
		{"attrs type", "attributes are nd.SGDAttrs", func() {
			nd.InvokeInto(sgd, nd.SGDAttrs{}, []*nd.NDArray{f32(2), f32(2)}, []*nd.NDArray{f32(2)})
		}},
		{"invoke", "2 learning rates (lrs) for num_weights 1", func() {
			nd.Invoke(sgd, nd.MultiSGDAttrs{LRs: []float64{1, 2}, WDs: []float64{0}, NumWeights: 1}, f32(2), f32(2))
		}},
		{"int dtype", "dtype int32 not supported", func() {
			w := nd.Zeros(nd.Shape{2}, nd.OfType(nd.Int32))
			nd.MultiSGDUpdate([]*nd.NDArray{w}, []*nd.NDArray{nd.Zeros(nd.Shape{2}, nd.OfType(nd.Int32))}, nd.MultiSGDAttrs{LRs: []float64{1}, WDs: []float64{0}})
			if err := w.WaitToRead(); err != nil {
				panic(&nd.Error{Op: "test", Msg: err.Error()})
			}
		}},
	}
	for _, c := range cases {
		err := nd.Try(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// Updates through InvokeInto with attributes boxed once allocate nothing
// in steady state, per tensor and aggregated (the optimizer's path), and
// Adam's float32 path.
func TestOptimizerUpdatesAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop records: allocation counts are meaningless")
	}
	ws := []*nd.NDArray{nd.Zeros(nd.Shape{64, 32}), nd.Zeros(nd.Shape{32}), nd.Zeros(nd.Shape{10, 64}), nd.Zeros(nd.Shape{10})}
	var in, out, moms []*nd.NDArray
	for _, w := range ws {
		m := nd.ZerosLike(w)
		moms = append(moms, m)
		in = append(in, w, nd.OnesLike(w), m)
	}
	out = append(append(out, ws...), moms...)
	multi, _ := nd.LookupOp("multi_sgd_mom_update")
	var multiAttrs any = nd.MultiSGDMomAttrs{LRs: []float64{.1, .1, .1, .1}, WDs: []float64{0, 0, 0, 0}, Momentum: 0.9, NumWeights: 4}
	single, _ := nd.LookupOp("sgd_mom_update")
	var singleAttrs any = nd.SGDAttrs{LR: 0.1, Momentum: 0.9}
	plain, _ := nd.LookupOp("sgd_update")
	adam, _ := nd.LookupOp("adam_update")
	var adamAttrs any = nd.AdamAttrs{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
	variance := nd.ZerosLike(ws[0])
	for name, f := range map[string]func(){
		"multi_sgd_mom_update": func() { nd.InvokeInto(multi, multiAttrs, in, out) },
		"sgd_mom_update":       func() { nd.InvokeInto(single, singleAttrs, in[:3], []*nd.NDArray{ws[0], moms[0]}) },
		"sgd_update":           func() { nd.InvokeInto(plain, singleAttrs, in[:2], ws[:1]) },
		"adam_update": func() {
			nd.InvokeInto(adam, adamAttrs, []*nd.NDArray{ws[0], in[1], moms[0], variance}, []*nd.NDArray{ws[0], moms[0], variance})
		},
	} {
		step := func() {
			f()
			if err := ws[0].WaitToRead(); err != nil {
				t.Fatal(err)
			}
		}
		step()
		if n := multiAllocsSettled(step); n != 0 {
			t.Errorf("%s: %v allocations per update, want 0", name, n)
		}
	}
}

func BenchmarkMultiSGDMomUpdate(b *testing.B) {
	for _, agg := range []int{1, 4} {
		b.Run(fmt.Sprintf("aggregate%d", agg), func(b *testing.B) {
			shapes := []nd.Shape{{256, 128}, {256}, {10, 256}, {10}}
			var ws, gs, ms []*nd.NDArray
			for _, s := range shapes {
				ws, gs, ms = append(ws, nd.Zeros(s)), append(gs, nd.Ones(s)), append(ms, nd.Zeros(s))
			}
			a := nd.MultiSGDMomAttrs{LRs: make([]float64, agg), WDs: make([]float64, agg), Momentum: 0.9}
			b.ReportAllocs()
			for b.Loop() {
				for i := 0; i < len(ws); i += agg {
					nd.MultiSGDMomUpdate(ws[i:i+agg], gs[i:i+agg], ms[i:i+agg], a)
				}
				if err := ws[0].WaitToRead(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func ExampleMultiSGDMomUpdate() {
	// Two parameters updated by one engine operation, each with its own
	// learning rate.
	w0, w1 := nd.Array([]float32{1, 2}, 2), nd.Array([]float32{3}, 1)
	g0, g1 := nd.Array([]float32{1, -1}, 2), nd.Array([]float32{2}, 1)
	m0, m1 := nd.ZerosLike(w0), nd.ZerosLike(w1)
	nd.MultiSGDMomUpdate([]*nd.NDArray{w0, w1}, []*nd.NDArray{g0, g1}, []*nd.NDArray{m0, m1},
		nd.MultiSGDMomAttrs{LRs: []float64{0.1, 0.5}, WDs: []float64{0, 0}, Momentum: 0.9})
	fmt.Println(w0.Float32s(), w1.Float32s(), m1.Float32s())
	// Output: [0.9 2.1] [2] [-1]
}

// multiAllocsSettled is the settled allocation count of f over 100 runs.
func multiAllocsSettled(f func()) float64 { return testutil.AllocsPerRunSettled(100, f) }
