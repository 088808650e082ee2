// Package autograd records operations on NDArrays and computes gradients by
// reverse-mode differentiation, like MXNet's mx.autograd.
//
// # Overview
//
// Mark the arrays you want gradients for with AttachGrad, compute inside
// Record, then call Backward:
//
//	x := nd.Array([]float32{1, 2, 3}).AttachGrad()
//	var y *nd.NDArray
//	autograd.Record(func() { y = x.Mul(x).Sum() })
//	autograd.BackwardOne(y) // x.Grad() is now 2*x
//
// Gradients are written with registered ops, so Grad with createGraph
// gives differentiable gradients (higher-order derivatives).
//
// # Concurrency
//
// Recording and training modes belong to the calling goroutine, as MXNet's
// are thread-local: goroutines training different models do not see each
// other's scopes, and a goroutine started inside Record does not record
// unless it enters its own scope. Record, Pause, TrainMode and PredictMode
// take a function so the mode cannot leak; StartRecording/StartPause return
// a Scope to End with defer where a function does not fit.
//
// Tape nodes and backward scratch are pooled, so that a training step's
// autograd allocates nothing. A Backward that frees its graph detaches
// the graph's arrays from it (they keep their values; backpropagating
// through them again reports ErrGraphFreed), which changes their autograd
// entries: another goroutine must not pass those arrays to ops while that
// Backward runs.
package autograd
