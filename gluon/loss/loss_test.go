package loss_test

import (
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon/loss"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

type lossFn func(in []*nd.NDArray) *nd.NDArray

func sw(in []*nd.NDArray, i int) []*nd.NDArray {
	if len(in) > i {
		return in[i : i+1]
	}
	return nil
}

// cases maps each golden case to the Go call that should reproduce it.
// diff marks which inputs the loss is differentiable in for CheckGrad.
var cases = map[string]struct {
	f    lossFn
	diff []bool
}{
	"l2": {func(in []*nd.NDArray) *nd.NDArray { return loss.NewL2Loss().Forward(in[0], in[1]) }, []bool{true, true}},
	"l2_weighted": {func(in []*nd.NDArray) *nd.NDArray {
		return loss.NewL2Loss(loss.WithWeight(2)).Forward(in[0], in[1], in[2])
	}, []bool{true, true, true}},
	"l2_batch_axis1": {func(in []*nd.NDArray) *nd.NDArray { return loss.NewL2Loss(loss.WithBatchAxis(1)).Forward(in[0], in[1]) }, nil},
	"l1":             {func(in []*nd.NDArray) *nd.NDArray { return loss.NewL1Loss().Forward(in[0], in[1]) }, []bool{true, true}},
	"l1_weighted": {func(in []*nd.NDArray) *nd.NDArray {
		return loss.NewL1Loss(loss.WithWeight(0.5)).Forward(in[0], in[1], sw(in, 2)...)
	}, nil},
	"huber": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewHuberLoss()
		l.Rho = 0.5
		return l.Forward(in[0], in[1])
	}, []bool{true, true}},
	"huber_rho2": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewHuberLoss()
		l.Rho = 2
		return l.Forward(in[0], in[1])
	}, nil},
	"hinge": {func(in []*nd.NDArray) *nd.NDArray { return loss.NewHingeLoss().Forward(in[0], in[1]) }, []bool{true, false}},
	"squared_hinge": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewSquaredHingeLoss()
		l.Margin = 0.5
		return l.Forward(in[0], in[1])
	}, []bool{true, false}},
	"logistic_signed": {func(in []*nd.NDArray) *nd.NDArray { return loss.NewLogisticLoss().Forward(in[0], in[1]) }, []bool{true, false}},
	"logistic_binary": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewLogisticLoss()
		l.LabelFormat = "binary"
		return l.Forward(in[0], in[1])
	}, []bool{true, false}},
	"sce_sparse": {func(in []*nd.NDArray) *nd.NDArray { return loss.NewSoftmaxCrossEntropyLoss().Forward(in[0], in[1]) }, []bool{true, false}},
	"sce_dense": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewSoftmaxCrossEntropyLoss()
		l.SparseLabel = false
		return l.Forward(in[0], in[1])
	}, []bool{true, true}},
	"sce_from_logits_weighted": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewSoftmaxCrossEntropyLoss()
		l.FromLogits = true
		return l.Forward(in[0], in[1], in[2])
	}, []bool{true, false, true}},
	"sce_axis1": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewSoftmaxCrossEntropyLoss()
		l.Axis = 1
		return l.Forward(in[0], in[1])
	}, []bool{true, false}},
	"sbce": {func(in []*nd.NDArray) *nd.NDArray {
		return loss.NewSigmoidBinaryCrossEntropyLoss().Forward(in[0], in[1])
	}, []bool{true, true}},
	"sbce_pos_weight": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewSigmoidBinaryCrossEntropyLoss()
		l.PosWeight = in[2]
		return l.Forward(in[0], in[1])
	}, []bool{true, true, true}},
	"sbce_from_sigmoid": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewSigmoidBinaryCrossEntropyLoss()
		l.FromSigmoid = true
		return l.Forward(in[0], in[1])
	}, []bool{true, true}},
	"sbce_from_sigmoid_pos_weight": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewSigmoidBinaryCrossEntropyLoss()
		l.FromSigmoid, l.PosWeight = true, in[2]
		return l.Forward(in[0], in[1])
	}, nil},
	"kldiv": {func(in []*nd.NDArray) *nd.NDArray { return loss.NewKLDivLoss().Forward(in[0], in[1]) }, []bool{true, true}},
	"kldiv_not_from_logits": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewKLDivLoss()
		l.FromLogits = false
		return l.Forward(in[0], in[1])
	}, []bool{true, false}},
	"poisson": {func(in []*nd.NDArray) *nd.NDArray { return loss.NewPoissonNLLLoss().Forward(in[0], in[1]) }, []bool{true, true}},
	"poisson_full": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewPoissonNLLLoss()
		l.ComputeFull = true
		return l.Forward(in[0], in[1])
	}, []bool{true, false}},
	"poisson_not_from_logits": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewPoissonNLLLoss()
		l.FromLogits = false
		return l.Forward(in[0], in[1])
	}, []bool{true, true}},
	"ctc": {func(in []*nd.NDArray) *nd.NDArray { return loss.NewCTCLoss().Forward(in[0], in[1]) }, []bool{true, false}},
	"ctc_lengths": {func(in []*nd.NDArray) *nd.NDArray {
		return loss.NewCTCLoss().ForwardLengths(in[0], in[1], in[2], in[3])
	}, []bool{true, false, false, false}},
	"triplet": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewTripletLoss()
		l.Margin = 0.5
		return l.Forward(in[0], in[1], in[2])
	}, []bool{true, true, true}},
	"cosine": {func(in []*nd.NDArray) *nd.NDArray {
		l := loss.NewCosineEmbeddingLoss()
		l.Margin = 0.2
		return l.Forward(in[0], in[1], in[2])
	}, []bool{true, true, false}},
}

func inputs(g ndtest.Golden, dt nd.DType) []*nd.NDArray {
	in := make([]*nd.NDArray, len(g.Inputs))
	for i, a := range g.Inputs {
		in[i] = a.NDArray().AsType(dt)
	}
	return in
}

// TestGolden checks every loss's forward values against PyTorch (float64
// and float32), and the CTC gradient against PyTorch's.
func TestGolden(t *testing.T) {
	golden := ndtest.LoadGolden(t, "testdata/golden_loss.json")
	for name := range cases {
		if _, ok := golden[name]; !ok {
			t.Errorf("case %s has no golden values", name)
		}
	}
	for name, g := range golden {
		c, ok := cases[name]
		if !ok {
			t.Errorf("golden case %s is not tested", name)
			continue
		}
		for _, dt := range []nd.DType{nd.Float64, nd.Float32} {
			t.Run(name+"/"+dt.String(), func(t *testing.T) {
				rtol, atol := 1e-9, 1e-10
				if dt == nd.Float32 {
					rtol, atol = 1e-4, 1e-5
				}
				in := inputs(g, dt)
				want := g.Outputs[0]
				if len(g.Grads) == 0 {
					ndtest.AssertClose(t, c.f(in), nd.Shape(want.Shape), want.Values, rtol, atol)
					return
				}
				in[0].AttachGrad()
				var out *nd.NDArray
				var sum *nd.NDArray
				autograd.Record(func() { out = c.f(in); sum = out.Sum() })
				ndtest.AssertClose(t, out, nd.Shape(want.Shape), want.Values, rtol, atol)
				if err := autograd.BackwardOne(sum); err != nil {
					t.Fatal(err)
				}
				ndtest.AssertClose(t, in[0].Grad(), nd.Shape(g.Grads[0].Shape), g.Grads[0].Values, rtol, atol)
			})
		}
	}
}

// TestGradients compares autograd with central differences for every loss
// whose inputs are smooth at the golden points.
func TestGradients(t *testing.T) {
	golden := ndtest.LoadGolden(t, "testdata/golden_loss.json")
	for name, c := range cases {
		if c.diff == nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			// Only the differentiable inputs vary; labels stay fixed (a
			// perturbed class index is not a class).
			all := inputs(golden[name], nd.Float64)
			var vary []*nd.NDArray
			for i, d := range c.diff {
				if d {
					vary = append(vary, all[i])
				}
			}
			f := func(v []*nd.NDArray) *nd.NDArray {
				in := append([]*nd.NDArray(nil), all...)
				k := 0
				for i, d := range c.diff {
					if d {
						in[i] = v[k]
						k++
					}
				}
				return c.f(in)
			}
			ndtest.CheckGrad(t, f, vary, nil, 1e-5, 1e-6)
		})
	}
}

func TestErrors(t *testing.T) {
	p := nd.Zeros(nd.Shape{2, 3})
	for name, f := range map[string]func(){
		"label size":   func() { loss.NewL2Loss().Forward(p, nd.Zeros(nd.Shape{2, 2})) },
		"batch axis":   func() { loss.NewL1Loss(loss.WithBatchAxis(2)).Forward(p, p) },
		"huber rho":    func() { l := loss.NewHuberLoss(); l.Rho = 0; l.Forward(p, p) },
		"label format": func() { l := loss.NewLogisticLoss(); l.LabelFormat = "x"; l.Forward(p, p) },
		"ctc layout": func() {
			l := loss.NewCTCLoss()
			l.Layout = "CTN"
			l.Forward(nd.Zeros(nd.Shape{1, 2, 3}), nd.Zeros(nd.Shape{1, 1}))
		},
		"ctc label": func() { loss.NewCTCLoss().Forward(nd.Zeros(nd.Shape{1, 2, 3}), nd.Zeros(nd.Shape{2, 1})) },
	} {
		if err := nd.Try(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A label outside the alphabet (the blank is 2 of 3 classes) is an
	// error when the value is read.
	out := loss.NewCTCLoss().Forward(nd.Zeros(nd.Shape{1, 2, 3}), nd.Array([]float32{2}, 1, 1))
	if _, err := out.Values(); err == nil || !strings.Contains(err.Error(), "blank") {
		t.Errorf("ctc label = blank: %v", err)
	}
}

// An impossible alignment (label longer than the sequence) has infinite
// loss and zero gradient.
func TestCTCInfeasible(t *testing.T) {
	x := nd.RandomNormal(0, 1, nd.Shape{1, 2, 4}).AttachGrad()
	var out *nd.NDArray
	autograd.Record(func() { out = loss.NewCTCLoss().Forward(x, nd.Array([]float32{0, 0, 1}, 1, 3)) })
	if v := out.Scalar(); v < 1e300 {
		t.Fatalf("loss %v, want +Inf", v)
	}
	if err := autograd.BackwardOne(out); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{1, 2, 4}, make([]float64, 8), 0, 0)
}

func BenchmarkSoftmaxCrossEntropy(b *testing.B) {
	pred := nd.RandomNormal(0, 1, nd.Shape{128, 10}).AttachGrad()
	label := nd.RandInt(0, 10, nd.Shape{128}).AsType(nd.Float32)
	l := loss.NewSoftmaxCrossEntropyLoss()
	b.ReportAllocs()
	for b.Loop() {
		var out *nd.NDArray
		autograd.Record(func() { out = l.Forward(pred, label) })
		if err := autograd.BackwardOne(out); err != nil {
			b.Fatal(err)
		}
		if err := pred.Grad().WaitToRead(); err != nil {
			b.Fatal(err)
		}
	}
}
