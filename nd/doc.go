// Package nd provides NDArray, MXGo's n-dimensional array, and the operator
// registry through which every computation on it runs.
//
// # Overview
//
// Arrays have a shape, a dtype (float32 by default; float64, float16,
// bfloat16, int8/16/32/64, uint8/16/32/64 and bool) and a device. Operations
// are package functions named as in MXNet and chainable methods:
//
//	x := nd.Array([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
//	w := nd.Ones(nd.Shape{3, 4})
//	y := x.Dot(w).AddScalar(1).Relu()
//	fmt.Println(y.Float32s())
//
// Broadcasting follows NumPy. Basic slicing (Slice, At, SliceRanges) and
// Reshape of contiguous arrays return views that share memory; CopyFrom and
// Set write through a view into its base.
//
// # Operators
//
// Each operator is one OpDef registered once (name, typed attributes, shape
// and dtype inference, kernels per device, gradient written with other
// operators). Invoke is the single route by which eager calls, autograd
// recording and graph tracing reach kernels. See DEVELOPERS.md for how to
// add one.
//
// # Asynchrony and errors
//
// Operations are pushed to the engine (package engine) and run when their
// inputs are ready; reading values (Float32s, Values, Scalar) or WaitToRead
// waits. A kernel failure is carried on the arrays it writes and reported
// at the next wait on them.
//
// Shape, dtype and device mistakes are programmer errors: the call panics
// with an *Error naming the op, its operands and the rule broken. Try turns
// such a panic into an error at an API boundary. File formats (Save, Load,
// .npy/.npz) return errors and never panic on bad bytes.
//
// # Files
//
// Save and Load read and write MXNet's NDArray list format (.params)
// byte-compatibly; LoadNpy/SaveNpy and LoadNpz/SaveNpz handle NumPy files
// (MXNet 2 writes .params as .npz, which Load also reads).
package nd
