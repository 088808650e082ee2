package loss

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

// SoftmaxCrossEntropyLoss is the cross-entropy of softmax(pred) along Axis:
// with sparse labels (class indices, the default) L = -log_softmax(pred)[label],
// with dense labels (distributions) L = -Σ label·log_softmax(pred).
// FromLogits means pred already holds log-probabilities. The log-softmax
// form stays finite for any logits.
//
// Shapes: pred (N, C), label (N,) or (N, 1) sparse, (N, C) dense → (N,).
// Defaults: axis -1, sparse labels, not from logits.
type SoftmaxCrossEntropyLoss struct {
	Base
	Axis        int
	SparseLabel bool
	FromLogits  bool
}

// NewSoftmaxCrossEntropyLoss returns the loss with Gluon's defaults.
func NewSoftmaxCrossEntropyLoss(opts ...Option) *SoftmaxCrossEntropyLoss {
	return &SoftmaxCrossEntropyLoss{Base: newBase(opts), Axis: -1, SparseLabel: true}
}

// Forward implements Loss.
func (l *SoftmaxCrossEntropyLoss) Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	logp := pred
	if !l.FromLogits {
		logp = nd.LogSoftmax(pred, l.Axis, 0)
	}
	var loss *nd.NDArray
	if l.SparseLabel {
		loss = nd.Pick(logp, label, l.Axis, true, "clip").Neg()
	} else {
		label = reshapeLike(label, logp, "SoftmaxCrossEntropyLoss")
		loss = nd.Sum(logp.Mul(label), []int{l.Axis}, true).Neg()
	}
	return l.meanBatch(weighting(loss, l.Weight, sampleWeight), "SoftmaxCrossEntropyLoss")
}

func (l *SoftmaxCrossEntropyLoss) String() string {
	return fmt.Sprintf("SoftmaxCrossEntropyLoss(axis=%d, sparse_label=%v, from_logits=%v)", l.Axis, l.SparseLabel, l.FromLogits)
}

// SigmoidBinaryCrossEntropyLoss is the binary cross-entropy of
// sigmoid(pred) against labels in [0, 1]. From logits (the default) it uses
// the stable form L = max(x, 0) - x·y + log(1 + exp(-|x|)); with
// PosWeight p (broadcast against pred) positives weigh p:
// L = x - x·y + (1 + (p-1)·y)·(log(1 + exp(-|x|)) + max(-x, 0)).
// FromSigmoid means pred holds probabilities:
// L = -(p·y·log(pred + ε) + (1-y)·log(1 - pred + ε)), ε = 1e-12.
type SigmoidBinaryCrossEntropyLoss struct {
	Base
	FromSigmoid bool
	PosWeight   *nd.NDArray
}

// NewSigmoidBinaryCrossEntropyLoss returns the loss from logits.
func NewSigmoidBinaryCrossEntropyLoss(opts ...Option) *SigmoidBinaryCrossEntropyLoss {
	return &SigmoidBinaryCrossEntropyLoss{Base: newBase(opts)}
}

// Forward implements Loss.
func (l *SigmoidBinaryCrossEntropyLoss) Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	y := reshapeLike(label, pred, "SigmoidBinaryCrossEntropyLoss")
	var loss *nd.NDArray
	if !l.FromSigmoid {
		soft := pred.Abs().Neg().Softrelu() // log(1 + exp(-|x|))
		if l.PosWeight == nil {
			loss = pred.Relu().Sub(pred.Mul(y)).Add(soft)
		} else {
			logW := y.Mul(l.PosWeight.AddScalar(-1)).AddScalar(1)
			loss = pred.Sub(pred.Mul(y)).Add(logW.Mul(soft.Add(pred.Neg().Relu())))
		}
	} else {
		const eps = 1e-12
		pos := pred.AddScalar(eps).Log().Mul(y)
		if l.PosWeight != nil {
			pos = pos.Mul(l.PosWeight)
		}
		neg := pred.Neg().AddScalar(1 + eps).Log().Mul(y.Neg().AddScalar(1))
		loss = pos.Add(neg).Neg()
	}
	return l.meanBatch(weighting(loss, l.Weight, sampleWeight), "SigmoidBinaryCrossEntropyLoss")
}

func (l *SigmoidBinaryCrossEntropyLoss) String() string {
	return fmt.Sprintf("SigmoidBinaryCrossEntropyLoss(from_sigmoid=%v)", l.FromSigmoid)
}

// KLDivLoss is the Kullback-Leibler divergence L = label·(log(label + ε) - pred)
// with pred log-probabilities (FromLogits, the default) or, otherwise,
// logits that get a log_softmax along Axis first. ε = 1e-12.
type KLDivLoss struct {
	Base
	FromLogits bool
	Axis       int
}

// NewKLDivLoss returns a KLDivLoss from log-probabilities along axis -1.
func NewKLDivLoss(opts ...Option) *KLDivLoss {
	return &KLDivLoss{Base: newBase(opts), FromLogits: true, Axis: -1}
}

// Forward implements Loss.
func (l *KLDivLoss) Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	if !l.FromLogits {
		pred = nd.LogSoftmax(pred, l.Axis, 0)
	}
	label = reshapeLike(label, pred, "KLDivLoss")
	loss := label.Mul(label.AddScalar(1e-12).Log().Sub(pred))
	return l.meanBatch(weighting(loss, l.Weight, sampleWeight), "KLDivLoss")
}

func (l *KLDivLoss) String() string {
	return fmt.Sprintf("KLDivLoss(from_logits=%v, axis=%d)", l.FromLogits, l.Axis)
}

// LogisticLoss is L = log(1 + exp(-pred·y)) for labels y = ±1
// (LabelFormat "signed", the default) or y ∈ {0, 1} ("binary"), computed as
// max(x, 0) - x·t + log(1 + exp(-|x|)) with t = (y+1)/2 for signed labels.
type LogisticLoss struct {
	Base
	LabelFormat string
}

// NewLogisticLoss returns a LogisticLoss for signed labels.
func NewLogisticLoss(opts ...Option) *LogisticLoss {
	return &LogisticLoss{Base: newBase(opts), LabelFormat: "signed"}
}

// Forward implements Loss. It panics if LabelFormat is not signed or binary.
func (l *LogisticLoss) Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	t := reshapeLike(label, pred, "LogisticLoss")
	switch l.LabelFormat {
	case "signed", "":
		t = t.AddScalar(1).MulScalar(0.5)
	case "binary":
	default:
		panic(&nd.Error{Op: "LogisticLoss", Msg: fmt.Sprintf("label_format %q: want signed or binary", l.LabelFormat)})
	}
	loss := pred.Relu().Sub(pred.Mul(t)).Add(pred.Abs().Neg().Softrelu())
	return l.meanBatch(weighting(loss, l.Weight, sampleWeight), "LogisticLoss")
}

func (l *LogisticLoss) String() string {
	return fmt.Sprintf("LogisticLoss(label_format=%s)", l.LabelFormat)
}
