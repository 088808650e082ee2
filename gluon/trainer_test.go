package gluon_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
	"github.com/mxgo/mxgo/optimizer"
)

// affine is out = x·W + b with W (3,2), b (2), and a frozen Scale.
type affine struct {
	gluon.BlockBase
	Weight, Bias *gluon.Parameter
	Scale        *gluon.Parameter
}

func newAffine() *affine {
	return &affine{
		Weight: gluon.NewParameter("weight", nd.Shape{3, 2}),
		Bias:   gluon.NewParameter("bias", nd.Shape{2}),
		Scale:  gluon.NewParameter("scale", nd.Shape{1}, gluon.Differentiable(false)),
	}
}

func (a *affine) Forward(x *nd.NDArray) *nd.NDArray {
	dev := x.Device()
	return x.Dot(a.Weight.Data(dev)).Add(a.Bias.Data(dev)).Mul(a.Scale.Data(dev))
}

var (
	trainX = []float32{1, 2, 3, -1, 0.5, 2, 0, 1, -2, 3, 1, 1}
	w0     = []float64{0.1, -0.2, 0.3, 0.4, -0.5, 0.6}
)

func newTrained(t *testing.T, devs ...nd.Device) (*affine, *gluon.ParameterDict) {
	t.Helper()
	net := newAffine()
	params := gluon.CollectParams(net)
	params.Initialize(initializer.One{}, devs, false)
	net.Weight.SetData(nd.ArrayOf(w0, nd.Shape{3, 2}, nd.OfType(nd.Float32)))
	return net, params
}

// backward computes the gradient of Σ out² on each device's slice of the
// batch (x split in halves when there are two devices).
func backward(t *testing.T, net *affine, devs []nd.Device) {
	t.Helper()
	x := nd.Array(trainX, 4, 3)
	parts, err := gluon.SplitAndLoad(x, devs, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	var losses []*nd.NDArray
	autograd.Record(func() {
		for _, p := range parts {
			out := gluon.Call(net, p)
			losses = append(losses, out.Mul(out).Sum())
		}
	})
	if err := autograd.Backward(losses, nil, false); err != nil {
		t.Fatal(err)
	}
}

// reference runs the same steps by hand: the full-batch gradient of Σ out²
// and MXNet's SGD momentum rule with rescale 1/batch.
func reference(steps int, lr, mom, wd float64) (w, b []float64) {
	w = append([]float64(nil), w0...)
	b = []float64{0, 0}
	vw, vb := make([]float64, 6), make([]float64, 2)
	for range steps {
		gw, gb := make([]float64, 6), make([]float64, 2)
		for r := range 4 {
			for c := range 2 {
				out := b[c]
				for k := range 3 {
					out += float64(trainX[r*3+k]) * w[k*2+c]
				}
				gb[c] += 2 * out
				for k := range 3 {
					gw[k*2+c] += 2 * out * float64(trainX[r*3+k])
				}
			}
		}
		for i := range w {
			vw[i] = mom*vw[i] - lr*(gw[i]/4+wd*w[i])
			w[i] += vw[i]
		}
		for i := range b {
			vb[i] = mom*vb[i] - lr*(gb[i]/4+wd*b[i])
			b[i] += vb[i]
		}
	}
	return w, b
}

func TestTrainerStep(t *testing.T) {
	for _, devs := range [][]nd.Device{{nd.CPU()}, {nd.CPU(), {Type: nd.CPU().Type, ID: 1}}} {
		t.Run(strings.Repeat("dev", len(devs)), func(t *testing.T) {
			net, params := newTrained(t, devs...)
			tr, err := gluon.NewTrainerByName(params, "sgd", map[string]any{"learning_rate": 0.05, "momentum": 0.9, "wd": 0.01})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				backward(t, net, devs)
				if err := tr.Step(4); err != nil {
					t.Fatal(err)
				}
			}
			wantW, wantB := reference(3, 0.05, 0.9, 0.01)
			for _, d := range devs {
				ndtest.AssertClose(t, net.Weight.Data(d), nd.Shape{3, 2}, wantW, 1e-5, 1e-6)
				ndtest.AssertClose(t, net.Bias.Data(d), nd.Shape{2}, wantB, 1e-5, 1e-6)
				ndtest.AssertClose(t, net.Scale.Data(d), nd.Shape{1}, []float64{1}, 0, 0) // grad_req null: untouched
			}
		})
	}
}

func TestTrainerLRMultAndRate(t *testing.T) {
	net, params := newTrained(t)
	net.Bias.LrMult = 0
	tr := gluon.NewTrainer(params, optimizer.MustCreate("sgd", map[string]any{"learning_rate": 0.1}))
	if tr.LearningRate() != 0.1 {
		t.Fatalf("LearningRate %v", tr.LearningRate())
	}
	tr.SetLearningRate(0.2)
	if tr.Optimizer().LearningRate() != 0.2 {
		t.Fatal("SetLearningRate not applied")
	}
	backward(t, net, []nd.Device{nd.CPU()})
	if err := tr.Step(4); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, net.Bias.Data(), nd.Shape{2}, []float64{0, 0}, 0, 0) // lr_mult 0: unchanged
	if v := net.Weight.Data().Float64s(); v[0] == w0[0] {
		t.Fatal("weight not updated")
	}
	if err := nd.Try(func() { tr.Update(0) }); err == nil {
		t.Fatal("batch size 0: no error")
	}
}

// sumKV is a KVStore that sums like the local path and records its calls.
type sumKV struct {
	inits, pushes int
	fail          bool
}

func (k *sumKV) Init(int, *nd.NDArray) error { k.inits++; return nil }

func (k *sumKV) PushPull(_ int, values, outs []*nd.NDArray) error {
	k.pushes++
	if k.fail {
		return errors.New("link down")
	}
	sum := values[0].Copy()
	for _, v := range values[1:] {
		sum = sum.Add(v.AsIn(sum.Device()))
	}
	for _, o := range outs {
		o.CopyFrom(sum)
	}
	return nil
}

func TestTrainerKVStore(t *testing.T) {
	devs := []nd.Device{nd.CPU(), {Type: nd.CPU().Type, ID: 1}}
	net, params := newTrained(t, devs...)
	kv := &sumKV{}
	tr := gluon.NewTrainer(params, optimizer.MustCreate("sgd", map[string]any{"learning_rate": 0.05, "momentum": 0.9, "wd": 0.01}), gluon.WithKVStore(kv))
	for range 2 {
		backward(t, net, devs)
		if err := tr.Step(4); err != nil {
			t.Fatal(err)
		}
	}
	if kv.inits != 2 || kv.pushes != 4 { // weight and bias; scale has grad_req null
		t.Fatalf("kvstore saw %d inits, %d pushes; want 2, 4", kv.inits, kv.pushes)
	}
	wantW, _ := reference(2, 0.05, 0.9, 0.01)
	ndtest.AssertClose(t, net.Weight.Data(devs[1]), nd.Shape{3, 2}, wantW, 1e-5, 1e-6)
	kv.fail = true
	if err := tr.Step(4); err == nil || !strings.Contains(err.Error(), "link down") {
		t.Fatalf("kvstore failure: %v", err)
	}
}

// Saving after two Adam steps and loading into a fresh trainer continues
// exactly like the original (moments and update counts restored).
func TestTrainerSaveLoadStates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trainer.states")
	devs := []nd.Device{nd.CPU()}
	net, params := newTrained(t, devs...)
	tr := gluon.NewTrainer(params, optimizer.MustCreate("adam", map[string]any{"learning_rate": 0.01}))
	for range 2 {
		backward(t, net, devs)
		if err := tr.Step(4); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.SaveStates(path); err != nil {
		t.Fatal(err)
	}
	snapshotW, snapshotB := net.Weight.Data().Copy(), net.Bias.Data().Copy()
	backward(t, net, devs)
	if err := tr.Step(4); err != nil {
		t.Fatal(err)
	}
	want := net.Weight.Data().Float64s()

	net2, params2 := newTrained(t, devs...)
	net2.Weight.SetData(snapshotW)
	net2.Bias.SetData(snapshotB)
	tr2 := gluon.NewTrainer(params2, optimizer.NewAdam())
	tr2.SetLearningRate(0.01)
	if err := tr2.LoadStates(path); err != nil {
		t.Fatal(err)
	}
	if n := tr2.Optimizer().Common().UpdateCount(0); n != 2 {
		t.Fatalf("restored update count %d, want 2", n)
	}
	backward(t, net2, devs)
	if err := tr2.Step(4); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, net2.Weight.Data(), nd.Shape{3, 2}, want, 1e-6, 1e-7)

	// Mismatches are errors, not panics.
	tr3 := gluon.NewTrainer(params2, optimizer.NewSGD()) // no state arrays
	if err := tr3.LoadStates(path); err == nil || !strings.Contains(err.Error(), "state arrays") {
		t.Fatalf("loading Adam states into SGD: %v", err)
	}
	other := gluon.CollectParams(newAffine(), "weight")
	other.Initialize(nil, nil, false)
	if err := gluon.NewTrainer(other, optimizer.NewAdam()).LoadStates(path); err == nil || !strings.Contains(err.Error(), "names no parameter") {
		t.Fatalf("loading into other parameters: %v", err)
	}
	if err := tr2.LoadStates(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file: no error")
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tr2.LoadStates(path); err == nil {
		t.Fatal("garbage file: no error")
	}
}

// Deferred parameters give a clear error at the first step.
func TestTrainerUninitialized(t *testing.T) {
	p := gluon.NewParameter("weight", nd.Shape{0, 2})
	p.Initialize(nil, nil, false)
	tr := gluon.NewTrainer(&gluon.ParameterDict{Names: []string{"weight"}, Params: []*gluon.Parameter{p}}, optimizer.NewSGD())
	err := nd.Try(func() { _ = tr.Step(1) })
	if err == nil || !strings.Contains(err.Error(), "deferred") {
		t.Fatalf("step with deferred parameter: %v", err)
	}
}

func TestSplitAndLoad(t *testing.T) {
	x := nd.Arange(0, 10, 1).Reshape(5, 2)
	devs := []nd.Device{nd.CPU(), {Type: nd.CPU().Type, ID: 1}}
	parts, err := gluon.SplitAndLoad(x, devs, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, parts[0], nd.Shape{2, 2}, []float64{0, 1, 2, 3}, 0, 0)
	ndtest.AssertClose(t, parts[1], nd.Shape{3, 2}, []float64{4, 5, 6, 7, 8, 9}, 0, 0)
	if parts[1].Device() != devs[1] {
		t.Fatalf("part 1 on %v", parts[1].Device())
	}
	cols, err := gluon.SplitData(x, 2, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, cols[1], nd.Shape{5, 1}, []float64{1, 3, 5, 7, 9}, 0, 0)
	for _, tc := range []struct {
		n, axis int
		even    bool
	}{{2, 0, true}, {6, 0, false}, {2, 2, false}, {0, 0, false}} {
		if _, err := gluon.SplitData(x, tc.n, tc.axis, tc.even); err == nil {
			t.Errorf("SplitData(%d, axis %d, even %v): no error", tc.n, tc.axis, tc.even)
		}
	}
	if _, err := gluon.SplitAndLoad(x, nil, 0, true); err == nil {
		t.Error("no devices: no error")
	}
}

func TestClipGlobalNorm(t *testing.T) {
	a, b := nd.Array([]float32{3, 0}), nd.Array([]float32{0, 4})
	if n := gluon.ClipGlobalNorm([]*nd.NDArray{a, b}, 10); math.Abs(n-5) > 1e-6 {
		t.Fatalf("norm %v, want 5", n)
	}
	ndtest.AssertClose(t, a, nd.Shape{2}, []float64{3, 0}, 0, 0) // under the limit: unchanged
	n := gluon.ClipGlobalNorm([]*nd.NDArray{a, b}, 1)
	if math.Abs(n-5) > 1e-6 {
		t.Fatalf("norm %v, want 5", n)
	}
	ndtest.AssertClose(t, a, nd.Shape{2}, []float64{0.6, 0}, 1e-6, 0)
	ndtest.AssertClose(t, b, nd.Shape{2}, []float64{0, 0.8}, 1e-6, 0)
	c := nd.Array([]float32{float32(math.Inf(1)), 1})
	if n := gluon.ClipGlobalNorm([]*nd.NDArray{c}, 1); !math.IsInf(n, 1) {
		t.Fatalf("norm of inf: %v", n)
	}
}

// aggParams returns parameters of several shapes and dtypes on devs,
// initialized from a fixed seed: float32 ones, a float64 one, a frozen
// one, and a float16 one when f16 (updated through a master copy).
func aggParams(t testing.TB, devs []nd.Device, f16 bool) *gluon.ParameterDict {
	t.Helper()
	shapes := []nd.Shape{{4, 3}, {3}, {5, 4}, {5}, {2, 2, 2}, {1}, {7}}
	d := &gluon.ParameterDict{}
	for k, s := range shapes {
		var opts []gluon.ParamOption
		switch k {
		case 2:
			opts = append(opts, gluon.WithDType(nd.Float64))
		case 3:
			opts = append(opts, gluon.WithGradReq(nd.GradNull))
		case 5:
			if f16 {
				opts = append(opts, gluon.WithDType(nd.Float16))
			}
		}
		p := gluon.NewParameter(fmt.Sprintf("p%d", k), s, opts...)
		p.LrMult = 1 + 0.5*float64(k%3)
		p.WdMult = float64(k % 2)
		d.Names, d.Params = append(d.Names, p.Name), append(d.Params, p)
	}
	d.Initialize(initializer.Zero{}, devs, false)
	r := rand.New(rand.NewPCG(7, 7))
	for _, p := range d.Params {
		v := make([]float64, p.Shape().Size())
		for i := range v {
			v[i] = 2*r.Float64() - 1
		}
		p.SetData(nd.ArrayOf(v, p.Shape(), nd.OfType(p.DType)))
	}
	return d
}

// aggGrads writes step-dependent gradients into every copy (different
// per device, as data parallelism gives).
func aggGrads(d *gluon.ParameterDict, step int) {
	for k, p := range d.Params {
		if p.GradReq == nd.GradNull {
			continue
		}
		for j, w := range p.ListData() {
			v := make([]float64, w.Size())
			for i := range v {
				v[i] = math.Sin(float64(1+i+7*k+13*j) * float64(step+1))
			}
			w.Grad().CopyFrom(nd.ArrayOf(v, w.Shape(), nd.OfType(w.DType())))
		}
	}
}

// Aggregated updates (groups of 3 and 4, with a remainder) give the same
// bits as updating one parameter at a time, over several steps with
// momentum, weight decay, lr_mult/wd_mult, a scheduler, clipping, two
// device copies, a float64 parameter and a float16 one with
// multi_precision (which falls back to a per-parameter update).
func TestTrainerAggregationMatches(t *testing.T) {
	devs := []nd.Device{nd.CPU(), {Type: nd.CPU().Type, ID: 1}}
	run := func(agg int, momentum float64) (*gluon.ParameterDict, *gluon.Trainer) {
		d := aggParams(t, devs, true)
		opts := map[string]any{"learning_rate": 0.1, "momentum": momentum, "wd": 0.01, "aggregate_num": agg,
			"multi_precision": true, "clip_gradient": 0.9, "lr_scheduler": optimizer.NewFactorScheduler(2, 0.5)}
		tr, err := gluon.NewTrainerByName(d, "sgd", opts)
		if err != nil {
			t.Fatal(err)
		}
		for step := range 5 {
			aggGrads(d, step)
			if err := tr.Step(3); err != nil {
				t.Fatal(err)
			}
		}
		return d, tr
	}
	for _, momentum := range []float64{0, 0.9} {
		want, wantTr := run(1, momentum)
		for _, agg := range []int{3, 4} {
			got, gotTr := run(agg, momentum)
			for k, p := range got.Params {
				for j, w := range p.ListData() {
					sameBits(t, fmt.Sprintf("momentum %v aggregate %d %s copy %d", momentum, agg, p.Name, j), w, want.Params[k].ListData()[j])
				}
				if n, m := gotTr.Optimizer().Common().UpdateCount(k), wantTr.Optimizer().Common().UpdateCount(k); n != m {
					t.Errorf("%s: update count %d, want %d", p.Name, n, m)
				}
			}
			if lr, want := gotTr.LearningRate(), wantTr.LearningRate(); lr != want || lr == 0.1 {
				t.Errorf("learning rate %v, want %v (scheduled down from 0.1)", lr, want)
			}
		}
	}
}

func sameBits(t *testing.T, what string, got, want *nd.NDArray) {
	t.Helper()
	g, w := got.Float64s(), want.Float64s()
	for i := range g {
		if math.Float64bits(g[i]) != math.Float64bits(w[i]) {
			t.Fatalf("%s: element %d is %v, per-parameter updates give %v", what, i, g[i], w[i])
		}
	}
}

// aggregate_num is an option by name, defaulting to
// MXNET_OPTIMIZER_AGGREGATION_SIZE or 4.
func TestTrainerAggregateNumOption(t *testing.T) {
	if n := optimizer.NewSGD().AggregateNum; n != 4 {
		t.Fatalf("default aggregate_num %d, want 4", n)
	}
	t.Setenv("MXNET_OPTIMIZER_AGGREGATION_SIZE", "2")
	if n := optimizer.NewSGD().AggregateNum; n != 2 {
		t.Fatalf("aggregate_num from the environment %d, want 2", n)
	}
	opt, err := optimizer.Create("sgd", map[string]any{"aggregate_num": 7})
	if err != nil || opt.Common().AggregateNum != 7 {
		t.Fatalf("aggregate_num option: %v, %v", opt, err)
	}
}

// A Trainer step with SGD (plain and with momentum, aggregated or not),
// NAG or Signum allocates nothing once the state exists.
func TestTrainerStepAllocatesNothing(t *testing.T) {
	if raceBuild() {
		t.Skip("the race detector makes sync.Pool drop records: allocation counts are meaningless")
	}
	cases := []struct {
		name     string
		momentum float64
		agg      int
	}{{"sgd", 0, 1}, {"sgd", 0, 4}, {"sgd", 0.9, 1}, {"sgd", 0.9, 4}, {"nag", 0.9, 4}, {"signum", 0.9, 4}}
	for _, c := range cases {
		d := aggParams(t, []nd.Device{nd.CPU()}, false)
		tr, err := gluon.NewTrainerByName(d, c.name, map[string]any{"learning_rate": 0.1, "momentum": c.momentum, "wd": 1e-4, "aggregate_num": c.agg})
		if err != nil {
			t.Fatal(err)
		}
		aggGrads(d, 0)
		step := func() {
			if err := tr.Step(8); err != nil {
				t.Fatal(err)
			}
			// Wait for every update, as the next forward would: an op
			// queued behind a pending one costs the engine a node.
			for _, p := range d.Params {
				if err := p.Data().WaitToRead(); err != nil {
					t.Fatal(err)
				}
			}
		}
		step()
		if n := allocsSettled(step); n != 0 {
			t.Errorf("%s momentum %v aggregate_num %d: %v allocations per step, want 0", c.name, c.momentum, c.agg, n)
		}
	}
}

// raceBuild reports whether the test binary was built with -race.
func raceBuild() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// BenchmarkTrainerStep is a steady-state step of a 1M-parameter model.
func BenchmarkTrainerStep(b *testing.B) {
	p := gluon.NewParameter("weight", nd.Shape{1024, 1024})
	p.Initialize(nil, nil, false)
	tr := gluon.NewTrainer(&gluon.ParameterDict{Names: []string{"weight"}, Params: []*gluon.Parameter{p}},
		optimizer.MustCreate("sgd", map[string]any{"momentum": 0.9}))
	if err := tr.Step(32); err != nil { // creates the momentum state
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := tr.Step(32); err != nil {
			b.Fatal(err)
		}
		if err := p.Data().WaitToRead(); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzLoadStates feeds arbitrary files to LoadStates: it must return an
// error or succeed, never panic.
func FuzzLoadStates(f *testing.F) {
	dir := f.TempDir()
	seed := filepath.Join(dir, "seed")
	keys := map[string]*nd.NDArray{
		"state:weight:0": nd.Zeros(nd.Shape{3, 2}), "state:weight:1": nd.Zeros(nd.Shape{3, 2}),
		"count:weight": nd.ArrayOf([]int64{3}, nd.Shape{1}), "state:bias:x": nd.Zeros(nd.Shape{2}),
	}
	if err := nd.Save(seed, keys); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "states")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, params := newTrained(t)
		tr := gluon.NewTrainer(params, optimizer.NewAdam())
		_ = tr.LoadStates(path)
	})
}

// allocsSettled is the settled allocation count of f over 100 runs.
func allocsSettled(f func()) float64 { return testutil.AllocsPerRunSettled(100, f) }
