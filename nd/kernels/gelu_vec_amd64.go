//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func gelu32AVX512(dst, src *float32, n int)

//go:noescape
func geluGrad32AVX512(dst, src *float32, n int)

func init() {
	if cpu.X86.HasAVX512F {
		gelu32Fast = func(dst, src []float32) { gelu32AVX512(&dst[0], &src[0], len(dst)) }
		geluGrad32Fast = func(dst, src []float32) { geluGrad32AVX512(&dst[0], &src[0], len(dst)) }
	}
}
