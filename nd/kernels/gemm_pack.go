package kernels

// packTransFast, when set, packs the leading k-steps of a float32
// transposing panel with SIMD and returns how many it packed.
var packTransFast func(dst, src []float32, ld, p0, kc, j0, w, width int, scale float32) int

// packCopyFast, when set, packs a whole float32 copying panel with SIMD and
// reports whether it did.
var packCopyFast func(dst, src []float32, ld, p0, kc, j0, w, width int, scale float32) bool

// packPanel packs one micro-panel: dst[p*width+j] = scale*X(p0+p, j0+j) for
// p < kc, j < w, and zero for w <= j < width, where X is the stored matrix
// src (row stride ld) read so that p runs along K. kContiguous says K runs
// along a stored row (X(p, j) = src[j*ld+p], a transposing pack, as for A
// not transposed); otherwise X(p, j) = src[p*ld+j] and each step is a
// contiguous copy. Padding edge panels with zeros lets the micro-kernel
// always compute full tiles.
func packPanel[T float](dst, src []T, ld int, kContiguous bool, p0, kc, j0, w, width int, scale T) {
	dst = dst[:kc*width]
	if kContiguous {
		done := 0
		if fast := packTransFast; fast != nil {
			if d32, ok := any(dst).([]float32); ok {
				done = fast(d32, any(src).([]float32), ld, p0, kc, j0, w, width, float32(scale))
			}
		}
		if done < kc {
			packTransTail(dst[done*width:], src, ld, p0+done, kc-done, j0, w, width, scale)
		}
		if w < width {
			for p := done; p < kc; p++ {
				clear(dst[p*width+w : (p+1)*width])
			}
		}
		return
	}
	if fast := packCopyFast; fast != nil {
		if d32, ok := any(dst).([]float32); ok && fast(d32, any(src).([]float32), ld, p0, kc, j0, w, width, float32(scale)) {
			return
		}
	}
	for p := range kc {
		d := dst[p*width : (p+1)*width]
		s := src[(p0+p)*ld+j0 : (p0+p)*ld+j0+w]
		if scale == 1 {
			copy(d, s)
		} else {
			for j, v := range s {
				d[j] = scale * v
			}
		}
		clear(d[w:])
	}
}

// packTransTail is the scalar transposing pack: row j of the panel is
// contiguous in src and lands in column j of dst.
func packTransTail[T float](dst, src []T, ld, p0, kc, j0, w, width int, scale T) {
	for j := range w {
		row := src[(j0+j)*ld+p0 : (j0+j)*ld+p0+kc]
		d := dst[j:]
		if scale == 1 {
			for p, v := range row {
				d[p*width] = v
			}
		} else {
			for p, v := range row {
				d[p*width] = scale * v
			}
		}
	}
}
