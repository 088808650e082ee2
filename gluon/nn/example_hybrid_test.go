package nn_test

import (
	"fmt"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/nd"
)

// Hybridize makes the next call trace the Block's ordinary Forward into a
// graph; later calls with the same input signature replay it.
func ExampleHybridize() {
	net := gluon.NewSequential(
		nn.NewDense(8, nn.DenseOptions{Activation: "relu"}),
		nn.NewDense(2),
	)
	gluon.Initialize(net, initializer.Constant{Value: 0.1}, nil, false)
	gluon.Hybridize(net)
	x := nd.Ones(nd.Shape{1, 4})
	fmt.Printf("%.2f\n", gluon.Call(net, x).Float32s()) // traced, then run
	fmt.Printf("%.2f\n", gluon.Call(net, x).Float32s()) // replayed from the cache
	sym, _ := gluon.Trace(net, x)
	fmt.Println(sym.ListArguments())
	// Output:
	// [0.32 0.32]
	// [0.32 0.32]
	// [data 0.weight 0.bias 1.weight 1.bias]
}
