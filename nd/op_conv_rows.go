package nd

import "unsafe"

// Patch-matrix copies for plain geometries (stride 1, no padding or
// dilation: see im2colPlain), where every patch row is OH runs of OW
// input values. For LeNet's second layer a run is 8 floats, and with
// bounds checks and slice headers per run the copy loop cost as much as
// the GEMM; these loops check the bounds once and walk raw pointers, in
// small leaf functions so the loop state stays in registers.

// convIm2colPlainLd is convIm2colLd for plain geometries.
func convIm2colPlainLd[T nnFloat](x, col []T, ld int, geo *convGeom, c0, c1 int) {
	H, W, OH, OW := geo.in[1], geo.in[2], geo.out[1], geo.out[2]
	KH, KW := geo.k[1], geo.k[2]
	rows := (c1 - c0) * KH * KW
	if rows == 0 || OH*OW == 0 {
		return
	}
	// The last element each side touches, so the raw loops stay inside.
	_ = x[c1*H*W-1]
	_ = col[(rows-1)*ld+OH*OW-1]
	es := unsafe.Sizeof(x[0])
	xp, cp := unsafe.Pointer(unsafe.SliceData(x)), unsafe.Pointer(unsafe.SliceData(col))
	seg, step := uintptr(OW)*es, uintptr(W)*es
	r := 0
	for c := c0; c < c1; c++ {
		for kh := 0; kh < KH; kh++ {
			for kw := 0; kw < KW; kw++ {
				d := unsafe.Add(cp, uintptr(r*ld)*es)
				s := unsafe.Add(xp, uintptr((c*H+kh)*W+kw)*es)
				r++
				if seg == 32 {
					convCopyRuns32(d, s, OH, step)
				} else {
					convCopyRuns(d, s, OH, seg, step)
				}
			}
		}
	}
}

// convCol2imPlainLd is convCol2imLd for plain geometries.
func convCol2imPlainLd[T nnFloat](col []T, ld int, dx []T, geo *convGeom, c0, c1 int) {
	H, W, OH, OW := geo.in[1], geo.in[2], geo.out[1], geo.out[2]
	KH, KW := geo.k[1], geo.k[2]
	rows := (c1 - c0) * KH * KW
	clear(dx[c0*H*W : c1*H*W])
	if rows == 0 || OH*OW == 0 {
		return
	}
	_ = dx[c1*H*W-1]
	_ = col[(rows-1)*ld+OH*OW-1]
	es := unsafe.Sizeof(dx[0])
	xp, cp := unsafe.Pointer(unsafe.SliceData(dx)), unsafe.Pointer(unsafe.SliceData(col))
	step := uintptr(W) * es
	r := 0
	for c := c0; c < c1; c++ {
		for kh := 0; kh < KH; kh++ {
			for kw := 0; kw < KW; kw++ {
				s := unsafe.Add(cp, uintptr(r*ld)*es)
				d := unsafe.Add(xp, uintptr((c*H+kh)*W+kw)*es)
				r++
				convAddRuns[T](d, s, OH, OW, step)
			}
		}
	}
}

// convCopyRuns32 copies n runs of 32 bytes from s, sStep bytes apart, to
// consecutive places at d.
func convCopyRuns32(d, s unsafe.Pointer, n int, sStep uintptr) {
	// Pointers are formed from the bases for each run: one stepped past
	// the last run would point outside the arrays, which Go forbids.
	for i := range uintptr(n) {
		ss, dd := (*[4]uint64)(unsafe.Add(s, i*sStep)), (*[4]uint64)(unsafe.Add(d, i*32))
		a, b, c, e := ss[0], ss[1], ss[2], ss[3]
		dd[0], dd[1], dd[2], dd[3] = a, b, c, e
	}
}

// convCopyRuns copies n runs of seg bytes (a multiple of 4) from s,
// sStep bytes apart, to consecutive places at d. The words are moved as
// integers: a copy of a [k]T array would compile to a memmove call.
func convCopyRuns(d, s unsafe.Pointer, n int, seg, sStep uintptr) {
	for i := range uintptr(n) {
		s, d := unsafe.Add(s, i*sStep), unsafe.Add(d, i*seg)
		off := uintptr(0)
		for ; off+32 <= seg; off += 32 {
			ss, dd := (*[4]uint64)(unsafe.Add(s, off)), (*[4]uint64)(unsafe.Add(d, off))
			a, b, c, e := ss[0], ss[1], ss[2], ss[3]
			dd[0], dd[1], dd[2], dd[3] = a, b, c, e
		}
		for ; off+8 <= seg; off += 8 {
			*(*uint64)(unsafe.Add(d, off)) = *(*uint64)(unsafe.Add(s, off))
		}
		if off < seg {
			*(*uint32)(unsafe.Add(d, off)) = *(*uint32)(unsafe.Add(s, off))
		}
	}
}

// convAddRuns adds n runs of ow elements, consecutive at s, to d, whose
// runs are dStep bytes apart.
func convAddRuns[T nnFloat](d, s unsafe.Pointer, n, ow int, dStep uintptr) {
	es := unsafe.Sizeof(T(0))
	for i := range uintptr(n) {
		d, s := unsafe.Add(d, i*dStep), unsafe.Add(s, i*uintptr(ow)*es)
		j := 0
		for ; j+8 <= ow; j += 8 {
			dd := (*[8]T)(unsafe.Add(d, uintptr(j)*es))
			ss := (*[8]T)(unsafe.Add(s, uintptr(j)*es))
			dd[0] += ss[0]
			dd[1] += ss[1]
			dd[2] += ss[2]
			dd[3] += ss[3]
			dd[4] += ss[4]
			dd[5] += ss[5]
			dd[6] += ss[6]
			dd[7] += ss[7]
		}
		for ; j < ow; j++ {
			*(*T)(unsafe.Add(d, uintptr(j)*es)) += *(*T)(unsafe.Add(s, uintptr(j)*es))
		}
	}
}
