package rnn_test

import (
	"path/filepath"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/rnn"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// RNN, LSTM and GRU layers give the same outputs and gradients hybridized
// as eager (the fused RNN op is traced like any other).
func TestRecurrentLayersHybridize(t *testing.T) {
	for name, mk := range map[string]func() gluon.Block{
		"RNN":  func() gluon.Block { return rnn.NewRNN(4, rnn.LayerOptions{NumLayers: 2}) },
		"LSTM": func() gluon.Block { return rnn.NewLSTM(4, rnn.LayerOptions{Bidirectional: true}) },
		"GRU":  func() gluon.Block { return rnn.NewGRU(3, rnn.LayerOptions{Layout: "NTC"}) },
	} {
		t.Run(name, func(t *testing.T) {
			nd.Seed(2)
			x := nd.RandomUniform(-1, 1, nd.Shape{5, 2, 3})
			eager, hybrid := mk(), mk()
			gluon.Initialize(eager, initializer.Xavier{}, nil, false)
			gluon.Initialize(hybrid, initializer.Xavier{}, nil, false)
			autograd.Pause(func() { gluon.Call(eager, x); gluon.Call(hybrid, x) })
			pe, ph := gluon.CollectParams(eager), gluon.CollectParams(hybrid)
			for i := range pe.Params {
				ph.Params[i].SetData(pe.Params[i].Data())
			}
			gluon.Hybridize(hybrid)
			for step := 0; step < 2; step++ {
				var ye, yh *nd.NDArray
				autograd.Record(func() {
					ye = gluon.Call(eager, x).Mul(gluon.Call(eager, x)).Sum()
					yh = gluon.Call(hybrid, x).Mul(gluon.Call(hybrid, x)).Sum()
				})
				ndtest.AssertClose(t, yh, ye.Shape(), ye.Float64s(), 1e-4, 1e-5)
				if err := autograd.BackwardOne(ye); err != nil {
					t.Fatal(err)
				}
				if err := autograd.BackwardOne(yh); err != nil {
					t.Fatal(err)
				}
				for i, n := range pe.Names {
					if ok, msg := ndtest.Close(ph.Params[i].Grad().Float64s(), pe.Params[i].Grad().Float64s(), 1e-4, 1e-5); !ok {
						t.Fatalf("step %d: gradient of %s: %s", step, n, msg)
					}
				}
			}
			if compiled, opByOp := gluon.HybridPlans(hybrid); compiled == 0 || opByOp > 0 {
				t.Errorf("cached graph: %d signatures compiled, %d op by op (want all compiled)", compiled, opByOp)
			}
			if err := gluon.Export(hybrid, filepath.Join(t.TempDir(), name), 0); err != nil {
				t.Fatalf("no traced graph: %v", err)
			}
		})
	}
}
