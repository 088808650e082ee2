package rnn_test

import (
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/rnn"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func names(b gluon.Block) string { return strings.Join(gluon.CollectParams(b).Names, " ") }

func TestParameterNames(t *testing.T) {
	lstm := rnn.NewLSTM(4, rnn.LayerOptions{NumLayers: 2, Bidirectional: true})
	var want []string
	for _, l := range []string{"0", "1"} {
		for _, d := range []string{"l", "r"} {
			for _, p := range []string{"i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"} {
				want = append(want, d+l+"_"+p)
			}
		}
	}
	if got := names(lstm); got != strings.Join(want, " ") {
		t.Fatalf("LSTM names\n got %s\nwant %s", got, strings.Join(want, " "))
	}
	seq := rnn.NewSequentialRNNCell(rnn.NewLSTMCell(3), rnn.NewResidualCell(rnn.NewGRUCell(3)), rnn.NewDropoutCell(0.5))
	if got, w := names(seq), "0.i2h_weight 0.h2h_weight 0.i2h_bias 0.h2h_bias 1.base_cell.i2h_weight 1.base_cell.h2h_weight 1.base_cell.i2h_bias 1.base_cell.h2h_bias"; got != w {
		t.Fatalf("sequential names\n got %s\nwant %s", got, w)
	}
	bi := rnn.NewBidirectionalCell(rnn.NewRNNCell(2), rnn.NewRNNCell(2))
	if got := names(bi); !strings.HasPrefix(got, "l_cell.i2h_weight") || !strings.Contains(got, "r_cell.h2h_bias") {
		t.Fatalf("bidirectional names %s", got)
	}
}

func TestRepr(t *testing.T) {
	for _, c := range []struct {
		b    interface{ String() string }
		want string
	}{
		{rnn.NewLSTM(20, rnn.LayerOptions{NumLayers: 2, Bidirectional: true}), "LSTM(None -> 20, TNC, num_layers=2, bidirectional)"},
		{rnn.NewGRU(8, rnn.LayerOptions{InputSize: 3, Layout: "NTC", Dropout: 0.2}), "GRU(3 -> 8, NTC, dropout=0.2)"},
		{rnn.NewRNN(5), "RNN(None -> 5, TNC)"},
		{rnn.NewRNNCell(100), "RNNCell(None -> 100, tanh)"},
		{rnn.NewLSTMCell(100, rnn.CellOptions{InputSize: 7}), "LSTMCell(7 -> 400, tanh)"},
		{rnn.NewGRUCell(100), "GRUCell(None -> 300, tanh)"},
		{rnn.NewDropoutCell(0.5), "DropoutCell(rate=0.5, axes=())"},
		{rnn.NewResidualCell(rnn.NewGRUCell(2)), "ResidualCell(GRUCell(None -> 6, tanh))"},
		{rnn.NewBidirectionalCell(rnn.NewRNNCell(2), rnn.NewRNNCell(3)), "BidirectionalCell(forward=RNNCell(None -> 2, tanh), backward=RNNCell(None -> 3, tanh))"},
		{rnn.NewSequentialRNNCell(rnn.NewRNNCell(2), rnn.NewRNNCell(2)), "SequentialRNNCell(\n(0): RNNCell(None -> 2, tanh)\n(1): RNNCell(None -> 2, tanh)\n)"},
	} {
		if got := c.b.String(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}

func TestDeferredInputSize(t *testing.T) {
	lstm := rnn.NewLSTM(4, rnn.LayerOptions{NumLayers: 2, Bidirectional: true})
	gluon.Initialize(lstm, initializer.Xavier{}, nil, false)
	if lstm.Params[0][0].I2HWeight.IsInitialized() {
		t.Fatal("l0_i2h_weight initialized before the input size was known")
	}
	if !lstm.Params[1][1].I2HWeight.Shape().Equal(nd.Shape{16, 8}) {
		t.Fatalf("r1_i2h_weight %v, want (16, 8): the second layer reads both directions", lstm.Params[1][1].I2HWeight.Shape())
	}
	out, states := lstm.ForwardState(nd.Ones(nd.Shape{5, 2, 3}), nil)
	if !out.Shape().Equal(nd.Shape{5, 2, 8}) {
		t.Fatalf("output %v, want (5, 2, 8)", out.Shape())
	}
	for _, s := range states {
		if !s.Shape().Equal(nd.Shape{4, 2, 4}) {
			t.Fatalf("state %v, want (4, 2, 4)", s.Shape())
		}
	}
	for _, p := range []*gluon.Parameter{lstm.Params[0][0].I2HWeight, lstm.Params[0][1].I2HWeight} {
		if !p.Data().Shape().Equal(nd.Shape{16, 3}) {
			t.Fatalf("%s %v, want (16, 3)", p.Name, p.Data().Shape())
		}
	}
	if got := lstm.String(); got != "LSTM(3 -> 4, TNC, num_layers=2, bidirectional)" {
		t.Fatalf("repr after forward: %s", got)
	}
	bs := lstm.BeginState(7)
	if len(bs) != 2 || !bs[1].Shape().Equal(nd.Shape{4, 7, 4}) || bs[0].Sum().Scalar() != 0 {
		t.Fatalf("begin state %v", bs)
	}
}

// copyParams copies src's parameter values into dst's, pairing names.
func copyParams(t *testing.T, dst, src gluon.Block, pairs map[string]string) {
	t.Helper()
	d, s := gluon.CollectParams(dst), gluon.CollectParams(src)
	for dn, sn := range pairs {
		p, q := d.Get(dn), s.Get(sn)
		if p == nil || q == nil {
			t.Fatalf("missing %s or %s", dn, sn)
		}
		p.SetData(q.Data())
	}
}

func cellPairs(cellPrefix, layerPrefix string) map[string]string {
	m := map[string]string{}
	for _, p := range []string{"i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"} {
		m[cellPrefix+p] = layerPrefix + p
	}
	return m
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestCellsMatchLayers unrolls cells with a layer's weights and compares
// with the layer: stacked cells = a 2-layer LSTM, a bidirectional cell = a
// bidirectional GRU.
func TestCellsMatchLayers(t *testing.T) {
	nd.Seed(2)
	x := nd.RandomUniform(-1, 1, nd.Shape{2, 5, 3}) // NTC
	layer := rnn.NewLSTM(4, rnn.LayerOptions{NumLayers: 2, Layout: "NTC"})
	gluon.Initialize(layer, initializer.Uniform{Scale: 0.5}, nil, false)
	want, wantStates := layer.ForwardState(x, nil)

	seq := rnn.NewSequentialRNNCell(rnn.NewLSTMCell(4), rnn.NewLSTMCell(4))
	copyParams(t, seq, layer, merge(cellPairs("0.", "l0_"), cellPairs("1.", "l1_")))
	outs, states := seq.Unroll(5, x, nil, "NTC", true)
	ndtest.AssertClose(t, outs[0], want.Shape(), want.Float64s(), 1e-5, 1e-6)
	// cell states [h0, c0, h1, c1]; layer states [h (2, N, H), c (2, N, H)]
	for i, s := range states {
		layerState := wantStates[i%2].At(i / 2)
		ndtest.AssertClose(t, s, layerState.Shape(), layerState.Float64s(), 1e-5, 1e-6)
	}
	// Unmerged outputs are the same steps; stepping by hand agrees too.
	steps, _ := seq.Unroll(5, x, nil, "NTC", false)
	st := seq.BeginState(2)
	for tt, o := range steps {
		var y *nd.NDArray
		y, st = seq.Step(x.SliceRanges(nd.Whole(), nd.Elem(tt)), st)
		w := want.SliceRanges(nd.Whole(), nd.Elem(tt))
		ndtest.AssertClose(t, o, w.Shape(), w.Float64s(), 1e-5, 1e-6)
		ndtest.AssertClose(t, y, w.Shape(), w.Float64s(), 1e-5, 1e-6)
	}

	xt := nd.RandomUniform(-1, 1, nd.Shape{4, 2, 3}) // TNC
	gru := rnn.NewGRU(3, rnn.LayerOptions{Bidirectional: true})
	gluon.Initialize(gru, initializer.Uniform{Scale: 0.5}, nil, false)
	h0 := nd.RandomUniform(-1, 1, nd.Shape{2, 2, 3})
	gw, gs := gru.ForwardState(xt, []*nd.NDArray{h0})
	bi := rnn.NewBidirectionalCell(rnn.NewGRUCell(3), rnn.NewGRUCell(3))
	copyParams(t, bi, gru, merge(cellPairs("l_cell.", "l0_"), cellPairs("r_cell.", "r0_")))
	bo, bs := bi.Unroll(4, xt, []*nd.NDArray{h0.At(0), h0.At(1)}, "TNC", true)
	ndtest.AssertClose(t, bo[0], gw.Shape(), gw.Float64s(), 1e-5, 1e-6)
	for i, s := range bs {
		w := gs[0].At(i)
		ndtest.AssertClose(t, s, w.Shape(), w.Float64s(), 1e-5, 1e-6)
	}
	if err := nd.Try(func() { bi.Step(xt.At(0), bs) }); err == nil {
		t.Fatal("stepping a bidirectional cell: no error")
	}
}

func TestResidualAndDropoutCells(t *testing.T) {
	nd.Seed(4)
	x := nd.RandomUniform(-1, 1, nd.Shape{3, 2, 4}) // TNC
	base := rnn.NewGRUCell(4)
	gluon.Initialize(base, nil, nil, false)
	plain, _ := base.Unroll(3, x, nil, "TNC", true)
	res := rnn.NewResidualCell(base)
	got, _ := res.Unroll(3, x, nil, "TNC", true)
	want := plain[0].Add(x)
	ndtest.AssertClose(t, got[0], want.Shape(), want.Float64s(), 1e-6, 1e-7)
	steps, _ := res.Unroll(3, x, nil, "TNC", false)
	ndtest.AssertClose(t, steps[2], nd.Shape{2, 4}, want.At(2).Float64s(), 1e-6, 1e-7)

	drop := rnn.NewDropoutCell(0.5)
	out, st := drop.Unroll(3, x, nil, "TNC", true)
	if out[0] != x || st != nil {
		t.Fatal("dropout cell outside training must pass the input through")
	}
	autograd.Record(func() { out, _ = drop.Unroll(3, nd.Ones(nd.Shape{3, 20, 10}), nil, "TNC", true) })
	zeros := 0
	for _, v := range out[0].Float64s() {
		if v == 0 {
			zeros++
		} else if v != 2 {
			t.Fatalf("kept value %v, want 2", v)
		}
	}
	if zeros < 200 || zeros > 400 {
		t.Fatalf("%d of 600 dropped at rate 0.5", zeros)
	}
}

func TestLayerDropoutTrainOnly(t *testing.T) {
	nd.Seed(6)
	l := rnn.NewRNN(6, rnn.LayerOptions{NumLayers: 2, Dropout: 0.5, Activation: "tanh"})
	gluon.Initialize(l, nil, nil, false)
	x := nd.RandomUniform(-1, 1, nd.Shape{3, 2, 4})
	a, b := gluon.Call(l, x), gluon.Call(l, x)
	ndtest.AssertClose(t, a, b.Shape(), b.Float64s(), 0, 0)
	var tr *nd.NDArray
	autograd.Record(func() { tr = gluon.Call(l, x) })
	if ok, _ := ndtest.Close(tr.Float64s(), a.Float64s(), 1e-6, 1e-7); ok {
		t.Fatal("dropout between layers had no effect in training mode")
	}
}

func TestGradients(t *testing.T) {
	nd.Seed(8)
	gru := rnn.NewGRU(2, rnn.LayerOptions{NumLayers: 2, Layout: "NTC"})
	cell := rnn.NewLSTMCell(2)
	for _, b := range []gluon.Block{gru, cell} {
		gluon.Initialize(b, initializer.Uniform{Scale: 0.5}, nil, false)
	}
	x := nd.RandomUniform(-1, 1, nd.Shape{2, 3, 2}, nd.OfType(nd.Float64))
	gluon.Call(gru, x.AsType(nd.Float32))
	cell.Unroll(3, x.AsType(nd.Float32), nil, "NTC", true)
	gluon.Cast(gru, nd.Float64)
	gluon.Cast(cell, nd.Float64)
	h0 := nd.RandomUniform(-1, 1, nd.Shape{2, 2, 2}, nd.OfType(nd.Float64))
	ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
		out, _ := gru.ForwardState(in[0], []*nd.NDArray{in[1]})
		return out
	}, []*nd.NDArray{x, h0}, nil, 1e-4, 1e-6)
	ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
		_, st := cell.Unroll(3, in[0], nil, "NTC", true)
		return st[1] // the final cell state
	}, []*nd.NDArray{x}, nil, 1e-4, 1e-6)
}

func TestErrors(t *testing.T) {
	l := rnn.NewLSTM(3)
	gluon.Initialize(l, nil, nil, false)
	x := nd.Ones(nd.Shape{2, 1, 4})
	for name, f := range map[string]func(){
		"state count":  func() { l.ForwardState(x, []*nd.NDArray{nd.Zeros(nd.Shape{1, 1, 3})}) },
		"state shape":  func() { l.ForwardState(x, []*nd.NDArray{nd.Zeros(nd.Shape{1, 2, 3}), nd.Zeros(nd.Shape{1, 2, 3})}) },
		"input rank":   func() { gluon.Call(l, nd.Ones(nd.Shape{2, 4})) },
		"layout":       func() { rnn.NewGRU(2, rnn.LayerOptions{Layout: "CTN"}) },
		"lstm act":     func() { rnn.NewLSTM(2, rnn.LayerOptions{Activation: "tanh"}) },
		"dropout":      func() { rnn.NewRNN(2, rnn.LayerOptions{Dropout: 1}) },
		"unroll steps": func() { rnn.NewRNNCell(2).Unroll(3, x, nil, "TNC", true) },
		"cell hidden":  func() { rnn.NewGRUCell(0) },
	} {
		if err := nd.Try(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func BenchmarkLSTM(b *testing.B) {
	l := rnn.NewLSTM(128, rnn.LayerOptions{Layout: "NTC"})
	gluon.Initialize(l, initializer.Xavier{}, nil, false)
	x := nd.Ones(nd.Shape{32, 35, 64})
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			if err := gluon.Call(l, x).WaitToRead(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("forward_backward", func(b *testing.B) {
		for b.Loop() {
			var y *nd.NDArray
			autograd.Record(func() { y = gluon.Call(l, x) })
			if err := autograd.BackwardOne(y); err != nil {
				b.Fatal(err)
			}
		}
	})
}
