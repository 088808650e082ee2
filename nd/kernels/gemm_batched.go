package kernels

// SgemmBatched computes batch independent products
// C_i = alpha*op(A_i)*op(B_i) + beta*C_i, where A_i starts at a[i*strideA],
// B_i at b[i*strideB] and C_i at c[i*strideC], each laid out as in Sgemm.
// Products too small to be worth splitting run in parallel over the batch;
// larger ones run one after another, each on all threads. It panics with
// *Error on bad dimensions, strides or lengths.
func SgemmBatched(transA, transB bool, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC int, batch int) {
	if batch < 0 || strideA < 0 || strideB < 0 || strideC < 0 {
		panicf("sgemm batched", "negative batch %d or stride (%d, %d, %d)", batch, strideA, strideB, strideC)
	}
	if batch == 0 {
		return
	}
	item := func(i int) gemmArgs[float32] {
		return gemmArgs[float32]{transA, transB, m, n, k, alpha, tail(a, i*strideA), lda, tail(b, i*strideB), ldb, beta, tail(c, i*strideC), ldc}
	}
	// Every item's slices start further in, so checking the last checks all
	// lengths; the first catches dimension and stride errors when batch is 1.
	first, last := item(0), item(batch-1)
	first.check("sgemm batched")
	last.check("sgemm batched")
	if 2*m*n*k >= 4*parallelFlops || batch == 1 {
		for i := range batch {
			g := item(i)
			gemm(&g, sgemmKernel, NumThreads())
		}
		return
	}
	kern := sgemmKernel
	ParallelFor(batch, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			g := item(i)
			gemm(&g, kern, 1)
		}
	})
}

// tail returns s[off:], or nil when off is past the end (a matrix that is
// never read, such as A when k is 0).
func tail(s []float32, off int) []float32 {
	if off > len(s) {
		return nil
	}
	return s[off:]
}
