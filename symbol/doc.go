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
// # Running graphs fast
//
// A Tracer turns Go code that calls nd ops on placeholders into a graph
// (how gluon.Hybridize captures a Block's Forward). CachedOp runs a graph
// the way MXNet's CachedOp does: per input signature it derives the
// backward graph from the ops' gradient functions (DeriveGradient), fuses
// elementwise chains, plans memory once, and runs each pass as a few bulk
// engine pushes that call the kernels directly; under autograd.Record a
// call is one node on the tape, and gradients land straight in the
// parameters' buffers.
//
//	op, _ := symbol.NewCachedOp(out, []string{"data", "fc1_weight", "fc1_bias"})
//	res, _ := op.Call([]*nd.NDArray{x, w, b})
//
// With CachedOpOptions{ReuseOutputs: true} each call writes the same
// output arrays (as an MXNet Executor's outputs), so that a steady-state
// training step allocates nothing; an output then holds the latest call's
// values.
//
// Passes rewrite graphs without changing their inputs: RemoveDeadNodes,
// EliminateCommonSubexpressions, FoldConstants, RemoveInferenceNoOps,
// FoldBatchNorm, FuseElementwise, and OptimizeForInference which chains
// the inference ones (mxgo infer uses it).
//
// # Errors
//
// Building a graph with an unknown op or bad attributes panics with an
// *nd.Error (a programmer error). Reading files returns wrapped errors;
// inference and execution failures are *NodeError values naming the node.
package symbol
