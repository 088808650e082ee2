package optimizer

import (
	"fmt"
	"math"

	"github.com/mxgo/mxgo/nd"
)

// LRScheduler gives the learning rate for an update count (MXNet's
// lr_scheduler). The schedulers here are pure functions of the count, so
// resuming from a checkpoint gives the same rates.
type LRScheduler interface {
	// LR is the learning rate after numUpdate updates.
	LR(numUpdate int) float64
	// SetBaseLR sets the rate the schedule starts from.
	SetBaseLR(lr float64)
}

// Warmup is the warm-up phase every scheduler has: for the first Steps
// updates the rate goes linearly from BeginLR to the base rate (Mode
// "linear", the default) or stays at BeginLR (Mode "constant").
type Warmup struct {
	Steps   int     // warmup_steps
	BeginLR float64 // warmup_begin_lr
	Mode    string  // warmup_mode: "linear" or "constant"
}

// rate returns the warm-up rate at n < Steps towards base.
func (w Warmup) rate(n int, base float64) float64 {
	if w.BeginLR > base {
		panic(&nd.Error{Op: "optimizer.LRScheduler", Msg: fmt.Sprintf("warmup_begin_lr %g is above the base learning rate %g", w.BeginLR, base)})
	}
	switch w.Mode {
	case "", "linear":
		return w.BeginLR + (base-w.BeginLR)*float64(n)/float64(w.Steps)
	case "constant":
		return w.BeginLR
	}
	panic(&nd.Error{Op: "optimizer.LRScheduler", Msg: fmt.Sprintf("warmup_mode %q: want linear or constant", w.Mode)})
}

func (w Warmup) active(n int) bool {
	if w.Steps < 0 {
		panic(&nd.Error{Op: "optimizer.LRScheduler", Msg: fmt.Sprintf("warmup_steps %d is negative", w.Steps)})
	}
	return n < w.Steps
}

// FactorScheduler multiplies the rate by Factor every Step updates, never
// going below StopFactorLR: lr = max(base·factor^⌊(n-1)/step⌋, stop) for
// n >= 1 (MXNet's FactorScheduler). Defaults: base 0.01, stop 1e-8.
type FactorScheduler struct {
	Step         int
	Factor       float64
	StopFactorLR float64
	BaseLR       float64
	Warmup
}

// NewFactorScheduler returns a FactorScheduler. It panics if step < 1 or
// factor > 1.
func NewFactorScheduler(step int, factor float64) *FactorScheduler {
	if step < 1 {
		panic(&nd.Error{Op: "optimizer.FactorScheduler", Msg: fmt.Sprintf("step %d: must be at least 1", step)})
	}
	if factor > 1 || factor <= 0 {
		panic(&nd.Error{Op: "optimizer.FactorScheduler", Msg: fmt.Sprintf("factor %g: must be in (0, 1]", factor)})
	}
	return &FactorScheduler{Step: step, Factor: factor, StopFactorLR: 1e-8, BaseLR: 0.01}
}

// SetBaseLR implements LRScheduler.
func (s *FactorScheduler) SetBaseLR(lr float64) { s.BaseLR = lr }

// LR implements LRScheduler.
func (s *FactorScheduler) LR(n int) float64 {
	if s.active(n) {
		return s.rate(n, s.BaseLR)
	}
	k := 0
	if n > 0 {
		k = (n - 1) / s.Step // MXNet decays once num_update exceeds count+step
	}
	return max(s.BaseLR*math.Pow(s.Factor, float64(k)), s.StopFactorLR)
}

// MultiFactorScheduler multiplies the rate by Factor each time the update
// count passes one of Steps (increasing): lr = base·factor^#{s: n > s}.
type MultiFactorScheduler struct {
	Steps  []int
	Factor float64
	BaseLR float64
	Warmup
}

// NewMultiFactorScheduler returns a MultiFactorScheduler. It panics unless
// steps are increasing and >= 1 and factor is in (0, 1].
func NewMultiFactorScheduler(steps []int, factor float64) *MultiFactorScheduler {
	for i, s := range steps {
		if s < 1 || (i > 0 && s <= steps[i-1]) {
			panic(&nd.Error{Op: "optimizer.MultiFactorScheduler", Msg: fmt.Sprintf("steps %v: must be increasing and at least 1", steps)})
		}
	}
	if factor > 1 || factor <= 0 {
		panic(&nd.Error{Op: "optimizer.MultiFactorScheduler", Msg: fmt.Sprintf("factor %g: must be in (0, 1]", factor)})
	}
	return &MultiFactorScheduler{Steps: append([]int(nil), steps...), Factor: factor, BaseLR: 0.01}
}

// SetBaseLR implements LRScheduler.
func (s *MultiFactorScheduler) SetBaseLR(lr float64) { s.BaseLR = lr }

// LR implements LRScheduler.
func (s *MultiFactorScheduler) LR(n int) float64 {
	if s.active(n) {
		return s.rate(n, s.BaseLR)
	}
	lr := s.BaseLR
	for _, st := range s.Steps {
		if n > st {
			lr *= s.Factor
		}
	}
	return lr
}

// PolyScheduler decays polynomially to FinalLR over MaxUpdate updates
// (counted after warm-up): lr = final + (base-final)·(1 - (n-w)/(max-w))^pwr,
// and final after MaxUpdate.
type PolyScheduler struct {
	MaxUpdate int
	Pwr       float64
	FinalLR   float64
	BaseLR    float64
	Warmup
}

// NewPolyScheduler returns a PolyScheduler (MXNet's defaults: pwr 2,
// final 0, base 0.01). It panics if maxUpdate < 1.
func NewPolyScheduler(maxUpdate int, pwr float64) *PolyScheduler {
	if maxUpdate < 1 {
		panic(&nd.Error{Op: "optimizer.PolyScheduler", Msg: fmt.Sprintf("max_update %d: must be at least 1", maxUpdate)})
	}
	return &PolyScheduler{MaxUpdate: maxUpdate, Pwr: pwr, BaseLR: 0.01}
}

// SetBaseLR implements LRScheduler.
func (s *PolyScheduler) SetBaseLR(lr float64) { s.BaseLR = lr }

// LR implements LRScheduler.
func (s *PolyScheduler) LR(n int) float64 {
	if s.active(n) {
		return s.rate(n, s.BaseLR)
	}
	if n > s.MaxUpdate {
		return s.FinalLR
	}
	frac := float64(n-s.Steps) / float64(s.MaxUpdate-s.Steps)
	return s.FinalLR + (s.BaseLR-s.FinalLR)*math.Pow(1-frac, s.Pwr)
}

// CosineScheduler follows half a cosine from the base rate to FinalLR over
// MaxUpdate updates (after warm-up):
// lr = final + (base-final)·(1 + cos(π·(n-w)/(max-w)))/2, final after MaxUpdate.
type CosineScheduler struct {
	MaxUpdate int
	FinalLR   float64
	BaseLR    float64
	Warmup
}

// NewCosineScheduler returns a CosineScheduler (base 0.01, final 0). It
// panics if maxUpdate < 1.
func NewCosineScheduler(maxUpdate int) *CosineScheduler {
	if maxUpdate < 1 {
		panic(&nd.Error{Op: "optimizer.CosineScheduler", Msg: fmt.Sprintf("max_update %d: must be at least 1", maxUpdate)})
	}
	return &CosineScheduler{MaxUpdate: maxUpdate, BaseLR: 0.01}
}

// SetBaseLR implements LRScheduler.
func (s *CosineScheduler) SetBaseLR(lr float64) { s.BaseLR = lr }

// LR implements LRScheduler.
func (s *CosineScheduler) LR(n int) float64 {
	if s.active(n) {
		return s.rate(n, s.BaseLR)
	}
	if n > s.MaxUpdate {
		return s.FinalLR
	}
	frac := float64(n-s.Steps) / float64(s.MaxUpdate-s.Steps)
	return s.FinalLR + (s.BaseLR-s.FinalLR)*(1+math.Cos(math.Pi*frac))/2
}
