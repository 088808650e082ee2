//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func dot32AVX512(a, b *float32, n int) float32

//go:noescape
func axpy32AVX512(dst, src *float32, n int, s float32)

//go:noescape
func scale32AVX512(dst, src *float32, n int, s float32)

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	// Callers pass non-empty slices with len(b) >= len(a) (len(src) >=
	// len(dst)); the bounds checks make that local.
	dot32Fast = func(a, b []float32) float32 {
		_ = b[len(a)-1]
		return dot32AVX512(&a[0], &b[0], len(a))
	}
	axpy32Fast = func(dst, src []float32, s float32) {
		_ = src[len(dst)-1]
		axpy32AVX512(&dst[0], &src[0], len(dst), s)
	}
	scale32Fast = func(dst, src []float32, s float32) {
		_ = src[len(dst)-1]
		scale32AVX512(&dst[0], &src[0], len(dst), s)
	}
}
