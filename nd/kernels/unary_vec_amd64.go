//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func unary32AVX512(op UnaryOp, dst, src *float32, n int)

func init() {
	if cpu.X86.HasAVX512F {
		unary32Fast = func(op UnaryOp, dst, src []float32) { unary32AVX512(op, &dst[0], &src[0], len(dst)) }
	}
}
