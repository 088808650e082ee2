package nd

import (
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Winograd convolution for float32 2-D 3×3 stride-1 layers (ResNet's
// body). F(m×m, 3×3) computes an m×m output tile from an a×a input tile
// (a = m+2) with a² multiplies per channel pair instead of 9m²:
//
//	Y = Aᵀ [ Σ_c (G g_fc Gᵀ) ⊙ (Bᵀ d_c B) ] A
//
// Across channels the elementwise products become a² independent GEMMs:
// with U[e] = (G g Gᵀ)[e] (stored C × F) and V[e] = (Bᵀ d B)[e] (C ×
// tiles), M[e] = U[e]ᵀ·V[e] (kernels.SgemmBatched), and the inverse
// transform turns the a² values of M at each (filter, tile) into its
// output tile, plus the bias.
//
// The filters are transformed on every call (a weight changes every
// training step, and nothing tells a kernel that it did not). The tiles of
// the whole batch are cut into chunks of about convWinoChunkBytes of V and
// M; threads claim chunks and run transform, GEMMs and inverse transform
// on each without waiting for each other. When there are too few chunks to
// share out (batch 1) the tiles are one chunk and each phase is spread
// over the threads instead: input channels, the a² GEMMs, then filters.
//
// The data gradient of such a layer (and a 3×3 stride-1 Deconvolution's
// forward) is itself a 3×3 stride-1 convolution: of dy, with the filters
// transposed (F×C to C×F) and turned 180°, and padding 2-p, so it runs
// here too (convTryWinogradAdjoint). The weight gradient keeps the direct
// path.
//
// F(2×2) (a = 4, 16 GEMMs, 2.25× fewer multiplies) is the automatic
// choice; its transforms have AVX-512 kernels (op_conv_winograd_amd64.s)
// and stay within about 1e-6 of the direct sum relative to the output's
// largest value (tests bound it at 1e-5). F(4×4) (a = 6, 36 GEMMs, 4×)
// has Go transforms only, which cost more than its smaller GEMMs save, and
// its transforms scale values by up to 8 before cancelling (about 1e-5
// relative; tests bound it at 1e-4). MXGO_CONV_WINOGRAD=0 turns the path
// off (the direct im2col results); MXGO_CONV_WINOGRAD=2 or 4 forces that
// tile size wherever the geometry allows it.

// convWinoAVX512 selects the assembly F(2×2) transforms
// (op_conv_winograd_amd64.s); tests clear it to run the Go ones.
var convWinoAVX512 bool

// convWinoMode is 0 (off), 1 (automatic) or a forced tile size (2, 4).
var convWinoMode = convWinoModeFromEnv(os.Getenv("MXGO_CONV_WINOGRAD"))

func convWinoModeFromEnv(v string) int {
	switch v {
	case "0", "off", "false":
		return 0
	case "2":
		return 2
	case "4":
		return 4
	}
	return 1
}

// convWinoChunkBytes is the target size of one chunk's transformed input
// and GEMM output together. Each chunk's GEMMs pack all of U again, so
// chunks are larger than a core's L2 (1 MB on Zen 5): measured on ResNet's
// 64- and 128-channel layers, 1-2 MB chunks beat 256-512 KB ones by 15-25%.
var convWinoChunkBytes = 2 << 20

// convWinoMinTiles is the fewest output tiles (over the batch) the
// automatic choice gives to Winograd.
var convWinoMinTiles = 128

// convWinoTile returns the output tile size (2 or 4) Winograd uses for geo,
// or 0 when the direct paths serve it.
func convWinoTile(geo *convGeom) int {
	if convWinoMode == 0 || geo.nsp != 2 || geo.group != 1 || geo.n == 0 ||
		geo.k != [3]int{1, 3, 3} || geo.s != [3]int{1, 1, 1} || geo.d != [3]int{1, 1, 1} {
		return 0
	}
	if convWinoMode != 1 {
		return convWinoMode
	}
	// Below 16 channels the GEMMs are too thin to beat the direct path,
	// and a small output wastes most of each tile. The filter transform
	// and the packing of U cost about F·C per call, the GEMMs F·C per
	// tile, the data transforms C+F per tile. Measured on ResNet-18's
	// layers (AVX-512 filter transform), Winograd wins with at least as
	// many tiles as channels: 128 channels at 28×28 batch 1 (196 tiles)
	// by 1.4×, 256 at 14×14 batch 16 by 1.5×. With fewer it loses or
	// ties: 256 at 14×14 batch 4 (196 tiles) by 4%, batch 1 (49) by 1.4×;
	// 512 at 7×7 batch 16 (256 tiles) from 15% faster to 12% slower.
	if geo.c < 16 || geo.f < 16 || geo.out[1] < 7 || geo.out[2] < 7 {
		return 0
	}
	tiles := geo.n * ((geo.out[1] + 1) / 2) * ((geo.out[2] + 1) / 2)
	if tiles < convWinoMinTiles || tiles < max(geo.c, geo.f) {
		return 0
	}
	return 2
}

// convWinoTask is one Winograd convolution. It is pooled with its loop
// bodies bound once, so a call allocates nothing in the steady state.
type convWinoTask struct {
	geo           convGeom
	m, a, aa      int // output tile, input tile, a²
	x, w, bias, y []float32
	u             []float32 // transformed filters [a²][C][F]
	th, tw        int       // tiles per image: rows, columns
	tiles         int       // over the batch
	chunk, chunks int
	v, mm         []float32 // one-chunk mode: [a²][C][tiles], [a²][F][tiles]
	next          atomic.Int64
	filterBody    func(lo, hi int)
	chunkBody     func(lo, hi int)
	inputBody     func(lo, hi int)
	outputBody    func(lo, hi int)
	uStride       int // between the a² matrices of u
}

// convWinoStride is the distance between consecutive matrices of a
// [a²][rows][cols] array of size-elements matrices: an odd number of cache
// lines, so the a² streams a transform reads or writes fall in different
// cache sets (a power-of-two stride would map them all to one).
func convWinoStride(size int) int {
	s := (size + 15) / 16
	if s%2 == 0 {
		s++
	}
	return 16 * s
}

var convWinoTasks = sync.Pool{New: func() any {
	t := new(convWinoTask)
	t.filterBody = t.filters
	t.chunkBody = t.claimChunks
	t.inputBody = t.inputChannels
	t.outputBody = t.outputFilters
	return t
}}

// convTryWinograd computes y = conv(x, w) + bias (bias may be nil) with
// Winograd and reports true when that path serves geo and the dtype.
func convTryWinograd[T nnFloat](x, w, bias, y []T, geo *convGeom) bool {
	xf, ok := any(x).([]float32)
	if !ok {
		return false
	}
	m := convWinoTile(geo)
	if m == 0 {
		return false
	}
	convForwardWinograd(xf, any(w).([]float32), any(bias).([]float32), any(y).([]float32), geo, m)
	return true
}

// convTryWinogradAdjoint computes dx = convᵀ(dy, w), the data gradient of
// the convolution geo describes, with Winograd, and reports true when that
// path serves it: dx = conv(dy, w'), w'[c][f] = w[f][c] turned 180°, with
// the padding 2-p that gives the input's size back.
func convTryWinogradAdjoint[T nnFloat](dy, w, dx []T, geo *convGeom) bool {
	dyf, ok := any(dy).([]float32)
	if !ok || convWinoTile(geo) == 0 || geo.p[1] > 2 || geo.p[2] > 2 {
		return false
	}
	adj := *geo
	adj.c, adj.f = geo.f, geo.c
	adj.in, adj.out = geo.out, geo.in
	adj.p = [3]int{0, 2 - geo.p[1], 2 - geo.p[2]}
	m := convWinoTile(&adj)
	if m == 0 {
		return false
	}
	wf := any(w).([]float32)
	buf := nnGetBuf[float32](len(wf))
	turned := *buf
	for f := range geo.f {
		for c := range geo.c {
			src := wf[(f*geo.c+c)*9 : (f*geo.c+c+1)*9]
			dst := turned[(c*geo.f+f)*9 : (c*geo.f+f+1)*9]
			for i, v := range src {
				dst[8-i] = v
			}
		}
	}
	convForwardWinograd(dyf, turned, nil, any(dx).([]float32), &adj, m)
	nnPutBuf(buf)
	return true
}

// convForwardWinograd computes y = conv(x, w) + bias (bias may be nil)
// with F(m×m, 3×3); convWinoTile(geo) returned m.
func convForwardWinograd(x, w, bias, y []float32, geo *convGeom, m int) {
	t := convWinoTasks.Get().(*convWinoTask)
	t.geo, t.x, t.w, t.bias, t.y = *geo, x, w, bias, y
	t.m, t.a = m, m+2
	t.aa = t.a * t.a
	t.th, t.tw = (geo.out[1]+m-1)/m, (geo.out[2]+m-1)/m
	t.tiles = geo.n * t.th * t.tw
	t.plan()

	t.uStride = convWinoStride(geo.f * geo.c)
	ubuf := nnGetBuf[float32](t.aa * t.uStride)
	t.u = *ubuf
	kernels.ParallelFor(geo.c, max(16, 4096/geo.f), t.filterBody)

	threads := kernels.NumThreads()
	if t.chunks > 1 {
		t.next.Store(0)
		kernels.ParallelFor(threads, 1, t.chunkBody)
	} else {
		t.oneChunk()
	}
	nnPutBuf(ubuf)
	t.x, t.w, t.bias, t.y, t.u, t.v, t.mm = nil, nil, nil, nil, nil, nil, nil
	convWinoTasks.Put(t)
}

// plan sizes the chunks: as many tiles as fit convWinoChunkBytes, evened
// out, and one chunk when that leaves fewer than two a thread.
func (t *convWinoTask) plan() {
	perTile := t.aa * (t.geo.c + t.geo.f) * 4
	// Every chunk's GEMMs pack all of U (a²·C·F floats) again: at least
	// max(C, F)/4 tiles a chunk keep that a small part of the GEMM work
	// (at 512 channels, chunks of 32 tiles were 2-3× slower than 128).
	j := max(32, convWinoChunkBytes/perTile, max(t.geo.c, t.geo.f)/4)
	t.chunks = (t.tiles + j - 1) / j
	if t.chunks < 2*kernels.NumThreads() {
		t.chunks, t.chunk = 1, t.tiles
		return
	}
	// Even chunks, each a multiple of the GEMM micro-kernel's 32 columns
	// (a narrow last panel costs as much as a full one).
	t.chunk = ((t.tiles+t.chunks-1)/t.chunks + 31) / 32 * 32
	t.chunks = (t.tiles + t.chunk - 1) / t.chunk
}

// chunkScratch is the scratch of one chunk of n tiles on one thread:
// transformed input, GEMM output, and the row buffers of the transforms.
func (t *convWinoTask) chunkScratch(n int) int {
	return t.aa*(convWinoStride(t.geo.c*n)+convWinoStride(t.geo.f*n)) + t.rowScratch(n)
}

// claimChunks runs chunks, claimed one at a time, as threads [lo, hi).
func (t *convWinoTask) claimChunks(lo, hi int) {
	buf := nnGetBuf[float32](t.chunkScratch(t.chunk))
	defer nnPutBuf(buf)
	for range hi - lo {
		for {
			c := int(t.next.Add(1) - 1)
			if c >= t.chunks {
				break
			}
			t0 := c * t.chunk
			t1 := min(t0+t.chunk, t.tiles)
			n := t1 - t0
			s := *buf
			vn, mn := t.aa*convWinoStride(t.geo.c*n), t.aa*convWinoStride(t.geo.f*n)
			v, s := s[:vn], s[vn:]
			mm, s := s[:mn], s[mn:]
			t.transformInput(v, t0, t1, 0, t.geo.c, s)
			t.multiply(v, mm, n)
			t.transformOutput(mm, t0, t1, 0, t.geo.f, s)
		}
	}
}

// oneChunk runs all tiles as one chunk, each phase spread over threads.
func (t *convWinoTask) oneChunk() {
	n := t.tiles
	vn, mn := t.aa*convWinoStride(t.geo.c*n), t.aa*convWinoStride(t.geo.f*n)
	vb := nnGetBuf[float32](vn + mn)
	defer nnPutBuf(vb)
	t.v, t.mm = (*vb)[:vn], (*vb)[vn:vn+mn]
	kernels.ParallelFor(t.geo.c, max(1, 8192/(t.aa*n)), t.inputBody)
	t.multiply(t.v, t.mm, n)
	kernels.ParallelFor(t.geo.f, max(1, 8192/(t.aa*n)), t.outputBody)
}

func (t *convWinoTask) inputChannels(c0, c1 int) {
	buf := nnGetBuf[float32](t.rowScratch(t.tiles))
	t.transformInput(t.v, 0, t.tiles, c0, c1, *buf)
	nnPutBuf(buf)
}

func (t *convWinoTask) outputFilters(f0, f1 int) {
	buf := nnGetBuf[float32](t.rowScratch(t.tiles))
	t.transformOutput(t.mm, 0, t.tiles, f0, f1, *buf)
	nnPutBuf(buf)
}

// multiply computes M[e] = U[e]·V[e] for the a² transform elements of a
// chunk of n tiles.
func (t *convWinoTask) multiply(v, mm []float32, n int) {
	C, F := t.geo.c, t.geo.f
	// U[e] is stored transposed (C × F): packing op(A) is then a copy of
	// contiguous rows rather than a transpose.
	kernels.SgemmBatched(true, false, F, n, C, 1, t.u, F, t.uStride, v, n, convWinoStride(C*n), 0, mm, n, convWinoStride(F*n), t.aa)
}

// filters transforms the weights of input channels [c0, c1), all
// filters, into t.u. It goes through blocks of 16 channels: per filter it
// reads their 144 contiguous weights, and the 16·a² rows of U it writes
// meanwhile stay in L1 until their cache lines are full.
func (t *convWinoTask) filters(c0, c1 int) {
	C, F := t.geo.c, t.geo.f
	sb := uintptr(4 * t.uStride)
	if t.m == 2 && convWinoAVX512 {
		// 16 filters at a time: one vector lane each, so the stores of U
		// are contiguous; their 16·9 weight rows stay in L1 across c.
		for f0 := 0; f0 < F; f0 += 16 {
			nf := min(16, F-f0)
			w := t.w[(f0*C+c0)*9 : ((f0+nf-1)*C+c1)*9]
			u := t.u[c0*F+f0 : (t.aa-1)*t.uStride+(c1-1)*F+f0+nf]
			convWinoFilter2AVX512(&w[0], C*9, nf, c1-c0, &u[0], int(sb), 4*F)
		}
		return
	}
	for cb := c0; cb < c1; cb += 16 {
		ce := min(cb+16, c1)
		u := t.u[cb*F : (t.aa-1)*t.uStride+ce*F]
		up := unsafe.Pointer(&u[0])
		for f := 0; f < F; f++ {
			w := t.w[(f*C+cb)*9 : (f*C+ce)*9]
			for c := cb; c < ce; c++ {
				g := (*[9]float32)(w[(c-cb)*9:])
				p := unsafe.Add(up, 4*((c-cb)*F+f))
				if t.m == 2 {
					convWinoFilter2(g, p, sb)
				} else {
					convWinoFilter4(g, p, sb)
				}
			}
		}
	}
}

// convWinoFilter2 writes G g Gᵀ of F(2×2, 3×3) to u + e·sb bytes, e < 16,
// with G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].
func convWinoFilter2(g *[9]float32, u unsafe.Pointer, sb uintptr) {
	var h [4][3]float32 // G g
	for j := 0; j < 3; j++ {
		g0, g1, g2 := g[j], g[3+j], g[6+j]
		h[0][j] = g0
		h[1][j] = 0.5 * (g0 + g1 + g2)
		h[2][j] = 0.5 * (g0 - g1 + g2)
		h[3][j] = g2
	}
	for i := 0; i < 4; i++ {
		h0, h1, h2 := h[i][0], h[i][1], h[i][2]
		p := unsafe.Add(u, uintptr(4*i)*sb)
		*(*float32)(p) = h0
		*(*float32)(unsafe.Add(p, sb)) = 0.5 * (h0 + h1 + h2)
		*(*float32)(unsafe.Add(p, 2*sb)) = 0.5 * (h0 - h1 + h2)
		*(*float32)(unsafe.Add(p, 3*sb)) = h2
	}
}

// convWinoG4 applies F(4×4, 3×3)'s G (interpolation points 0, ±1, ±2, ∞)
// to one column (g0, g1, g2), in float64 so U rounds once.
func convWinoG4(g0, g1, g2 float64) [6]float64 {
	return [6]float64{
		g0 / 4,
		-(g0 + g1 + g2) / 6,
		-(g0 - g1 + g2) / 6,
		g0/24 + g1/12 + g2/6,
		g0/24 - g1/12 + g2/6,
		g2,
	}
}

// convWinoFilter4 writes G g Gᵀ of F(4×4, 3×3) to u + e·sb bytes, e < 36.
func convWinoFilter4(g *[9]float32, u unsafe.Pointer, sb uintptr) {
	var h [3][6]float64 // (G g) by columns of g
	for j := 0; j < 3; j++ {
		h[j] = convWinoG4(float64(g[j]), float64(g[3+j]), float64(g[6+j]))
	}
	for i := 0; i < 6; i++ {
		r := convWinoG4(h[0][i], h[1][i], h[2][i])
		for k, v := range r {
			*(*float32)(unsafe.Add(u, uintptr(i*6+k)*sb)) = float32(v)
		}
	}
}
