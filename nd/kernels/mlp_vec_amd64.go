//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func relu32AVX512(o, x *float32, n int)

//go:noescape
func reluGrad32AVX512(o, grad, x *float32, n int)

//go:noescape
func sgdUpdate32AVX512(o, w, grad *float32, n int, decay, lr, rescale float32)

//go:noescape
func addTo32AVX512(dst, src *float32, n int)

//go:noescape
func maxTo32AVX512(dst, src *float32, n int)

//go:noescape
func maxPool2x2Row32AVX512(y, r0, r1 *float32, n int)

//go:noescape
func maxWindow3Stride2AVX512(y, row *float32, n int)

// maxPool2x2GradRow32AVX512 reports whether a window maximum was NaN (the
// caller then redoes the row).
//
//go:noescape
func maxPool2x2GradRow32AVX512(d0, d1, dy, y, r0, r1 *float32, n int) bool

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	// The callers have checked that the slices are non-empty and long
	// enough; the bounds checks below make that local.
	relu32Fast = func(o, x []float32) {
		_ = x[len(o)-1]
		relu32AVX512(&o[0], &x[0], len(o))
	}
	reluGrad32Fast = func(o, g, x []float32) {
		_, _ = g[len(o)-1], x[len(o)-1]
		reluGrad32AVX512(&o[0], &g[0], &x[0], len(o))
	}
	sgdUpdate32Fast = func(o, w, g []float32, decay, lr, rescale float32) {
		_, _ = w[len(o)-1], g[len(o)-1]
		sgdUpdate32AVX512(&o[0], &w[0], &g[0], len(o), decay, lr, rescale)
	}
	addTo32Fast = func(dst, src []float32) {
		_ = src[len(dst)-1]
		addTo32AVX512(&dst[0], &src[0], len(dst))
	}
	maxTo32Fast = func(dst, src []float32) {
		_ = src[len(dst)-1]
		maxTo32AVX512(&dst[0], &src[0], len(dst))
	}
	maxPool2x2GradRow32Fast = func(d0, d1, g, y, r0, r1 []float32) bool {
		n := len(g)
		_, _, _, _, _ = d0[2*n-1], d1[2*n-1], y[n-1], r0[2*n-1], r1[2*n-1]
		return maxPool2x2GradRow32AVX512(&d0[0], &d1[0], &g[0], &y[0], &r0[0], &r1[0], n)
	}
	maxWindow3Stride2Fast = func(y, row []float32) int {
		// Whole blocks of 16 whose loads (2i+2 .. 2i+33) stay in row.
		n := min(len(y), (len(row)-2)/2) &^ 15
		if n > 0 {
			maxWindow3Stride2AVX512(&y[0], &row[0], n)
		}
		return n
	}
	maxPool2x2Row32Fast = func(y, r0, r1 []float32) {
		_, _ = r0[2*len(y)-1], r1[2*len(y)-1]
		maxPool2x2Row32AVX512(&y[0], &r0[0], &r1[0], len(y))
	}
}
