//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func rowMax32AVX512(x *float32, n int) float32

//go:noescape
func expShiftSum32AVX512(dst, src *float32, n int, m, invT float32, storeExp bool) float64

//go:noescape
func softmaxGradSum32AVX512(gy, y *float32, n int, log bool) float64

//go:noescape
func softmaxGrad32AVX512(dx, gy, y *float32, n int, s, t float32, log, divide bool)

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	rowMax32Fast = func(x []float32) float32 { return rowMax32AVX512(&x[0], len(x)) }
	expShiftSum32Fast = func(dst, src []float32, m, invT float32, storeExp bool) float64 {
		_ = src[len(dst)-1]
		return expShiftSum32AVX512(&dst[0], &src[0], len(dst), m, invT, storeExp)
	}
	softmaxGradSum32Fast = func(g, y []float32, log bool) float64 {
		_ = y[len(g)-1]
		return softmaxGradSum32AVX512(&g[0], &y[0], len(g), log)
	}
	softmaxGrad32Fast = func(dx, g, y []float32, s, t float32, log bool) {
		_, _ = g[len(dx)-1], y[len(dx)-1]
		softmaxGrad32AVX512(&dx[0], &g[0], &y[0], len(dx), s, t, log, t != 1)
	}
}
