//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:generate go run gen_gemm_asm.go

//go:noescape
func sgemmKernel14x32AVX512(kc int, a, b, c *float32, ldc int, beta float32, mode int)

// The edge kernels compute an h×32 tile from A and B as the in-place kernel
// sgemmInPlaceC14x32AVX512 reads them (A packed 14 wide has as = 14) and
// touch only the C columns set in mask.

//go:noescape
func sgemmEdge1x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge2x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge3x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge4x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge5x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge6x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge7x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge8x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge9x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge10x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge11x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge12x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge13x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

//go:noescape
func sgemmEdge14x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32)

// sgemmEdgeAVX512 indexes the edge kernels by row count.
var sgemmEdgeAVX512 = []func(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int, mask uint32){
	nil, sgemmEdge1x32AVX512, sgemmEdge2x32AVX512, sgemmEdge3x32AVX512, sgemmEdge4x32AVX512,
	sgemmEdge5x32AVX512, sgemmEdge6x32AVX512, sgemmEdge7x32AVX512, sgemmEdge8x32AVX512,
	sgemmEdge9x32AVX512, sgemmEdge10x32AVX512, sgemmEdge11x32AVX512, sgemmEdge12x32AVX512,
	sgemmEdge13x32AVX512, sgemmEdge14x32AVX512,
}

// The in-place kernels compute a full 14×32 tile from operands where they
// lie (see microKernel.inPlaceC).

//go:noescape
func sgemmInPlaceC14x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int)

//go:noescape
func sgemmInPlaceR14x32AVX512(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, beta float32, mode int)

//go:noescape
func sgemmKernel6x16AVX2(kc int, a, b, c *float32, ldc int, beta float32, mode int)

// asmSgemmKernels returns the assembly kernels this CPU and OS support,
// best first. Blocking: the A block (mc×kc) sits in the 1 MB L2, the B
// panel (kc×nc) in L3. The AVX-512 kernel's B micro-panel (kc×nr, 128 KB
// at kc 1024) streams from L2 rather than sitting in the 48 KB L1D: its
// 128 bytes per k step are well within L2 bandwidth (the kernel runs at
// 98% of the FMA peak so), and a deep kc cuts the passes over C, each a
// load and store of every C tile from L3: kc 256 -> 512 took two-core
// 1024² and 2048² SGEMM from about 320 to 350 GFLOP/s, and 512 -> 1024
// (with mc 336 -> 112 to keep the A block in L2, and nc 1024 to keep the
// B panel at 4 MB) gained 1-5% more on 1024², 2048² and the convolution
// shapes of ResNet-18, measured alternately.
func asmSgemmKernels() []*microKernel[float32] {
	var ks []*microKernel[float32]
	if cpu.X86.HasAVX512F {
		ks = append(ks, &microKernel[float32]{name: "avx512", mr: 14, nr: 32, mc: 14 * 8, kc: 1024, nc: 1024, fn: sgemmKernel14x32AVX512, edge: sgemmEdgeAVX512,
			inPlaceC: sgemmInPlaceC14x32AVX512, inPlaceR: sgemmInPlaceR14x32AVX512})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &microKernel[float32]{name: "avx2", mr: 6, nr: 16, mc: 6 * 48, kc: 256, nc: 4096, fn: sgemmKernel6x16AVX2})
	}
	return ks
}

//go:noescape
func packTrans14AVX512(dst, src *float32, ld, stride, blocks int, scale float32)

//go:noescape
func packTrans16AVX512(dst, src *float32, ld, stride, blocks int, scale float32)

func init() {
	if cpu.X86.HasAVX512F {
		packTransFast = packTransAVX512
		packCopyFast = packCopyAVX512Panel
	}
}

// packTransAVX512 packs whole 16-step blocks of a full transposing panel of
// width 14, 16 or 32 and returns how many k-steps it packed (0 when the
// shape is not one it handles).
func packTransAVX512(dst, src []float32, ld, p0, kc, j0, w, width int, scale float32) int {
	blocks := kc / 16
	if blocks == 0 || w != width {
		return 0
	}
	// Bounds: the last row read ends at (j0+w-1)*ld + p0 + kc <= len(src),
	// checked by the caller's slicing of that row; dst holds kc*width.
	_ = src[(j0+w-1)*ld+p0+kc-1]
	_ = dst[kc*width-1]
	switch width {
	case 14:
		packTrans14AVX512(&dst[0], &src[j0*ld+p0], ld, width, blocks, scale)
	case 16:
		packTrans16AVX512(&dst[0], &src[j0*ld+p0], ld, width, blocks, scale)
	case 32:
		packTrans16AVX512(&dst[0], &src[j0*ld+p0], ld, width, blocks, scale)
		packTrans16AVX512(&dst[16], &src[(j0+16)*ld+p0], ld, width, blocks, scale)
	default:
		return 0
	}
	return blocks * 16
}

//go:noescape
func packCopyAVX512(dst, src *float32, ld, kc, stride int, loadMask, storeMask uint32, scale float32)

// packCopyAVX512Panel packs a copying panel of width at most 32 with masked
// vector moves, padding with zeros; it reports false for wider panels.
func packCopyAVX512Panel(dst, src []float32, ld, p0, kc, j0, w, width int, scale float32) bool {
	if width > 32 || kc == 0 {
		return false
	}
	_ = src[(p0+kc-1)*ld+j0+w-1] // the last element read
	_ = dst[kc*width-1]
	// Masked-off lanes are neither read nor written (no fault past the end).
	packCopyAVX512(&dst[0], &src[p0*ld+j0], ld, kc, width, 1<<w-1, 1<<width-1, scale)
	return true
}

//go:noescape
func sgemmOffKernel14x32AVX512(kc int, a *float32, lda int, b *float32, off *int32, c *float32, ldc int)

//go:noescape
func sgemmOffKernel6x16AVX2(kc int, a *float32, lda int, b *float32, off *int32, c *float32, ldc int)

// offKernelAVX512 and offKernelAVX2 are the offset-B kernels.
var (
	offKernelAVX512 = &offKernel{name: "avx512", mr: 14, nr: 32, fn: sgemmOffKernel14x32AVX512}
	offKernelAVX2   = &offKernel{name: "avx2", mr: 6, nr: 16, fn: sgemmOffKernel6x16AVX2}
)

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		offKernels32 = append([]*offKernel{offKernelAVX2}, offKernels32...)
	}
	if cpu.X86.HasAVX512F {
		offKernels32 = append([]*offKernel{offKernelAVX512}, offKernels32...)
	}
	offKernel32 = offKernels32[0]
}

//go:noescape
func transpose16AVX512(dst, src *uint32, ld, stride, blocks int)

func init() {
	if cpu.X86.HasAVX512F {
		transposeFast = func(dst, src []uint32, lds, ldd, blocks int) {
			// The last word read is row 15's at column 16·blocks-1, the
			// last written row 16·blocks-1's at column 15.
			_, _ = src[15*lds+16*blocks-1], dst[(16*blocks-1)*ldd+15]
			transpose16AVX512(&dst[0], &src[0], lds, ldd, blocks)
		}
	}
}
