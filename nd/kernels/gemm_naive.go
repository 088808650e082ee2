package kernels

// SgemmNaive is the reference Sgemm: a plain triple loop with the same
// arguments and semantics, kept as the test oracle.
func SgemmNaive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmNaive(&gemmArgs[float32]{transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil})
}

// DgemmNaive is SgemmNaive for float64.
func DgemmNaive(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemmNaive(&gemmArgs[float64]{transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil})
}

func gemmNaive[T float](g *gemmArgs[T]) {
	g.check("gemm naive")
	for i := range g.m {
		for j := range g.n {
			var sum T
			for p := range g.k {
				ai, bi := i*g.lda+p, p*g.ldb+j
				if g.transA {
					ai = p*g.lda + i
				}
				if g.transB {
					bi = j*g.ldb + p
				}
				sum += g.a[ai] * g.b[bi]
			}
			c := &g.c[i*g.ldc+j]
			if g.beta == 0 {
				*c = g.alpha * sum
			} else {
				*c = g.alpha*sum + g.beta**c
			}
		}
	}
}
