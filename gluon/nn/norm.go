package nn

import (
	"fmt"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/nd"
)

// NormOptions configures the normalization layers (BatchNorm, LayerNorm,
// GroupNorm, InstanceNorm); the zero value is Gluon's default. Fields a
// layer does not have are rejected by its constructor.
type NormOptions struct {
	// Axis of the channels (BatchNorm, InstanceNorm; 0 means 1) or of the
	// normalized features (LayerNorm; 0 means -1). Spell the first axis as
	// -ndim.
	Axis int
	// Epsilon added to the variance; 0 means 1e-5.
	Epsilon float64
	// Momentum of BatchNorm's running statistics; 0 means 0.9.
	Momentum float64
	// NoCenter freezes beta at zero (Gluon's center=False).
	NoCenter bool
	// NoScale freezes gamma at one (Gluon's scale=False).
	NoScale bool
	// UseGlobalStats makes BatchNorm use its running statistics in
	// training too.
	UseGlobalStats bool
	// NumGroups of GroupNorm; 0 means 1.
	NumGroups int
	// InChannels is the size of gamma and beta; 0 infers it at the first
	// forward.
	InChannels int
	// Initializers; nil means Gluon's: beta and running mean zeros, gamma
	// and running variance ones.
	BetaInitializer, GammaInitializer                  initializer.Initializer
	RunningMeanInitializer, RunningVarianceInitializer initializer.Initializer
}

func (o *NormOptions) defaults(layer string, axis int, batch, groups bool) {
	if o.Axis == 0 {
		o.Axis = axis
	}
	if o.Epsilon == 0 {
		o.Epsilon = 1e-5
	}
	if o.Epsilon < 0 {
		nnPanic(layer, "epsilon %v must be positive", o.Epsilon)
	}
	if !batch && (o.Momentum != 0 || o.UseGlobalStats || o.RunningMeanInitializer != nil || o.RunningVarianceInitializer != nil) {
		nnPanic(layer, "momentum, use_global_stats and running statistics belong to BatchNorm")
	}
	if o.Momentum == 0 {
		o.Momentum = 0.9
	}
	if !groups && o.NumGroups != 0 {
		nnPanic(layer, "num_groups belongs to GroupNorm")
	}
	if o.NumGroups == 0 {
		o.NumGroups = 1
	}
	if o.NumGroups < 0 || o.InChannels < 0 {
		nnPanic(layer, "num_groups %d and in_channels %d must be positive", o.NumGroups, o.InChannels)
	}
}

// scaleShift declares gamma and beta (C,), frozen when scale or center is off.
func scaleShift(o NormOptions) (gamma, beta *gluon.Parameter) {
	gamma = gluon.NewParameter("gamma", nd.Shape{o.InChannels}, gluon.WithInit(o.GammaInitializer), gluon.Differentiable(!o.NoScale))
	beta = gluon.NewParameter("beta", nd.Shape{o.InChannels}, gluon.WithInit(o.BetaInitializer), gluon.Differentiable(!o.NoCenter))
	return gamma, beta
}

// channelAxis resolves a possibly negative axis of x.
func channelAxis(layer string, axis int, x *nd.NDArray) int {
	a := axis
	if a < 0 {
		a += x.Ndim()
	}
	if a < 0 || a >= x.Ndim() {
		nnPanic(layer, "axis %d out of range for input %v", axis, x.Shape())
	}
	return a
}

// BatchNorm normalizes each channel with the batch's statistics while
// training and with running averages otherwise:
//
//	out = γ·(x - μ)/√(σ² + ε) + β
//	running = momentum·running + (1 - momentum)·batch statistic (training)
//
// μ and σ² are the biased mean and variance over every axis but Axis. The
// running mean and variance are parameters with grad_req null, updated in
// place by a training-mode forward (autograd.IsTraining()).
// Shapes: input (N, C, ...) with C on Axis; the output has the same shape.
// gamma, beta, running_mean and running_var are (C,). It computes with
// [nd.BatchNorm]. See https://arxiv.org/abs/1502.03167.
type BatchNorm struct {
	gluon.HybridBlockBase
	Gamma, Beta, RunningMean, RunningVar *gluon.Parameter
	opts                                 NormOptions
}

// NewBatchNorm returns a BatchNorm layer.
func NewBatchNorm(opts ...NormOptions) *BatchNorm {
	o := optionsOf("BatchNorm", opts)
	o.defaults("BatchNorm", 1, true, false)
	b := &BatchNorm{opts: o}
	b.Gamma, b.Beta = scaleShift(o)
	b.RunningMean = gluon.NewParameter("running_mean", nd.Shape{o.InChannels}, gluon.WithInit(o.RunningMeanInitializer), gluon.Differentiable(false))
	b.RunningVar = gluon.NewParameter("running_var", nd.Shape{o.InChannels}, gluon.WithInit(o.RunningVarianceInitializer), gluon.Differentiable(false))
	return b
}

// Forward normalizes x and, in training mode, updates the running statistics.
func (b *BatchNorm) Forward(x *nd.NDArray) *nd.NDArray {
	ax := channelAxis("BatchNorm", b.opts.Axis, x)
	c := nd.Shape{x.Shape()[ax]}
	for _, p := range []*gluon.Parameter{b.Gamma, b.Beta, b.RunningMean, b.RunningVar} {
		p.SetShape(c)
	}
	fix := b.opts.NoScale
	m := b.opts.Momentum
	dev := x.Device()
	attrs := nd.BatchNormAttrs{Eps: b.opts.Epsilon, Momentum: &m, FixGamma: &fix, UseGlobalStats: b.opts.UseGlobalStats,
		Axis: ax - x.Ndim()*boolInt(ax == 0), Train: autograd.IsTraining()}
	return nd.BatchNorm(x, b.Gamma.Data(dev), b.Beta.Data(dev), b.RunningMean.Data(dev), b.RunningVar.Data(dev), attrs)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (b *BatchNorm) String() string {
	o := b.opts
	return fmt.Sprintf("BatchNorm(axis=%d, eps=%s, momentum=%s, fix_gamma=%s, use_global_stats=%s, in_channels=%s)",
		o.Axis, pyFloat(o.Epsilon), pyFloat(o.Momentum), pyBool(o.NoScale), pyBool(o.UseGlobalStats), pyDim(b.Gamma.Shape()[0]))
}

// LayerNorm normalizes each sample over one axis (the last by default):
//
//	out = γ·(x - μ)/√(σ² + ε) + β
//
// with μ, σ² the mean and biased variance along Axis.
// Shapes: any input with C = x.shape[Axis]; the output has the same shape.
// gamma and beta are (C,). It computes with [nd.LayerNorm].
// See https://arxiv.org/abs/1607.06450.
type LayerNorm struct {
	gluon.HybridBlockBase
	Gamma, Beta *gluon.Parameter
	opts        NormOptions
}

// NewLayerNorm returns a LayerNorm layer.
func NewLayerNorm(opts ...NormOptions) *LayerNorm {
	o := optionsOf("LayerNorm", opts)
	o.defaults("LayerNorm", -1, false, false)
	l := &LayerNorm{opts: o}
	l.Gamma, l.Beta = scaleShift(o)
	return l
}

// Forward normalizes x.
func (l *LayerNorm) Forward(x *nd.NDArray) *nd.NDArray {
	ax := channelAxis("LayerNorm", l.opts.Axis, x)
	c := nd.Shape{x.Shape()[ax]}
	l.Gamma.SetShape(c)
	l.Beta.SetShape(c)
	dev := x.Device()
	return nd.LayerNorm(x, l.Gamma.Data(dev), l.Beta.Data(dev), nd.LayerNormAttrs{Axis: ax - x.Ndim(), Eps: l.opts.Epsilon})
}

func (l *LayerNorm) String() string {
	o := l.opts
	return fmt.Sprintf("LayerNorm(eps=%s, axis=%d, center=%s, scale=%s, in_channels=%d)",
		pyFloat(o.Epsilon), o.Axis, pyBool(!o.NoCenter), pyBool(!o.NoScale), l.Gamma.Shape()[0])
}

// GroupNorm splits the channels of each sample into NumGroups groups and
// normalizes each group over its channels and spatial positions:
//
//	out = γ·(x - μ_g)/√(σ_g² + ε) + β
//
// γ and β are per channel (as in Gluon 2 and PyTorch).
// Shapes: input (N, C, ...), C divisible by NumGroups; the output has the
// same shape. gamma and beta are (C,). It computes with [nd.GroupNorm].
// See https://arxiv.org/abs/1803.08494.
type GroupNorm struct {
	gluon.HybridBlockBase
	Gamma, Beta *gluon.Parameter
	opts        NormOptions
}

// NewGroupNorm returns a GroupNorm layer.
func NewGroupNorm(opts ...NormOptions) *GroupNorm {
	o := optionsOf("GroupNorm", opts)
	o.defaults("GroupNorm", 1, false, true)
	if o.Axis != 1 {
		nnPanic("GroupNorm", "channels must be on axis 1")
	}
	g := &GroupNorm{opts: o}
	g.Gamma, g.Beta = scaleShift(o)
	return g
}

// Forward normalizes x.
func (g *GroupNorm) Forward(x *nd.NDArray) *nd.NDArray {
	if x.Ndim() < 2 || x.Shape()[1]%g.opts.NumGroups != 0 {
		nnPanic("GroupNorm", "input %v needs channels on axis 1 divisible by num_groups %d", x.Shape(), g.opts.NumGroups)
	}
	c := nd.Shape{x.Shape()[1]}
	g.Gamma.SetShape(c)
	g.Beta.SetShape(c)
	dev := x.Device()
	return nd.GroupNorm(x, g.Gamma.Data(dev), g.Beta.Data(dev), nd.GroupNormAttrs{NumGroups: g.opts.NumGroups, Eps: g.opts.Epsilon})
}

func (g *GroupNorm) String() string {
	o := g.opts
	return fmt.Sprintf("GroupNorm(eps=%s, num_groups=%d, center=%s, scale=%s)",
		pyFloat(o.Epsilon), o.NumGroups, pyBool(!o.NoCenter), pyBool(!o.NoScale))
}

// InstanceNorm normalizes each channel of each sample over its spatial
// positions:
//
//	out = γ·(x - μ_nc)/√(σ_nc² + ε) + β
//
// Shapes: input (N, C, ...) with C on Axis; the output has the same shape.
// gamma and beta are (C,). It computes with [nd.InstanceNorm].
// See https://arxiv.org/abs/1607.08022.
type InstanceNorm struct {
	gluon.HybridBlockBase
	Gamma, Beta *gluon.Parameter
	opts        NormOptions
}

// NewInstanceNorm returns an InstanceNorm layer.
func NewInstanceNorm(opts ...NormOptions) *InstanceNorm {
	o := optionsOf("InstanceNorm", opts)
	o.defaults("InstanceNorm", 1, false, false)
	l := &InstanceNorm{opts: o}
	l.Gamma, l.Beta = scaleShift(o)
	return l
}

// Forward normalizes x (moving Axis to 1 and back when it is elsewhere).
func (l *InstanceNorm) Forward(x *nd.NDArray) *nd.NDArray {
	ax := channelAxis("InstanceNorm", l.opts.Axis, x)
	if ax == 0 || x.Ndim() < 3 {
		nnPanic("InstanceNorm", "input %v needs a batch axis, channels on axis %d and spatial axes", x.Shape(), l.opts.Axis)
	}
	c := nd.Shape{x.Shape()[ax]}
	l.Gamma.SetShape(c)
	l.Beta.SetShape(c)
	dev := x.Device()
	attrs := nd.InstanceNormAttrs{Eps: l.opts.Epsilon}
	if ax == 1 {
		return nd.InstanceNorm(x, l.Gamma.Data(dev), l.Beta.Data(dev), attrs)
	}
	y := nd.InstanceNorm(x.SwapAxes(1, ax), l.Gamma.Data(dev), l.Beta.Data(dev), attrs)
	return y.SwapAxes(1, ax)
}

func (l *InstanceNorm) String() string {
	o := l.opts
	return fmt.Sprintf("InstanceNorm(eps=%s, axis=%d, center=%s, scale=%s, in_channels=%d)",
		pyFloat(o.Epsilon), o.Axis, pyBool(!o.NoCenter), pyBool(!o.NoScale), l.Gamma.Shape()[0])
}
