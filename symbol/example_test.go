package symbol_test

import (
	"fmt"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

func ExampleSymbol_Infer() {
	data := symbol.Var("data")
	conv := symbol.Convolution("conv1", data, nd.ConvolutionAttrs{Kernel: nd.Shape{3, 3}, NumFilter: 8})
	fc := symbol.FullyConnected("fc1", symbol.Flatten("flat", conv), nd.FullyConnectedAttrs{NumHidden: 10})
	info, err := fc.Infer(map[string]nd.Shape{"data": {4, 1, 28, 28}}, nil)
	if err != nil {
		panic(err)
	}
	for _, name := range fc.ListArguments() {
		fmt.Println(name, info.Shapes[name])
	}
	fmt.Println("output", info.OutShapes[0])
	// Output:
	// data (4, 1, 28, 28)
	// conv1_weight (8, 1, 3, 3)
	// conv1_bias (8,)
	// fc1_weight (10, 5408)
	// fc1_bias (10,)
	// output (4, 10)
}

func ExampleSymbol_Eval() {
	x := symbol.Var("x")
	y := symbol.FullyConnected("fc", x, nd.FullyConnectedAttrs{NumHidden: 2})
	out, err := symbol.Activation("act", y, "relu").Eval(map[string]*nd.NDArray{
		"x":         nd.Array([]float32{1, 2}, 1, 2),
		"fc_weight": nd.Array([]float32{1, 1, -1, -1}, 2, 2),
		"fc_bias":   nd.Array([]float32{0.5, 0.5}, 2),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(out[0].Float32s())
	// Output: [3.5 0]
}

func ExampleFromJSON() {
	src := `{"nodes": [
	  {"op": "null", "name": "data", "inputs": []},
	  {"op": "Activation", "name": "relu0", "attrs": {"act_type": "relu"}, "inputs": [[0, 0, 0]]}],
	 "arg_nodes": [0], "node_row_ptr": [0, 1, 2], "heads": [[1, 0, 0]],
	 "attrs": {"mxnet_version": ["int", 10600]}}`
	sym, err := symbol.FromJSON([]byte(src))
	if err != nil {
		panic(err)
	}
	fmt.Println(sym.ListArguments(), sym.ListOutputs())
	// Output: [data] [relu0_output]
}

func ExampleCachedOp() {
	x := symbol.Var("x")
	y := symbol.Activation("act", symbol.FullyConnected("fc", x, nd.FullyConnectedAttrs{NumHidden: 2}), "relu")
	op, err := symbol.NewCachedOp(y, []string{"x", "fc_weight", "fc_bias"})
	if err != nil {
		panic(err)
	}
	w := nd.Array([]float32{1, 1, -1, -1}, 2, 2).AttachGrad()
	var out []*nd.NDArray
	var loss *nd.NDArray
	autograd.Record(func() {
		out, err = op.Call([]*nd.NDArray{nd.Array([]float32{1, 2}, 1, 2), w, nd.Array([]float32{0.5, 0.5}, 2)})
		if err == nil {
			loss = out[0].Sum()
		}
	})
	if err != nil {
		panic(err)
	}
	if err := autograd.BackwardOne(loss); err != nil {
		panic(err)
	}
	fmt.Println(out[0].Float32s(), w.Grad().Float32s())
	// Output: [3.5 0] [1 2 0 0]
}
