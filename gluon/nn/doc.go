// Package nn provides Gluon's neural-network layers as Blocks: Dense,
// convolutions and transposed convolutions, pooling, normalization,
// Dropout, Embedding, Flatten, activations, ReflectionPad2D and
// PixelShuffle2D.
//
// Every constructor takes the arguments a layer cannot do without
// positionally and the rest as an optional options struct whose zero value
// is Gluon's default:
//
//	net := gluon.NewHybridSequential(
//		nn.NewConv2D(20, []int{5}, nn.ConvOptions{Activation: "relu"}),
//		nn.NewMaxPool2D(nn.PoolOptions{Strides: []int{2}}),
//		nn.NewDense(10),
//	)
//	gluon.Initialize(net, initializer.Xavier{}, nil, false)
//	y := gluon.Call(net, x)
//
// Input dimensions left at 0 (in_units, in_channels) are inferred at the
// first forward. Parameters carry Gluon's structural names (weight, bias,
// gamma, beta, running_mean, running_var), so parameter files written by
// MXNet load into the same model. Tuple arguments (kernel sizes, strides,
// padding) are []int with one value per spatial dimension or a single
// value used for all of them.
//
// Layers that Gluon computes with a single fused operator that package nd
// does not have (Dropout, LeakyReLU, PReLU, ELU, SELU, Swish, Embedding,
// PixelShuffle2D) are built from differentiable nd operators, so autograd
// works through all of them.
package nn
