package rnn

import (
	"fmt"
	"strings"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/nd"
)

// LayerOptions configures the RNN, LSTM and GRU layers; the zero value is
// Gluon's default.
type LayerOptions struct {
	// NumLayers stacked; 0 means 1.
	NumLayers int
	// Activation of the RNN layer: "relu" (the default when "") or "tanh".
	Activation string
	// Layout of inputs and outputs: "TNC" (the default when "") or "NTC".
	Layout string
	// Dropout rate applied, in training mode, to the outputs of every
	// layer but the last.
	Dropout float64
	// Bidirectional adds a layer running backward in time; outputs of
	// both directions are concatenated.
	Bidirectional bool
	// InputSize is the input feature size; 0 infers it at the first forward.
	InputSize int
	// DType of the parameters (default float32).
	DType nd.DType
	// Initializers; nil weights use the one given to Initialize, nil
	// biases are zeros.
	I2HWeightInitializer, H2HWeightInitializer initializer.Initializer
	I2HBiasInitializer, H2HBiasInitializer     initializer.Initializer
}

// LayerParams are the parameters of one layer and direction.
type LayerParams struct {
	I2HWeight, H2HWeight, I2HBias, H2HBias *gluon.Parameter
}

// layerCore is what the three layer types share.
type layerCore struct {
	name    string
	mode    string // rnn, lstm, gru
	gates   int
	hidden  int
	layers  int
	dirs    int
	layout  string
	dropout float64
	act     *nn.Activation
	sigmoid *nn.Activation
	tanh    *nn.Activation
}

// newLayer resolves options and declares and registers the parameters in
// Gluon's order: for each layer, for each direction (l, r): i2h_weight,
// h2h_weight, i2h_bias, h2h_bias.
func newLayer(b *gluon.HybridBlockBase, name, mode string, gates, hidden int, o LayerOptions) (layerCore, [][]LayerParams) {
	c := layerCore{name: name, mode: mode, gates: gates, hidden: hidden, layers: max(o.NumLayers, 1), dirs: 1,
		layout: o.Layout, dropout: o.Dropout, sigmoid: nn.NewActivation("sigmoid"), tanh: nn.NewActivation("tanh")}
	if hidden <= 0 || o.NumLayers < 0 || o.InputSize < 0 {
		rnnPanic(name, "hidden_size %d and num_layers %d must be positive, input_size %d >= 0", hidden, o.NumLayers, o.InputSize)
	}
	if o.Dropout < 0 || o.Dropout >= 1 {
		rnnPanic(name, "dropout %v must be in [0, 1)", o.Dropout)
	}
	if c.layout == "" {
		c.layout = "TNC"
	}
	timeAxis(name, c.layout)
	if o.Bidirectional {
		c.dirs = 2
	}
	act := o.Activation
	if mode == "rnn" {
		if act == "" {
			act = "relu"
		}
		if act != "relu" && act != "tanh" {
			rnnPanic(name, "activation %q (want relu or tanh)", act)
		}
		c.act = nn.NewActivation(act)
	} else if act != "" {
		rnnPanic(name, "activation is an option of the RNN layer only")
	}
	params := make([][]LayerParams, c.layers)
	in := o.InputSize
	gh := gates * hidden
	opt := func(i initializer.Initializer) []gluon.ParamOption {
		return []gluon.ParamOption{gluon.WithInit(i), gluon.WithDType(o.DType)}
	}
	for l := range params {
		params[l] = make([]LayerParams, c.dirs)
		for d := range params[l] {
			pre := fmt.Sprintf("%c%d_", "lr"[d], l)
			p := LayerParams{
				I2HWeight: gluon.NewParameter(pre+"i2h_weight", nd.Shape{gh, in}, opt(o.I2HWeightInitializer)...),
				H2HWeight: gluon.NewParameter(pre+"h2h_weight", nd.Shape{gh, hidden}, opt(o.H2HWeightInitializer)...),
				I2HBias:   gluon.NewParameter(pre+"i2h_bias", nd.Shape{gh}, opt(o.I2HBiasInitializer)...),
				H2HBias:   gluon.NewParameter(pre+"h2h_bias", nd.Shape{gh}, opt(o.H2HBiasInitializer)...),
			}
			for _, q := range []*gluon.Parameter{p.I2HWeight, p.H2HWeight, p.I2HBias, p.H2HBias} {
				b.RegisterParameter(q.Name, q)
			}
			params[l][d] = p
		}
		in = hidden * c.dirs
	}
	return c, params
}

func (c *layerCore) nstates() int {
	if c.mode == "lstm" {
		return 2
	}
	return 1
}

func (c *layerCore) beginState(batch int, opts []nd.Option) []*nd.NDArray {
	s := make([]nd.Shape, c.nstates())
	for i := range s {
		s[i] = nd.Shape{c.layers * c.dirs, batch, c.hidden}
	}
	return zeroStates(s, opts)
}

// forward runs the stacked layers over x; states nil means zeros.
func (c *layerCore) forward(x *nd.NDArray, states []*nd.NDArray, params [][]LayerParams) (*nd.NDArray, []*nd.NDArray) {
	if x.Ndim() != 3 {
		rnnPanic(c.name, "input %v must be 3-D (%s)", x.Shape(), c.layout)
	}
	if c.layout == "NTC" {
		x = x.SwapAxes(0, 1)
	}
	steps, batch := x.Shape()[0], x.Shape()[1]
	if steps == 0 {
		rnnPanic(c.name, "input %v has no time steps", x.Shape())
	}
	if states == nil {
		states = c.beginState(batch, []nd.Option{nd.On(x.Device()), nd.OfType(x.DType())})
	}
	want := nd.Shape{c.layers * c.dirs, batch, c.hidden}
	if len(states) != c.nstates() {
		rnnPanic(c.name, "got %d states, want %d", len(states), c.nstates())
	}
	for _, s := range states {
		if !s.Shape().Equal(want) {
			rnnPanic(c.name, "state %v, want %v", s.Shape(), want)
		}
	}
	params[0][0].I2HWeight.SetShape(nd.Shape{c.gates * c.hidden, x.Shape()[2]})
	if c.dirs == 2 {
		params[0][1].I2HWeight.SetShape(nd.Shape{c.gates * c.hidden, x.Shape()[2]})
	}
	if useFused && x.Device().Type != engine.GPU {
		x, states = c.fused(x, states, params)
	} else {
		x, states = c.composed(x, states, params)
	}
	if c.layout == "NTC" {
		x = x.SwapAxes(0, 1)
	}
	return x, states
}

// useFused selects the fused RNN op on the CPU; tests switch it off to run
// the composed path, which stays as the reference.
var useFused = true

// fused runs every layer with one [nd.RNN] call. The parameters are packed
// into MXNet's vector with a recorded Concat, so gradients flow back to
// each named parameter.
func (c *layerCore) fused(x *nd.NDArray, states []*nd.NDArray, params [][]LayerParams) (*nd.NDArray, []*nd.NDArray) {
	dev := x.Device()
	parts := make([]*nd.NDArray, 0, 4*c.layers*c.dirs)
	for _, layer := range params {
		for _, p := range layer {
			parts = append(parts, p.I2HWeight.Data(dev).Reshape(-1), p.H2HWeight.Data(dev).Reshape(-1))
		}
	}
	for _, layer := range params {
		for _, p := range layer {
			parts = append(parts, p.I2HBias.Data(dev), p.H2HBias.Data(dev))
		}
	}
	mode := c.mode
	if mode == "rnn" {
		mode = "rnn_" + c.act.ActType
	}
	attrs := nd.RNNAttrs{StateSize: c.hidden, NumLayers: c.layers, Bidirectional: c.dirs == 2, Mode: mode,
		P: c.dropout, StateOutputs: true, Train: autograd.IsTraining()}
	return nd.RNN(x, nd.Concat(0, parts...), states, attrs)
}

// composed runs the layers step by step from FullyConnected and gate ops.
func (c *layerCore) composed(x *nd.NDArray, states []*nd.NDArray, params [][]LayerParams) (*nd.NDArray, []*nd.NDArray) {
	final := make([][]*nd.NDArray, c.nstates())
	for l := 0; l < c.layers; l++ {
		outs := make([]*nd.NDArray, c.dirs)
		for d := 0; d < c.dirs; d++ {
			init := make([]*nd.NDArray, len(states))
			for i, s := range states {
				init[i] = s.At(l*c.dirs + d)
			}
			var last []*nd.NDArray
			outs[d], last = c.direction(x, init, params[l][d], d == 1)
			for i := range last {
				final[i] = append(final[i], last[i])
			}
		}
		x = outs[0]
		if c.dirs == 2 {
			x = nd.Concat(2, outs[0], outs[1])
		}
		if c.dropout > 0 && l < c.layers-1 && autograd.IsTraining() {
			x = nn.NewDropout(c.dropout).Forward(x)
		}
	}
	next := make([]*nd.NDArray, len(final))
	for i, f := range final {
		next[i] = nd.Stack(0, f...)
	}
	return x, next
}

// direction runs one layer in one direction over x (T, N, C) and returns
// its outputs (T, N, H) and final states.
func (c *layerCore) direction(x *nd.NDArray, states []*nd.NDArray, p LayerParams, reverse bool) (*nd.NDArray, []*nd.NDArray) {
	dev := x.Device()
	gh := c.gates * c.hidden
	// The input projection of every step at once: (T, N, G·H).
	xi := nd.FullyConnected(x, p.I2HWeight.Data(dev), p.I2HBias.Data(dev), nd.FullyConnectedAttrs{NumHidden: gh, NoFlatten: true})
	T := x.Shape()[0]
	var xs []*nd.NDArray
	if T == 1 {
		xs = []*nd.NDArray{nd.Squeeze(xi, 0)}
	} else {
		xs = nd.Split(xi, T, 0, true)
	}
	wh, bh := p.H2HWeight.Data(dev), p.H2HBias.Data(dev)
	h := states[0]
	var cell *nd.NDArray
	if c.mode == "lstm" {
		cell = states[1]
	}
	outs := make([]*nd.NDArray, T)
	for k := 0; k < T; k++ {
		t := k
		if reverse {
			t = T - 1 - k
		}
		hh := nd.FullyConnected(h, wh, bh, nd.FullyConnectedAttrs{NumHidden: gh})
		switch c.mode {
		case "rnn":
			h = rnnStep(c.act, xs[t], hh)
		case "lstm":
			h, cell = lstmStep(c.tanh, c.sigmoid, xs[t], hh, cell)
		case "gru":
			h = gruStep(c.tanh, c.sigmoid, xs[t], hh, h)
		}
		outs[t] = h
	}
	last := []*nd.NDArray{h}
	if cell != nil {
		last = append(last, cell)
	}
	return nd.Stack(0, outs...), last
}

func (c *layerCore) repr(p [][]LayerParams) string {
	var s strings.Builder
	ws := p[0][0].I2HWeight.Shape()
	in := "None"
	if ws[1] != 0 {
		in = fmt.Sprint(ws[1])
	}
	fmt.Fprintf(&s, "%s(%s -> %d, %s", c.name, in, ws[0]/c.gates, c.layout)
	if c.layers != 1 {
		fmt.Fprintf(&s, ", num_layers=%d", c.layers)
	}
	if c.dropout != 0 {
		fmt.Fprintf(&s, ", dropout=%s", pyFloat(c.dropout))
	}
	if c.dirs == 2 {
		s.WriteString(", bidirectional")
	}
	s.WriteString(")")
	return s.String()
}

// RNN is a multi-layer Elman recurrent network. Each layer computes
//
//	h_t = act(x_t·Wᵢᵀ + bᵢ + h_{t-1}·Wₕᵀ + bₕ)
//
// with act relu (the default) or tanh, the next layer reading h.
// Shapes (L layers, D = 2 if bidirectional else 1): input (T, N, C) for
// TNC or (N, T, C) for NTC; output (T, N, D·H) or (N, T, D·H); state
// h (L·D, N, H). Parameters l{i}_i2h_weight (H, C or D·H),
// l{i}_h2h_weight (H, H), l{i}_i2h_bias and l{i}_h2h_bias (H,), and r{i}_…
// for the reverse direction.
type RNN struct {
	gluon.HybridBlockBase
	// Params[layer][direction] (0 forward "l", 1 backward "r"), registered
	// under Gluon's names l0_i2h_weight, ….
	Params [][]LayerParams `gluon:"-"`
	core   layerCore
}

// NewRNN returns an RNN layer with hiddenSize units per layer.
func NewRNN(hiddenSize int, opts ...LayerOptions) *RNN {
	r := &RNN{}
	r.core, r.Params = newLayer(&r.HybridBlockBase, "RNN", "rnn", 1, hiddenSize, optionsOf("RNN", opts))
	return r
}

// BeginState returns the zero state [h] for a batch.
func (r *RNN) BeginState(batch int, opts ...nd.Option) []*nd.NDArray {
	return r.core.beginState(batch, opts)
}

// Forward runs the sequence from the zero state and returns the outputs.
func (r *RNN) Forward(x *nd.NDArray) *nd.NDArray { out, _ := r.ForwardState(x, nil); return out }

// ForwardState runs the sequence from states (nil means zeros) and
// returns the outputs and the final states.
func (r *RNN) ForwardState(x *nd.NDArray, states []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	return r.core.forward(x, states, r.Params)
}

func (r *RNN) String() string { return r.core.repr(r.Params) }

// LSTM is a multi-layer long short-term memory network. Each layer
// computes, with the gates split as i, f, c̃, o (MXNet's and PyTorch's order):
//
//	g = x_t·Wᵢᵀ + bᵢ + h_{t-1}·Wₕᵀ + bₕ
//	c_t = σ(f)·c_{t-1} + σ(i)·tanh(c̃),  h_t = σ(o)·tanh(c_t)
//
// Shapes (L layers, D = 2 if bidirectional else 1): input (T, N, C) for
// TNC or (N, T, C) for NTC; output (T, N, D·H) or (N, T, D·H); states
// [h (L·D, N, H), c (L·D, N, H)]. Weights are (4H, C or D·H) and
// (4H, H), biases (4H,), named l{i}_i2h_weight … r{i}_h2h_bias.
type LSTM struct {
	gluon.HybridBlockBase
	// Params[layer][direction] (0 forward "l", 1 backward "r"), registered
	// under Gluon's names l0_i2h_weight, ….
	Params [][]LayerParams `gluon:"-"`
	core   layerCore
}

// NewLSTM returns an LSTM layer with hiddenSize units per layer.
func NewLSTM(hiddenSize int, opts ...LayerOptions) *LSTM {
	r := &LSTM{}
	r.core, r.Params = newLayer(&r.HybridBlockBase, "LSTM", "lstm", 4, hiddenSize, optionsOf("LSTM", opts))
	return r
}

// BeginState returns zero states [h, c] for a batch.
func (r *LSTM) BeginState(batch int, opts ...nd.Option) []*nd.NDArray {
	return r.core.beginState(batch, opts)
}

// Forward runs the sequence from zero states and returns the outputs.
func (r *LSTM) Forward(x *nd.NDArray) *nd.NDArray { out, _ := r.ForwardState(x, nil); return out }

// ForwardState runs the sequence from states [h, c] (nil means zeros)
// and returns the outputs and the final states.
func (r *LSTM) ForwardState(x *nd.NDArray, states []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	return r.core.forward(x, states, r.Params)
}

func (r *LSTM) String() string { return r.core.repr(r.Params) }

// GRU is a multi-layer gated recurrent unit network. Each layer computes,
// with the projections split as r, z, n (MXNet's and PyTorch's order):
//
//	r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r·hn)
//	h_t = (1 - z)·n + z·h_{t-1}
//
// Shapes (L layers, D = 2 if bidirectional else 1): input (T, N, C) for
// TNC or (N, T, C) for NTC; output (T, N, D·H) or (N, T, D·H); state
// h (L·D, N, H). Weights are (3H, C or D·H) and (3H, H), biases (3H,),
// named l{i}_i2h_weight … r{i}_h2h_bias.
type GRU struct {
	gluon.HybridBlockBase
	// Params[layer][direction] (0 forward "l", 1 backward "r"), registered
	// under Gluon's names l0_i2h_weight, ….
	Params [][]LayerParams `gluon:"-"`
	core   layerCore
}

// NewGRU returns a GRU layer with hiddenSize units per layer.
func NewGRU(hiddenSize int, opts ...LayerOptions) *GRU {
	r := &GRU{}
	r.core, r.Params = newLayer(&r.HybridBlockBase, "GRU", "gru", 3, hiddenSize, optionsOf("GRU", opts))
	return r
}

// BeginState returns the zero state [h] for a batch.
func (r *GRU) BeginState(batch int, opts ...nd.Option) []*nd.NDArray {
	return r.core.beginState(batch, opts)
}

// Forward runs the sequence from the zero state and returns the outputs.
func (r *GRU) Forward(x *nd.NDArray) *nd.NDArray { out, _ := r.ForwardState(x, nil); return out }

// ForwardState runs the sequence from states [h] (nil means zeros) and
// returns the outputs and the final state.
func (r *GRU) ForwardState(x *nd.NDArray, states []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	return r.core.forward(x, states, r.Params)
}

func (r *GRU) String() string { return r.core.repr(r.Params) }
