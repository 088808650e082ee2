// Package symbol provides MXGo's symbolic graphs: a graph IR whose nodes
// are operators from nd's registry (with typed attributes) or variables,
// shape and dtype inference over it, MXNet's -symbol.json format (read and
// write, including the pre-NNVM files of MXNet ≤ 0.8), an executor that
// runs a graph through nd.Invoke (so autograd records it), and text and
// Graphviz views.
//
// # Overview
//
//	data := symbol.Var("data")
//	fc := symbol.FullyConnected("fc1", data, nd.FullyConnectedAttrs{NumHidden: 10})
//	out := symbol.Activation("relu1", fc, "relu")
//	info, _ := out.Infer(map[string]nd.Shape{"data": {32, 784}}, nil) // fc1_weight (10, 784)
//	res, _ := out.Eval(map[string]*nd.NDArray{"data": x, "fc1_weight": w, "fc1_bias": b})
//
// Graphs exported by MXNet load with Load; parameters come from nd.Load
// (keys "arg:NAME" and "aux:NAME"). gluon.SymbolBlock wraps both as a Block.
//
// # Errors
//
// Building a graph with an unknown op or bad attributes panics with an
// *nd.Error (a programmer error). Reading files returns wrapped errors;
// inference and execution failures are *NodeError values naming the node.
package symbol
