// Package kernels provides the CPU compute kernels under package nd: a
// shared parallel-for and BLAS-style matrix multiplication on plain Go
// slices. It imports neither nd nor engine, so both can call it.
//
// # Overview
//
// [Sgemm] computes C = alpha*op(A)*op(B) + beta*C on row-major float32
// matrices with cache blocking, panel packing and a register-blocked
// micro-kernel in Go assembly (AVX-512 or AVX2/FMA, chosen at run time;
// pure Go under the noasm build tag or on other CPUs). [Dgemm] is the
// float64 version in pure Go, [SgemmBatched] runs many products, and
// [SgemmNaive] is the triple-loop reference the tests compare against.
// [SgemmBias] adds a bias row to every row of C (a fully connected
// layer), placing it tile by tile inside the parallel work. Products
// whose smaller operand fits in L2 (a network layer at a training batch)
// take a small-problem path that reads A, and B unless transposed, where
// they lie, by in-place micro-kernels with arbitrary strides, and packs
// only a transposed B and the edge tiles.
// A matrix that multiplies many right-hand sides, such as a recurrent
// layer's weight at each time step, is packed once with [PackA] and used
// by [SgemmPackedA], as BLAS libraries' packed GEMM does. [ConvDirect]
// computes convolutions with few taps (a first layer on grayscale
// images) directly, where im2col would copy more than the GEMM computes.
// The elementwise loops that the compiler does not vectorize have AVX-512
// forms with the Go loops' exact results (NaN payloads aside), which stay
// as the fallback under noasm and on other CPUs:
//   - training-step loops: [Relu32], [ReluGrad32] and the optimizers'
//     [SGDUpdate32], [SGDMomUpdate32], [NAGMomUpdate32],
//     [RMSPropUpdate32], [AdaGradUpdate32], [AdamUpdate32] and
//     [AdamWUpdate32], and 2×2 max pooling;
//   - arithmetic: [BinaryVec32], [BinaryScalar32] and
//     [BinaryScalarLeft32] (add, sub, mul, div, maximum, minimum),
//     [Unary32] (negative, abs, sqrt, rsqrt) and
//     [Clip32];
//   - functions in float32 arithmetic, within a few ulp: [Exp32],
//     [Log32], [Sigmoid32], [Tanh32], [Gelu32] and its derivative
//     [GeluGrad32];
//   - softmax rows: [RowMax32], [ExpShiftSum32], [SoftmaxGradSum32] and
//     [SoftmaxGrad32], and rows shorter than 64 (a classifier's logits)
//     16 at a time, one per lane: [SoftmaxRows32], [SoftmaxGradRows32];
//   - reductions that accumulate float32 in float64: [SumOfF64] (a sum,
//     sum of squares, of absolute values or skipping NaN, in a fixed
//     order of 64 partial sums) and [AddRowsOfF64] (rows added into a
//     float64 accumulator row, each column in row order), and products
//     in the same orders ([ProdOfF64], [MulRowsOfF64]);
//   - extrema and comparisons with the Go loops' bits (first NaN, the
//     sign of zero, the first index of a tie): [Max32], [Min32],
//     [Argmax32], [Argmin32], [MaxRows32], [MinRows32], and
//     [CompareVec32], [CompareScalar32] and [CompareScalarLeft32]
//     (==, !=, >, >=, <, <= as 0 or 1);
//   - the normalizations' loops (nd's BatchNorm, LayerNorm, GroupNorm and
//     InstanceNorm): row and column statistics summed in float64 lanes
//     ([NormSum32], [NormSqDev32], [NormColSums32], ...), the affine
//     normalize ([NormRowAffine32], [NormCols32], ...) and the backward's
//     sums and data gradient ([NormRowBackSums32],
//     [NormBackRowAffine32], ...).
//
// [Transpose32] transposes matrices of 32-bit words in 16×16 register
// tiles, and [FMAPeak] measures the machine's vector FMA peak, the
// ceiling GEMM rates are a fraction of.
//
//	// C (2x2) = A (2x3) * B (3x2)
//	kernels.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
//
//	// The same A times each step's state h_t (32x3), transposed: C = A·h_tᵀ.
//	var w kernels.PackedA
//	kernels.PackA(&w, false, 2, 3, 1, a, 3)
//	kernels.SgemmPackedA(&w, true, 32, h, 3, 0, c, 32)
//
// # Concurrency
//
// [ParallelFor] spreads a loop over a fixed pool of [NumThreads] worker
// goroutines. One region runs on the pool at a time; nested calls and calls
// made while another region runs execute inline on their own goroutine, so
// they never deadlock. A helper that finishes a region spins briefly
// (yielding its P and its core) so that the next region starts at once,
// then parks; MXGO_HELPER_SPIN (a duration, "0" to park at once) sets how
// long. Any goroutine spinning in the engine or the pool (a caller of
// WaitToRead, an idle engine worker, a helper) runs the open region's
// unclaimed chunks between polls: while it spins it holds a P, which the
// helper posted to the region may need. [HelpersAwake] tells callers
// whether the helpers are spinning, when far smaller loops pay to split.
// All kernels are safe for concurrent use on distinct outputs.
//
// # Errors
//
// Wrong dimensions, strides or slice lengths are programmer errors: the
// kernels panic with *[Error].
package kernels
