package nn_test

import (
	"fmt"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/nd"
)

func ExampleNewDense() {
	dense := nn.NewDense(2, nn.DenseOptions{Activation: "relu"})
	gluon.Initialize(dense, initializer.Constant{Value: 0.5}, nil, false)
	x := nd.Array([]float32{1, 2, 3, -4, -5, -6}, 2, 3)
	y := gluon.Call(dense, x) // in_units 3 is inferred here
	fmt.Println(dense)
	fmt.Println(y.Shape(), y.Float32s())
	// Output:
	// Dense(3 -> 2, Activation(relu))
	// (2, 2) [3 3 0 0]
}

func ExampleNewConv2D() {
	net := gluon.NewHybridSequential(
		nn.NewConv2D(4, []int{3}, nn.ConvOptions{Padding: []int{1}, Activation: "relu"}),
		nn.NewBatchNorm(),
		nn.NewMaxPool2D(),
		nn.NewFlatten(),
		nn.NewDense(10),
	)
	gluon.Initialize(net, initializer.Xavier{}, nil, false)
	y := gluon.Call(net, nd.Ones(nd.Shape{8, 1, 28, 28}))
	fmt.Println(y.Shape())
	fmt.Println(gluon.CollectParams(net).Names)
	fmt.Println(net.At(0))
	// Output:
	// (8, 10)
	// [0.weight 0.bias 1.gamma 1.beta 1.running_mean 1.running_var 4.weight 4.bias]
	// Conv2D(1 -> 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), Activation(relu))
}
