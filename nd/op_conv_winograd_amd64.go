//go:build !noasm

package nd

import sysCPU "golang.org/x/sys/cpu"

// convWinoIn2AVX512 is the F(2×2) input transform of cnt consecutive
// tiles of one channel and tile row. ri points at column 0 of input row i
// of the tiles (or at a zero row), each holding w floats; tile k reads
// columns x0+2k .. x0+2k+3, and columns outside [0, w) read as zero
// (masked loads: they are never touched). Element e of tile k goes to
// dst + e·stride + 4k bytes.
//
//go:noescape
func convWinoIn2AVX512(r0, r1, r2, r3 *float32, x0, w int, dst *float32, stride, cnt int)

// convWinoOut2AVX512 is the F(2×2) inverse transform of cnt consecutive
// tiles of one filter and tile row: element e of tile k is at
// src + e·sb + 4k bytes. Output row 0 goes to y0[0 : ncols] and, when rows
// is 2, row 1 to y1[0 : ncols] (tile k fills columns 2k and 2k+1), each
// plus bias.
//
//go:noescape
func convWinoOut2AVX512(src *float32, sb int, y0, y1 *float32, rows, cnt, ncols int, bias float32)

// convWinoFilter2AVX512 is the F(2×2) filter transform (convWinoFilter2)
// of nf ≤ 16 consecutive filters over nc consecutive input channels.
// Filter k's 3×3 weights for channel i are the nine floats at
// w + 4·(k·ldf + 9i); element e of G g Gᵀ goes to u + e·sb + i·ldu + 4k
// bytes.
//
//go:noescape
func convWinoFilter2AVX512(w *float32, ldf, nf, nc int, u *float32, sb, ldu int)

func init() {
	convWinoAVX512 = sysCPU.X86.HasAVX512F
}
