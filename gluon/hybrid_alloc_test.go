package gluon_test

import (
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/loss"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// hybridStep is a recorded forward of net and softmax cross-entropy
// (hybridized with the net), and its backward.
type hybridStep struct {
	net  gluon.Block
	lf   loss.Loss
	x, y *nd.NDArray
}

func newHybridStep(hybrid bool, opts ...gluon.HybridizeOptions) *hybridStep {
	net := gluon.NewSequential(nn.NewDense(8, nn.DenseOptions{Activation: "relu"}), nn.NewDense(3))
	gluon.Initialize(net, initializer.Constant{Value: 0.1}, nil, false)
	var lf loss.Loss = loss.NewSoftmaxCrossEntropyLoss()
	if hybrid {
		gluon.Hybridize(net, opts...)
		lf = loss.Hybridize(lf, opts...)
	}
	x := nd.Array([]float32{0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8}, 2, 4)
	y := nd.Array([]float32{2, 0}, 2)
	return &hybridStep{net: net, lf: lf, x: x, y: y}
}

func (s *hybridStep) run(t testing.TB) {
	var l *nd.NDArray
	err := nd.Try(func() { autograd.Record(func() { l = s.lf.Forward(gluon.Call(s.net, s.x), s.y) }) })
	if err == nil {
		err = autograd.BackwardOne(l)
	}
	if err == nil {
		err = l.WaitToRead()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// A recorded forward+backward of a hybridized two-layer net and
// hybridized loss allocates only the two arrays the cached graphs return
// (the net's output and the loss), 3 allocations each in nd.Empty (its
// options, the cloned shape and the array), plus one engine dependency
// list for a push reading many variables: 7 when this was written,
// against 53 before the tape, the cached calls and their gradients were
// pooled. The parameters' gradients are written in place and the loss's
// gradient with respect to the net's output is recycled.
func TestHybridStepAllocs(t *testing.T) {
	s := newHybridStep(true)
	for range 3 {
		s.run(t)
	}
	if hybridRaceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	const outputs, perOutput, engine = 2, 3, 1
	if a := testing.AllocsPerRun(100, func() { s.run(t) }); a > outputs*perOutput+engine {
		t.Fatalf("hybridized forward+backward: %v allocs per step, want at most %d", a, outputs*perOutput+engine)
	}
}

// The pooled hybrid step computes the eager step's gradients, step after
// step.
func TestHybridStepGradientsMatchEager(t *testing.T) {
	eager, hybrid := newHybridStep(false), newHybridStep(true)
	pe, ph := gluon.CollectParams(eager.net), gluon.CollectParams(hybrid.net)
	for range 3 {
		eager.run(t)
		hybrid.run(t)
		for i, p := range pe.Params {
			want := p.Grad()
			ndtest.AssertClose(t, ph.Params[i].Grad(), want.Shape(), want.Float64s(), 1e-5, 1e-6)
		}
	}
}

// With ReuseOutputs on the net and the loss, a whole training step
// (recorded forward, backward, the Trainer's SGD update) allocates nothing
// on the Go heap, and trains as the eager step does.
func TestHybridStepReusingOutputsAllocatesNothing(t *testing.T) {
	reuse := gluon.HybridizeOptions{StaticAlloc: true, StaticShape: true, ReuseOutputs: true}
	eager, hybrid := newHybridStep(false), newHybridStep(true, reuse)
	trainer := func(s *hybridStep) *gluon.Trainer {
		tr, err := gluon.NewTrainerByName(gluon.CollectParams(s.net), "sgd", map[string]any{"learning_rate": 0.5, "momentum": 0.9})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	te, th := trainer(eager), trainer(hybrid)
	step := func(s *hybridStep, tr *gluon.Trainer) {
		s.run(t)
		if err := tr.Step(2); err != nil {
			t.Fatal(err)
		}
	}
	pe, ph := gluon.CollectParams(eager.net), gluon.CollectParams(hybrid.net)
	for range 5 {
		step(eager, te)
		step(hybrid, th)
		for i, p := range pe.Params {
			want := p.Data()
			ndtest.AssertClose(t, ph.Params[i].Data(), want.Shape(), want.Float64s(), 1e-5, 1e-6)
		}
	}
	if hybridRaceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	if a := testutil.AllocsPerRunSettled(100, func() {
		step(hybrid, th)
		// Wait for the update, as the next forward would.
		for _, p := range ph.Params {
			if err := p.Data().WaitToRead(); err != nil {
				t.Fatal(err)
			}
		}
	}); a != 0 {
		t.Fatalf("hybridized training step with reused outputs: %v allocs, want 0", a)
	}
}
