package loss

import (
	"fmt"
	"math"

	"github.com/mxgo/mxgo/nd"
)

// L2Loss is half the squared error: L = weight/2·(label - pred)², averaged
// over the non-batch axes.
//
// Shapes: pred (N, ...), label of the same size → (N,).
type L2Loss struct{ Base }

// NewL2Loss returns an L2Loss (weight 1, batch axis 0).
func NewL2Loss(opts ...Option) *L2Loss { return &L2Loss{newBase(opts)} }

// Forward implements Loss.
func (l *L2Loss) Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	d := reshapeLike(label, pred, "L2Loss").Sub(pred)
	return l.meanBatch(weighting(d.Square(), l.Weight/2, sampleWeight), "L2Loss")
}

func (l *L2Loss) String() string { return "L2Loss()" }

// L1Loss is the absolute error: L = weight·|label - pred|, averaged over
// the non-batch axes.
type L1Loss struct{ Base }

// NewL1Loss returns an L1Loss.
func NewL1Loss(opts ...Option) *L1Loss { return &L1Loss{newBase(opts)} }

// Forward implements Loss.
func (l *L1Loss) Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	d := reshapeLike(label, pred, "L1Loss").Sub(pred)
	return l.meanBatch(weighting(d.Abs(), l.Weight, sampleWeight), "L1Loss")
}

func (l *L1Loss) String() string { return "L1Loss()" }

// HuberLoss is the smoothed L1 loss: with d = |label - pred|,
// L = d - ρ/2 where d > ρ, else d²/(2ρ). Rho defaults to 1.
type HuberLoss struct {
	Base
	Rho float64
}

// NewHuberLoss returns a HuberLoss with ρ = 1.
func NewHuberLoss(opts ...Option) *HuberLoss { return &HuberLoss{Base: newBase(opts), Rho: 1} }

// Forward implements Loss. It panics if Rho <= 0.
func (l *HuberLoss) Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	if l.Rho <= 0 {
		panic(&nd.Error{Op: "HuberLoss", Msg: fmt.Sprintf("rho %g: must be positive", l.Rho)})
	}
	d := reshapeLike(label, pred, "HuberLoss").Sub(pred).Abs()
	loss := nd.Where(d.GreaterScalar(l.Rho), d.AddScalar(-l.Rho/2), d.Square().MulScalar(0.5/l.Rho))
	return l.meanBatch(weighting(loss, l.Weight, sampleWeight), "HuberLoss")
}

func (l *HuberLoss) String() string { return fmt.Sprintf("HuberLoss(rho=%g)", l.Rho) }

// HingeLoss is L = max(0, margin - pred·label) for labels ±1 (margin 1).
type HingeLoss struct {
	Base
	Margin float64
}

// NewHingeLoss returns a HingeLoss with margin 1.
func NewHingeLoss(opts ...Option) *HingeLoss { return &HingeLoss{Base: newBase(opts), Margin: 1} }

// Forward implements Loss.
func (l *HingeLoss) Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	m := pred.Mul(reshapeLike(label, pred, "HingeLoss")).Neg().AddScalar(l.Margin).Relu()
	return l.meanBatch(weighting(m, l.Weight, sampleWeight), "HingeLoss")
}

func (l *HingeLoss) String() string { return fmt.Sprintf("HingeLoss(margin=%g)", l.Margin) }

// SquaredHingeLoss is L = max(0, margin - pred·label)² for labels ±1.
type SquaredHingeLoss struct {
	Base
	Margin float64
}

// NewSquaredHingeLoss returns a SquaredHingeLoss with margin 1.
func NewSquaredHingeLoss(opts ...Option) *SquaredHingeLoss {
	return &SquaredHingeLoss{Base: newBase(opts), Margin: 1}
}

// Forward implements Loss.
func (l *SquaredHingeLoss) Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	m := pred.Mul(reshapeLike(label, pred, "SquaredHingeLoss")).Neg().AddScalar(l.Margin).Relu()
	return l.meanBatch(weighting(m.Square(), l.Weight, sampleWeight), "SquaredHingeLoss")
}

func (l *SquaredHingeLoss) String() string {
	return fmt.Sprintf("SquaredHingeLoss(margin=%g)", l.Margin)
}

// PoissonNLLLoss is the negative log-likelihood of target under a Poisson
// distribution: with FromLogits (the default) pred is log λ and
// L = exp(pred) - target·pred; otherwise pred is λ and
// L = pred - target·log(pred + ε). ComputeFull adds Stirling's
// approximation of log(target!) for targets > 1.
//
// Unlike Gluon, which averages over everything to one number, the result
// is one value per sample like every other loss here; take its mean for
// Gluon's value.
type PoissonNLLLoss struct {
	Base
	FromLogits  bool
	ComputeFull bool
	Epsilon     float64
}

// NewPoissonNLLLoss returns a PoissonNLLLoss (from_logits, ε = 1e-8).
func NewPoissonNLLLoss(opts ...Option) *PoissonNLLLoss {
	return &PoissonNLLLoss{Base: newBase(opts), FromLogits: true, Epsilon: 1e-8}
}

// Forward implements Loss.
func (l *PoissonNLLLoss) Forward(pred, target *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	target = reshapeLike(target, pred, "PoissonNLLLoss")
	var loss *nd.NDArray
	if l.FromLogits {
		loss = pred.Exp().Sub(target.Mul(pred))
	} else {
		loss = pred.Sub(target.Mul(pred.AddScalar(l.Epsilon).Log()))
	}
	if l.ComputeFull {
		// target·log(target) - target + log(2π·target)/2 where target > 1;
		// the log's argument is clamped so masked entries stay finite.
		safe := target.MaximumScalar(1)
		stirling := safe.Mul(safe.Log()).Sub(safe).Add(safe.MulScalar(2 * math.Pi).Log().MulScalar(0.5))
		loss = loss.Add(stirling.Mul(target.GreaterScalar(1)))
	}
	return l.meanBatch(weighting(loss, l.Weight, sampleWeight), "PoissonNLLLoss")
}

func (l *PoissonNLLLoss) String() string {
	return fmt.Sprintf("PoissonNLLLoss(from_logits=%v, compute_full=%v)", l.FromLogits, l.ComputeFull)
}
