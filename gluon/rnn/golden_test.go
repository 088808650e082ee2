package rnn_test

import (
	"fmt"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/rnn"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// stateful is what both the layers and (through stepCell) the cells offer.
type stateful interface {
	gluon.Block
	ForwardState(x *nd.NDArray, states []*nd.NDArray) (*nd.NDArray, []*nd.NDArray)
}

// stepCell adapts a cell's Step to ForwardState.
type stepCell struct{ rnn.RecurrentCell }

func (s stepCell) ForwardState(x *nd.NDArray, states []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	return s.Step(x, states)
}

var goldenRNN = map[string]func() stateful{
	"lstm_1layer_tnc": func() stateful { return rnn.NewLSTM(4) },
	"lstm_2layer_bidir_ntc": func() stateful {
		return rnn.NewLSTM(4, rnn.LayerOptions{NumLayers: 2, Bidirectional: true, Layout: "NTC"})
	},
	"gru_2layer_bidir_tnc": func() stateful { return rnn.NewGRU(4, rnn.LayerOptions{NumLayers: 2, Bidirectional: true}) },
	"gru_1layer_ntc":       func() stateful { return rnn.NewGRU(4, rnn.LayerOptions{Layout: "NTC"}) },
	"rnn_relu_tnc":         func() stateful { return rnn.NewRNN(4) },
	"rnn_tanh_2layer_bidir": func() stateful {
		return rnn.NewRNN(4, rnn.LayerOptions{NumLayers: 2, Activation: "tanh", Bidirectional: true})
	},
	"lstm_1step": func() stateful { return rnn.NewLSTM(4) },
	"lstmcell":   func() stateful { return stepCell{rnn.NewLSTMCell(4)} },
	"grucell":    func() stateful { return stepCell{rnn.NewGRUCell(4)} },
	"rnncell":    func() stateful { return stepCell{rnn.NewRNNCell(4)} },
}

func headWeights(s nd.Shape) *nd.NDArray {
	w := make([]float32, s.Size())
	for k := range w {
		w[k] = float32(0.5 + float64((k*7919)%13)/13)
	}
	return nd.Array(w, s.Clone()...)
}

// TestAgainstPyTorch compares outputs, final states and the gradients of
// inputs, initial states and every weight with torch.nn.LSTM/GRU/RNN and
// their cells, the weights copied under Gluon's names.
func TestAgainstPyTorch(t *testing.T) {
	golden := ndtest.LoadGolden(t, "testdata/golden_rnn.json")
	if len(golden) != len(goldenRNN) {
		t.Errorf("golden file has %d cases, the table %d", len(golden), len(goldenRNN))
	}
	for _, fused := range []bool{true, false} {
		old := rnn.SetFused(fused)
		for name, mk := range goldenRNN {
			t.Run(fmt.Sprintf("%s/fused=%v", name, fused), func(t *testing.T) {
				g, ok := golden[name]
				if !ok {
					t.Fatalf("no golden case %q (rerun gen_rnn.py)", name)
				}
				checkGolden(t, mk(), g)
			})
		}
		rnn.SetFused(old)
	}
}

func checkGolden(t *testing.T, layer stateful, g ndtest.Golden) {
	const rtol, atol = 1e-4, 1e-5
	ns := int(g.Attrs["nstates"].(float64))
	names := g.Attrs["params"].([]any)
	block := layer.(gluon.Block)
	if s, ok := layer.(stepCell); ok {
		block = s.RecurrentCell
	}
	params := gluon.CollectParams(block)
	if params.Len() != len(names) {
		t.Fatalf("parameters %v, golden %v", params.Names, names)
	}
	ins := make([]*nd.NDArray, 1+ns)
	for i := range ins {
		ins[i] = g.Inputs[i].NDArray().AsType(nd.Float32)
		ins[i].AttachGrad()
	}
	ps := make([]*gluon.Parameter, len(names))
	for i, n := range names {
		if ps[i] = params.Get(n.(string)); ps[i] == nil {
			t.Fatalf("no parameter %q among %v", n, params.Names)
		}
		ps[i].SetData(g.Inputs[1+ns+i].NDArray())
	}
	var states []*nd.NDArray
	if ns > 0 {
		states = ins[1:]
	}
	var out *nd.NDArray
	var next []*nd.NDArray
	autograd.Record(func() { out, next = layer.ForwardState(ins[0], states) })
	ndtest.AssertClose(t, out, nd.Shape(g.Outputs[0].Shape), g.Outputs[0].Values, rtol, atol)
	if len(next) != len(g.Outputs)-1 {
		t.Fatalf("%d states, want %d", len(next), len(g.Outputs)-1)
	}
	for i, s := range next {
		w := g.Outputs[1+i]
		ndtest.AssertClose(t, s, nd.Shape(w.Shape), w.Values, rtol, atol)
	}
	if err := autograd.Backward([]*nd.NDArray{out}, []*nd.NDArray{headWeights(out.Shape())}, false); err != nil {
		t.Fatal(err)
	}
	for i, x := range ins {
		w := g.Grads[i]
		ndtest.AssertClose(t, x.Grad(), nd.Shape(w.Shape), w.Values, rtol, atol)
	}
	for i, p := range ps {
		w := g.Grads[1+ns+i]
		t.Run("grad_"+p.Name, func(t *testing.T) {
			ndtest.AssertClose(t, p.Grad(), nd.Shape(w.Shape), w.Values, rtol, atol)
		})
	}
}
