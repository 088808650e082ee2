package nd_test

import (
	"fmt"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// rnnComposed is the oracle for the fused RNN op: the same network built
// step by step from FullyConnected and the activation ops, reading the
// weights out of the packed vector in MXNet's order.
func rnnComposed(x, params *nd.NDArray, states []*nd.NDArray, a nd.RNNAttrs) (*nd.NDArray, []*nd.NDArray) {
	G := map[string]int{"rnn_relu": 1, "rnn_tanh": 1, "gru": 3, "lstm": 4}[a.Mode]
	H, L, D := a.StateSize, a.NumLayers, 1
	if a.Bidirectional {
		D = 2
	}
	T, N, C := x.Shape()[0], x.Shape()[1], x.Shape()[2]
	off := 0
	take := func(shape ...int) *nd.NDArray {
		n := nd.Shape(shape).Size()
		v := nd.SliceAxis(params, 0, off, off+n).Reshape(shape...)
		off += n
		return v
	}
	type lp struct{ wx, wh, bx, bh *nd.NDArray }
	ps := make([][]lp, L)
	for l := range ps {
		in := C
		if l > 0 {
			in = D * H
		}
		ps[l] = make([]lp, D)
		for d := range ps[l] {
			ps[l][d].wx, ps[l][d].wh = take(G*H, in), take(G*H, H)
		}
	}
	for l := range ps {
		for d := range ps[l] {
			ps[l][d].bx, ps[l][d].bh = take(G*H), take(G*H)
		}
	}
	state := func(i, ld int) *nd.NDArray { return nd.SliceAxis(states[i], 0, ld, ld+1).Reshape(N, H) }
	var final [2][]*nd.NDArray
	for l := 0; l < L; l++ {
		outs := make([]*nd.NDArray, D)
		for d := 0; d < D; d++ {
			p := ps[l][d]
			h := state(0, l*D+d)
			var c *nd.NDArray
			if G == 4 {
				c = state(1, l*D+d)
			}
			steps := make([]*nd.NDArray, T)
			for k := 0; k < T; k++ {
				t := k
				if d == 1 {
					t = T - 1 - k
				}
				xt := nd.SliceAxis(x, 0, t, t+1).Reshape(N, x.Shape()[2])
				xi := nd.FullyConnected(xt, p.wx, p.bx, nd.FullyConnectedAttrs{NumHidden: G * H})
				hh := nd.FullyConnected(h, p.wh, p.bh, nd.FullyConnectedAttrs{NumHidden: G * H})
				switch a.Mode {
				case "rnn_relu":
					h = xi.Add(hh).Relu()
				case "rnn_tanh":
					h = xi.Add(hh).Tanh()
				case "lstm":
					g := nd.Split(xi.Add(hh), 4, 1, false)
					c = g[1].Sigmoid().Mul(c).Add(g[0].Sigmoid().Mul(g[2].Tanh()))
					h = g[3].Sigmoid().Mul(c.Tanh())
				case "gru":
					x3, h3 := nd.Split(xi, 3, 1, false), nd.Split(hh, 3, 1, false)
					r := x3[0].Add(h3[0]).Sigmoid()
					z := x3[1].Add(h3[1]).Sigmoid()
					n := x3[2].Add(r.Mul(h3[2])).Tanh()
					h = n.Add(z.Mul(h.Sub(n)))
				}
				steps[t] = h
			}
			outs[d] = nd.Stack(0, steps...)
			final[0] = append(final[0], h)
			if c != nil {
				final[1] = append(final[1], c)
			}
		}
		x = outs[0]
		if D == 2 {
			x = nd.Concat(2, outs[0], outs[1])
		}
	}
	next := []*nd.NDArray{nd.Stack(0, final[0]...)}
	if G == 4 {
		next = append(next, nd.Stack(0, final[1]...))
	}
	return x, next
}

type rnnCase struct {
	mode         string
	layers       int
	bidir        bool
	T, N, C, H   int
	stateOutputs bool
	dropout      float64
}

func (c rnnCase) attrs() nd.RNNAttrs {
	return nd.RNNAttrs{Mode: c.mode, StateSize: c.H, NumLayers: c.layers, Bidirectional: c.bidir, StateOutputs: c.stateOutputs}
}

func (c rnnCase) String() string {
	return fmt.Sprintf("%s_L%d_bi%v_T%d", c.mode, c.layers, c.bidir, c.T)
}

// inputs returns random data, parameters and initial states in float64.
func (c rnnCase) inputs() []*nd.NDArray {
	a := c.attrs()
	d := 1
	if c.bidir {
		d = 2
	}
	f64 := nd.OfType(nd.Float64)
	in := []*nd.NDArray{
		nd.RandomUniform(-1, 1, nd.Shape{c.T, c.N, c.C}, f64),
		nd.RandomUniform(-0.6, 0.6, nd.Shape{nd.RNNParamSize(a, c.C)}, f64),
		nd.RandomUniform(-1, 1, nd.Shape{c.layers * d, c.N, c.H}, f64),
	}
	if c.mode == "lstm" {
		in = append(in, nd.RandomUniform(-1, 1, nd.Shape{c.layers * d, c.N, c.H}, f64))
	}
	return in
}

// flat joins an output and final states into one vector.
func flat(out *nd.NDArray, states []*nd.NDArray) *nd.NDArray {
	parts := []*nd.NDArray{out.Reshape(-1)}
	for _, s := range states {
		parts = append(parts, s.Reshape(-1))
	}
	return nd.Concat(0, parts...)
}

var rnnCases = []rnnCase{
	{mode: "lstm", layers: 1, T: 4, N: 3, C: 5, H: 4, stateOutputs: true},
	{mode: "lstm", layers: 2, bidir: true, T: 3, N: 2, C: 3, H: 3, stateOutputs: true},
	{mode: "gru", layers: 2, bidir: true, T: 3, N: 2, C: 3, H: 3, stateOutputs: true},
	{mode: "gru", layers: 1, T: 1, N: 2, C: 2, H: 3},
	{mode: "rnn_tanh", layers: 2, bidir: true, T: 3, N: 2, C: 4, H: 3, stateOutputs: true},
	{mode: "rnn_relu", layers: 3, T: 4, N: 3, C: 2, H: 4, stateOutputs: true},
}

// TestRNNMatchesComposed checks outputs, final states and the gradients of
// every input against the composed reference, with autograd on both.
func TestRNNMatchesComposed(t *testing.T) {
	nd.Seed(21)
	for _, c := range rnnCases {
		t.Run(c.String(), func(t *testing.T) {
			in := c.inputs()
			run := func(f func(x, p *nd.NDArray, s []*nd.NDArray) (*nd.NDArray, []*nd.NDArray)) (*nd.NDArray, []*nd.NDArray, [][]float64) {
				vars := make([]*nd.NDArray, len(in))
				for i, x := range in {
					vars[i] = x.Copy()
					vars[i].AttachGrad()
				}
				var out *nd.NDArray
				var st []*nd.NDArray
				var y *nd.NDArray
				autograd.Record(func() {
					out, st = f(vars[0], vars[1], vars[2:])
					y = flat(out, st)
				})
				w := make([]float64, y.Size())
				for k := range w {
					w[k] = float64(k%7) - 2.5
				}
				if err := autograd.Backward([]*nd.NDArray{y}, []*nd.NDArray{nd.ArrayOf(w, y.Shape())}, false); err != nil {
					t.Fatal(err)
				}
				grads := make([][]float64, len(vars))
				for i, v := range vars {
					grads[i] = v.Grad().Float64s()
				}
				return out, st, grads
			}
			a := c.attrs()
			gotOut, gotSt, gotGrads := run(func(x, p *nd.NDArray, s []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
				return nd.RNN(x, p, s, a)
			})
			wantOut, wantSt, wantGrads := run(func(x, p *nd.NDArray, s []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
				out, st := rnnComposed(x, p, s, a)
				if !a.StateOutputs {
					st = nil
				}
				return out, st
			})
			ndtest.AssertClose(t, gotOut, wantOut.Shape(), wantOut.Float64s(), 1e-10, 1e-12)
			if len(gotSt) != len(wantSt) {
				t.Fatalf("%d final states, want %d", len(gotSt), len(wantSt))
			}
			for i := range gotSt {
				ndtest.AssertClose(t, gotSt[i], wantSt[i].Shape(), wantSt[i].Float64s(), 1e-10, 1e-12)
			}
			for i := range gotGrads {
				if ok, msg := ndtest.Close(gotGrads[i], wantGrads[i], 1e-9, 1e-11); !ok {
					t.Errorf("gradient of input %d: %s", i, msg)
				}
			}
		})
	}
}

// TestRNNFloat32 runs the float32 kernel (the fast path) against the
// float64 one.
func TestRNNFloat32(t *testing.T) {
	nd.Seed(22)
	for _, c := range rnnCases[:3] {
		in := c.inputs()
		want, wantSt := nd.RNN(in[0], in[1], in[2:], c.attrs())
		in32 := make([]*nd.NDArray, len(in))
		for i, x := range in {
			in32[i] = x.AsType(nd.Float32)
		}
		got, gotSt := nd.RNN(in32[0], in32[1], in32[2:], c.attrs())
		if got.DType() != nd.Float32 {
			t.Fatalf("%v: output dtype %v", c, got.DType())
		}
		ndtest.AssertClose(t, got, want.Shape(), want.Float64s(), 1e-5, 1e-6)
		for i := range gotSt {
			ndtest.AssertClose(t, gotSt[i], wantSt[i].Shape(), wantSt[i].Float64s(), 1e-5, 1e-6)
		}
	}
}

// TestRNNGradFiniteDifferences checks the fused backward kernel against
// central differences, including dropout between layers (the mask is the
// same on every evaluation because the seed is reset).
func TestRNNGradFiniteDifferences(t *testing.T) {
	nd.Seed(23)
	cases := []rnnCase{rnnCases[1], rnnCases[2], rnnCases[4],
		{mode: "lstm", layers: 2, T: 3, N: 2, C: 2, H: 2, stateOutputs: true, dropout: 0.5}}
	for _, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			a := c.attrs()
			if c.dropout > 0 {
				a.P, a.Train = c.dropout, true
			}
			ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
				nd.Seed(99)
				out, st := nd.RNN(in[0], in[1], in[2:], a)
				return flat(out, st)
			}, c.inputs(), nil, 1e-5, 1e-7)
		})
	}
}

// TestRNNDropout: dropout acts between layers only while training.
func TestRNNDropout(t *testing.T) {
	nd.Seed(24)
	c := rnnCase{mode: "gru", layers: 2, T: 3, N: 4, C: 3, H: 5}
	in := c.inputs()
	a := c.attrs()
	a.P = 0.5
	plain, _ := nd.RNN(in[0], in[1], in[2:], c.attrs())
	predict, _ := nd.RNN(in[0], in[1], in[2:], a)
	ndtest.AssertClose(t, predict, plain.Shape(), plain.Float64s(), 0, 0)
	a.Train = true
	train, _ := nd.RNN(in[0], in[1], in[2:], a)
	if ok, _ := ndtest.Close(train.Float64s(), plain.Float64s(), 1e-6, 1e-8); ok {
		t.Fatal("dropout between layers had no effect in training")
	}
	// One layer: nothing to drop.
	one := rnnCase{mode: "gru", layers: 1, T: 3, N: 4, C: 3, H: 5}
	in1 := one.inputs()
	a1 := one.attrs()
	a1.P, a1.Train = 0.5, true
	got, _ := nd.RNN(in1[0], in1[1], in1[2:], a1)
	want, _ := nd.RNN(in1[0], in1[1], in1[2:], one.attrs())
	ndtest.AssertClose(t, got, want.Shape(), want.Float64s(), 0, 0)
}

func TestRNNErrors(t *testing.T) {
	x := nd.Ones(nd.Shape{2, 1, 3})
	a := nd.RNNAttrs{Mode: "lstm", StateSize: 2, NumLayers: 1, StateOutputs: true}
	p := nd.Zeros(nd.Shape{nd.RNNParamSize(a, 3)})
	s := nd.Zeros(nd.Shape{1, 1, 2})
	proj := 3
	for name, f := range map[string]func(){
		"mode":        func() { nd.RNN(x, p, []*nd.NDArray{s}, nd.RNNAttrs{Mode: "lstmx", StateSize: 2, NumLayers: 1}) },
		"param size":  func() { nd.RNN(x, nd.Zeros(nd.Shape{5}), []*nd.NDArray{s, s}, a) },
		"state count": func() { nd.RNN(x, p, []*nd.NDArray{s}, a) },
		"state shape": func() { nd.RNN(x, p, []*nd.NDArray{s, nd.Zeros(nd.Shape{1, 2, 2})}, a) },
		"data rank":   func() { nd.RNN(nd.Ones(nd.Shape{2, 3}), p, []*nd.NDArray{s, s}, a) },
		"no steps":    func() { nd.RNN(nd.Ones(nd.Shape{0, 1, 3}), p, []*nd.NDArray{s, s}, a) },
		"state size":  func() { nd.RNN(x, p, []*nd.NDArray{s, s}, nd.RNNAttrs{Mode: "lstm", NumLayers: 1}) },
		"dropout":     func() { nd.RNN(x, p, []*nd.NDArray{s, s}, nd.RNNAttrs{Mode: "lstm", StateSize: 2, NumLayers: 1, P: 1}) },
		"projection": func() {
			nd.RNN(x, p, []*nd.NDArray{s, s}, nd.RNNAttrs{Mode: "lstm", StateSize: 2, NumLayers: 1, ProjectionSize: &proj})
		},
		"param size fn": func() { nd.RNNParamSize(nd.RNNAttrs{Mode: "x"}, 3) },
	} {
		if err := nd.Try(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestRNNParamSize checks the packed size against MXNet's formula for a
// 2-layer bidirectional LSTM: per layer and direction 4H·(in + H + 2).
func TestRNNParamSize(t *testing.T) {
	a := nd.RNNAttrs{Mode: "lstm", StateSize: 5, NumLayers: 2, Bidirectional: true}
	want := 2*4*5*(3+5+2) + 2*4*5*(10+5+2)
	if got := nd.RNNParamSize(a, 3); got != want {
		t.Fatalf("got %d, want %d", got, want)
	}
}

func BenchmarkRNNLSTM256(b *testing.B) {
	a := nd.RNNAttrs{Mode: "lstm", StateSize: 256, NumLayers: 1, StateOutputs: true}
	x := nd.RandomUniform(-1, 1, nd.Shape{35, 32, 256})
	p := nd.RandomUniform(-0.06, 0.06, nd.Shape{nd.RNNParamSize(a, 256)})
	s := nd.Zeros(nd.Shape{1, 32, 256})
	x.AttachGrad()
	p.AttachGrad()
	b.Run("forward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, _ := nd.RNN(x, p, []*nd.NDArray{s, s}, a)
			if err := out.WaitToRead(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("forward_backward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out *nd.NDArray
			autograd.Record(func() { out, _ = nd.RNN(x, p, []*nd.NDArray{s, s}, a) })
			if err := autograd.BackwardOne(out); err != nil {
				b.Fatal(err)
			}
			if err := nd.WaitAll(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
