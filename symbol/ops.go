package symbol

import "github.com/mxgo/mxgo/nd"

// Typed helpers for the operators models use most, mirroring mx.sym. Each
// takes the node name ("" picks a fresh one), the data input, the op's
// attributes, and optionally the parameter inputs; parameters left out are
// created as variables named "<name>_weight", "<name>_bias", ... Anything
// else is reachable through Call.

// FullyConnected is out = data·weightᵀ + bias (weight (num_hidden, in_units)).
func FullyConnected(name string, data *Symbol, a nd.FullyConnectedAttrs, params ...*Symbol) *Symbol {
	return CallNamed(name, "FullyConnected", a, append([]*Symbol{data}, params...)...)
}

// Convolution is an N-d convolution (weight (num_filter, C/num_group, kernel...)).
func Convolution(name string, data *Symbol, a nd.ConvolutionAttrs, params ...*Symbol) *Symbol {
	return CallNamed(name, "Convolution", a, append([]*Symbol{data}, params...)...)
}

// Deconvolution is a transposed convolution.
func Deconvolution(name string, data *Symbol, a nd.DeconvolutionAttrs, params ...*Symbol) *Symbol {
	return CallNamed(name, "Deconvolution", a, append([]*Symbol{data}, params...)...)
}

// BatchNorm normalizes over the channel axis; moving_mean and moving_var
// are auxiliary states.
func BatchNorm(name string, data *Symbol, a nd.BatchNormAttrs, params ...*Symbol) *Symbol {
	return CallNamed(name, "BatchNorm", a, append([]*Symbol{data}, params...)...)
}

// Pooling is max/avg/sum/lp pooling.
func Pooling(name string, data *Symbol, a nd.PoolingAttrs) *Symbol {
	return CallNamed(name, "Pooling", a, data)
}

// Activation applies relu, sigmoid, tanh, softrelu or softsign.
func Activation(name string, data *Symbol, actType string) *Symbol {
	return CallNamed(name, "Activation", nd.ActivationAttrs{ActType: actType}, data)
}

// LeakyReLU applies leaky, prelu (with a gamma parameter), elu, selu or gelu.
func LeakyReLU(name string, data *Symbol, a nd.LeakyReLUAttrs, params ...*Symbol) *Symbol {
	return CallNamed(name, "LeakyReLU", a, append([]*Symbol{data}, params...)...)
}

// Dropout zeroes elements with probability p in training.
func Dropout(name string, data *Symbol, a nd.DropoutAttrs) *Symbol {
	return CallNamed(name, "Dropout", a, data)
}

// Flatten reshapes (N, ...) to (N, rest).
func Flatten(name string, data *Symbol) *Symbol { return CallNamed(name, "Flatten", nil, data) }

// Softmax is softmax along an axis (default the last).
func Softmax(name string, data *Symbol, a nd.SoftmaxAttrs) *Symbol {
	return CallNamed(name, "softmax", a, data)
}

// SoftmaxOutput is MXNet's softmax + cross-entropy loss layer; a missing
// label is created as "<name>_label".
func SoftmaxOutput(name string, data *Symbol, a nd.SoftmaxOutputAttrs, label ...*Symbol) *Symbol {
	return CallNamed(name, "SoftmaxOutput", a, append([]*Symbol{data}, label...)...)
}

// Concat joins inputs along dim (MXNet's default 1 is nd's ConcatAttrs default tag).
func Concat(name string, dim int, inputs ...*Symbol) *Symbol {
	return CallNamed(name, "Concat", nd.ConcatAttrs{NumArgs: len(inputs), Dim: dim}, inputs...)
}

// Reshape reshapes with MXNet's special codes (0, -1, -2, -3, -4).
func Reshape(name string, data *Symbol, shape nd.Shape) *Symbol {
	return CallNamed(name, "Reshape", nd.ReshapeAttrs{Shape: shape}, data)
}

// Add is broadcast_add(s, o) (elementwise with NumPy broadcasting).
func (s *Symbol) Add(o *Symbol) *Symbol { return Call("broadcast_add", nil, s, o) }

// Sub is broadcast_sub(s, o).
func (s *Symbol) Sub(o *Symbol) *Symbol { return Call("broadcast_sub", nil, s, o) }

// Mul is broadcast_mul(s, o).
func (s *Symbol) Mul(o *Symbol) *Symbol { return Call("broadcast_mul", nil, s, o) }

// Div is broadcast_div(s, o).
func (s *Symbol) Div(o *Symbol) *Symbol { return Call("broadcast_div", nil, s, o) }

// AddScalar is _plus_scalar.
func (s *Symbol) AddScalar(v float64) *Symbol {
	return Call("_plus_scalar", nd.ScalarAttrs{Scalar: v}, s)
}

// MulScalar is _mul_scalar.
func (s *Symbol) MulScalar(v float64) *Symbol {
	return Call("_mul_scalar", nd.ScalarAttrs{Scalar: v}, s)
}
