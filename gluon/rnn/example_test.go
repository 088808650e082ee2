package rnn_test

import (
	"fmt"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/rnn"
	"github.com/mxgo/mxgo/nd"
)

func ExampleLSTM() {
	lstm := rnn.NewLSTM(8, rnn.LayerOptions{NumLayers: 2, Layout: "NTC", Bidirectional: true})
	gluon.Initialize(lstm, initializer.Xavier{}, nil, false)
	x := nd.Ones(nd.Shape{4, 10, 3}) // batch 4, 10 steps, 3 features
	out, states := lstm.ForwardState(x, lstm.BeginState(4))
	fmt.Println(lstm)
	fmt.Println(out.Shape(), states[0].Shape(), states[1].Shape())
	fmt.Println(gluon.CollectParams(lstm).Names[:4])
	// Output:
	// LSTM(3 -> 8, NTC, num_layers=2, bidirectional)
	// (4, 10, 16) (4, 4, 8) (4, 4, 8)
	// [l0_i2h_weight l0_h2h_weight l0_i2h_bias l0_h2h_bias]
}

func ExampleSequentialRNNCell_Unroll() {
	cell := rnn.NewSequentialRNNCell(rnn.NewLSTMCell(5), rnn.NewDropoutCell(0.2), rnn.NewGRUCell(5))
	gluon.Initialize(cell, initializer.Xavier{}, nil, false)
	x := nd.Ones(nd.Shape{6, 2, 3}) // TNC: 6 steps, batch 2
	outs, states := cell.Unroll(6, x, nil, "TNC", false)
	fmt.Println(len(outs), outs[0].Shape(), len(states))
	// Output:
	// 6 (2, 5) 3
}
