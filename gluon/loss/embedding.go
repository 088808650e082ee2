package loss

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

// TripletLoss is L = max(0, Σ(positive - pred)² - Σ(negative - pred)² + margin),
// the sums over the non-batch axes (Schroff et al. 2015). It takes three
// inputs, so it has its own Forward instead of implementing Loss.
type TripletLoss struct {
	Base
	Margin float64
}

// NewTripletLoss returns a TripletLoss with margin 1.
func NewTripletLoss(opts ...Option) *TripletLoss { return &TripletLoss{Base: newBase(opts), Margin: 1} }

// Forward returns one loss per sample (N,) for anchors pred and their
// positive and negative examples (each of pred's size).
func (l *TripletLoss) Forward(pred, positive, negative *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	positive = reshapeLike(positive, pred, "TripletLoss")
	negative = reshapeLike(negative, pred, "TripletLoss")
	d := positive.Sub(pred).Square().Sub(negative.Sub(pred).Square())
	loss := l.sumBatch(d, "TripletLoss").AddScalar(l.Margin).Relu()
	return weighting(loss, l.Weight, sampleWeight)
}

func (l *TripletLoss) String() string { return fmt.Sprintf("TripletLoss(margin=%g)", l.Margin) }

// CosineEmbeddingLoss compares two inputs by cosine similarity c along the
// last axis: L = 1 - c for label 1 and max(0, c - margin) for label -1
// (c = x·y / max(‖x‖·‖y‖, 1e-12)). It takes three inputs and has its own
// Forward.
//
// Shapes: input1, input2 (N, D), label (N,) → (N,).
type CosineEmbeddingLoss struct {
	Base
	Margin float64
}

// NewCosineEmbeddingLoss returns a CosineEmbeddingLoss with margin 0.
func NewCosineEmbeddingLoss(opts ...Option) *CosineEmbeddingLoss {
	return &CosineEmbeddingLoss{Base: newBase(opts)}
}

// Forward returns one loss per sample.
func (l *CosineEmbeddingLoss) Forward(input1, input2, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	input1 = reshapeLike(input1, input2, "CosineEmbeddingLoss")
	ax := []int{input1.Ndim() - 1}
	dot := nd.Sum(input1.Mul(input2), ax, false)
	norms := nd.Norm(input1, 2, ax, false).Mul(nd.Norm(input2, 2, ax, false)).MaximumScalar(1e-12)
	cos := dot.Div(norms)
	label = reshapeLike(label, cos, "CosineEmbeddingLoss")
	pos := cos.Neg().AddScalar(1).Mul(label.EqualScalar(1))
	neg := cos.AddScalar(-l.Margin).Relu().Mul(label.EqualScalar(-1))
	loss := weighting(pos.Add(neg), l.Weight, sampleWeight)
	return l.meanBatch(loss, "CosineEmbeddingLoss")
}

func (l *CosineEmbeddingLoss) String() string {
	return fmt.Sprintf("CosineEmbeddingLoss(margin=%g)", l.Margin)
}
