package rnn

import (
	"fmt"
	"strconv"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/nd"
)

// RecurrentCell is one step of a recurrent network (Gluon's
// RecurrentCell). Forward runs a single step from the zero state.
type RecurrentCell interface {
	gluon.Block
	// StateShapes lists the shapes of the states for a batch size.
	StateShapes(batch int) []nd.Shape
	// BeginState returns zero states for a batch (opts choose the device
	// and dtype).
	BeginState(batch int, opts ...nd.Option) []*nd.NDArray
	// Step computes one time step: x is (N, C); it returns the output
	// (N, H) and the next states.
	Step(x *nd.NDArray, states []*nd.NDArray) (out *nd.NDArray, next []*nd.NDArray)
	// Unroll runs the cell over length steps of inputs (layout "NTC" or
	// "TNC"), starting from beginState (nil means zeros). With
	// mergeOutputs it returns one output array in the same layout,
	// otherwise one (N, H) output per step; and the final states.
	Unroll(length int, inputs *nd.NDArray, beginState []*nd.NDArray, layout string, mergeOutputs bool) (outputs, states []*nd.NDArray)
}

func rnnPanic(op, format string, args ...any) {
	panic(&nd.Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}

// zeroStates allocates zero arrays of the given shapes.
func zeroStates(shapes []nd.Shape, opts []nd.Option) []*nd.NDArray {
	out := make([]*nd.NDArray, len(shapes))
	for i, s := range shapes {
		out[i] = nd.Zeros(s, opts...)
	}
	return out
}

// timeAxis returns the time axis of a sequence layout.
func timeAxis(op, layout string) int {
	switch layout {
	case "NTC":
		return 1
	case "TNC":
		return 0
	}
	rnnPanic(op, "layout %q (want NTC or TNC)", layout)
	return 0
}

// splitSteps cuts a merged sequence into length (N, C) steps.
func splitSteps(op string, length int, inputs *nd.NDArray, layout string) []*nd.NDArray {
	ax := timeAxis(op, layout)
	if inputs.Ndim() != 3 || inputs.Shape()[ax] != length || length <= 0 {
		rnnPanic(op, "inputs %v in layout %s do not hold %d steps", inputs.Shape(), layout, length)
	}
	if length == 1 {
		return []*nd.NDArray{nd.Squeeze(inputs, ax)}
	}
	return nd.Split(inputs, length, ax, true)
}

// mergeSteps stacks per-step outputs into the layout.
func mergeSteps(outs []*nd.NDArray, layout string) *nd.NDArray {
	return nd.Stack(timeAxis("unroll", layout), outs...)
}

// unroll is Unroll for cells that can be stepped.
func unroll(cell RecurrentCell, length int, inputs *nd.NDArray, begin []*nd.NDArray, layout string, merge bool) ([]*nd.NDArray, []*nd.NDArray) {
	steps := splitSteps("unroll", length, inputs, layout)
	states := begin
	if states == nil {
		states = cell.BeginState(steps[0].Shape()[0], nd.On(inputs.Device()), nd.OfType(inputs.DType()))
	}
	outs := make([]*nd.NDArray, length)
	for t, x := range steps {
		outs[t], states = cell.Step(x, states)
	}
	if merge {
		return []*nd.NDArray{mergeSteps(outs, layout)}, states
	}
	return outs, states
}

// CellOptions configures RNNCell, LSTMCell and GRUCell; the zero value is
// Gluon's default.
type CellOptions struct {
	// Activation of the candidate/output ("" means tanh): relu, sigmoid,
	// tanh, softrelu or softsign.
	Activation string
	// RecurrentActivation of the LSTM/GRU gates ("" means sigmoid).
	RecurrentActivation string
	// InputSize is the input feature size; 0 infers it at the first step.
	InputSize int
	// Initializers; nil weights use the one given to Initialize, nil
	// biases are zeros (see initializer.LSTMBias for a forget-gate bias).
	I2HWeightInitializer, H2HWeightInitializer initializer.Initializer
	I2HBiasInitializer, H2HBiasInitializer     initializer.Initializer
}

// cellCore holds what the three gated cells share.
type cellCore struct {
	name    string
	hidden  int
	gates   int
	act     *nn.Activation
	recAct  *nn.Activation
	nstates int
}

func newCellCore(name string, hidden, gates, nstates int, o CellOptions) (cellCore, [4]*gluon.Parameter) {
	if hidden <= 0 || o.InputSize < 0 {
		rnnPanic(name, "hidden_size %d must be positive and input_size %d >= 0", hidden, o.InputSize)
	}
	act, rec := o.Activation, o.RecurrentActivation
	if act == "" {
		act = "tanh"
	}
	if rec == "" {
		rec = "sigmoid"
	}
	c := cellCore{name: name, hidden: hidden, gates: gates, act: nn.NewActivation(act), recAct: nn.NewActivation(rec), nstates: nstates}
	gh := gates * hidden
	ps := [4]*gluon.Parameter{
		gluon.NewParameter("i2h_weight", nd.Shape{gh, o.InputSize}, gluon.WithInit(o.I2HWeightInitializer)),
		gluon.NewParameter("h2h_weight", nd.Shape{gh, hidden}, gluon.WithInit(o.H2HWeightInitializer)),
		gluon.NewParameter("i2h_bias", nd.Shape{gh}, gluon.WithInit(o.I2HBiasInitializer)),
		gluon.NewParameter("h2h_bias", nd.Shape{gh}, gluon.WithInit(o.H2HBiasInitializer)),
	}
	return c, ps
}

func (c *cellCore) stateShapes(batch int) []nd.Shape {
	s := make([]nd.Shape, c.nstates)
	for i := range s {
		s[i] = nd.Shape{batch, c.hidden}
	}
	return s
}

// projections returns x·Wᵢᵀ + bᵢ and h·Wₕᵀ + bₕ for one step.
func (c *cellCore) projections(x *nd.NDArray, states []*nd.NDArray, p [4]*gluon.Parameter) (xi, hh *nd.NDArray) {
	if len(states) != c.nstates {
		rnnPanic(c.name, "got %d states, want %d", len(states), c.nstates)
	}
	if x.Ndim() != 2 {
		rnnPanic(c.name, "step input %v must be (N, C)", x.Shape())
	}
	p[0].SetShape(nd.Shape{c.gates * c.hidden, x.Shape()[1]})
	dev := x.Device()
	attrs := nd.FullyConnectedAttrs{NumHidden: c.gates * c.hidden}
	xi = nd.FullyConnected(x, p[0].Data(dev), p[2].Data(dev), attrs)
	hh = nd.FullyConnected(states[0], p[1].Data(dev), p[3].Data(dev), attrs)
	return xi, hh
}

func (c *cellCore) repr(p *gluon.Parameter) string {
	s := p.Shape()
	in := "None"
	if s[1] != 0 {
		in = strconv.Itoa(s[1])
	}
	return fmt.Sprintf("%s(%s -> %d, %s)", c.name, in, s[0], c.act.ActType)
}

// rnnStep: h' = act(xi + hh).
func rnnStep(act *nn.Activation, xi, hh *nd.NDArray) *nd.NDArray { return act.Forward(xi.Add(hh)) }

// lstmStep, with the gate pre-activations g = xi + hh split as i, f, c̃, o:
//
//	c' = σ(f)·c + σ(i)·tanh(c̃),  h' = σ(o)·tanh(c')
func lstmStep(act, rec *nn.Activation, xi, hh, c *nd.NDArray) (h2, c2 *nd.NDArray) {
	g := nd.Split(xi.Add(hh), 4, 1, false)
	in, forget, cand, out := rec.Forward(g[0]), rec.Forward(g[1]), act.Forward(g[2]), rec.Forward(g[3])
	c2 = forget.Mul(c).Add(in.Mul(cand))
	return out.Mul(act.Forward(c2)), c2
}

// gruStep, MXNet's (and PyTorch's) formula with xi, hh split as r, z, n:
//
//	r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r·hn), h' = (1-z)·n + z·h
func gruStep(act, rec *nn.Activation, xi, hh, h *nd.NDArray) *nd.NDArray {
	x3, h3 := nd.Split(xi, 3, 1, false), nd.Split(hh, 3, 1, false)
	r := rec.Forward(x3[0].Add(h3[0]))
	z := rec.Forward(x3[1].Add(h3[1]))
	n := act.Forward(x3[2].Add(r.Mul(h3[2])))
	return n.Add(z.Mul(h.Sub(n)))
}

// RNNCell is an Elman recurrent cell:
//
//	h' = act(x·Wᵢᵀ + bᵢ + h·Wₕᵀ + bₕ)
//
// Shapes: step input (N, C), output and state (N, H). i2h_weight is
// (H, C), h2h_weight (H, H), biases (H,).
type RNNCell struct {
	gluon.HybridBlockBase
	I2HWeight, H2HWeight, I2HBias, H2HBias *gluon.Parameter
	core                                   cellCore
}

// NewRNNCell returns an RNNCell with hiddenSize units (activation tanh by default).
func NewRNNCell(hiddenSize int, opts ...CellOptions) *RNNCell {
	c := &RNNCell{}
	var p [4]*gluon.Parameter
	c.core, p = newCellCore("RNNCell", hiddenSize, 1, 1, optionsOf("RNNCell", opts))
	c.I2HWeight, c.H2HWeight, c.I2HBias, c.H2HBias = p[0], p[1], p[2], p[3]
	return c
}

func (c *RNNCell) params() [4]*gluon.Parameter {
	return [4]*gluon.Parameter{c.I2HWeight, c.H2HWeight, c.I2HBias, c.H2HBias}
}

// StateShapes is [(batch, H)].
func (c *RNNCell) StateShapes(batch int) []nd.Shape { return c.core.stateShapes(batch) }

// BeginState returns the zero state.
func (c *RNNCell) BeginState(batch int, opts ...nd.Option) []*nd.NDArray {
	return zeroStates(c.StateShapes(batch), opts)
}

// Step computes one step.
func (c *RNNCell) Step(x *nd.NDArray, states []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	xi, hh := c.core.projections(x, states, c.params())
	h := rnnStep(c.core.act, xi, hh)
	return h, []*nd.NDArray{h}
}

// Forward is one step from the zero state.
func (c *RNNCell) Forward(x *nd.NDArray) *nd.NDArray {
	out, _ := c.Step(x, c.BeginState(x.Shape()[0], nd.On(x.Device()), nd.OfType(x.DType())))
	return out
}

// Unroll runs the cell over a sequence.
func (c *RNNCell) Unroll(length int, inputs *nd.NDArray, begin []*nd.NDArray, layout string, merge bool) ([]*nd.NDArray, []*nd.NDArray) {
	return unroll(c, length, inputs, begin, layout, merge)
}

func (c *RNNCell) String() string { return c.core.repr(c.I2HWeight) }

// LSTMCell is a long short-term memory cell. With the gate
// pre-activations x·Wᵢᵀ + bᵢ + h·Wₕᵀ + bₕ split into i, f, c̃, o:
//
//	c' = σ(f)·c + σ(i)·tanh(c̃)
//	h' = σ(o)·tanh(c')
//
// Shapes: step input (N, C), output (N, H), states [h (N, H), c (N, H)].
// i2h_weight is (4H, C), h2h_weight (4H, H), biases (4H,).
// See https://www.bioinf.jku.at/publications/older/2604.pdf.
type LSTMCell struct {
	gluon.HybridBlockBase
	I2HWeight, H2HWeight, I2HBias, H2HBias *gluon.Parameter
	core                                   cellCore
}

// NewLSTMCell returns an LSTMCell with hiddenSize units.
func NewLSTMCell(hiddenSize int, opts ...CellOptions) *LSTMCell {
	c := &LSTMCell{}
	var p [4]*gluon.Parameter
	c.core, p = newCellCore("LSTMCell", hiddenSize, 4, 2, optionsOf("LSTMCell", opts))
	c.I2HWeight, c.H2HWeight, c.I2HBias, c.H2HBias = p[0], p[1], p[2], p[3]
	return c
}

func (c *LSTMCell) params() [4]*gluon.Parameter {
	return [4]*gluon.Parameter{c.I2HWeight, c.H2HWeight, c.I2HBias, c.H2HBias}
}

// StateShapes is [h (batch, H), c (batch, H)].
func (c *LSTMCell) StateShapes(batch int) []nd.Shape { return c.core.stateShapes(batch) }

// BeginState returns zero h and c.
func (c *LSTMCell) BeginState(batch int, opts ...nd.Option) []*nd.NDArray {
	return zeroStates(c.StateShapes(batch), opts)
}

// Step computes one step.
func (c *LSTMCell) Step(x *nd.NDArray, states []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	xi, hh := c.core.projections(x, states, c.params())
	h, cell := lstmStep(c.core.act, c.core.recAct, xi, hh, states[1])
	return h, []*nd.NDArray{h, cell}
}

// Forward is one step from the zero state.
func (c *LSTMCell) Forward(x *nd.NDArray) *nd.NDArray {
	out, _ := c.Step(x, c.BeginState(x.Shape()[0], nd.On(x.Device()), nd.OfType(x.DType())))
	return out
}

// Unroll runs the cell over a sequence.
func (c *LSTMCell) Unroll(length int, inputs *nd.NDArray, begin []*nd.NDArray, layout string, merge bool) ([]*nd.NDArray, []*nd.NDArray) {
	return unroll(c, length, inputs, begin, layout, merge)
}

func (c *LSTMCell) String() string { return c.core.repr(c.I2HWeight) }

// GRUCell is a gated recurrent unit cell (MXNet's formula, as PyTorch's).
// With x·Wᵢᵀ + bᵢ split into xr, xz, xn and h·Wₕᵀ + bₕ into hr, hz, hn:
//
//	r = σ(xr + hr), z = σ(xz + hz)
//	n = tanh(xn + r·hn)
//	h' = (1 - z)·n + z·h
//
// Shapes: step input (N, C), output and state (N, H). i2h_weight is
// (3H, C), h2h_weight (3H, H), biases (3H,).
// See https://arxiv.org/abs/1406.1078.
type GRUCell struct {
	gluon.HybridBlockBase
	I2HWeight, H2HWeight, I2HBias, H2HBias *gluon.Parameter
	core                                   cellCore
}

// NewGRUCell returns a GRUCell with hiddenSize units.
func NewGRUCell(hiddenSize int, opts ...CellOptions) *GRUCell {
	c := &GRUCell{}
	var p [4]*gluon.Parameter
	c.core, p = newCellCore("GRUCell", hiddenSize, 3, 1, optionsOf("GRUCell", opts))
	c.I2HWeight, c.H2HWeight, c.I2HBias, c.H2HBias = p[0], p[1], p[2], p[3]
	return c
}

func (c *GRUCell) params() [4]*gluon.Parameter {
	return [4]*gluon.Parameter{c.I2HWeight, c.H2HWeight, c.I2HBias, c.H2HBias}
}

// StateShapes is [(batch, H)].
func (c *GRUCell) StateShapes(batch int) []nd.Shape { return c.core.stateShapes(batch) }

// BeginState returns the zero state.
func (c *GRUCell) BeginState(batch int, opts ...nd.Option) []*nd.NDArray {
	return zeroStates(c.StateShapes(batch), opts)
}

// Step computes one step.
func (c *GRUCell) Step(x *nd.NDArray, states []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	xi, hh := c.core.projections(x, states, c.params())
	h := gruStep(c.core.act, c.core.recAct, xi, hh, states[0])
	return h, []*nd.NDArray{h}
}

// Forward is one step from the zero state.
func (c *GRUCell) Forward(x *nd.NDArray) *nd.NDArray {
	out, _ := c.Step(x, c.BeginState(x.Shape()[0], nd.On(x.Device()), nd.OfType(x.DType())))
	return out
}

// Unroll runs the cell over a sequence.
func (c *GRUCell) Unroll(length int, inputs *nd.NDArray, begin []*nd.NDArray, layout string, merge bool) ([]*nd.NDArray, []*nd.NDArray) {
	return unroll(c, length, inputs, begin, layout, merge)
}

func (c *GRUCell) String() string { return c.core.repr(c.I2HWeight) }

// optionsOf returns the single options struct of a constructor call.
func optionsOf[T any](name string, opts []T) T {
	var zero T
	if len(opts) > 1 {
		rnnPanic(name, "at most one options struct may be given, got %d", len(opts))
	}
	if len(opts) == 1 {
		return opts[0]
	}
	return zero
}
