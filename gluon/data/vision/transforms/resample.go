package transforms

import (
	"fmt"
	"math"
)

// Interp selects a resampling method. The zero value is bilinear, MXNet's
// default (OpenCV code 1); FromCV converts OpenCV's codes.
type Interp int

const (
	Bilinear Interp = iota // OpenCV INTER_LINEAR: half-pixel centers, no antialiasing
	Nearest                // OpenCV INTER_NEAREST: src = floor(dst·scale)
	Area                   // OpenCV INTER_AREA: box average when shrinking
	Bicubic                // OpenCV INTER_CUBIC: Keys kernel with a = -0.75
)

// FromCV maps an OpenCV interpolation code (0 nearest, 1 linear, 2 cubic,
// 3 area) to an Interp; other codes (Lanczos, random choices) fall back to
// bilinear.
func FromCV(code int) Interp {
	switch code {
	case 0:
		return Nearest
	case 2:
		return Bicubic
	case 3:
		return Area
	}
	return Bilinear
}

func (ip Interp) String() string {
	switch ip {
	case Bilinear:
		return "bilinear"
	case Nearest:
		return "nearest"
	case Area:
		return "area"
	case Bicubic:
		return "bicubic"
	}
	return fmt.Sprintf("Interp(%d)", int(ip))
}

// taps holds, for each output index along one axis, k source indices
// (already clamped to the window) and their weights.
type taps struct {
	k   int
	idx []int
	w   []float64
}

// axisTaps computes the taps mapping a source extent of n pixels (starting
// at off in the full image) to m output pixels, following OpenCV's
// coordinate rules for each method.
func axisTaps(n, m, off int, ip Interp) taps {
	scale := float64(n) / float64(m)
	var t taps
	add := func(i int, w float64) {
		t.idx = append(t.idx, off+min(max(i, 0), n-1))
		t.w = append(t.w, w)
	}
	switch {
	case ip == Nearest:
		t.k = 1
		for d := range m {
			add(int(math.Floor(float64(d)*scale)), 1)
		}
	case ip == Area && scale > 1:
		// Each output pixel averages the source interval [d·s, (d+1)·s).
		t.k = int(math.Ceil(scale)) + 1
		for d := range m {
			lo, hi := float64(d)*scale, float64(d+1)*scale
			i0 := int(math.Floor(lo))
			for j := range t.k {
				i := i0 + j
				w := math.Min(hi, float64(i+1)) - math.Max(lo, float64(i))
				if w < 0 || i >= n {
					w = 0
				}
				add(i, w/scale)
			}
		}
	case ip == Area:
		// OpenCV's INTER_AREA when enlarging: linear weights concentrated
		// near pixel borders.
		t.k = 2
		for d := range m {
			sx := int(math.Floor(float64(d) * scale))
			fx := float64(d+1) - float64(sx+1)/scale
			if fx <= 0 {
				fx = 0
			} else {
				fx -= math.Floor(fx)
			}
			if sx >= n-1 {
				sx, fx = n-1, 0
			}
			add(sx, 1-fx)
			add(sx+1, fx)
		}
	case ip == Bicubic:
		t.k = 4
		const a = -0.75
		for d := range m {
			f := (float64(d)+0.5)*scale - 0.5
			s := int(math.Floor(f))
			x := f - float64(s)
			w0 := ((a*(x+1)-5*a)*(x+1)+8*a)*(x+1) - 4*a
			w1 := ((a+2)*x-(a+3))*x*x + 1
			w2 := ((a+2)*(1-x)-(a+3))*(1-x)*(1-x) + 1
			add(s-1, w0)
			add(s, w1)
			add(s+1, w2)
			add(s+2, 1-w0-w1-w2)
		}
	default: // Bilinear
		t.k = 2
		for d := range m {
			f := (float64(d)+0.5)*scale - 0.5
			s := int(math.Floor(f))
			f -= float64(s)
			if s < 0 {
				s, f = 0, 0
			}
			if s >= n-1 {
				s, f = n-1, 0
			}
			add(s, 1-f)
			add(s+1, f)
		}
	}
	return t
}

// window is a rectangle of the source image.
type window struct{ x, y, w, h int }

// resample resizes the window of every image in t (HWC or NHWC) to
// dh×dw. uint8 images use 11-bit fixed-point weights and round the
// result, as OpenCV does; float32 images are computed in float32.
func resample(t *tensor, win window, dw, dh int, ip Interp) (*tensor, error) {
	n, sh, sw, c, err := hwc(t, "resize")
	if err != nil {
		return nil, err
	}
	if win.w <= 0 || win.h <= 0 || win.x < 0 || win.y < 0 || win.x+win.w > sw || win.y+win.h > sh {
		return nil, fmt.Errorf("transforms: crop (x=%d, y=%d, w=%d, h=%d) outside the %dx%d image", win.x, win.y, win.w, win.h, sw, sh)
	}
	if dw <= 0 || dh <= 0 {
		return nil, fmt.Errorf("transforms: output size %dx%d must be positive", dw, dh)
	}
	var out *tensor
	if len(t.shape) == 3 {
		out = newLike(t, dh, dw, c)
	} else {
		out = newLike(t, n, dh, dw, c)
	}
	if win.w == dw && win.h == dh { // plain crop
		for b := range n {
			for y := range dh {
				so := ((b*sh+win.y+y)*sw + win.x) * c
				do := (b*dh + y) * dw * c
				if t.isU8() {
					copy(out.u8[do:do+dw*c], t.u8[so:so+dw*c])
				} else {
					copy(out.f32[do:do+dw*c], t.f32[so:so+dw*c])
				}
			}
		}
		return out, nil
	}
	tx := axisTaps(win.w, dw, win.x, ip)
	ty := axisTaps(win.h, dh, win.y, ip)
	for b := range n {
		if t.isU8() {
			resampleU8(t.u8[b*sh*sw*c:(b+1)*sh*sw*c], out.u8[b*dh*dw*c:(b+1)*dh*dw*c], sw, c, tx, ty)
		} else {
			resampleF32(t.f32[b*sh*sw*c:(b+1)*sh*sw*c], out.f32[b*dh*dw*c:(b+1)*dh*dw*c], sw, c, tx, ty)
		}
	}
	return out, nil
}

const coefBits = 11 // OpenCV's INTER_RESIZE_COEF_BITS

func fixedWeights(w []float64) []int32 {
	q := make([]int32, len(w))
	for i, v := range w {
		q[i] = int32(math.RoundToEven(v * (1 << coefBits)))
	}
	return q
}

// resampleU8 runs the horizontal pass once per source row it needs, into
// int32 rows, and combines them vertically. The taps of one output row are
// consecutive source rows (see axisTaps), so a cache of ty.k rows indexed
// by row mod ty.k holds all of them at once and stays in L1.
func resampleU8(src, dst []uint8, sw, c int, tx, ty taps) {
	dw, dh := len(tx.idx)/tx.k, len(ty.idx)/ty.k
	wx, wy := fixedWeights(tx.w), fixedWeights(ty.w)
	rowLen := dw * c
	k := ty.k
	cache := make([]int32, k*rowLen)
	cached := make([]int, k) // source row held by each slot, -1 for none
	for i := range cached {
		cached[i] = -1
	}
	// Source byte offsets of the horizontal taps.
	xoff := make([]int32, len(tx.idx))
	for i, v := range tx.idx {
		xoff[i] = int32(v * c)
	}
	hrow := func(sy int) []int32 {
		slot := sy % k
		r := cache[slot*rowLen : (slot+1)*rowLen]
		if cached[slot] == sy {
			return r
		}
		cached[slot] = sy
		in := src[sy*sw*c : (sy+1)*sw*c]
		switch {
		case tx.k == 2 && c == 3:
			for d := range dw {
				i0, i1 := xoff[2*d], xoff[2*d+1]
				a0, a1 := wx[2*d], wx[2*d+1]
				p0 := in[i0 : i0+3 : i0+3]
				p1 := in[i1 : i1+3 : i1+3]
				o := r[3*d : 3*d+3 : 3*d+3]
				o[0] = int32(p0[0])*a0 + int32(p1[0])*a1
				o[1] = int32(p0[1])*a0 + int32(p1[1])*a1
				o[2] = int32(p0[2])*a0 + int32(p1[2])*a1
			}
		default:
			for d := range dw {
				for ch := range c {
					var s int32
					for j := range tx.k {
						s += int32(in[int(xoff[d*tx.k+j])+ch]) * wx[d*tx.k+j]
					}
					r[d*c+ch] = s
				}
			}
		}
		return r
	}
	rows := make([][]int32, k)
	const shift = 2 * coefBits
	for y := range dh {
		for j := range k {
			rows[j] = hrow(ty.idx[y*k+j])
		}
		o := dst[y*rowLen : (y+1)*rowLen]
		if k == 2 {
			// Nonnegative weights summing to 2^11 on values below 2^19:
			// the sum fits in int32.
			r0, r1 := rows[0][:len(o)], rows[1][:len(o)]
			b0, b1 := wy[2*y], wy[2*y+1]
			if b0 >= 0 && b1 >= 0 {
				for i := range o {
					o[i] = clampShift32((r0[i]*b0 + r1[i]*b1 + 1<<(shift-1)) >> shift)
				}
				continue
			}
		}
		for i := range o {
			var s int64
			for j := range k {
				s += int64(rows[j][i]) * int64(wy[y*k+j])
			}
			o[i] = clampShift(s, shift)
		}
	}
}

func clampShift32(v int32) uint8 { return uint8(min(max(v, 0), 255)) }

func clampShift(s int64, shift uint) uint8 {
	v := (s + 1<<(shift-1)) >> shift
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

func resampleF32(src, dst []float32, sw, c int, tx, ty taps) {
	dw, dh := len(tx.idx)/tx.k, len(ty.idx)/ty.k
	rowLen := dw * c
	lo, hi := span(ty.idx)
	slab := make([]float32, (hi-lo+1)*rowLen)
	done := make([]bool, hi-lo+1)
	hrow := func(sy int) []float32 {
		r := slab[(sy-lo)*rowLen : (sy-lo+1)*rowLen]
		if done[sy-lo] {
			return r
		}
		done[sy-lo] = true
		in := src[sy*sw*c : (sy+1)*sw*c]
		for d := range dw {
			for ch := range c {
				var s float32
				for j := range tx.k {
					s += in[tx.idx[d*tx.k+j]*c+ch] * float32(tx.w[d*tx.k+j])
				}
				r[d*c+ch] = s
			}
		}
		return r
	}
	for y := range dh {
		o := dst[y*rowLen : (y+1)*rowLen]
		clear(o)
		for j := range ty.k {
			r := hrow(ty.idx[y*ty.k+j])
			wv := float32(ty.w[y*ty.k+j])
			for i := range o {
				o[i] += r[i] * wv
			}
		}
	}
}

// satU8 rounds half to even and saturates, like OpenCV's saturate_cast.
func satU8(v float32) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(math.RoundToEven(float64(v)))
}

// span returns the smallest and largest of idx.
func span(idx []int) (lo, hi int) {
	lo, hi = idx[0], idx[0]
	for _, v := range idx {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}
