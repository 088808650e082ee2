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
// contiguous in src and lands in column j of dst. Rows go four at a time,
// so each k step writes four adjacent values rather than one per pass.
func packTransTail[T float](dst, src []T, ld, p0, kc, j0, w, width int, scale T) {
	j := 0
	for ; j+4 <= w; j += 4 {
		base := (j0+j)*ld + p0
		r0 := src[base : base+kc]
		r1 := src[base+ld : base+ld+kc]
		r2 := src[base+2*ld : base+2*ld+kc]
		r3 := src[base+3*ld : base+3*ld+kc]
		for p, v := range r0 {
			d := dst[p*width+j : p*width+j+4 : p*width+j+4]
			if scale == 1 {
				d[0], d[1], d[2], d[3] = v, r1[p], r2[p], r3[p]
			} else {
				d[0], d[1], d[2], d[3] = scale*v, scale*r1[p], scale*r2[p], scale*r3[p]
			}
		}
	}
	for ; j < w; j++ {
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
