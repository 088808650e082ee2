package optimizer

import "github.com/mxgo/mxgo/nd"

func init() {
	Register("rmsprop", func() Optimizer { return NewRMSProp() })
	Register("adagrad", func() Optimizer { return NewAdaGrad() })
	Register("adadelta", func() Optimizer { return NewAdaDelta() })
	Register("ftrl", func() Optimizer { return NewFtrl() })
}

// RMSProp (Tieleman & Hinton 2012), MXNet's form with ε inside the root:
//
//	g' = clip(rescale_grad·g + wd·w)
//	n = (1-γ1)·g'² + γ1·n
//	w -= lr·g'/√(n + ε)
//
// Centered (Graves 2013, rmspropalex_update) also tracks ḡ and a momentum
// δ: ḡ = (1-γ1)·g' + γ1·ḡ, δ = γ2·δ - lr·g'/√(n - ḡ² + ε), w += δ.
// ClipWeights > 0 clips the weights after each step. Defaults:
// learning_rate 0.001, gamma1 0.9, gamma2 0.9, epsilon 1e-8, not centered.
type RMSProp struct {
	Base
	Gamma1      float64 `mx:"gamma1"`
	Gamma2      float64 `mx:"gamma2"`
	Epsilon     float64 `mx:"epsilon"`
	Centered    bool    `mx:"centered"`
	ClipWeights float64 `mx:"clip_weights"`
}

// NewRMSProp returns RMSProp with MXNet's defaults.
func NewRMSProp() *RMSProp {
	return &RMSProp{Base: newBase(0.001), Gamma1: 0.9, Gamma2: 0.9, Epsilon: 1e-8}
}

// CreateState implements Optimizer.
func (o *RMSProp) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *RMSProp) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule: n (and ḡ, δ when centered).
func (o *RMSProp) NewState(w *nd.NDArray) []*nd.NDArray {
	if o.Centered {
		return zerosLike(w, 3)
	}
	return zerosLike(w, 1)
}

// Apply implements Rule with rmsprop_update / rmspropalex_update.
func (o *RMSProp) Apply(s *StepArgs) {
	a := nd.RMSPropAttrs{LR: s.LR, Gamma1: o.Gamma1, Gamma2: o.Gamma2, Epsilon: o.Epsilon, WD: s.WD,
		RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient, ClipWeights: o.ClipWeights}
	if len(s.State) == 3 {
		nd.RMSPropAlexUpdate(s.Weight, s.Grad, s.State[0], s.State[1], s.State[2], a)
		return
	}
	nd.RMSPropUpdate(s.Weight, s.Grad, s.State[0], a)
}

// AdaGrad (Duchi et al. 2011), MXNet's form:
//
//	g' = clip(rescale_grad·g)
//	h += g'²
//	w -= lr·(g'/√(h + ε) + wd·w)
//
// Defaults: learning_rate 0.01, epsilon 1e-7.
type AdaGrad struct {
	Base
	Epsilon float64 `mx:"epsilon"`
}

// NewAdaGrad returns AdaGrad with MXNet's defaults.
func NewAdaGrad() *AdaGrad { return &AdaGrad{Base: newBase(0.01), Epsilon: 1e-7} }

// CreateState implements Optimizer.
func (o *AdaGrad) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *AdaGrad) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule: the sum of squared gradients.
func (o *AdaGrad) NewState(w *nd.NDArray) []*nd.NDArray { return zerosLike(w, 1) }

// Apply implements Rule with adagrad_update.
func (o *AdaGrad) Apply(s *StepArgs) {
	nd.AdaGradUpdate(s.Weight, s.Grad, s.State[0], nd.RMSPropAttrs{LR: s.LR, Epsilon: o.Epsilon, WD: s.WD,
		RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient})
}

// AdaDelta (Zeiler 2012), MXNet's form scaled by the learning rate:
//
//	g' = clip(rescale_grad·g)
//	E[g²] = ρ·E[g²] + (1-ρ)·g'²
//	Δ = √(E[Δ²] + ε)/√(E[g²] + ε)·g'
//	E[Δ²] = ρ·E[Δ²] + (1-ρ)·Δ²
//	w -= lr·(Δ + wd·w)
//
// Defaults: learning_rate 1 (MXNet 1.x ignores the rate, which is the same
// as 1), rho 0.9, epsilon 1e-5.
type AdaDelta struct {
	Base
	Rho     float64 `mx:"rho"`
	Epsilon float64 `mx:"epsilon"`
}

// NewAdaDelta returns AdaDelta with MXNet's defaults.
func NewAdaDelta() *AdaDelta { return &AdaDelta{Base: newBase(1), Rho: 0.9, Epsilon: 1e-5} }

// CreateState implements Optimizer.
func (o *AdaDelta) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *AdaDelta) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule: E[g²] and E[Δ²].
func (o *AdaDelta) NewState(w *nd.NDArray) []*nd.NDArray { return zerosLike(w, 2) }

// Apply implements Rule with adadelta_update.
func (o *AdaDelta) Apply(s *StepArgs) {
	nd.AdaDeltaUpdate(s.Weight, s.Grad, s.State[0], s.State[1], nd.RMSPropAttrs{LR: s.LR, Gamma1: o.Rho,
		Epsilon: o.Epsilon, WD: s.WD, RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient})
}

// Ftrl is FTRL-Proximal (McMahan et al. 2013), MXNet's ftrl_update:
//
//	g' = clip(rescale_grad·g)
//	z += g' - (√(n + g'²) - √n)·w/lr
//	n += g'²
//	w = (sign(z)·λ1 - z)/((β + √n)/lr + wd)  where |z| > λ1, else 0
//
// Defaults: learning_rate 0.1, lamda1 0.01, beta 1.
type Ftrl struct {
	Base
	Lamda1 float64 `mx:"lamda1"`
	Beta   float64 `mx:"beta"`
}

// NewFtrl returns Ftrl with MXNet's defaults.
func NewFtrl() *Ftrl { return &Ftrl{Base: newBase(0.1), Lamda1: 0.01, Beta: 1} }

// CreateState implements Optimizer.
func (o *Ftrl) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *Ftrl) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule: z and n.
func (o *Ftrl) NewState(w *nd.NDArray) []*nd.NDArray { return zerosLike(w, 2) }

// Apply implements Rule with ftrl_update.
func (o *Ftrl) Apply(s *StepArgs) {
	nd.FtrlUpdate(s.Weight, s.Grad, s.State[0], s.State[1], nd.FtrlAttrs{LR: s.LR, Lamda1: o.Lamda1, Beta: o.Beta,
		WD: s.WD, RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient})
}
