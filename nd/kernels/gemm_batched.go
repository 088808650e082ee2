package kernels

import "sync"

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
	bc := batchedPool.Get().(*batchedCall)
	defer bc.release()
	bc.g = gemmArgs[float32]{transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil}
	bc.strideA, bc.strideB, bc.strideC = strideA, strideB, strideC
	// Every item's slices start further in, so checking the last checks all
	// lengths; the first catches dimension and stride errors when batch is 1.
	first, last := bc.item(0), bc.item(batch-1)
	first.check("sgemm batched")
	last.check("sgemm batched")
	if 2*m*n*k >= 4*parallelFlops || batch == 1 {
		for i := range batch {
			g := bc.item(i)
			gemm(&g, sgemmKernel, NumThreads())
		}
		return
	}
	bc.kern = sgemmKernel
	ParallelFor(batch, 1, bc.body)
}

// batchedCall is one SgemmBatched call spread over the batch. It is pooled
// with its loop body bound once, so a call allocates nothing in the
// steady state.
type batchedCall struct {
	g                         gemmArgs[float32] // item 0
	strideA, strideB, strideC int
	kern                      *microKernel[float32]
	body                      func(lo, hi int)
}

var batchedPool = sync.Pool{New: func() any {
	bc := new(batchedCall)
	bc.body = bc.run
	return bc
}}

// item returns the arguments of product i.
func (bc *batchedCall) item(i int) gemmArgs[float32] {
	g := bc.g
	g.a, g.b, g.c = tail(g.a, i*bc.strideA), tail(g.b, i*bc.strideB), tail(g.c, i*bc.strideC)
	return g
}

// run computes products [lo, hi), each on one thread.
func (bc *batchedCall) run(lo, hi int) {
	for i := lo; i < hi; i++ {
		g := bc.item(i)
		gemm(&g, bc.kern, 1)
	}
}

// release drops the caller's slices and returns bc to its pool.
func (bc *batchedCall) release() {
	bc.g, bc.kern = gemmArgs[float32]{}, nil
	batchedPool.Put(bc)
}

// tail returns s[off:], or nil when off is past the end (a matrix that is
// never read, such as A when k is 0).
func tail(s []float32, off int) []float32 {
	if off > len(s) {
		return nil
	}
	return s[off:]
}
