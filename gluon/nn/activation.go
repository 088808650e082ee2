package nn

import (
	"fmt"
	"math"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/nd"
)

// Activation applies a named activation function elementwise:
//
//	relu(x) = max(x, 0)
//	sigmoid(x) = 1/(1+e⁻ˣ)
//	tanh(x)
//	softrelu(x) = log(1+eˣ)
//	softsign(x) = x/(1+|x|)
//
// Shapes: any input; the output has the same shape.
type Activation struct {
	gluon.HybridBlockBase
	ActType string
}

// NewActivation returns an Activation of type act (relu, sigmoid, tanh,
// softrelu or softsign). It panics on any other name.
func NewActivation(act string) *Activation {
	switch act {
	case "relu", "sigmoid", "tanh", "softrelu", "softsign":
	default:
		nnPanic("Activation", "act_type %q (want relu, sigmoid, tanh, softrelu or softsign)", act)
	}
	return &Activation{ActType: act}
}

// Forward applies the activation.
func (a *Activation) Forward(x *nd.NDArray) *nd.NDArray { return activate(a.ActType, x) }

func (a *Activation) String() string { return "Activation(" + a.ActType + ")" }

// activate applies a named activation; "" is the identity. relu, sigmoid,
// tanh and softrelu use the unary ops (one op each, with vectorized float32
// loops); softsign has no unary op and uses [nd.Activation].
func activate(act string, x *nd.NDArray) *nd.NDArray {
	switch act {
	case "":
		return x
	case "relu":
		return x.Relu()
	case "sigmoid":
		return x.Sigmoid()
	case "tanh":
		return x.Tanh()
	case "softrelu":
		return x.Softrelu()
	case "softsign":
		return nd.Activation(x, "softsign")
	}
	nnPanic("Activation", "act_type %q (want relu, sigmoid, tanh, softrelu or softsign)", act)
	return nil
}

// newActChild returns the Activation child of a layer with an activation
// argument, or nil for none.
func newActChild(act string) *Activation {
	if act == "" {
		return nil
	}
	return NewActivation(act)
}

// LeakyReLU is the leaky rectifier:
//
//	out = x if x > 0, alpha·x otherwise
//
// Shapes: any input; the output has the same shape.
type LeakyReLU struct {
	gluon.HybridBlockBase
	Alpha float64
}

// NewLeakyReLU returns a LeakyReLU with slope alpha (>= 0) for negative inputs.
func NewLeakyReLU(alpha float64) *LeakyReLU {
	if alpha < 0 {
		nnPanic("LeakyReLU", "slope coefficient alpha %v must be >= 0", alpha)
	}
	return &LeakyReLU{Alpha: alpha}
}

// Forward applies [nd.LeakyReLU] with slope alpha.
func (l *LeakyReLU) Forward(x *nd.NDArray) *nd.NDArray {
	alpha := l.Alpha
	return nd.LeakyReLU(x, nil, nd.LeakyReLUAttrs{ActType: "leaky", Slope: &alpha})
}

func (l *LeakyReLU) String() string { return "LeakyReLU(" + pyFloat(l.Alpha) + ")" }

// PReLUOptions configures NewPReLU; the zero value is Gluon's default.
type PReLUOptions struct {
	// AlphaInitializer initializes alpha; nil means Constant(0.25).
	AlphaInitializer initializer.Initializer
	// InChannels is the number of learned slopes, one per channel (axis
	// 1); 0 means 1, a single slope shared by all elements.
	InChannels int
}

// PReLU is the parametric rectifier with learned slopes alpha:
//
//	out = x if x > 0, alpha·x otherwise
//
// alpha has one value per channel (axis 1) or one for all.
// Shapes: input (N, C, ...) or any shape when InChannels is 1; the output
// has the same shape. See https://arxiv.org/abs/1502.01852.
type PReLU struct {
	gluon.HybridBlockBase
	Alpha *gluon.Parameter
}

// NewPReLU returns a PReLU layer.
func NewPReLU(opts ...PReLUOptions) *PReLU {
	o := optionsOf("PReLU", opts)
	if o.InChannels == 0 {
		o.InChannels = 1
	}
	init := o.AlphaInitializer
	if init == nil {
		init = initializer.Constant{Value: 0.25}
	}
	return &PReLU{Alpha: gluon.NewParameter("alpha", nd.Shape{o.InChannels}, gluon.WithInit(init))}
}

// Forward applies [nd.LeakyReLU] prelu with alpha along axis 1 (or one
// alpha for all).
func (p *PReLU) Forward(x *nd.NDArray) *nd.NDArray {
	a := p.Alpha.Data(x.Device())
	attrs := nd.LeakyReLUAttrs{ActType: "prelu"}
	if c := a.Shape()[0]; c > 1 && (x.Ndim() < 2 || x.Shape()[1] != c) {
		nnPanic("PReLU", "input %v does not have %d channels on axis 1", x.Shape(), c)
	}
	if x.Ndim() < 2 {
		// The op wants (N, C, ...); a shared alpha applies to any shape.
		return nd.LeakyReLU(x.Reshape(1, x.Size()), a, attrs).Reshape(x.Shape()...)
	}
	return nd.LeakyReLU(x, a, attrs)
}

func (p *PReLU) String() string { return fmt.Sprintf("PReLU(in_channels=%d)", p.Alpha.Shape()[0]) }

// ELUOptions configures NewELU; the zero value is Gluon's default.
type ELUOptions struct {
	// Alpha scales the negative part; 0 means 1.0.
	Alpha float64
}

// ELU is the exponential linear unit:
//
//	out = x if x > 0, alpha·(eˣ - 1) otherwise
//
// Shapes: any input; the output has the same shape.
// See https://arxiv.org/abs/1511.07289.
type ELU struct {
	gluon.HybridBlockBase
	Alpha float64
}

// NewELU returns an ELU layer.
func NewELU(opts ...ELUOptions) *ELU {
	o := optionsOf("ELU", opts)
	if o.Alpha == 0 {
		o.Alpha = 1
	}
	return &ELU{Alpha: o.Alpha}
}

// Forward applies [nd.LeakyReLU] elu with slope alpha.
func (e *ELU) Forward(x *nd.NDArray) *nd.NDArray {
	alpha := e.Alpha
	return nd.LeakyReLU(x, nil, nd.LeakyReLUAttrs{ActType: "elu", Slope: &alpha})
}

func (e *ELU) String() string { return "ELU(alpha=" + pyFloat(e.Alpha) + ")" }

// SELU is the scaled exponential linear unit:
//
//	out = λ·(x if x > 0, α·(eˣ - 1) otherwise), λ ≈ 1.0507, α ≈ 1.6733
//
// Shapes: any input; the output has the same shape.
// See https://arxiv.org/abs/1706.02515.
type SELU struct{ gluon.HybridBlockBase }

// NewSELU returns a SELU layer.
func NewSELU() *SELU { return &SELU{} }

// Forward applies [nd.LeakyReLU] selu.
func (*SELU) Forward(x *nd.NDArray) *nd.NDArray {
	return nd.LeakyReLU(x, nil, nd.LeakyReLUAttrs{ActType: "selu"})
}

func (*SELU) String() string { return "SELU()" }

// GELUOptions configures NewGELU; the zero value is Gluon's default.
type GELUOptions struct {
	// Approximation is "erf" (exact, the default when "") or "tanh".
	Approximation string
}

// GELU is the Gaussian error linear unit:
//
//	erf:  out = x·Φ(x) = ½x·(1 + erf(x/√2))
//	tanh: out = ½x·(1 + tanh(√(2/π)·(x + 0.044715x³)))
//
// Shapes: any input; the output has the same shape.
// See https://arxiv.org/abs/1606.08415.
type GELU struct {
	gluon.HybridBlockBase
	Approximation string
}

// NewGELU returns a GELU layer. It panics on an unknown approximation.
func NewGELU(opts ...GELUOptions) *GELU {
	o := optionsOf("GELU", opts)
	switch o.Approximation {
	case "":
		o.Approximation = "erf"
	case "erf", "tanh":
	default:
		nnPanic("GELU", "approximation %q (want erf or tanh)", o.Approximation)
	}
	return &GELU{Approximation: o.Approximation}
}

// Forward applies GELU.
func (g *GELU) Forward(x *nd.NDArray) *nd.NDArray {
	if g.Approximation == "erf" {
		return x.Gelu()
	}
	inner := x.Add(x.PowScalar(3).MulScalar(0.044715)).MulScalar(math.Sqrt(2 / math.Pi))
	return x.Mul(inner.Tanh().AddScalar(1)).MulScalar(0.5)
}

func (g *GELU) String() string { return "GELU(approximation=" + g.Approximation + ")" }

// SwishOptions configures NewSwish; the zero value is Gluon's default.
type SwishOptions struct {
	// Beta scales the sigmoid's input; 0 means 1.0.
	Beta float64
}

// Swish is the self-gated activation:
//
//	out = x·sigmoid(beta·x)
//
// Shapes: any input; the output has the same shape.
// See https://arxiv.org/abs/1710.05941.
type Swish struct {
	gluon.HybridBlockBase
	Beta float64
}

// NewSwish returns a Swish layer.
func NewSwish(opts ...SwishOptions) *Swish {
	o := optionsOf("Swish", opts)
	if o.Beta == 0 {
		o.Beta = 1
	}
	return &Swish{Beta: o.Beta}
}

// Forward applies Swish.
func (s *Swish) Forward(x *nd.NDArray) *nd.NDArray { return x.Mul(x.MulScalar(s.Beta).Sigmoid()) }

func (s *Swish) String() string { return "Swish(beta=" + pyFloat(s.Beta) + ")" }

// SiLU is the sigmoid linear unit, Swish with beta 1:
//
//	out = x·sigmoid(x)
//
// Shapes: any input; the output has the same shape.
type SiLU struct{ gluon.HybridBlockBase }

// NewSiLU returns a SiLU layer.
func NewSiLU() *SiLU { return &SiLU{} }

// Forward applies SiLU.
func (*SiLU) Forward(x *nd.NDArray) *nd.NDArray { return x.Mul(x.Sigmoid()) }

func (*SiLU) String() string { return "SiLU()" }
