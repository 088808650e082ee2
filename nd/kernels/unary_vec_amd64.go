//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func unary32AVX512(op UnaryOp, dst, src *float32, n int)

//go:noescape
func clip32AVX512(dst, src *float32, n int, lo, hi float32)

func init() {
	if cpu.X86.HasAVX512F {
		unary32Fast = func(op UnaryOp, dst, src []float32) { unary32AVX512(op, &dst[0], &src[0], len(dst)) }
		clip32Fast = func(dst, src []float32, lo, hi float32) { clip32AVX512(&dst[0], &src[0], len(dst), lo, hi) }
	}
}
