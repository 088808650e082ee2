package nd

import (
	"math"
	"sync"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Float32 1-D and 2-D convolution forward without an im2col matrix. The
// image is copied once into zero-padded planes, split into stride phases
// (phase (a, b) holds padded rows a, a+sh, ... and columns b, b+sw, ...):
// then every patch-matrix row (c, kh, kw) is a plain run of one phase
// plane, starting kh·dh/sh rows and kw·dw/sw columns in, with output
// (oh, ow) at column oh·Wph + ow. kernels.SgemmOffset multiplies the
// weights by that matrix straight from the planes and drops the columns
// with ow ≥ OW (a plane row is wider than an output row).

// convOffsetPlan is the layout of the phase planes of one image.
type convOffsetPlan struct {
	sh, sw   int
	hph, wph int   // phase plane size
	phases   []int // phase index of (a, b) at a*sw+b, or -1 when no tap reads it
	used     int   // phases built
	plane    int   // hph*wph
	n        int   // virtual columns: (OH-1)·wph + OW
	srcLen   int   // planes of all channels plus the GEMM's slack
}

// convOffsetOK reports whether convForward may take the offset path.
func convOffsetOK(geo *convGeom) bool {
	if geo.nsp > 2 || geo.direct() || geo.depthwise() {
		return false
	}
	// Tiny patch rows (LeNet's first layer: 25) leave the micro-kernel
	// mostly loading and storing its tile, and a kernel wide against an
	// unpadded image (5×5 on 12×12) computes many dropped columns: the
	// im2col path does better on both.
	wph := (geo.in[2] + 2*geo.p[2] + geo.s[2] - 1) / geo.s[2]
	if !convOffsetForce && (geo.c/geo.group*geo.kSize() < 64 || 4*geo.outSize() < 3*((geo.out[1]-1)*wph+geo.out[2])) {
		return false
	}
	// A strided kernel over a large output, one image at a time (the
	// ResNet stem, 7×7/2 on 224², and the first 3×3/2 of its second stage,
	// at batch 1), ran 1.1-1.35× faster through im2col on the 2-core VM:
	// each GEMM then reads one packed panel instead of taps scattered over
	// the stride phases. 1×1 strided kernels and outputs of 14×14 or less
	// measured as fast or faster here.
	if !convOffsetForce && (geo.s[1] > 1 || geo.s[2] > 1) && geo.kSize() > 1 && geo.outSize() >= 512 && !convBatchParallel(geo.n) {
		return false
	}
	// Offsets into the planes are int32.
	hp, wp := int64(geo.in[1]+2*geo.p[1]), int64(geo.in[2]+2*geo.p[2])
	sh, sw := int64(geo.s[1]), int64(geo.s[2])
	phases := min(sh*sw, int64(geo.k[1])*int64(geo.k[2]))
	return phases*int64(geo.c)*((hp+sh-1)/sh)*((wp+sw-1)/sw)+kernels.OffsetGemmSlack < math.MaxInt32
}

func newConvOffsetPlan(geo *convGeom) convOffsetPlan {
	pl := convOffsetPlan{sh: geo.s[1], sw: geo.s[2]}
	hp, wp := geo.in[1]+2*geo.p[1], geo.in[2]+2*geo.p[2]
	pl.hph, pl.wph = (hp+pl.sh-1)/pl.sh, (wp+pl.sw-1)/pl.sw
	pl.plane = pl.hph * pl.wph
	pl.phases = make([]int, pl.sh*pl.sw)
	for i := range pl.phases {
		pl.phases[i] = -1
	}
	for kh := 0; kh < geo.k[1]; kh++ {
		for kw := 0; kw < geo.k[2]; kw++ {
			ph := (kh*geo.d[1]%pl.sh)*pl.sw + kw*geo.d[2]%pl.sw
			if pl.phases[ph] < 0 {
				pl.phases[ph] = pl.used
				pl.used++
			}
		}
	}
	pl.n = (geo.out[1]-1)*pl.wph + geo.out[2]
	pl.srcLen = pl.used*geo.c*pl.plane + kernels.OffsetGemmSlack
	return pl
}

// offsets fills off with the run start of every row (c, kh, kw) of one
// group's patch matrix, c < cg, relative to the group's first channel.
func (pl *convOffsetPlan) offsets(geo *convGeom, cg int, off []int32) {
	r := 0
	for c := 0; c < cg; c++ {
		for kh := 0; kh < geo.k[1]; kh++ {
			dh := kh * geo.d[1]
			for kw := 0; kw < geo.k[2]; kw++ {
				dw := kw * geo.d[2]
				ph := pl.phases[(dh%pl.sh)*pl.sw+dw%pl.sw]
				off[r] = int32((ph*geo.c+c)*pl.plane + dh/pl.sh*pl.wph + dw/pl.sw)
				r++
			}
		}
	}
}

// build writes channels [c0, c1) of image x (C, H, W) into its phase planes
// in src, zero where a plane reads padding.
func (pl *convOffsetPlan) build(geo *convGeom, x, src []float32, c0, c1 int) {
	H, W := geo.in[1], geo.in[2]
	for a := 0; a < pl.sh; a++ {
		for b := 0; b < pl.sw; b++ {
			ph := pl.phases[a*pl.sw+b]
			if ph < 0 {
				continue
			}
			offW := b - geo.p[2]
			lo, hi := nnValidRange(offW, pl.sw, W, pl.wph)
			for c := c0; c < c1; c++ {
				xc := x[c*H*W : (c+1)*H*W]
				dst := src[(ph*geo.c+c)*pl.plane : (ph*geo.c+c+1)*pl.plane]
				for i := 0; i < pl.hph; i++ {
					row := dst[i*pl.wph : (i+1)*pl.wph]
					ih := i*pl.sh + a - geo.p[1]
					if ih < 0 || ih >= H || lo >= hi {
						convZero(row)
						continue
					}
					convZero(row[:lo])
					convZero(row[hi:])
					s := xc[ih*W : (ih+1)*W]
					d := row[lo:hi]
					if pl.sw == 1 {
						copy(d, s[lo+offW:hi+offW])
						continue
					}
					for j := range d {
						d[j] = s[(lo+j)*pl.sw+offW]
					}
				}
			}
		}
	}
}

// convOffsetEnabled lets tests and benchmarks compare with the im2col
// path; convOffsetForce makes tests take it whatever the shape.
var convOffsetEnabled, convOffsetForce = true, false

var convOffsetPool = sync.Pool{New: func() any { return new([]int32) }}

// convForwardOffset computes y = conv(x, w) for float32 through
// kernels.SgemmOffset; convOffsetOK(geo) must hold.
func convForwardOffset(x, w, y []float32, geo *convGeom) {
	pl := newConvOffsetPlan(geo)
	I, L, K := geo.inSize(), geo.outSize(), geo.kSize()
	cg, fg := geo.c/geo.group, geo.f/geo.group
	rows := cg * K
	offp := convOffsetPool.Get().(*[]int32)
	defer convOffsetPool.Put(offp)
	if cap(*offp) < rows {
		*offp = make([]int32, rows)
	}
	off := (*offp)[:rows]
	pl.offsets(geo, cg, off)
	group, keep := pl.wph, geo.out[2]
	if group == keep {
		group, keep = 0, 0 // plane rows are output rows: C columns are B's
	}
	batch := convBatchParallel(geo.n)
	threads := 1
	if !batch {
		threads = kernels.NumThreads()
	}
	image := func(i int, src []float32) {
		xi, yi := x[i*geo.c*I:(i+1)*geo.c*I], y[i*geo.f*L:(i+1)*geo.f*L]
		if threads > 1 {
			kernels.ParallelFor(geo.c, max(1, 8192/(pl.used*pl.plane+1)), func(c0, c1 int) {
				pl.build(geo, xi, src, c0, c1)
			})
		} else {
			pl.build(geo, xi, src, 0, geo.c)
		}
		clear(src[pl.srcLen-kernels.OffsetGemmSlack:]) // the slack read by edge tiles
		for g := 0; g < geo.group; g++ {
			kernels.SgemmOffset(&kernels.OffsetGemm{
				M: fg, N: pl.n, K: rows,
				A: w[g*fg*rows : (g+1)*fg*rows], LDA: rows,
				Src: src[g*cg*pl.plane:], Off: off,
				C: yi[g*fg*L : (g+1)*fg*L], LDC: L,
				Group: group, Keep: keep, Threads: threads,
			})
		}
	}
	convForEachImage(geo, pl.srcLen, image)
}
