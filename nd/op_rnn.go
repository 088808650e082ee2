package nd

import (
	"fmt"
	"math"
	"sync"

	"github.com/mxgo/mxgo/nd/kernels"
)

// The fused recurrent layer (MXNet's RNN op): a whole multi-layer,
// optionally bidirectional RNN, LSTM or GRU over a sequence in one kernel.
// Each layer and direction runs one GEMM for the input projections of every
// time step, then one small GEMM per step for the recurrent projection, with
// the gate math fused in Go loops. The backward pass (_rnn_backward) is one
// kernel too (backpropagation through time), reading the activations the
// forward saved in its last output. The composed path (FullyConnected and
// gate ops per step, gluon/rnn) stays as the reference it is tested against.

// RNNAttrs are the attributes of RNN. Mode is rnn_relu, rnn_tanh, lstm or
// gru (MXNet has no default); P is the dropout rate applied, while
// training, to the outputs of every layer but the last. StateOutputs adds
// the final states as outputs. Train is MXNet's is_train (the caller
// passes it: Gluon uses autograd.IsTraining()). Projection, state clipping
// and sequence lengths are not supported (they must keep their defaults).
type RNNAttrs struct {
	StateSize         int      `mx:"state_size"`
	NumLayers         int      `mx:"num_layers"`
	Bidirectional     bool     `mx:"bidirectional"`
	Mode              string   `mx:"mode"`
	P                 float64  `mx:"p"`
	StateOutputs      bool     `mx:"state_outputs"`
	ProjectionSize    *int     `mx:"projection_size"`
	LSTMStateClipMin  *float64 `mx:"lstm_state_clip_min"`
	LSTMStateClipMax  *float64 `mx:"lstm_state_clip_max"`
	LSTMStateClipNaN  bool     `mx:"lstm_state_clip_nan"`
	UseSequenceLength bool     `mx:"use_sequence_length"`
	Train             bool     `mx:"__is_train__"`
}

// rnnGates is the number of gate blocks of H rows in each weight matrix.
func rnnGates(mode string) (int, error) {
	switch mode {
	case "rnn_relu", "rnn_tanh":
		return 1, nil
	case "gru":
		return 3, nil
	case "lstm":
		return 4, nil
	}
	return 0, fmt.Errorf("mode %q (want rnn_relu, rnn_tanh, lstm or gru)", mode)
}

func (a RNNAttrs) nstates() int {
	if a.Mode == "lstm" {
		return 2
	}
	return 1
}

func (a RNNAttrs) dirs() int {
	if a.Bidirectional {
		return 2
	}
	return 1
}

func (a RNNAttrs) check() error {
	if _, err := rnnGates(a.Mode); err != nil {
		return err
	}
	if a.StateSize <= 0 || a.NumLayers <= 0 {
		return fmt.Errorf("state_size %d and num_layers %d must be positive", a.StateSize, a.NumLayers)
	}
	if a.P < 0 || a.P >= 1 {
		return fmt.Errorf("p %v must be in [0, 1)", a.P)
	}
	if a.ProjectionSize != nil || a.LSTMStateClipMin != nil || a.LSTMStateClipMax != nil || a.LSTMStateClipNaN || a.UseSequenceLength {
		return fmt.Errorf("projection_size, lstm_state_clip_* and use_sequence_length are not supported")
	}
	return nil
}

// RNNParamSize is the length of the packed parameter vector of an RNN op
// with these attributes over inputs of inputSize features. MXNet's layout:
// first every weight, for each layer, for each direction (forward, then
// backward), i2h (G·H, in) then h2h (G·H, H); then every bias in the same
// order, i2h (G·H,) then h2h (G·H,). G is 1 (rnn), 3 (gru) or 4 (lstm), in
// is inputSize for layer 0 and D·H above. It panics on an unknown mode.
func RNNParamSize(attrs RNNAttrs, inputSize int) int {
	g, err := rnnGates(attrs.Mode)
	if err != nil {
		panicf("RNN", "%v", err)
	}
	h, d := attrs.StateSize, attrs.dirs()
	n := 0
	for l := 0; l < attrs.NumLayers; l++ {
		in := inputSize
		if l > 0 {
			in = d * h
		}
		n += d * g * h * (in + h + 2)
	}
	return n
}

// rnnPlan is where everything lives for one call: offsets into the packed
// parameters and into the reserve (the saved activations).
type rnnPlan struct {
	a             RNNAttrs
	T, N, C, H    int
	L, D, G, A    int // layers, directions, gates, saved values per (t, n) per layer-direction
	drop          bool
	wx, wh        [][]int // weight offsets per (layer, direction)
	bx, bh        [][]int // bias offsets
	act           [][]int // reserve offsets of the saved activations (T·N, A)
	y, mask, xin  []int   // per layer below the top: outputs, dropout mask, masked outputs
	nparams, nres int
}

func newRNNPlan(a RNNAttrs, data Shape) (*rnnPlan, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	if len(data) != 3 || data[0] == 0 {
		return nil, fmt.Errorf("data %v must be (T, N, C) with T > 0", data)
	}
	p := &rnnPlan{a: a, T: data[0], N: data[1], C: data[2], H: a.StateSize, L: a.NumLayers, D: a.dirs()}
	p.G, _ = rnnGates(a.Mode)
	// Saved per step and batch row: rnn the pre-activation; gru r, z, n and
	// the recurrent projection of n; lstm i, f, g, o, c and tanh(c).
	p.A = map[int]int{1: 1, 3: 4, 4: 6}[p.G] * p.H
	p.drop = a.Train && a.P > 0 && p.L > 1
	gh := p.G * p.H
	off := 0
	alloc2 := func() [][]int {
		m := make([][]int, p.L)
		for l := range m {
			m[l] = make([]int, p.D)
		}
		return m
	}
	p.wx, p.wh, p.bx, p.bh, p.act = alloc2(), alloc2(), alloc2(), alloc2(), alloc2()
	for l := 0; l < p.L; l++ {
		for d := 0; d < p.D; d++ {
			p.wx[l][d] = off
			off += gh * p.in(l)
			p.wh[l][d] = off
			off += gh * p.H
		}
	}
	for l := 0; l < p.L; l++ {
		for d := 0; d < p.D; d++ {
			p.bx[l][d], p.bh[l][d] = off, off+gh
			off += 2 * gh
		}
	}
	p.nparams = off
	tn, seq := p.T*p.N, p.T*p.N*p.D*p.H
	off = 0
	for l := 0; l < p.L; l++ {
		for d := 0; d < p.D; d++ {
			p.act[l][d] = off
			off += tn * p.A
		}
	}
	p.y, p.mask, p.xin = make([]int, p.L-1), make([]int, p.L-1), make([]int, p.L-1)
	for l := 0; l < p.L-1; l++ {
		p.y[l] = off
		off += seq
		if p.drop {
			p.mask[l], p.xin[l] = off, off+seq
			off += 2 * seq
		}
	}
	p.nres = off
	return p, nil
}

// in is the input feature size of layer l.
func (p *rnnPlan) in(l int) int {
	if l == 0 {
		return p.C
	}
	return p.D * p.H
}

// step is the time index of the k-th step of direction d.
func (p *rnnPlan) step(d, k int) int {
	if d == 1 {
		return p.T - 1 - k
	}
	return k
}

// rnnInferShape checks data (T, N, C), params (P,), state (L·D, N, H) and,
// for lstm, state_cell; extra inputs (the backward's) are checked by count.
func (p *rnnPlan) checkInputs(in []Shape) error {
	ns := p.a.nstates()
	if len(in) < 2+ns {
		return fmt.Errorf("got %d inputs, want data, parameters and %d states", len(in), ns)
	}
	if !in[1].Equal(Shape{p.nparams}) {
		return fmt.Errorf("parameters %v, want (%d,) for this mode, size and input (MXNet's packing)", in[1], p.nparams)
	}
	want := Shape{p.L * p.D, p.N, p.H}
	for _, s := range in[2 : 2+ns] {
		if !s.Equal(want) {
			return fmt.Errorf("state %v, want %v", s, want)
		}
	}
	return nil
}

func (p *rnnPlan) outShapes() []Shape {
	out := []Shape{{p.T, p.N, p.D * p.H}}
	if p.a.StateOutputs {
		for range p.a.nstates() {
			out = append(out, Shape{p.L * p.D, p.N, p.H})
		}
	}
	return append(out, Shape{p.nres})
}

var opRNN, opRNNBackward *OpDef

func init() {
	opRNN = RegisterOp(&OpDef{
		Name:         "RNN",
		Attrs:        RNNAttrs{},
		NumInputs:    -1,
		SavedOutputs: 1, // the reserve: activations kept for the backward pass
		RNG:          true,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			if len(in) == 0 {
				return nil, fmt.Errorf("no inputs")
			}
			p, err := newRNNPlan(attrs.(RNNAttrs), in[0])
			if err != nil {
				return nil, err
			}
			if len(in) != 2+p.a.nstates() {
				return nil, fmt.Errorf("got %d inputs, want data, parameters and %d states", len(in), p.a.nstates())
			}
			if err := p.checkInputs(in); err != nil {
				return nil, err
			}
			return p.outShapes(), nil
		},
		// Outputs: out, [hy, [cy]] when state_outputs, then the reserve.
		InferType: func(attrs any, in []DType) ([]DType, error) {
			a := attrs.(RNNAttrs)
			n := 2
			if a.StateOutputs {
				n += a.nstates()
			}
			return nnFloatType(n)(nil, in)
		},
		Kernels: cpu(func(k *KernelArgs) error {
			p, err := newRNNPlan(k.Attrs.(RNNAttrs), k.In[0].Shape)
			if err != nil {
				return err
			}
			if k.In[0].DType == Float32 {
				rnnForward(p, k, rnnMath32)
			} else {
				rnnForward(p, k, rnnMath64)
			}
			return nil
		}),
		// One fused kernel computes the gradients of data, parameters and
		// initial states from the head gradients of out (and of the final
		// states) and the saved activations: d/dθ by backpropagation
		// through time, the chain rule of each step's gate formulas (see
		// rnnBackward). It is not differentiable again.
		Grad: func(g *GradArgs) []*NDArray {
			a := g.Attrs.(RNNAttrs)
			in := append([]*NDArray(nil), g.Inputs...)
			in = append(in, g.Outputs[0], g.Outputs[len(g.Outputs)-1], g.OutGrads[0])
			if a.StateOutputs {
				in = append(in, g.OutGrads[1:1+a.nstates()]...)
			}
			return Invoke(opRNNBackward, a, in...)
		},
	})

	// _rnn_backward(data, params, state, [state_cell], out, reserve, dout,
	// [dhy, [dcy]]) -> ddata, dparams, dstate, [dstate_cell].
	opRNNBackward = RegisterOp(&OpDef{
		Name:      "_rnn_backward",
		Attrs:     RNNAttrs{},
		NumInputs: -1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			if len(in) == 0 {
				return nil, fmt.Errorf("no inputs")
			}
			p, err := newRNNPlan(attrs.(RNNAttrs), in[0])
			if err != nil {
				return nil, err
			}
			ns := p.a.nstates()
			nin := 5 + ns
			if p.a.StateOutputs {
				nin += ns
			}
			if len(in) != nin {
				return nil, fmt.Errorf("got %d inputs, want %d", len(in), nin)
			}
			if err := p.checkInputs(in); err != nil {
				return nil, err
			}
			outShape, stateShape := Shape{p.T, p.N, p.D * p.H}, Shape{p.L * p.D, p.N, p.H}
			if !in[2+ns].Equal(outShape) || !in[4+ns].Equal(outShape) || !in[3+ns].Equal(Shape{p.nres}) {
				return nil, fmt.Errorf("out %v, reserve %v and out gradient %v, want %v, (%d,) and %v",
					in[2+ns], in[3+ns], in[4+ns], outShape, p.nres, outShape)
			}
			for _, s := range in[5+ns:] {
				if !s.Equal(stateShape) {
					return nil, fmt.Errorf("state gradient %v, want %v", s, stateShape)
				}
			}
			return in[:2+ns], nil
		},
		InferType: func(attrs any, in []DType) ([]DType, error) {
			return nnFloatType(2+attrs.(RNNAttrs).nstates())(nil, in)
		},
		Kernels: cpu(func(k *KernelArgs) error {
			p, err := newRNNPlan(k.Attrs.(RNNAttrs), k.In[0].Shape)
			if err != nil {
				return err
			}
			if k.In[0].DType == Float32 {
				rnnBackward(p, k, rnnMath32)
			} else {
				rnnBackward(p, k, rnnMath64)
			}
			return nil
		}),
	})
}

// RNN runs MXNet's fused recurrent layer over data (T, N, C) with the
// packed parameter vector params (see [RNNParamSize] for the layout) from
// the initial states [h0] or, for lstm, [h0, c0], each (L·D, N, H). It
// returns the outputs (T, N, D·H) and, when attrs.StateOutputs, the final
// states (same shapes as the initial ones). Per layer (gates split in
// MXNet's order):
//
//	rnn:  h' = act(x·Wxᵀ + bx + h·Whᵀ + bh)
//	lstm: [i f g o] = x·Wxᵀ + bx + h·Whᵀ + bh; c' = σ(f)c + σ(i)tanh(g); h' = σ(o)tanh(c')
//	gru:  [r z n] blocks; r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r·hn); h' = (1-z)n + z·h
//
// It panics if a shape, the mode or an attribute is invalid.
func RNN(data, params *NDArray, states []*NDArray, attrs RNNAttrs) (out *NDArray, final []*NDArray) {
	o := Invoke(opRNN, attrs, append([]*NDArray{data, params}, states...)...)
	if attrs.StateOutputs {
		final = o[1 : len(o)-1]
	}
	return o[0], final
}

// ---- kernels ----

// rnnMath holds the activation functions of one float type.
type rnnMath[T nnFloat] struct {
	sigmoid, tanh func(T) T
}

var (
	rnnMath32 = rnnMath[float32]{sigmoid: unarySigmoid32, tanh: unaryTanh32}
	rnnMath64 = rnnMath[float64]{sigmoid: unarySigmoid64, tanh: math.Tanh}
)

// rnnGemm is C = A·B (op'd) + beta·C for either float type.
func rnnGemm[T nnFloat](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch av := any(a).(type) {
	case []float32:
		kernels.Sgemm(transA, transB, m, n, k, 1, av, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		kernels.Dgemm(transA, transB, m, n, k, 1, av, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// rnnStepGemm is the product of op(Wh) with each step's state (or gate
// gradients) as the right-hand side, transposed: C = op(A)·Bᵀ. For
// float32 the weight is packed for the micro-kernel once per pass
// (kernels.PackA) rather than by every step's GEMM: a 1024×256 weight
// costs about as much to pack as to multiply by a batch of 32.
type rnnStepGemm[T nnFloat] struct {
	transA bool
	m, k   int
	a      []T
	lda    int
	packed *kernels.PackedA
}

var rnnPacked = sync.Pool{New: func() any { return new(kernels.PackedA) }}

func newRNNStepGemm[T nnFloat](transA bool, m, k int, a []T, lda int) rnnStepGemm[T] {
	g := rnnStepGemm[T]{transA: transA, m: m, k: k, a: a, lda: lda}
	if a32, ok := any(a).([]float32); ok {
		g.packed = rnnPacked.Get().(*kernels.PackedA)
		kernels.PackA(g.packed, transA, m, k, 1, a32, lda)
	}
	return g
}

// mul sets c (m×n, row stride ldc) to op(A)·bᵀ for b (n×k, row stride ldb).
func (g *rnnStepGemm[T]) mul(n int, b []T, ldb int, c []T, ldc int) {
	if g.packed != nil {
		kernels.SgemmPackedA(g.packed, true, n, any(b).([]float32), ldb, 0, any(c).([]float32), ldc)
		return
	}
	rnnGemm(g.transA, true, g.m, n, g.k, g.a, g.lda, b, ldb, 0, c, ldc)
}

func (g *rnnStepGemm[T]) release() {
	if g.packed != nil {
		rnnPacked.Put(g.packed)
		g.packed = nil
	}
}

// rnnScratch pools the per-call scratch buffers (gate gradients, running
// state gradients) so repeated calls do not allocate them.
var rnnScratch32, rnnScratch64 sync.Pool

func rnnGetBuf[T nnFloat](n int) *[]T {
	var z T
	pool := &rnnScratch64
	if _, ok := any(z).(float32); ok {
		pool = &rnnScratch32
	}
	if v := pool.Get(); v != nil {
		b := v.(*[]T)
		if cap(*b) >= n {
			*b = (*b)[:n]
			return b
		}
	}
	b := make([]T, n)
	return &b
}

func rnnPutBuf[T nnFloat](b *[]T) {
	var z T
	if _, ok := any(z).(float32); ok {
		rnnScratch32.Put(b)
	} else {
		rnnScratch64.Put(b)
	}
}

// rnnRowGrain is the batch rows per parallel chunk of the gate loops.
const rnnRowGrain = 4

// rnnForward runs every layer and direction and writes out, the final
// states and the reserve.
func rnnForward[T nnFloat](p *rnnPlan, k *KernelArgs, m rnnMath[T]) {
	ns := p.a.nstates()
	w := Elems[T](k.In[1])
	states := make([][]T, ns)
	for i := range states {
		states[i] = Elems[T](k.In[2+i])
	}
	out := Elems[T](k.Out[0])
	res := Elems[T](k.Out[len(k.Out)-1])
	var final [][]T
	if p.a.StateOutputs {
		for i := range ns {
			final = append(final, Elems[T](k.Out[1+i]))
		}
	}
	seq := p.T * p.N * p.D * p.H
	x := Elems[T](k.In[0])
	gh, ghT := rnnGetBuf[T](p.N*p.G*p.H), rnnGetBuf[T](p.N*p.G*p.H)
	defer rnnPutBuf(gh)
	defer rnnPutBuf(ghT)
	for l := 0; l < p.L; l++ {
		y := out
		if l < p.L-1 {
			y = res[p.y[l] : p.y[l]+seq]
		}
		for d := 0; d < p.D; d++ {
			dir := rnnDir[T]{p: p, l: l, d: d, w: w, x: x, y: y, act: res[p.act[l][d]:][:p.T*p.N*p.A], m: m}
			si := (l*p.D + d) * p.N * p.H
			dir.h0 = states[0][si : si+p.N*p.H]
			if ns == 2 {
				dir.c0 = states[1][si : si+p.N*p.H]
			}
			dir.gh, dir.ghT = *gh, *ghT
			dir.forward()
			if final != nil {
				dir.finalStates(final, si)
			}
		}
		x = y
		if p.drop && l < p.L-1 {
			mask, xin := res[p.mask[l]:][:seq], res[p.xin[l]:][:seq]
			keep := T(1 / (1 - p.a.P))
			for i := range mask {
				mask[i] = 0
				if k.RNG.Float64() >= p.a.P {
					mask[i] = keep
				}
				xin[i] = y[i] * mask[i]
			}
			x = xin
		}
	}
}

// rnnDir is one layer and direction of a call.
type rnnDir[T nnFloat] struct {
	p      *rnnPlan
	l, d   int
	w      []T // packed parameters
	x, y   []T // layer input (T·N, in) and output (T·N, D·H)
	h0, c0 []T // initial states (N, H)
	act    []T // saved activations (T·N, A)
	gh     []T // gru: recurrent projection of one step (N, 3H)
	ghT    []T // recurrent projection of one step, transposed (G·H, N)
	m      rnnMath[T]

	// backward only
	dG, dGh []T // gate gradients (T·N, G·H): of the input and recurrent projections (equal but for gru)
	dh, dc  []T // running gradients of h and c (N, H)
	dhT     []T // dG_t·Wh transposed (H, N)
}

// rnnAddT sets (or, with add, increments) dst[n·ld + j] by src[j·rows + n]
// for n < rows, j < cols: src is a (cols, rows) matrix.
func rnnAddT[T nnFloat](dst []T, ld int, src []T, rows, cols int, add bool) {
	const blk = 16
	kernels.ParallelFor(rows, 8, func(lo, hi int) {
		for j0 := 0; j0 < cols; j0 += blk {
			j1 := min(j0+blk, cols)
			for n := lo; n < hi; n++ {
				d := dst[n*ld+j0 : n*ld+j1]
				for j := range d {
					v := src[(j0+j)*rows+n]
					if add {
						v += d[j]
					}
					d[j] = v
				}
			}
		}
	})
}

func (r *rnnDir[T]) weights() (wx, wh, bx, bh []T) {
	p := r.p
	gh := p.G * p.H
	return r.w[p.wx[r.l][r.d]:][:gh*p.in(r.l)], r.w[p.wh[r.l][r.d]:][:gh*p.H],
		r.w[p.bx[r.l][r.d]:][:gh], r.w[p.bh[r.l][r.d]:][:gh]
}

// prevH returns h_{t-1} of the k-th step and its row stride.
func (r *rnnDir[T]) prevH(k int) ([]T, int) {
	p := r.p
	if k == 0 {
		return r.h0, p.H
	}
	ld := p.D * p.H
	return r.y[p.step(r.d, k-1)*p.N*ld+r.d*p.H:], ld
}

func (r *rnnDir[T]) forward() {
	p := r.p
	gh, in, A, N, H := p.G*p.H, p.in(r.l), p.A, p.N, p.H
	wx, wh, bx, bh := r.weights()
	// Input projections of every step in one GEMM, into the first G·H
	// columns of the saved rows, plus the biases (gru adds bh per step).
	rnnGemm(false, true, p.T*N, gh, in, r.x, in, wx, in, 0, r.act, A)
	kernels.ParallelFor(p.T*N, 64, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			a := r.act[row*A:][:gh]
			if p.G == 3 {
				for j, b := range bx {
					a[j] += b
				}
				continue
			}
			for j := range a {
				a[j] += bx[j] + bh[j]
			}
		}
	})
	ld := p.D * H
	rec := newRNNStepGemm(false, gh, H, wh, H)
	defer rec.release()
	for k := 0; k < p.T; k++ {
		t := p.step(r.d, k)
		hp, ldh := r.prevH(k)
		at := r.act[t*N*A:][:N*A]
		// Wh·h_{t-1}ᵀ (G·H, N) runs faster than h_{t-1}·Whᵀ with so few
		// rows; it is transposed into the gate rows.
		rec.mul(N, hp, ldh, r.ghT, N)
		if p.G == 3 {
			rnnAddT(r.gh, gh, r.ghT, N, gh, false)
		} else {
			rnnAddT(at, A, r.ghT, N, gh, true)
		}
		var cp []T
		if p.G == 4 {
			cp = r.c0
			if k > 0 {
				cp = r.act[p.step(r.d, k-1)*N*A+4*H:]
			}
		}
		yt := r.y[t*N*ld+r.d*H:]
		kernels.ParallelFor(N, rnnRowGrain, func(lo, hi int) {
			for n := lo; n < hi; n++ {
				a, h := at[n*A:][:A], yt[n*ld:][:H]
				switch p.G {
				case 1:
					r.rnnCell(a[:H], h)
				case 3:
					r.gruCell(a, r.gh[n*gh:][:gh], bh, hp[n*ldh:][:H], h)
				case 4:
					cpl := H
					if k > 0 {
						cpl = A
					}
					r.lstmCell(a, cp[n*cpl:][:H], h)
				}
			}
		})
	}
}

func (r *rnnDir[T]) rnnCell(a, h []T) {
	if r.p.a.Mode == "rnn_relu" {
		for j, v := range a {
			h[j] = max(v, 0)
		}
		return
	}
	for j, v := range a {
		h[j] = r.m.tanh(v)
	}
}

// lstmCell turns the pre-activations a[:4H] into i, f, g, o in place and
// writes c (a[4H:5H]), tanh c (a[5H:]) and h.
func (r *rnnDir[T]) lstmCell(a, cp, h []T) {
	H := len(h)
	if a32, ok := any(a).([]float32); ok {
		// The gates lie in contiguous blocks: vector kernels over each.
		cp32, h32 := any(cp).([]float32)[:H], any(h).([]float32)
		ig, fg, gg, og, c, tc := a32[:H], a32[H:2*H], a32[2*H:3*H], a32[3*H:4*H], a32[4*H:5*H], a32[5*H:6*H]
		kernels.Sigmoid32(a32[:2*H], a32[:2*H]) // i and f
		kernels.Tanh32(gg, gg)
		kernels.Sigmoid32(og, og)
		for j := range c {
			c[j] = fg[j]*cp32[j] + ig[j]*gg[j]
		}
		kernels.Tanh32(tc, c)
		for j := range h32 {
			h32[j] = og[j] * tc[j]
		}
		return
	}
	ig, fg, gg, og, c, tc := a[:H], a[H:2*H], a[2*H:3*H], a[3*H:4*H], a[4*H:5*H], a[5*H:6*H]
	sig, tanh := r.m.sigmoid, r.m.tanh
	for j := range h {
		i, f, g, o := sig(ig[j]), sig(fg[j]), tanh(gg[j]), sig(og[j])
		cj := f*cp[j] + i*g
		tcj := tanh(cj)
		ig[j], fg[j], gg[j], og[j], c[j], tc[j] = i, f, g, o, cj, tcj
		h[j] = o * tcj
	}
}

// gruCell reads xi (a[:3H], with bx) and the recurrent projection hh
// (without bh) and saves r, z, n and hn = hh_n + bh_n in a.
func (r *rnnDir[T]) gruCell(a, hh, bh, hp, h []T) {
	H := len(h)
	sig, tanh := r.m.sigmoid, r.m.tanh
	for j := range h {
		rg := sig(a[j] + hh[j] + bh[j])
		z := sig(a[H+j] + hh[H+j] + bh[H+j])
		hn := hh[2*H+j] + bh[2*H+j]
		n := tanh(a[2*H+j] + rg*hn)
		a[j], a[H+j], a[2*H+j], a[3*H+j] = rg, z, n, hn
		h[j] = n + z*(hp[j]-n)
	}
}

// finalStates copies the last step's h (and c) into the state outputs.
func (r *rnnDir[T]) finalStates(final [][]T, si int) {
	p := r.p
	N, H, A, ld := p.N, p.H, p.A, p.D*p.H
	t := p.step(r.d, p.T-1)
	for n := 0; n < N; n++ {
		copy(final[0][si+n*H:][:H], r.y[(t*N+n)*ld+r.d*H:][:H])
		if len(final) == 2 {
			copy(final[1][si+n*H:][:H], r.act[(t*N+n)*A+4*H:][:H])
		}
	}
}

// rnnBackward runs backpropagation through time, top layer first, each
// direction over the steps in reverse order of its forward pass.
func rnnBackward[T nnFloat](p *rnnPlan, k *KernelArgs, m rnnMath[T]) {
	ns := p.a.nstates()
	w := Elems[T](k.In[1])
	out, res, dout := Elems[T](k.In[2+ns]), Elems[T](k.In[3+ns]), Elems[T](k.In[4+ns])
	ddata, dw := Elems[T](k.Out[0]), Elems[T](k.Out[1])
	seq, N, H, gh := p.T*p.N*p.D*p.H, p.N, p.H, p.G*p.H
	dG := rnnGetBuf[T](p.T * N * gh)
	defer rnnPutBuf(dG)
	dGh := dG
	if p.G == 3 { // gru: the recurrent gate gradients differ in the n block
		dGh = rnnGetBuf[T](p.T * N * gh)
		defer rnnPutBuf(dGh)
	}
	dh, dc, dhT := rnnGetBuf[T](N*H), rnnGetBuf[T](N*H), rnnGetBuf[T](N*H)
	defer rnnPutBuf(dh)
	defer rnnPutBuf(dc)
	defer rnnPutBuf(dhT)
	var dxBufs [2]*[]T
	if p.L > 1 {
		for i := range dxBufs {
			dxBufs[i] = rnnGetBuf[T](seq)
			defer rnnPutBuf(dxBufs[i])
		}
	}
	dy := dout
	for l := p.L - 1; l >= 0; l-- {
		x, y, dx := Elems[T](k.In[0]), out, ddata
		if l > 0 {
			x, dx = res[p.y[l-1]:][:seq], *dxBufs[l%2]
			if p.drop {
				x = res[p.xin[l-1]:][:seq]
			}
		}
		if l < p.L-1 {
			y = res[p.y[l]:][:seq]
		}
		for d := 0; d < p.D; d++ {
			si := (l*p.D + d) * N * H
			dir := rnnDir[T]{p: p, l: l, d: d, w: w, x: x, y: y, act: res[p.act[l][d]:][:p.T*N*p.A], m: m,
				h0: Elems[T](k.In[2])[si : si+N*H], dG: *dG, dGh: *dGh, dh: *dh, dc: *dc, dhT: *dhT}
			if ns == 2 {
				dir.c0 = Elems[T](k.In[3])[si : si+N*H]
			}
			for i, buf := range [][]T{dir.dh, dir.dc}[:ns] {
				if p.a.StateOutputs {
					copy(buf, Elems[T](k.In[5+ns+i])[si:si+N*H])
				} else {
					clear(buf)
				}
			}
			dir.backward(dy, dx, dw, T(min(d, 1)))
			for i, buf := range [][]T{dir.dh, dir.dc}[:ns] {
				copy(Elems[T](k.Out[2+i])[si:si+N*H], buf)
			}
		}
		if l > 0 && p.drop {
			for i, v := range res[p.mask[l-1]:][:seq] {
				dx[i] *= v
			}
		}
		dy = dx
	}
}

// backward computes this layer-direction's gate gradients step by step,
// then its weight and bias gradients and its input gradient (added to dx
// scaled by dxBeta) with whole-sequence GEMMs. dh (and dc) hold the
// gradients of the final states on entry and of the initial ones on exit.
func (r *rnnDir[T]) backward(dy, dx, dw []T, dxBeta T) {
	p := r.p
	gh, in, A, N, H, ld := p.G*p.H, p.in(r.l), p.A, p.N, p.H, p.D*p.H
	wx, wh, _, _ := r.weights()
	rec := newRNNStepGemm(true, H, gh, wh, H)
	defer rec.release()
	for k := p.T - 1; k >= 0; k-- {
		t := p.step(r.d, k)
		hp, ldh := r.prevH(k)
		at := r.act[t*N*A:][:N*A]
		dyt, yt := dy[t*N*ld+r.d*H:], r.y[t*N*ld+r.d*H:]
		dgt, dght := r.dG[t*N*gh:][:N*gh], r.dGh[t*N*gh:][:N*gh]
		var cp []T
		cpl := H
		if p.G == 4 {
			cp = r.c0
			if k > 0 {
				cp, cpl = r.act[p.step(r.d, k-1)*N*A+4*H:], A
			}
		}
		kernels.ParallelFor(N, rnnRowGrain, func(lo, hi int) {
			for n := lo; n < hi; n++ {
				a, dyr, dhr, g := at[n*A:][:A], dyt[n*ld:][:H], r.dh[n*H:][:H], dgt[n*gh:][:gh]
				switch p.G {
				case 1:
					r.rnnCellBack(a[:H], yt[n*ld:][:H], dyr, dhr, g)
				case 3:
					gruCellBack(a, hp[n*ldh:][:H], dyr, dhr, g, dght[n*gh:][:gh])
				case 4:
					lstmCellBack(a, cp[n*cpl:][:H], dyr, dhr, r.dc[n*H:][:H], g)
				}
			}
		})
		// dh_{t-1} = dG_t·Wh (gru adds it to its direct term z·dh),
		// computed transposed as in the forward pass.
		rec.mul(N, dght, gh, r.dhT, N)
		rnnAddT(r.dh, H, r.dhT, N, H, p.G == 3)
	}
	dwx, dwh := dw[p.wx[r.l][r.d]:][:gh*in], dw[p.wh[r.l][r.d]:][:gh*H]
	dbx, dbh := dw[p.bx[r.l][r.d]:][:gh], dw[p.bh[r.l][r.d]:][:gh]
	// dWx = Σ_t dG_tᵀ·x_t; dWh = Σ_t dGh_tᵀ·h_{t-1}, where h_{t-1} is the
	// previous step's output row block (one GEMM) or h0 for the first step.
	rnnGemm(true, false, gh, in, p.T*N, r.dG, gh, r.x, in, 0, dwx, in)
	rnnGemm(true, false, gh, H, N, r.dGh[p.step(r.d, 0)*N*gh:], gh, r.h0, H, 0, dwh, H)
	if p.T > 1 {
		if r.d == 0 {
			rnnGemm(true, false, gh, H, (p.T-1)*N, r.dGh[N*gh:], gh, r.y[r.d*H:], ld, 1, dwh, H)
		} else {
			rnnGemm(true, false, gh, H, (p.T-1)*N, r.dGh, gh, r.y[N*ld+r.d*H:], ld, 1, dwh, H)
		}
	}
	rnnColSum(r.dG, dbx, p.T*N)
	rnnColSum(r.dGh, dbh, p.T*N)
	// dx = dG·Wx (+ the other direction's part)
	rnnGemm(false, false, p.T*N, in, gh, r.dG, gh, wx, in, dxBeta, dx, in)
}

// rnnColSum writes the column sums of g (rows, len(out)) into out.
func rnnColSum[T nnFloat](g, out []T, rows int) {
	cols := len(out)
	kernels.ParallelFor(cols, 256, func(lo, hi int) {
		o := out[lo:hi]
		clear(o)
		for r := 0; r < rows; r++ {
			for j, v := range g[r*cols+lo : r*cols+hi] {
				o[j] += v
			}
		}
	})
}

// rnnCellBack: h = act(a), so da = dh·act'(a) with dh = dy + dh_next.
func (r *rnnDir[T]) rnnCellBack(a, h, dy, dh, g []T) {
	relu := r.p.a.Mode == "rnn_relu"
	for j := range dh {
		d := dy[j] + dh[j]
		switch {
		case relu && a[j] > 0:
			g[j] = d
		case relu:
			g[j] = 0
		default: // d tanh = 1 - h²
			g[j] = d * (1 - h[j]*h[j])
		}
	}
}

// lstmCellBack, with dh = dy + dh_next and the saved i, f, g, o, tanh c:
//
//	dc = dc_next + dh·o·(1 - tanh²c)
//	di = dc·g·i(1-i), df = dc·c_{t-1}·f(1-f), dg = dc·i·(1-g²), do = dh·tanh c·o(1-o)
//	dc_{t-1} = dc·f
func lstmCellBack[T nnFloat](a, cp, dy, dh, dc, g []T) {
	H := len(dh)
	// Every slice cut to H up front: the loop then runs without bounds
	// checks.
	ig, fg, gg, og, tc := a[:H], a[H:][:H], a[2*H:][:H], a[3*H:][:H], a[5*H:][:H]
	gi, gf, gc, gO := g[:H], g[H:][:H], g[2*H:][:H], g[3*H:][:H]
	cp, dy, dc = cp[:H], dy[:H], dc[:H]
	for j := range dh {
		dhj := dy[j] + dh[j]
		i, f, gv, o, t := ig[j], fg[j], gg[j], og[j], tc[j]
		dcj := dc[j] + dhj*o*(1-t*t)
		gi[j] = dcj * gv * i * (1 - i)
		gf[j] = dcj * cp[j] * f * (1 - f)
		gc[j] = dcj * i * (1 - gv*gv)
		gO[j] = dhj * t * o * (1 - o)
		dc[j] = dcj * f
	}
}

// gruCellBack, with dh = dy + dh_next and the saved r, z, n, hn:
//
//	dz = dh·(h_{t-1} - n)·z(1-z), dn = dh·(1-z)·(1-n²), dr = dn·hn·r(1-r)
//	gx = [dr dz dn], gh = [dr dz dn·r], dh_{t-1} = dh·z + gh·Wh
//
// It leaves the direct term dh·z in dh.
func gruCellBack[T nnFloat](a, hp, dy, dh, gx, gh []T) {
	H := len(dh)
	for j := range dh {
		dhj := dy[j] + dh[j]
		rg, z, n, hn := a[j], a[H+j], a[2*H+j], a[3*H+j]
		dz := dhj * (hp[j] - n) * z * (1 - z)
		dn := dhj * (1 - z) * (1 - n*n)
		dr := dn * hn * rg * (1 - rg)
		gx[j], gx[H+j], gx[2*H+j] = dr, dz, dn
		gh[j], gh[H+j], gh[2*H+j] = dr, dz, dn*rg
		dh[j] = dhj * z
	}
}
