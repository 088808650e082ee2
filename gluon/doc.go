// Package gluon is MXGo's model-building API in the style of MXNet Gluon:
// Blocks that hold Parameters and child Blocks, containers, initialization
// with deferred shapes, parameter files in MXNet's format, and the Trainer
// that applies an optimizer.
//
//	net := gluon.NewSequential(
//		nn.NewDense(128, nn.DenseOptions{Activation: "relu"}),
//		nn.NewDense(10),
//	)
//	gluon.Initialize(net, initializer.Xavier{}, nil, false)
//	trainer, _ := gluon.NewTrainerByName(gluon.CollectParams(net), "adam", map[string]any{"learning_rate": 1e-3})
//	autograd.Record(func() { l = lossFn.Forward(gluon.Call(net, x), y) })
//	autograd.BackwardOne(l)
//	trainer.Step(batchSize)
//
// Hybridize(net) traces a HybridBlock's Forward into a cached graph
// (symbol.CachedOp) on its next call; with HybridizeOptions{ReuseOutputs:
// true}, and the loss hybridized the same way (loss.Hybridize(lossFn,
// opts)), a training step allocates nothing on the Go heap.
//
// A Block is a Go struct embedding BlockBase or HybridBlockBase; its
// children and parameters are found by reflection over exported fields and
// named like Gluon's structural names ("features.0.weight"), so parameter
// files move between MXNet and MXGo. Layers live in gluon/nn and gluon/rnn,
// losses in gluon/loss, metrics in gluon/metric, data loading in gluon/data.
package gluon
