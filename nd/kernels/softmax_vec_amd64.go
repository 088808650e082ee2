//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func rowMax32AVX512(x *float32, n int) float32

//go:noescape
func expShiftSum32AVX512(dst, src *float32, n int, m, invT float32, storeExp bool) float64

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	rowMax32Fast = func(x []float32) float32 { return rowMax32AVX512(&x[0], len(x)) }
	expShiftSum32Fast = func(dst, src []float32, m, invT float32, storeExp bool) float64 {
		_ = src[len(dst)-1]
		return expShiftSum32AVX512(&dst[0], &src[0], len(dst), m, invT, storeExp)
	}
}
