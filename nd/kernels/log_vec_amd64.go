//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func log32AVX512(dst, src *float32, n int)

func init() {
	if cpu.X86.HasAVX512F {
		log32Fast = func(dst, src []float32) { log32AVX512(&dst[0], &src[0], len(dst)) }
	}
}
