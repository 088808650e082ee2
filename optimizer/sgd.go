package optimizer

import (
	"math"
	"strings"

	"github.com/mxgo/mxgo/nd"
)

func init() {
	Register("sgd", func() Optimizer { return NewSGD() })
	Register("nag", func() Optimizer { return NewNAG() })
	Register("signum", func() Optimizer { return NewSignum() })
	Register("lars", func() Optimizer { return NewLARS() })
}

// SGD is stochastic gradient descent with optional momentum, in MXNet's
// form (the learning rate is inside the momentum buffer):
//
//	g' = clip(rescale_grad·g)
//	mom = momentum·mom - lr·(g' + wd·w)
//	w += mom
//
// Without momentum, w -= lr·(g' + wd·w). Defaults: learning_rate 0.01,
// momentum 0. With a constant learning rate this equals PyTorch's SGD.
//
// SGD is a MultiUpdater: a Trainer updates its parameters in groups of
// aggregate_num with multi_sgd_update / multi_sgd_mom_update, one op per
// group, bit-identical to updating them one by one. Once warmed up, its
// updates allocate nothing while the hyperparameters stay the same.
type SGD struct {
	Base
	Momentum float64 `mx:"momentum"`

	fused fusedSGD
	multi multiSGD
}

// NewSGD returns SGD with MXNet's defaults.
func NewSGD() *SGD { return &SGD{Base: newBase(0.01)} }

// CreateState implements Optimizer.
func (o *SGD) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *SGD) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule: a momentum buffer when momentum is set.
func (o *SGD) NewState(w *nd.NDArray) []*nd.NDArray {
	if o.Momentum == 0 {
		return nil
	}
	return zerosLike(w, 1)
}

// Apply implements Rule with sgd_update / sgd_mom_update.
func (o *SGD) Apply(s *StepArgs) {
	a := nd.SGDAttrs{LR: s.LR, Momentum: o.Momentum, WD: s.WD, RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient}
	o.fused.run(&o.Base, opSGDUpdate, opSGDMomUpdate, s, a)
}

// UpdateMulti implements MultiUpdater with one multi_sgd_update (or
// multi_sgd_mom_update) for the group.
func (o *SGD) UpdateMulti(indices []int, weights, grads []*nd.NDArray, states []*State) {
	if o.multi.update(&o.Base, o.Momentum, indices, weights, grads, states) {
		return
	}
	for k, i := range indices {
		o.Update(i, weights[k], grads[k], states[k])
	}
}

// NAG is SGD with Nesterov momentum (MXNet's NAG, identical to PyTorch's
// SGD with nesterov=True):
//
//	g' = clip(rescale_grad·g) + wd·w
//	mom = momentum·mom + g'
//	w -= lr·(g' + momentum·mom)
//
// Defaults: learning_rate 0.01, momentum 0.
type NAG struct {
	Base
	Momentum float64 `mx:"momentum"`

	fused fusedSGD
}

// NewNAG returns NAG with MXNet's defaults.
func NewNAG() *NAG { return &NAG{Base: newBase(0.01)} }

// CreateState implements Optimizer.
func (o *NAG) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *NAG) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule.
func (o *NAG) NewState(w *nd.NDArray) []*nd.NDArray {
	if o.Momentum == 0 {
		return nil
	}
	return zerosLike(w, 1)
}

// Apply implements Rule with nag_mom_update (sgd_update without momentum).
func (o *NAG) Apply(s *StepArgs) {
	a := nd.SGDAttrs{LR: s.LR, Momentum: o.Momentum, WD: s.WD, RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient}
	o.fused.run(&o.Base, opSGDUpdate, opNAGMomUpdate, s, a)
}

// Signum is signSGD with momentum (Bernstein et al. 2018):
//
//	mom = momentum·mom - (1-momentum)·(wd·w + clip(rescale_grad·g))
//	w = (1 - lr·wd_lh)·w + lr·sign(mom)
//
// With momentum 0 it is signSGD: w = (1 - lr·wd)·w - lr·sign(g').
// Defaults: learning_rate 0.01, momentum 0.9, wd_lh 0.
type Signum struct {
	Base
	Momentum float64 `mx:"momentum"`
	WDLH     float64 `mx:"wd_lh"`

	fused fusedSGD
}

// NewSignum returns Signum with MXNet's defaults.
func NewSignum() *Signum { return &Signum{Base: newBase(0.01), Momentum: 0.9} }

// CreateState implements Optimizer.
func (o *Signum) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *Signum) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule.
func (o *Signum) NewState(w *nd.NDArray) []*nd.NDArray {
	if o.Momentum == 0 {
		return nil
	}
	return zerosLike(w, 1)
}

// Apply implements Rule with signum_update / signsgd_update.
func (o *Signum) Apply(s *StepArgs) {
	a := nd.SGDAttrs{LR: s.LR, Momentum: o.Momentum, WD: s.WD, RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient, WDLH: o.WDLH}
	o.fused.run(&o.Base, opSignSGDUpdate, opSignumUpdate, s, a)
}

// LARS is SGD (with momentum) at a layer-wise learning rate (You et al.
// 2017, MXNet's LARS):
//
//	lr' = lr·η·‖w‖ / (‖rescale_grad·g‖ + wd·‖w‖ + ε)   (lr' = lr if a norm is 0)
//
// then the SGD step with lr'. Parameters whose name (Base.Names) ends in
// gamma, beta or bias keep lr. Defaults: learning_rate 0.01, momentum 0,
// eta 0.001, epsilon 0. Each update reads the two norms back to the host.
type LARS struct {
	Base
	Momentum float64 `mx:"momentum"`
	Eta      float64 `mx:"eta"`
	Epsilon  float64 `mx:"epsilon"`
}

// NewLARS returns LARS with MXNet's defaults.
func NewLARS() *LARS { return &LARS{Base: newBase(0.01), Eta: 0.001} }

// CreateState implements Optimizer.
func (o *LARS) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *LARS) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule.
func (o *LARS) NewState(w *nd.NDArray) []*nd.NDArray {
	if o.Momentum == 0 {
		return nil
	}
	return zerosLike(w, 1)
}

// Apply implements Rule.
func (o *LARS) Apply(s *StepArgs) {
	lr := s.LR
	if !larsExempt(o.Names[s.Index]) {
		wn := nd.Norm(s.Weight, 2, nil, false).Scalar()
		gn := nd.Norm(s.Grad, 2, nil, false).Scalar() * math.Abs(o.rescale())
		if wn > 0 && gn > 0 {
			lr *= o.Eta * wn / (gn + s.WD*wn + o.Epsilon)
		}
	}
	a := nd.SGDAttrs{LR: lr, Momentum: o.Momentum, WD: s.WD, RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient}
	if len(s.State) == 0 {
		nd.SGDUpdate(s.Weight, s.Grad, a)
		return
	}
	nd.SGDMomUpdate(s.Weight, s.Grad, s.State[0], a)
}

func larsExempt(name string) bool {
	return strings.HasSuffix(name, "gamma") || strings.HasSuffix(name, "beta") || strings.HasSuffix(name, "bias")
}
