//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func exp32AVX512(dst, src *float32, n int)

//go:noescape
func sigmoid32AVX512(dst, src *float32, n int)

//go:noescape
func tanh32AVX512(dst, src *float32, n int)

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	// The callers have checked that the slices are non-empty and that src
	// is long enough.
	exp32Fast = func(dst, src []float32) {
		_ = src[len(dst)-1]
		exp32AVX512(&dst[0], &src[0], len(dst))
	}
	sigmoid32Fast = func(dst, src []float32) {
		_ = src[len(dst)-1]
		sigmoid32AVX512(&dst[0], &src[0], len(dst))
	}
	tanh32Fast = func(dst, src []float32) {
		_ = src[len(dst)-1]
		tanh32AVX512(&dst[0], &src[0], len(dst))
	}
}
