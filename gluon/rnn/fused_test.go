package rnn_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/rnn"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// fusedCases are layers whose fused path (one RNN op) is compared with the
// composed one (FullyConnected and gate ops per step).
var fusedCases = map[string]func() stateful{
	"lstm":              func() stateful { return rnn.NewLSTM(5) },
	"lstm_3layer_bidir": func() stateful { return rnn.NewLSTM(4, rnn.LayerOptions{NumLayers: 3, Bidirectional: true}) },
	"gru_2layer_ntc":    func() stateful { return rnn.NewGRU(4, rnn.LayerOptions{NumLayers: 2, Layout: "NTC"}) },
	"gru_bidir":         func() stateful { return rnn.NewGRU(3, rnn.LayerOptions{Bidirectional: true}) },
	"rnn_relu_2layer":   func() stateful { return rnn.NewRNN(4, rnn.LayerOptions{NumLayers: 2}) },
	"rnn_tanh_bidir_ntc": func() stateful {
		return rnn.NewRNN(3, rnn.LayerOptions{Activation: "tanh", Bidirectional: true, Layout: "NTC"})
	},
}

// runLayer runs layer in float64 from x and states (copies, with gradients
// attached) and returns the outputs, final states and the gradients of
// sum(out·w1) + sum(states·w2) w.r.t. x, the states and every parameter.
func runLayer(t *testing.T, layer stateful, x *nd.NDArray, states []*nd.NDArray, fused bool) (out *nd.NDArray, next []*nd.NDArray, grads map[string][]float64) {
	t.Helper()
	defer rnn.SetFused(rnn.SetFused(fused))
	vars := []*nd.NDArray{x.Copy()}
	for _, s := range states {
		vars = append(vars, s.Copy())
	}
	for _, v := range vars {
		v.AttachGrad()
	}
	params := gluon.CollectParams(layer)
	for _, p := range params.Params {
		p.ZeroGrad()
	}
	var loss *nd.NDArray
	autograd.Record(func() {
		out, next = layer.ForwardState(vars[0], vars[1:])
		loss = out.Mul(headWeights(out.Shape()).AsType(nd.Float64)).Sum()
		for i, s := range next {
			loss = loss.Add(s.Mul(headWeights(s.Shape()).AsType(nd.Float64)).MulScalar(float64(i + 2)).Sum())
		}
	})
	if err := autograd.BackwardOne(loss); err != nil {
		t.Fatal(err)
	}
	grads = map[string][]float64{}
	for i, v := range vars {
		grads[fmt.Sprint("input", i)] = v.Grad().Float64s()
	}
	for i, p := range params.Params {
		grads[params.Names[i]] = p.Grad().Float64s()
	}
	return out, next, grads
}

// TestFusedMatchesComposed checks that the fused RNN op and the composed
// path agree on outputs, final states and every gradient.
func TestFusedMatchesComposed(t *testing.T) {
	nd.Seed(31)
	for name, mk := range fusedCases {
		t.Run(name, func(t *testing.T) {
			layer := mk()
			gluon.Initialize(layer, initializer.Uniform{Scale: 0.5}, nil, false)
			x := nd.RandomUniform(-1, 1, nd.Shape{4, 3, 5}, nd.OfType(nd.Float64))
			gluon.Call(layer, x.AsType(nd.Float32)) // complete deferred init
			gluon.Cast(layer, nd.Float64)
			batch := 3
			if strings.HasSuffix(name, "ntc") {
				batch = 4
			}
			begin := layer.(interface {
				BeginState(int, ...nd.Option) []*nd.NDArray
			}).BeginState(batch, nd.OfType(nd.Float64))
			states := make([]*nd.NDArray, len(begin))
			for i, s := range begin {
				states[i] = nd.RandomUniform(-1, 1, s.Shape(), nd.OfType(nd.Float64))
			}
			gotOut, gotNext, gotGrads := runLayer(t, layer, x, states, true)
			wantOut, wantNext, wantGrads := runLayer(t, layer, x, states, false)
			ndtest.AssertClose(t, gotOut, wantOut.Shape(), wantOut.Float64s(), 1e-10, 1e-12)
			for i := range wantNext {
				ndtest.AssertClose(t, gotNext[i], wantNext[i].Shape(), wantNext[i].Float64s(), 1e-10, 1e-12)
			}
			if len(gotGrads) != len(wantGrads) {
				t.Fatalf("%d gradients, want %d", len(gotGrads), len(wantGrads))
			}
			for k, want := range wantGrads {
				if ok, msg := ndtest.Close(gotGrads[k], want, 1e-9, 1e-11); !ok {
					t.Errorf("gradient of %s: %s", k, msg)
				}
			}
		})
	}
}

// BenchmarkLSTM256 is issue 3's LSTM workload: LSTM(256) over 35 steps of
// batch 32 with 256 inputs, forward and backward (bench/lstm_torch.py runs
// the same in PyTorch). composed times the step-by-step reference path.
func BenchmarkLSTM256(b *testing.B) {
	nd.Seed(1)
	l := rnn.NewLSTM(256, rnn.LayerOptions{InputSize: 256})
	gluon.Initialize(l, initializer.Xavier{}, nil, false)
	x := nd.RandomUniform(-1, 1, nd.Shape{35, 32, 256})
	for _, fused := range []bool{true, false} {
		name := "fused"
		if !fused {
			name = "composed"
		}
		b.Run(name, func(b *testing.B) {
			defer rnn.SetFused(rnn.SetFused(fused))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				var y *nd.NDArray
				autograd.Record(func() { y = gluon.Call(l, x) })
				if err := autograd.BackwardOne(y); err != nil {
					b.Fatal(err)
				}
				if err := nd.WaitAll(); err != nil {
					b.Fatal(err)
				}
			}
			// Process CPU time per step: steadier than wall time on a busy machine.
			b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}
