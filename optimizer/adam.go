package optimizer

import (
	"math"

	"github.com/mxgo/mxgo/nd"
)

func init() {
	Register("adam", func() Optimizer { return NewAdam() })
	Register("adamw", func() Optimizer { return NewAdamW() })
	Register("adamax", func() Optimizer { return NewAdamax() })
	Register("nadam", func() Optimizer { return NewNadam() })
	Register("ftml", func() Optimizer { return NewFTML() })
	Register("lamb", func() Optimizer { return NewLAMB() })
}

// Adam (Kingma & Ba 2014) in MXNet's form, the bias correction folded into
// the learning rate and ε added to √v:
//
//	lr_t = lr·√(1-β2^t)/(1-β1^t)
//	g' = clip(rescale_grad·g + wd·w)
//	m = β1·m + (1-β1)·g';  v = β2·v + (1-β2)·g'²
//	w -= lr_t·m/(√v + ε)
//
// Defaults: learning_rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8.
type Adam struct {
	Base
	Beta1   float64 `mx:"beta1"`
	Beta2   float64 `mx:"beta2"`
	Epsilon float64 `mx:"epsilon"`
}

// NewAdam returns Adam with MXNet's defaults.
func NewAdam() *Adam { return &Adam{Base: newBase(0.001), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8} }

// CreateState implements Optimizer.
func (o *Adam) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *Adam) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule: mean and variance.
func (o *Adam) NewState(w *nd.NDArray) []*nd.NDArray { return zerosLike(w, 2) }

// Apply implements Rule with adam_update.
func (o *Adam) Apply(s *StepArgs) {
	t := float64(s.T)
	lr := s.LR * math.Sqrt(1-math.Pow(o.Beta2, t)) / (1 - math.Pow(o.Beta1, t))
	nd.AdamUpdate(s.Weight, s.Grad, s.State[0], s.State[1], nd.AdamAttrs{
		LR: lr, Beta1: o.Beta1, Beta2: o.Beta2, Epsilon: o.Epsilon, WD: s.WD,
		RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient,
	})
}

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter 2017), in
// MXNet 2's form: with lr_t as Adam's (or lr when CorrectBias is false),
//
//	g' = clip(rescale_grad·g)
//	m = β1·m + (1-β1)·g';  v = β2·v + (1-β2)·g'²
//	w -= lr_t·(m/(√v + ε) + wd·w)
//
// Defaults: learning_rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-6,
// correct_bias true.
type AdamW struct {
	Base
	Beta1       float64 `mx:"beta1"`
	Beta2       float64 `mx:"beta2"`
	Epsilon     float64 `mx:"epsilon"`
	CorrectBias bool    `mx:"correct_bias"`
}

// NewAdamW returns AdamW with MXNet's defaults.
func NewAdamW() *AdamW {
	return &AdamW{Base: newBase(0.001), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-6, CorrectBias: true}
}

// CreateState implements Optimizer.
func (o *AdamW) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *AdamW) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule: mean and variance.
func (o *AdamW) NewState(w *nd.NDArray) []*nd.NDArray { return zerosLike(w, 2) }

// Apply implements Rule with _adamw_update.
func (o *AdamW) Apply(s *StepArgs) {
	eta := s.LR
	if o.CorrectBias {
		t := float64(s.T)
		eta *= math.Sqrt(1-math.Pow(o.Beta2, t)) / (1 - math.Pow(o.Beta1, t))
	}
	nd.AdamWUpdate(s.Weight, s.Grad, s.State[0], s.State[1], nd.AdamAttrs{
		LR: 1, Eta: eta, Beta1: o.Beta1, Beta2: o.Beta2, Epsilon: o.Epsilon, WD: s.WD,
		RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient,
	})
}

// Adamax is Adam with the infinity norm (Kingma & Ba 2014, section 7):
//
//	g' = clip(rescale_grad·g + wd·w)
//	m = β1·m + (1-β1)·g';  u = max(β2·u, |g'|)
//	w -= lr/(1-β1^t)·m/u
//
// Defaults: learning_rate 0.002, beta1 0.9, beta2 0.999.
type Adamax struct {
	Base
	Beta1 float64 `mx:"beta1"`
	Beta2 float64 `mx:"beta2"`
}

// NewAdamax returns Adamax with MXNet's defaults.
func NewAdamax() *Adamax { return &Adamax{Base: newBase(0.002), Beta1: 0.9, Beta2: 0.999} }

// CreateState implements Optimizer.
func (o *Adamax) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *Adamax) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule: mean and the infinity norm.
func (o *Adamax) NewState(w *nd.NDArray) []*nd.NDArray { return zerosLike(w, 2) }

// Apply implements Rule with adamax_update.
func (o *Adamax) Apply(s *StepArgs) {
	lr := s.LR / (1 - math.Pow(o.Beta1, float64(s.T)))
	nd.AdamaxUpdate(s.Weight, s.Grad, s.State[0], s.State[1], nd.AdamAttrs{
		LR: lr, Beta1: o.Beta1, Beta2: o.Beta2, WD: s.WD, RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient,
	})
}

// Nadam is Adam with Nesterov momentum (Dozat 2016), MXNet's formula with
// the momentum schedule μ_t = β1·(1 - 0.5·0.96^(t·schedule_decay)) (equal
// to PyTorch's NAdam):
//
//	g' = clip(rescale_grad·g + wd·w)
//	m = β1·m + (1-β1)·g';  v = β2·v + (1-β2)·g'²
//	m̄ = (1-μ_t)·g'/(1-Πμ_1..t) + μ_t+1·m/(1-Πμ_1..t+1)
//	w -= lr·m̄/(√(v/(1-β2^t)) + ε)
//
// The product Πμ is kept per parameter (MXNet shares one across
// parameters, which only matters when they are updated unevenly).
// Defaults: learning_rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8,
// schedule_decay 0.004.
type Nadam struct {
	Base
	Beta1         float64 `mx:"beta1"`
	Beta2         float64 `mx:"beta2"`
	Epsilon       float64 `mx:"epsilon"`
	ScheduleDecay float64 `mx:"schedule_decay"`

	schedule map[countKey]nadamSchedule
}

type nadamSchedule struct {
	t    int
	prod float64 // Π μ_1..t
}

// NewNadam returns Nadam with MXNet's defaults.
func NewNadam() *Nadam {
	return &Nadam{Base: newBase(0.001), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, ScheduleDecay: 0.004}
}

// CreateState implements Optimizer.
func (o *Nadam) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *Nadam) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule: mean and variance.
func (o *Nadam) NewState(w *nd.NDArray) []*nd.NDArray { return zerosLike(w, 2) }

func (o *Nadam) mu(t int) float64 {
	return o.Beta1 * (1 - 0.5*math.Pow(0.96, float64(t)*o.ScheduleDecay))
}

// product returns Π μ_1..t, extending the cached product by one step in
// the common case and recomputing it after a jump (a loaded checkpoint).
func (o *Nadam) product(index, t int) float64 {
	if o.schedule == nil {
		o.schedule = map[countKey]nadamSchedule{}
	}
	key := countKey{o.device, index}
	c, ok := o.schedule[key]
	var p float64
	if ok && c.t == t-1 {
		p = c.prod * o.mu(t)
	} else {
		p = 1
		for i := 1; i <= t; i++ {
			p *= o.mu(i)
		}
	}
	o.schedule[key] = nadamSchedule{t, p}
	return p
}

// Apply implements Rule with nadam_update.
func (o *Nadam) Apply(s *StepArgs) {
	p := o.product(s.Index, s.T)
	mt, mt1 := o.mu(s.T), o.mu(s.T+1)
	nd.NadamUpdate(s.Weight, s.Grad, s.State[0], s.State[1], nd.AdamAttrs{
		LR: s.LR, Beta1: o.Beta1, Beta2: o.Beta2, Epsilon: o.Epsilon, WD: s.WD, T: s.T,
		RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient,
		MomentumT: mt, MomentumT1: mt1, MSchedule: p, MScheduleNext: p * mt1,
	})
}

// FTML is Follow the Moving Leader (Zheng & Kwok 2017):
//
//	g' = clip(rescale_grad·g + wd·w)
//	v = β2·v + (1-β2)·g'²
//	d_t = (1-β1^t)/lr·(√(v/(1-β2^t)) + ε)
//	z = β1·z + (1-β1)·g' - (d_t - β1·d_{t-1})·w
//	w = -z/d_t
//
// Defaults: learning_rate 0.0025, beta1 0.6, beta2 0.999, epsilon 1e-8.
type FTML struct {
	Base
	Beta1   float64 `mx:"beta1"`
	Beta2   float64 `mx:"beta2"`
	Epsilon float64 `mx:"epsilon"`
}

// NewFTML returns FTML with MXNet's defaults.
func NewFTML() *FTML { return &FTML{Base: newBase(0.0025), Beta1: 0.6, Beta2: 0.999, Epsilon: 1e-8} }

// CreateState implements Optimizer.
func (o *FTML) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *FTML) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule: d, v and z.
func (o *FTML) NewState(w *nd.NDArray) []*nd.NDArray { return zerosLike(w, 3) }

// Apply implements Rule with ftml_update.
func (o *FTML) Apply(s *StepArgs) {
	nd.FTMLUpdate(s.Weight, s.Grad, s.State[0], s.State[1], s.State[2], nd.AdamAttrs{
		LR: s.LR, Beta1: o.Beta1, Beta2: o.Beta2, Epsilon: o.Epsilon, WD: s.WD, T: s.T,
		RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient,
	})
}

// LAMB is layer-wise adaptive Adam (You et al. 2019), MXNet's two phases:
//
//	g' = clip(rescale_grad·g)
//	m = β1·m + (1-β1)·g';  v = β2·v + (1-β2)·g'²
//	m̂ = m/(1-β1^t), v̂ = v/(1-β2^t)   (when bias_correction)
//	d = m̂/(√v̂ + ε) + wd·w
//	r1 = clamp(‖w‖, lower_bound, upper_bound), r2 = ‖d‖
//	w -= lr·(r1/r2)·d      (ratio 1 when r1 or r2 is 0)
//
// Defaults: learning_rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-6, no
// bounds (<= 0), bias_correction true.
type LAMB struct {
	Base
	Beta1          float64 `mx:"beta1"`
	Beta2          float64 `mx:"beta2"`
	Epsilon        float64 `mx:"epsilon"`
	LowerBound     float64 `mx:"lower_bound"`
	UpperBound     float64 `mx:"upper_bound"`
	BiasCorrection bool    `mx:"bias_correction"`
}

// NewLAMB returns LAMB with MXNet's defaults.
func NewLAMB() *LAMB {
	return &LAMB{Base: newBase(0.001), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-6, BiasCorrection: true}
}

// CreateState implements Optimizer.
func (o *LAMB) CreateState(_ int, w *nd.NDArray) *State { return o.CreateStateFor(o, w) }

// Update implements Optimizer.
func (o *LAMB) Update(i int, w, g *nd.NDArray, s *State) { o.UpdateWith(o, i, w, g, s) }

// NewState implements Rule: mean, variance and a scratch buffer for the
// update direction.
func (o *LAMB) NewState(w *nd.NDArray) []*nd.NDArray { return zerosLike(w, 3) }

// Apply implements Rule with lamb_update_phase1 and lamb_update_phase2.
func (o *LAMB) Apply(s *StepArgs) {
	dir := s.State[2]
	nd.LambUpdatePhase1(s.Weight, s.Grad, s.State[0], s.State[1], dir, nd.AdamAttrs{
		Beta1: o.Beta1, Beta2: o.Beta2, Epsilon: o.Epsilon, WD: s.WD, T: s.T, BiasCorrection: o.BiasCorrection,
		RescaleGrad: o.rescale(), ClipGradient: o.ClipGradient,
	})
	r1 := nd.Norm(s.Weight, 2, nil, false).Reshape(1)
	r2 := nd.Norm(dir, 2, nil, false).Reshape(1)
	nd.LambUpdatePhase2(s.Weight, dir, r1, r2, nd.LambPhase2Attrs{LR: s.LR, LowerBound: o.LowerBound, UpperBound: o.UpperBound})
}
