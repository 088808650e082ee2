//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// prodOfF64AVX512 is ProdOfF64 of the n > 0 elements at x.
//
//go:noescape
func prodOfF64AVX512(x *float32, n int) float64

// mulRowsOfF64AVX512 is MulRowsOfF64 of n > 0 columns and rows > 0 rows
// stride elements apart.
//
//go:noescape
func mulRowsOfF64AVX512(acc *float64, x *float32, n, rows, stride int)

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	// The callers have checked that the slices are non-empty and long
	// enough; the bounds check makes that local.
	prodOfF64Fast = func(x []float32) float64 { return prodOfF64AVX512(&x[0], len(x)) }
	mulRowsOfF64Fast = func(acc []float64, x []float32, rows, stride int) {
		_ = x[(rows-1)*stride+len(acc)-1]
		mulRowsOfF64AVX512(&acc[0], &x[0], len(acc), rows, stride)
	}
}
