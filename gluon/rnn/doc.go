// Package rnn provides Gluon's recurrent layers and cells.
//
// The layers RNN, LSTM and GRU run a whole sequence through num_layers
// stacked, optionally bidirectional, recurrent layers:
//
//	lstm := rnn.NewLSTM(100, rnn.LayerOptions{NumLayers: 2})
//	gluon.Initialize(lstm, nil, nil, false)
//	out := gluon.Call(lstm, x) // x (T, N, C) -> out (T, N, 100)
//	out, states := lstm.ForwardState(x, lstm.BeginState(batch))
//
// The cells (RNNCell, LSTMCell, GRUCell) compute one step and are combined
// with SequentialRNNCell, BidirectionalCell, DropoutCell and ResidualCell;
// Unroll runs a cell over a sequence.
//
// Gates follow MXNet's order (LSTM: input, forget, cell, output; GRU:
// reset, update, new), which is also PyTorch's, and parameters carry
// Gluon's names (i2h_weight, h2h_weight, i2h_bias, h2h_bias for cells;
// l0_i2h_weight … r0_h2h_bias for the layers), so weights move between
// MXNet, PyTorch and this package unchanged. Everything is built from
// differentiable nd operators (one FullyConnected per step for the
// recurrent part), so autograd works through it; there is no fused RNN
// kernel.
package rnn
