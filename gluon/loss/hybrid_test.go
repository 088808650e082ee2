package loss_test

import (
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/loss"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// hybridCases are the golden cases whose loss is one Loss value called
// with all the case's inputs.
func hybridCases() map[string]loss.Loss {
	huber := loss.NewHuberLoss()
	huber.Rho = 0.5
	sceDense := loss.NewSoftmaxCrossEntropyLoss()
	sceDense.SparseLabel = false
	sceLogits := loss.NewSoftmaxCrossEntropyLoss()
	sceLogits.FromLogits = true
	binary := loss.NewLogisticLoss()
	binary.LabelFormat = "binary"
	kl := loss.NewKLDivLoss()
	kl.FromLogits = false
	return map[string]loss.Loss{
		"l2":                       loss.NewL2Loss(),
		"l2_weighted":              loss.NewL2Loss(loss.WithWeight(2)),
		"l2_batch_axis1":           loss.NewL2Loss(loss.WithBatchAxis(1)),
		"l1":                       loss.NewL1Loss(),
		"huber":                    huber,
		"hinge":                    loss.NewHingeLoss(),
		"logistic_binary":          binary,
		"sce_sparse":               loss.NewSoftmaxCrossEntropyLoss(),
		"sce_dense":                sceDense,
		"sce_from_logits_weighted": sceLogits,
		"sbce":                     loss.NewSigmoidBinaryCrossEntropyLoss(),
		"kldiv_not_from_logits":    kl,
		"poisson":                  loss.NewPoissonNLLLoss(),
	}
}

// TestHybridizeMatchesEager checks that a hybridized loss gives the eager
// loss's values and input gradients, on a first (tracing) call and on a
// replay with new values, in float32 and float64.
func TestHybridizeMatchesEager(t *testing.T) {
	golden := ndtest.LoadGolden(t, "testdata/golden_loss.json")
	for name, l := range hybridCases() {
		for _, dt := range []nd.DType{nd.Float64, nd.Float32} {
			t.Run(name+"/"+dt.String(), func(t *testing.T) {
				h := loss.Hybridize(l)
				for call := range 2 {
					in := inputs(golden[name], dt)
					if call == 1 {
						in[0] = in[0].MulScalar(0.75)
					}
					want, wantGrad := lossAndGrad(t, l, in)
					got, gotGrad := lossAndGrad(t, h, in)
					ndtest.AssertClose(t, got, want.Shape(), values(t, want), 1e-6, 1e-7)
					for i := range gotGrad {
						if wantGrad[i] == nil {
							continue
						}
						ndtest.AssertClose(t, gotGrad[i], wantGrad[i].Shape(), values(t, wantGrad[i]), 1e-6, 1e-7)
					}
				}
				if compiled, opByOp := loss.HybridPlans(h); compiled == 0 || opByOp != 0 {
					t.Errorf("plans: %d compiled, %d op by op; want all compiled", compiled, opByOp)
				}
			})
		}
	}
}

// lossAndGrad returns l's output and the gradients of its sum with respect
// to the inputs that are not labels (inputs 0 and 2+).
func lossAndGrad(t *testing.T, l loss.Loss, in []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	t.Helper()
	var vars []*nd.NDArray
	args := make([]*nd.NDArray, len(in))
	for i, x := range in {
		args[i] = x.Copy()
		if i != 1 {
			args[i].AttachGrad()
			vars = append(vars, args[i])
		}
	}
	var out, sum *nd.NDArray
	autograd.Record(func() {
		out = l.Forward(args[0], args[1], args[2:]...)
		sum = out.Sum()
	})
	if err := autograd.BackwardOne(sum); err != nil {
		t.Fatal(err)
	}
	grads := make([]*nd.NDArray, len(vars))
	for i, v := range vars {
		grads[i] = v.Grad()
	}
	return out, grads
}

func values(t *testing.T, a *nd.NDArray) []float64 {
	t.Helper()
	v, err := a.AsType(nd.Float64).Values()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestHybridizeRetracesNewShapes checks that a new batch size gets its own
// graph and that predict mode (no recording) works too.
func TestHybridizeRetracesNewShapes(t *testing.T) {
	h := loss.Hybridize(loss.NewSoftmaxCrossEntropyLoss())
	if loss.Hybridize(h) != h {
		t.Error("hybridizing twice wrapped the loss again")
	}
	for _, n := range []int{4, 1, 4} {
		pred := nd.RandomNormal(0, 1, nd.Shape{n, 5})
		label := nd.RandInt(0, 5, nd.Shape{n}).AsType(nd.Float32)
		got := h.Forward(pred, label)
		want := loss.NewSoftmaxCrossEntropyLoss().Forward(pred, label)
		ndtest.AssertClose(t, got, nd.Shape{n}, values(t, want), 1e-6, 1e-7)
	}
	if !strings.Contains(h.(interface{ String() string }).String(), "SoftmaxCrossEntropyLoss") {
		t.Errorf("String() = %q", h.(interface{ String() string }).String())
	}
}

// Hybridizing with ReuseOutputs (also a loss hybridized before) returns
// the same loss array from each call, holding each call's values.
func TestHybridizeReusingOutputs(t *testing.T) {
	plain := loss.Hybridize(loss.NewSoftmaxCrossEntropyLoss())
	h := loss.Hybridize(plain, gluon.HybridizeOptions{ReuseOutputs: true})
	if h == plain {
		t.Fatal("hybridizing with options kept the old loss")
	}
	var first *nd.NDArray
	for i := range 3 {
		pred := nd.RandomNormal(0, 1, nd.Shape{4, 5})
		label := nd.RandInt(0, 5, nd.Shape{4}).AsType(nd.Float32)
		got := h.Forward(pred, label)
		if i == 0 {
			first = got
		} else if got != first {
			t.Fatalf("call %d returned a new array", i)
		}
		want := loss.NewSoftmaxCrossEntropyLoss().Forward(pred, label)
		ndtest.AssertClose(t, got, nd.Shape{4}, values(t, want), 1e-6, 1e-7)
	}
}

// TestHybridizeUntraceableLoss checks that a loss that cannot be traced
// fails with an error naming it rather than computing something else.
func TestHybridizeUntraceableLoss(t *testing.T) {
	h := loss.Hybridize(readsData{})
	err := nd.Try(func() { h.Forward(nd.Ones(nd.Shape{2}), nd.Ones(nd.Shape{2})) })
	if err == nil || !strings.Contains(err.Error(), "readsData") {
		t.Fatalf("error = %v, want one naming readsData", err)
	}
}

// readsData branches on its input's values, which tracing cannot follow.
type readsData struct{}

func (readsData) Forward(pred, label *nd.NDArray, _ ...*nd.NDArray) *nd.NDArray {
	if pred.Sum().Scalar() > 0 {
		return pred.Sub(label)
	}
	return label.Sub(pred)
}
