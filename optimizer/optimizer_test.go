package optimizer_test

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
	"github.com/mxgo/mxgo/optimizer"
)

type goldenCase struct {
	Name      string         `json:"name"`
	Optimizer string         `json:"optimizer"`
	Opts      map[string]any `json:"opts"`
	Shape     []int          `json:"shape"`
	Weight    []float64      `json:"weight"`
	Grads     [][]float64    `json:"grads"`
	Weights   [][]float64    `json:"weights"`
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	b, err := os.ReadFile("testdata/golden_optim.json")
	if err != nil {
		t.Fatalf("golden file: %v (regenerate with testdata/gen_optim.py)", err)
	}
	var cases []goldenCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestGolden runs every optimizer step by step against the NumPy reference
// of MXNet's formulas, in float64 and float32.
func TestGolden(t *testing.T) {
	cases := loadGolden(t)
	if len(cases) < 20 {
		t.Fatalf("only %d golden cases", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.Optimizer] = true
		for _, dt := range []nd.DType{nd.Float64, nd.Float32} {
			t.Run(c.Name+"/"+dt.String(), func(t *testing.T) {
				opt, err := optimizer.Create(c.Optimizer, c.Opts)
				if err != nil {
					t.Fatal(err)
				}
				shape := nd.Shape(c.Shape)
				w := nd.ArrayOf(c.Weight, shape, nd.OfType(dt))
				state := opt.CreateState(0, w)
				rtol, atol := 1e-9, 1e-12
				if dt == nd.Float32 {
					rtol, atol = 2e-4, 2e-5
				}
				for step, g := range c.Grads {
					opt.Update(0, w, nd.ArrayOf(g, shape, nd.OfType(dt)), state)
					got, _ := w.Values()
					if ok, msg := ndtest.Close(got, c.Weights[step], rtol, atol); !ok {
						t.Fatalf("step %d: %s\ngot  %v\nwant %v", step+1, msg, got, c.Weights[step])
					}
				}
			})
		}
	}
	for _, n := range optimizer.Names() {
		if !seen[n] {
			t.Errorf("optimizer %s has no golden case", n)
		}
	}
}

func TestCreate(t *testing.T) {
	opt, err := optimizer.Create("SGD", map[string]any{"learning_rate": 0.5, "momentum": 0.9, "wd": 1, "multi_precision": true, "begin_num_update": 3})
	if err != nil {
		t.Fatal(err)
	}
	sgd := opt.(*optimizer.SGD)
	if sgd.LR != 0.5 || sgd.Momentum != 0.9 || sgd.WD != 1 || !sgd.MultiPrecision || sgd.BeginNumUpdate != 3 {
		t.Errorf("options not applied: %+v", sgd)
	}
	for _, tc := range []struct {
		name string
		opts map[string]any
		want string
	}{
		{"nosuch", nil, "unknown optimizer"},
		{"adam", map[string]any{"momentum": 0.9}, "unknown option"},
		{"adam", map[string]any{"beta1": "x"}, "cannot use"},
		{"adam", map[string]any{"learning_rate": math.NaN()}, "not finite"},
		{"sgd", map[string]any{"begin_num_update": 1.5}, "cannot use"},
	} {
		if _, err := optimizer.Create(tc.name, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Create(%s, %v): err %v, want %q", tc.name, tc.opts, err, tc.want)
		}
	}
	if len(optimizer.Names()) != 14 {
		t.Errorf("Names() = %v, want 14 optimizers", optimizer.Names())
	}
}

func TestCreateSchedulerBaseLR(t *testing.T) {
	s := optimizer.NewFactorScheduler(2, 0.5)
	opt := optimizer.MustCreate("sgd", map[string]any{"learning_rate": 0.2, "lr_scheduler": s})
	if s.BaseLR != 0.2 || opt.LearningRate() != 0.2 {
		t.Fatalf("scheduler base %v, lr %v, want 0.2", s.BaseLR, opt.LearningRate())
	}
	s2 := optimizer.NewFactorScheduler(2, 0.5)
	s2.BaseLR = 0.3
	opt2 := optimizer.MustCreate("sgd", map[string]any{"lr_scheduler": s2})
	if opt2.LearningRate() != 0.3 {
		t.Fatalf("lr %v, want the scheduler's 0.3 when learning_rate is not given", opt2.LearningRate())
	}
	opt2.SetLearningRate(0.7)
	if s2.BaseLR != 0.7 {
		t.Fatalf("SetLearningRate did not reach the scheduler: %v", s2.BaseLR)
	}
	// The scheduler sees the update count: after 3 updates lr = 0.7*0.5.
	w := nd.Array([]float32{1})
	st := opt2.CreateState(0, w)
	for range 3 {
		opt2.Update(0, w, nd.Array([]float32{0}), st)
	}
	if got := opt2.LearningRate(); math.Abs(got-0.35) > 1e-12 {
		t.Fatalf("lr after 3 updates %v, want 0.35", got)
	}
}

// lr_mult and wd_mult scale the rates of one index only.
func TestMultipliers(t *testing.T) {
	opt := optimizer.NewSGD()
	opt.LR, opt.WD = 0.1, 0.5
	opt.LrMult = map[int]float64{1: 2}
	opt.WdMult = map[int]float64{1: 0}
	w0, w1 := nd.Array([]float64{1, 2}), nd.Array([]float64{1, 2})
	g := nd.Array([]float64{1, 1})
	opt.Update(0, w0, g, opt.CreateState(0, w0))
	opt.Update(1, w1, g, opt.CreateState(1, w1))
	// index 0: w - 0.1*(1 + 0.5*w); index 1: w - 0.2*1
	ndtest.AssertClose(t, w0, nd.Shape{2}, []float64{1 - 0.1*1.5, 2 - 0.1*2}, 1e-12, 0)
	ndtest.AssertClose(t, w1, nd.Shape{2}, []float64{0.8, 1.8}, 1e-12, 0)
}

// Update counts are per index and per device slot; Adam's bias correction
// uses them.
func TestUpdateCounts(t *testing.T) {
	opt := optimizer.NewAdam()
	w := nd.Array([]float32{1, 2})
	st := opt.CreateState(4, w)
	g := nd.Array([]float32{1, 1})
	opt.Update(4, w, g, st)
	opt.Update(4, w, g, st)
	opt.SetCurrentDevice(1)
	opt.Update(4, w, g, st)
	if opt.UpdateCount(4) != 1 || opt.NumUpdate() != 2 {
		t.Fatalf("device 1 count %d, num_update %d; want 1, 2", opt.UpdateCount(4), opt.NumUpdate())
	}
	opt.SetCurrentDevice(0)
	if opt.UpdateCount(4) != 2 || opt.UpdateCount(5) != 0 {
		t.Fatalf("device 0 counts %d, %d; want 2, 0", opt.UpdateCount(4), opt.UpdateCount(5))
	}
}

// Float16 weights go through a float32 master copy with multi_precision
// and are refused without it.
func TestMultiPrecision(t *testing.T) {
	opt := optimizer.NewSGD()
	opt.LR, opt.Momentum, opt.MultiPrecision = 0.1, 0.9, true
	w16 := nd.Array([]float32{1, -2, 3}).AsType(nd.Float16)
	w32 := nd.Array([]float32{1, -2, 3})
	s16, s32 := opt.CreateState(0, w16), opt.CreateState(1, w32)
	if s16.Master == nil || s16.Master.DType() != nd.Float32 || s32.Master != nil {
		t.Fatalf("master copies: %v, %v", s16.Master, s32.Master)
	}
	if s16.Arrays[0].DType() != nd.Float32 {
		t.Fatalf("momentum of a float16 weight is %v, want float32", s16.Arrays[0].DType())
	}
	for i := range 3 {
		g := nd.Array([]float32{0.5, 0.25, float32(i)})
		opt.Update(0, w16, g.AsType(nd.Float16), s16)
		opt.Update(1, w32, g, s32)
	}
	if w16.DType() != nd.Float16 {
		t.Fatalf("weight dtype changed to %v", w16.DType())
	}
	ndtest.AssertClose(t, s16.Master, nd.Shape{3}, w32.Float64s(), 1e-6, 1e-6)
	ndtest.AssertClose(t, w16, nd.Shape{3}, w32.Float64s(), 1e-3, 1e-3)

	plain := optimizer.NewSGD()
	h := nd.Array([]float32{1}).AsType(nd.Float16)
	err := nd.Try(func() { plain.Update(0, h, h, plain.CreateState(0, h)) })
	if err == nil || !strings.Contains(err.Error(), "multi_precision") {
		t.Fatalf("float16 without multi_precision: %v", err)
	}
}

func TestUpdateErrors(t *testing.T) {
	opt := optimizer.NewSGD()
	w := nd.Array([]float32{1, 2})
	if err := nd.Try(func() { opt.Update(0, w, nd.Array([]float32{1, 2, 3}), opt.CreateState(0, w)) }); err == nil {
		t.Error("shape mismatch: no error")
	}
	if err := nd.Try(func() { opt.Update(0, w, w, nil) }); err == nil {
		t.Error("nil state: no error")
	}
}

// An update inside autograd.Record is not recorded: the weight stays a
// leaf and backward through it is unaffected.
func TestUpdateNotRecorded(t *testing.T) {
	opt := optimizer.NewSGD()
	opt.LR = 0.1
	w := nd.Array([]float32{1, 2}).AttachGrad()
	st := opt.CreateState(0, w)
	var y *nd.NDArray
	autograd.Record(func() {
		y = w.Mul(w).Sum()
		opt.Update(0, w, nd.Array([]float32{1, 1}), st)
	})
	if w.AG() == nil || !w.AG().Leaf || w.AG().Node != nil {
		t.Fatal("the update was recorded on the weight")
	}
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, w, nd.Shape{2}, []float64{0.9, 1.9}, 1e-6, 0)
}

// A float64 step with gradient clipping and weight clipping: weights stay
// inside [-c, c].
func TestRMSPropClipWeights(t *testing.T) {
	opt := optimizer.NewRMSProp()
	opt.LR, opt.ClipWeights = 10, 0.5
	w := nd.Array([]float64{0.4, -0.4})
	st := opt.CreateState(0, w)
	opt.Update(0, w, nd.Array([]float64{-1, 1}), st)
	ndtest.AssertClose(t, w, nd.Shape{2}, []float64{0.5, -0.5}, 0, 0)
}

// BenchmarkUpdate measures one fused update of a 1M-element float32 weight.
func BenchmarkUpdate(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts map[string]any
	}{
		{"sgd_mom", map[string]any{"momentum": 0.9}},
		{"adam", nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			name, _, _ := strings.Cut(tc.name, "_")
			opt := optimizer.MustCreate(name, tc.opts)
			w := nd.RandomNormal(0, 1, nd.Shape{1 << 20})
			g := nd.RandomNormal(0, 1, nd.Shape{1 << 20})
			st := opt.CreateState(0, w)
			b.SetBytes(int64(4 * w.Size()))
			b.ReportAllocs()
			for b.Loop() {
				opt.Update(0, w, g, st)
				if err := w.WaitToRead(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// UpdateMulti gives the same bits and update counts as Update one
// parameter at a time, fused or (for a group with a float16 master copy
// or mixed dtypes) falling back; mismatched lists panic.
func TestSGDUpdateMulti(t *testing.T) {
	mk := func(dts ...nd.DType) []*nd.NDArray {
		var ws []*nd.NDArray
		for k, dt := range dts {
			v := make([]float64, 3+k)
			for i := range v {
				v[i] = float64(i+1) * float64(1-2*(k%2)) / 3
			}
			ws = append(ws, nd.ArrayOf(v, nd.Shape{len(v)}, nd.OfType(dt)))
		}
		return ws
	}
	groups := map[string][]nd.DType{
		"float32": {nd.Float32, nd.Float32, nd.Float32},
		"float64": {nd.Float64, nd.Float64},
		"float16": {nd.Float32, nd.Float16},
		"mixed":   {nd.Float32, nd.Float64},
		"single":  {nd.Float32},
	}
	for name, dts := range groups {
		for _, mom := range []float64{0, 0.9} {
			opts := map[string]any{"learning_rate": 0.1, "momentum": mom, "wd": 0.01, "multi_precision": true, "clip_gradient": 0.5}
			fused, single := optimizer.MustCreate("sgd", opts).(*optimizer.SGD), optimizer.MustCreate("sgd", opts).(*optimizer.SGD)
			fused.LrMult, single.LrMult = map[int]float64{1: 2}, map[int]float64{1: 2}
			wf, ws := mk(dts...), mk(dts...)
			idx := make([]int, len(dts))
			var sf, ss []*optimizer.State
			for k := range dts {
				idx[k] = k
				sf, ss = append(sf, fused.CreateState(k, wf[k])), append(ss, single.CreateState(k, ws[k]))
			}
			for step := range 3 {
				var gf, gs []*nd.NDArray
				for k, w := range wf {
					grad := func(w *nd.NDArray) *nd.NDArray { // float16 has no arithmetic: via float32
						return w.AsType(nd.Float32).MulScalar(float64(step + 1)).AsType(w.DType())
					}
					gf, gs = append(gf, grad(w)), append(gs, grad(ws[k]))
				}
				fused.UpdateMulti(idx, wf, gf, sf)
				for k := range ws {
					single.Update(k, ws[k], gs[k], ss[k])
				}
			}
			for k := range dts {
				a, b := wf[k].Float64s(), ws[k].Float64s()
				for i := range a {
					if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
						t.Fatalf("%s momentum %v: weight %d element %d: %v, one by one %v", name, mom, k, i, a[i], b[i])
					}
				}
				if a[0] == 1.0/3 {
					t.Fatalf("%s: weight %d not updated", name, k)
				}
				if n := fused.UpdateCount(k); n != 3 {
					t.Fatalf("%s: update count %d, want 3", name, n)
				}
			}
		}
	}
	opt := optimizer.NewSGD()
	w := nd.Zeros(nd.Shape{2})
	err := nd.Try(func() {
		opt.UpdateMulti([]int{0, 1}, []*nd.NDArray{w}, []*nd.NDArray{w}, []*optimizer.State{opt.CreateState(0, w)})
	})
	if err == nil || !strings.Contains(err.Error(), "2 indices, 1 weights") {
		t.Fatalf("mismatched lists: %v", err)
	}
}
