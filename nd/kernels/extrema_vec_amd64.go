//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// The AVX-512 loops of extrema_vec_amd64.s, on n > 0 elements (n >=
// extremeVecMin for the whole-slice ones, at most argChunk for the arg
// ones).

//go:noescape
func max32AVX512(x *float32, n int) (m float32, nan bool)

//go:noescape
func min32AVX512(x *float32, n int) (m float32, nan bool)

//go:noescape
func argmax32AVX512(x *float32, n int) int

//go:noescape
func argmin32AVX512(x *float32, n int) int

//go:noescape
func maxRows32AVX512(acc, x *float32, n, rows, stride int)

//go:noescape
func minRows32AVX512(acc, x *float32, n, rows, stride int)

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	extreme32Fast = func(x []float32, isMin bool) (float32, bool) {
		if isMin {
			return min32AVX512(&x[0], len(x))
		}
		return max32AVX512(&x[0], len(x))
	}
	argExtreme32Fast = func(x []float32, isMin bool) int {
		if isMin {
			return argmin32AVX512(&x[0], len(x))
		}
		return argmax32AVX512(&x[0], len(x))
	}
	// The caller has checked that acc is not empty and x long enough; the
	// bounds check makes that local.
	extremeRows32Fast = func(acc, x []float32, rows, stride int, isMin bool) {
		_ = x[(rows-1)*stride+len(acc)-1]
		if isMin {
			minRows32AVX512(&acc[0], &x[0], len(acc), rows, stride)
		} else {
			maxRows32AVX512(&acc[0], &x[0], len(acc), rows, stride)
		}
	}
}
