//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// The normalization loops of norm_vec.go in AVX-512 (norm_vec_amd64.s).
// Each takes non-empty arrays at least n long.

//go:noescape
func normSum32AVX512(x *float32, n int) float64

//go:noescape
func normSqDev32AVX512(x *float32, n int, m float64) float64

//go:noescape
func normDotSums32AVX512(gy, x *float32, n int, m float32) (sg, sgx float64)

//go:noescape
func normRowBackSums32AVX512(gy, x, gamma *float32, n int, m, r float32) (s1, s2 float64)

//go:noescape
func normColSums32AVX512(acc *float64, x *float32, cols, rows, stride int)

//go:noescape
func normColSqDevs32AVX512(acc *float64, x *float32, m *float64, cols, rows, stride int)

//go:noescape
func normColDotSums32AVX512(sg, sgx *float64, gy, x, m *float32, cols, rows, stride int)

//go:noescape
func normRowParamGrads32AVX512(dg, db *float64, gy, x, m, r *float32, cols, rows, stride int)

//go:noescape
func normRow32AVX512(y, x *float32, n int, m, r, gam, b float32)

//go:noescape
func normRowAffine32AVX512(y, x, gamma, beta *float32, n int, m, r float32)

//go:noescape
func normCols32AVX512(y, x, m, r, gam, b *float32, cols, rows, stride int)

//go:noescape
func normBackRow32AVX512(dx, gy, x *float32, n int, ga, m, b, c float32)

//go:noescape
func normBackRowAffine32AVX512(dx, gy, x, gamma *float32, n int, a, m, b, c float32)

//go:noescape
func normBackCols32AVX512(dx, gy, x, ga, m, b, c *float32, cols, rows, stride int)

func init() {
	// The tails use masked 256-bit moves (AVX512VL).
	if !cpu.X86.HasAVX512F || !cpu.X86.HasAVX512VL {
		return
	}
	// The callers have checked the lengths; the bounds checks below make
	// that local.
	normSum32Fast = func(x []float32) float64 { return normSum32AVX512(&x[0], len(x)) }
	normSqDev32Fast = func(x []float32, m float64) float64 { return normSqDev32AVX512(&x[0], len(x), m) }
	normDotSums32Fast = func(gy, x []float32, m float32) (float64, float64) {
		n := len(gy)
		_ = x[n-1]
		return normDotSums32AVX512(&gy[0], &x[0], n, m)
	}
	normRowBackSums32Fast = func(gy, x, gamma []float32, m, r float32) (float64, float64) {
		n := len(gy)
		_, _ = x[n-1], gamma[n-1]
		return normRowBackSums32AVX512(&gy[0], &x[0], &gamma[0], n, m, r)
	}
	// The column loops: blocks of rows×cols, the last element at
	// (rows-1)·stride + cols-1.
	normColSums32Fast = func(acc []float64, x []float32, rows, stride int) {
		cols := len(acc)
		_ = x[(rows-1)*stride+cols-1]
		normColSums32AVX512(&acc[0], &x[0], cols, rows, stride)
	}
	normColSqDevs32Fast = func(acc []float64, x []float32, m []float64, rows, stride int) {
		cols := len(acc)
		_, _ = x[(rows-1)*stride+cols-1], m[cols-1]
		normColSqDevs32AVX512(&acc[0], &x[0], &m[0], cols, rows, stride)
	}
	normColDotSums32Fast = func(sg, sgx []float64, gy, x, m []float32, rows, stride int) {
		cols := len(sg)
		last := (rows-1)*stride + cols - 1
		_, _, _, _ = sgx[cols-1], gy[last], x[last], m[cols-1]
		normColDotSums32AVX512(&sg[0], &sgx[0], &gy[0], &x[0], &m[0], cols, rows, stride)
	}
	normRowParamGrads32Fast = func(dg, db []float64, gy, x, m, r []float32, rows, stride int) {
		cols := len(dg)
		last := (rows-1)*stride + cols - 1
		_, _, _, _, _ = db[cols-1], gy[last], x[last], m[rows-1], r[rows-1]
		normRowParamGrads32AVX512(&dg[0], &db[0], &gy[0], &x[0], &m[0], &r[0], cols, rows, stride)
	}
	normRow32Fast = func(y, x []float32, m, r, g, b float32) {
		n := len(y)
		_ = x[n-1]
		normRow32AVX512(&y[0], &x[0], n, m, r, g, b)
	}
	normRowAffine32Fast = func(y, x, gamma, beta []float32, m, r float32) {
		n := len(y)
		_, _, _ = x[n-1], gamma[n-1], beta[n-1]
		normRowAffine32AVX512(&y[0], &x[0], &gamma[0], &beta[0], n, m, r)
	}
	normCols32Fast = func(y, x, m, r, gam, b []float32, rows, stride int) {
		cols := len(m)
		last := (rows-1)*stride + cols - 1
		_, _, _, _, _ = y[last], x[last], r[cols-1], gam[cols-1], b[cols-1]
		normCols32AVX512(&y[0], &x[0], &m[0], &r[0], &gam[0], &b[0], cols, rows, stride)
	}
	normBackRow32Fast = func(dx, gy, x []float32, ga, m, b, c float32) {
		n := len(dx)
		_, _ = gy[n-1], x[n-1]
		normBackRow32AVX512(&dx[0], &gy[0], &x[0], n, ga, m, b, c)
	}
	normBackRowAffine32Fast = func(dx, gy, x, gamma []float32, a, m, b, c float32) {
		n := len(dx)
		_, _, _ = gy[n-1], x[n-1], gamma[n-1]
		normBackRowAffine32AVX512(&dx[0], &gy[0], &x[0], &gamma[0], n, a, m, b, c)
	}
	normBackCols32Fast = func(dx, gy, x, ga, m, b, c []float32, rows, stride int) {
		cols := len(ga)
		last := (rows-1)*stride + cols - 1
		_, _, _, _, _, _ = dx[last], gy[last], x[last], m[cols-1], b[cols-1], c[cols-1]
		normBackCols32AVX512(&dx[0], &gy[0], &x[0], &ga[0], &m[0], &b[0], &c[0], cols, rows, stride)
	}
}
