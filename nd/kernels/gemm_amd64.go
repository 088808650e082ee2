//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:generate go run gen_gemm_asm.go

//go:noescape
func sgemmKernel14x32AVX512(kc int, a, b, c *float32, ldc int, beta float32, mode int)

//go:noescape
func sgemmKernel6x16AVX2(kc int, a, b, c *float32, ldc int, beta float32, mode int)

// asmSgemmKernels returns the assembly kernels this CPU and OS support,
// best first. Blocking: the B micro-panel (kc×nr) sits in the 48 KB L1D,
// the A block (mc×kc) in the 1 MB L2, the B panel (kc×nc) in L3.
func asmSgemmKernels() []*microKernel[float32] {
	var ks []*microKernel[float32]
	if cpu.X86.HasAVX512F {
		ks = append(ks, &microKernel[float32]{name: "avx512", mr: 14, nr: 32, mc: 14 * 24, kc: 256, nc: 4096, fn: sgemmKernel14x32AVX512})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &microKernel[float32]{name: "avx2", mr: 6, nr: 16, mc: 6 * 48, kc: 256, nc: 4096, fn: sgemmKernel6x16AVX2})
	}
	return ks
}
