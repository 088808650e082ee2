//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// sumOfF64AVX512 is SumOfF64 of the n > 0 elements at x.
//
//go:noescape
func sumOfF64AVX512(x *float32, n int, term Acc64) float64

// addRowsOfF64AVX512 is AddRowsOfF64 of n > 0 columns and rows > 0 rows
// stride elements apart.
//
//go:noescape
func addRowsOfF64AVX512(acc *float64, x *float32, n, rows, stride int, term Acc64)

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	// The callers have checked that the slices are non-empty and long
	// enough; the bounds checks below make that local.
	sumOfF64Fast = func(term Acc64, x []float32) float64 {
		return sumOfF64AVX512(&x[0], len(x), term)
	}
	addRowsOfF64Fast = func(term Acc64, acc []float64, x []float32, rows, stride int) {
		_ = x[(rows-1)*stride+len(acc)-1]
		addRowsOfF64AVX512(&acc[0], &x[0], len(acc), rows, stride, term)
	}
}
