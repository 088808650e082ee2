//go:build !amd64 || noasm

package nd

// Without the assembly kernels convWinoAVX512 stays false and these are
// never called.

func convWinoIn2AVX512(r0, r1, r2, r3 *float32, x0, w int, dst *float32, stride, cnt int) {
	panic("nd: convWinoIn2AVX512 without assembly")
}

func convWinoOut2AVX512(src *float32, sb int, y0, y1 *float32, rows, cnt, ncols int, bias float32) {
	panic("nd: convWinoOut2AVX512 without assembly")
}

func convWinoFilter2AVX512(w *float32, ldf, nf, nc int, u *float32, sb, ldu int) {
	panic("nd: convWinoFilter2AVX512 without assembly")
}
