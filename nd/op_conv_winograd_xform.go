package nd

import "unsafe"

// The input and output transforms of the Winograd path. They are most of
// its scalar work, so the inner loops run on raw pointers: every run's
// source and destination are sliced to their full extent (bounds checked)
// before its loop starts, and the loops then index within those slices.
//
// Input: tile (ty, tx) of channel c reads rows ty·m-ph .. +a-1 and columns
// tx·m-pw .. +a-1 of the image. Tiles whose columns lie inside the image
// read the rows in place (a run of them shares each row's loads: the last
// two columns of one tile are the first two of the next); the others are
// first copied into a zero-padded a×a patch. Rows outside the image read a
// zero row.

// f32At returns the float32 at p + 4i bytes.
func f32At(p unsafe.Pointer, i int) float32 { return *(*float32)(unsafe.Add(p, 4*i)) }

// f32Set stores v at p + 4i bytes.
func f32Set(p unsafe.Pointer, i int, v float32) { *(*float32)(unsafe.Add(p, 4*i)) = v }

// tileRun returns where tile tt lies (image img, tile row ty, column txa)
// and the end txb of the run of tiles [tt, t1) within that tile row.
func (t *convWinoTask) tileRun(tt, t1 int) (img, ty, txa, txb int) {
	perImage := t.th * t.tw
	img, r := tt/perImage, tt%perImage
	ty, txa = r/t.tw, r%t.tw
	return img, ty, txa, min(t.tw, txa+t1-tt)
}

// rowScratch is the scratch one thread's transforms need for n tiles.
func (t *convWinoTask) rowScratch(n int) int {
	width := t.tw*t.m + 2
	return max((t.a+1)*width+t.a*t.a, t.m*t.a*n+t.m*t.m)
}

// transformInput writes Bᵀ d B of tiles [t0, t1), channels [c0, c1) into
// v ([a²][C][t1-t0], matrices convWinoStride(C·n) apart); scratch holds
// rowScratch(t1-t0) floats.
func (t *convWinoTask) transformInput(v []float32, t0, t1, c0, c1 int, scratch []float32) {
	geo := &t.geo
	C, H, W := geo.c, geo.in[1], geo.in[2]
	m, a, n := t.m, t.a, t1-t0
	ph, pw := geo.p[1], geo.p[2]
	stride := convWinoStride(C * n)
	width := t.tw*m + 2 // the longest run's columns
	zero := scratch[:width]
	patch := scratch[width : width+a*a]
	comb := scratch[width+a*a : width+a*a+a*width]
	clear(zero)
	// Tiles txLo ≤ tx < txHi read columns inside the image only.
	txLo, txHi := (pw+m-1)/m, 0
	if W+pw-a >= 0 {
		txHi = min(t.tw, (W+pw-a)/m+1)
	}
	if m == 2 && convWinoAVX512 {
		t.transformInput2AVX512(v, t0, t1, c0, c1, zero)
		return
	}
	var rows [6]unsafe.Pointer
	for c := c0; c < c1; c++ {
		for tt := t0; tt < t1; {
			img, ty, txa, txb := t.tileRun(tt, t1)
			j := tt - t0
			tt += txb - txa
			xc := t.x[(img*C+c)*H*W : (img*C+c+1)*H*W]
			for tx := txa; tx < txb; {
				dst := v[c*n+j+tx-txa:]
				if tx >= txLo && tx < txHi {
					cnt := min(txb, txHi) - tx
					col := tx*m - pw
					span := cnt*m + 2
					for i := 0; i < a; i++ {
						iy := ty*m - ph + i
						if iy < 0 || iy >= H {
							rows[i] = unsafe.Pointer(&zero[:span][0])
						} else {
							rows[i] = unsafe.Pointer(&xc[iy*W+col : iy*W+col+span][0])
						}
					}
					t.inputRun(&rows, dst, stride, cnt, comb)
					tx += cnt
					continue
				}
				t.inputPatch(xc, patch, ty, tx)
				for i := 0; i < a; i++ {
					rows[i] = unsafe.Pointer(&patch[i*a])
				}
				t.inputRun(&rows, dst, stride, 1, comb)
				tx++
			}
		}
	}
}

// transformInput2AVX512 is transformInput for F(2×2) through
// convWinoIn2AVX512, one call per channel and run of tiles in a tile row;
// zero is a zero row of at least W floats.
func (t *convWinoTask) transformInput2AVX512(v []float32, t0, t1, c0, c1 int, zero []float32) {
	geo := &t.geo
	C, H, W := geo.c, geo.in[1], geo.in[2]
	n := t1 - t0
	stride := convWinoStride(C * n)
	zero = zero[:W]
	var rp [4]*float32
	for c := c0; c < c1; c++ {
		for tt := t0; tt < t1; {
			img, ty, txa, txb := t.tileRun(tt, t1)
			cnt := txb - txa
			j := tt - t0
			tt += cnt
			xc := t.x[(img*C+c)*H*W : (img*C+c+1)*H*W]
			for i := range rp {
				iy := 2*ty - geo.p[1] + i
				if iy < 0 || iy >= H {
					rp[i] = &zero[0]
				} else {
					rp[i] = &xc[iy*W : (iy+1)*W][0]
				}
			}
			dst := v[c*n+j : 15*stride+c*n+j+cnt]
			convWinoIn2AVX512(rp[0], rp[1], rp[2], rp[3], 2*txa-geo.p[2], W, &dst[0], 4*stride, cnt)
		}
	}
}

// inputPatch copies the a×a input block of tile (ty, tx) of one channel
// xc into patch, zero outside the image.
func (t *convWinoTask) inputPatch(xc, patch []float32, ty, tx int) {
	H, W, a := t.geo.in[1], t.geo.in[2], t.a
	for i := 0; i < a; i++ {
		iy := ty*t.m - t.geo.p[1] + i
		row := patch[i*a : (i+1)*a]
		for k := range row {
			ix := tx*t.m - t.geo.p[2] + k
			if iy < 0 || iy >= H || ix < 0 || ix >= W {
				row[k] = 0
			} else {
				row[k] = xc[iy*W+ix]
			}
		}
	}
}

// inputRun transforms cnt consecutive tiles whose a rows start at rows[i]
// (cnt·m+2 floats each) into dst: element e of tile k goes to
// dst[e·stride + k].
func (t *convWinoTask) inputRun(rows *[6]unsafe.Pointer, dst []float32, stride, cnt int, comb []float32) {
	d := unsafe.Pointer(&dst[:(t.aa-1)*stride+cnt][0])
	sb := uintptr(4 * stride)
	if t.m == 2 {
		// Bᵀ rows: r0 - r2, r1 + r2, r2 - r1, r1 - r3.
		convWinoIn2Row(rows[0], rows[2], -1, d, sb, cnt)
		convWinoIn2Row(rows[1], rows[2], 1, unsafe.Add(d, 4*sb), sb, cnt)
		convWinoIn2Row(rows[2], rows[1], -1, unsafe.Add(d, 8*sb), sb, cnt)
		convWinoIn2Row(rows[1], rows[3], -1, unsafe.Add(d, 12*sb), sb, cnt)
		return
	}
	span := cnt*4 + 2
	cp := unsafe.Pointer(&comb[:6*span][0])
	convWinoIn4Cols(rows, cp, span)
	for k := 0; k < 6; k++ {
		convWinoIn4Row(unsafe.Add(cp, 4*k*span), unsafe.Add(d, uintptr(6*k)*sb), sb, cnt)
	}
}

// convWinoIn2Row combines two input rows into one row of Bᵀ d
// (pa[x] + s·pb[x]) and applies B along it: tile i reads its columns 2i ..
// 2i+3 and writes its four elements to d + k·sb + 4i, k < 4.
func convWinoIn2Row(pa, pb unsafe.Pointer, s float32, d unsafe.Pointer, sb uintptr, n int) {
	d1, d2, d3 := unsafe.Add(d, sb), unsafe.Add(d, 2*sb), unsafe.Add(d, 3*sb)
	c0 := f32At(pa, 0) + s*f32At(pb, 0)
	c1 := f32At(pa, 1) + s*f32At(pb, 1)
	for i := 0; i < n; i++ {
		c2 := f32At(pa, 2*i+2) + s*f32At(pb, 2*i+2)
		c3 := f32At(pa, 2*i+3) + s*f32At(pb, 2*i+3)
		f32Set(d, i, c0-c2)
		f32Set(d1, i, c1+c2)
		f32Set(d2, i, c2-c1)
		f32Set(d3, i, c1-c3)
		c0, c1 = c2, c3
	}
}

// convWinoIn4Cols writes the six rows of Bᵀ d of F(4×4) over span columns
// to comb (row stride span).
func convWinoIn4Cols(rows *[6]unsafe.Pointer, comb unsafe.Pointer, span int) {
	r0, r1, r2, r3, r4, r5 := rows[0], rows[1], rows[2], rows[3], rows[4], rows[5]
	for x := 0; x < span; x++ {
		b0, b1, b2, b3, b4, b5 := convWinoB4(f32At(r0, x), f32At(r1, x), f32At(r2, x), f32At(r3, x), f32At(r4, x), f32At(r5, x))
		f32Set(comb, x, b0)
		f32Set(comb, span+x, b1)
		f32Set(comb, 2*span+x, b2)
		f32Set(comb, 3*span+x, b3)
		f32Set(comb, 4*span+x, b4)
		f32Set(comb, 5*span+x, b5)
	}
}

// convWinoIn4Row applies B of F(4×4) along one row of Bᵀ d: tile i reads
// columns 4i .. 4i+5 and writes its six elements to d + k·sb + 4i.
func convWinoIn4Row(p, d unsafe.Pointer, sb uintptr, n int) {
	a0, a1 := f32At(p, 0), f32At(p, 1)
	for i := 0; i < n; i++ {
		q := unsafe.Add(p, 16*i+8)
		a2, a3, a4, a5 := f32At(q, 0), f32At(q, 1), f32At(q, 2), f32At(q, 3)
		b0, b1, b2, b3, b4, b5 := convWinoB4(a0, a1, a2, a3, a4, a5)
		o := unsafe.Add(d, 4*i)
		*(*float32)(o) = b0
		*(*float32)(unsafe.Add(o, sb)) = b1
		*(*float32)(unsafe.Add(o, 2*sb)) = b2
		*(*float32)(unsafe.Add(o, 3*sb)) = b3
		*(*float32)(unsafe.Add(o, 4*sb)) = b4
		*(*float32)(unsafe.Add(o, 5*sb)) = b5
		a0, a1 = a4, a5
	}
}

// convWinoB4 is Bᵀ of F(4×4, 3×3) on one vector:
// [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0;
// 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
func convWinoB4(a0, a1, a2, a3, a4, a5 float32) (b0, b1, b2, b3, b4, b5 float32) {
	t1 := a4 - 4*a2
	t2 := a3 - 4*a1
	t3 := a4 - a2
	t4 := 2 * (a3 - a1)
	return 4*a0 - 5*a2 + a4, t1 + t2, t1 - t2, t3 + t4, t3 - t4, 4*a1 - 5*a3 + a5
}

// convWinoA4 is Aᵀ of F(4×4, 3×3) on one vector:
// [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
func convWinoA4(a0, a1, a2, a3, a4, a5 float32) (b0, b1, b2, b3 float32) {
	p1, q1 := a1+a2, a1-a2
	p2, q2 := a3+a4, a3-a4
	return a0 + p1 + p2, q1 + 2*q2, p1 + 4*p2, q1 + 8*q2 + a5
}

// transformOutput writes Aᵀ M A plus bias for tiles [t0, t1), filters
// [f0, f1) into y; mm is [a²][F][t1-t0] (matrices convWinoStride(F·n)
// apart), scratch holds rowScratch(t1-t0) floats.
func (t *convWinoTask) transformOutput(mm []float32, t0, t1, f0, f1 int, scratch []float32) {
	geo := &t.geo
	F, OH, OW := geo.f, geo.out[1], geo.out[2]
	m, a, n := t.m, t.a, t1-t0
	stride := convWinoStride(F * n)
	sb := uintptr(4 * stride)
	s := scratch[:m*a*n] // F(4×4): s[(i·a+k)·n + j], output row i, column element k
	edge := scratch[m*a*n : m*a*n+m*m]
	if m == 2 && convWinoAVX512 {
		t.transformOutput2AVX512(mm, t0, t1, f0, f1)
		return
	}
	for f := f0; f < f1; f++ {
		src := unsafe.Pointer(&mm[f*n : (t.aa-1)*stride+(f+1)*n][0])
		if m == 4 {
			sp := unsafe.Pointer(&s[0])
			for k := 0; k < 6; k++ {
				convWinoOut4Cols(unsafe.Add(src, uintptr(k)*sb), 6*sb, unsafe.Add(sp, 4*k*n), uintptr(4*6*n), n)
			}
		}
		var b float32
		if t.bias != nil {
			b = t.bias[f]
		}
		for tt := t0; tt < t1; {
			img, ty, txa, txb := t.tileRun(tt, t1)
			j := tt - t0
			tt += txb - txa
			yf := t.y[(img*F+f)*OH*OW : (img*F+f+1)*OH*OW]
			oy := ty * m
			rowsIn := min(m, OH-oy)
			full := txb - txa // tiles with all m columns inside
			if txb*m > OW {
				full--
			}
			if full > 0 {
				y0 := yf[oy*OW+txa*m : (oy+rowsIn-1)*OW+(txa+full)*m]
				if m == 2 {
					convWinoOut2Run(unsafe.Add(src, 4*j), sb, y0, OW, rowsIn, full, b)
				} else {
					convWinoOut4Run(s[j:], n, y0, OW, rowsIn, full, b)
				}
			}
			if full < txb-txa { // the last tile is cut by the right edge
				k := txb - txa - 1
				if m == 2 {
					convWinoOut2Run(unsafe.Add(src, 4*(j+k)), sb, edge, 2, 2, 1, b)
				} else {
					convWinoOut4Run(s[j+k:], n, edge, 4, 4, 1, b)
				}
				ox := (txa + k) * m
				for i := 0; i < rowsIn; i++ {
					copy(yf[(oy+i)*OW+ox:(oy+i+1)*OW], edge[i*m:(i+1)*m])
				}
			}
		}
	}
}

// convWinoOut2Run inverse-transforms cnt consecutive tiles of F(2×2):
// element e of tile i is at src + e·sb + 4i; output row r (< rows) of tile
// i goes to y[r·ldy + 2i ..], plus b.
func convWinoOut2Run(src unsafe.Pointer, sb uintptr, y []float32, ldy, rows, cnt int, b float32) {
	y0 := unsafe.Pointer(&y[0])
	_ = y[(rows-1)*ldy+2*cnt-1]
	y1 := y0 // unused when rows is 1: pointing past y would be invalid
	if rows > 1 {
		y1 = unsafe.Add(y0, 4*ldy)
	}
	for i := 0; i < cnt; i++ {
		p := unsafe.Add(src, 4*i)
		// Aᵀ = [1 1 1 0; 0 1 -1 -1] down each column k, then along rows.
		var s0, s1 [4]float32
		for k := 0; k < 4; k++ {
			m0 := *(*float32)(unsafe.Add(p, uintptr(k)*sb))
			m1 := *(*float32)(unsafe.Add(p, uintptr(4+k)*sb))
			m2 := *(*float32)(unsafe.Add(p, uintptr(8+k)*sb))
			m3 := *(*float32)(unsafe.Add(p, uintptr(12+k)*sb))
			s0[k] = m0 + m1 + m2
			s1[k] = m1 - m2 - m3
		}
		f32Set(y0, 2*i, s0[0]+s0[1]+s0[2]+b)
		f32Set(y0, 2*i+1, s0[1]-s0[2]-s0[3]+b)
		if rows > 1 {
			f32Set(y1, 2*i, s1[0]+s1[1]+s1[2]+b)
			f32Set(y1, 2*i+1, s1[1]-s1[2]-s1[3]+b)
		}
	}
}

// convWinoOut4Cols applies Aᵀ of F(4×4) down column k of n tiles: the six
// values of tile j are at src + r·rb + 4j, the four results go to
// dst + i·db + 4j.
func convWinoOut4Cols(src unsafe.Pointer, rb uintptr, dst unsafe.Pointer, db uintptr, n int) {
	for j := 0; j < n; j++ {
		p := unsafe.Add(src, 4*j)
		b0, b1, b2, b3 := convWinoA4(*(*float32)(p), *(*float32)(unsafe.Add(p, rb)), *(*float32)(unsafe.Add(p, 2*rb)),
			*(*float32)(unsafe.Add(p, 3*rb)), *(*float32)(unsafe.Add(p, 4*rb)), *(*float32)(unsafe.Add(p, 5*rb)))
		o := unsafe.Add(dst, 4*j)
		*(*float32)(o) = b0
		*(*float32)(unsafe.Add(o, db)) = b1
		*(*float32)(unsafe.Add(o, 2*db)) = b2
		*(*float32)(unsafe.Add(o, 3*db)) = b3
	}
}

// convWinoOut4Run finishes F(4×4)'s inverse transform along the rows of
// cnt consecutive tiles: element k of output row i of tile j is
// s[(i·6+k)·n + j]; output row i (< rows) of tile j goes to
// y[i·ldy + 4j ..], plus b.
func convWinoOut4Run(s []float32, n int, y []float32, ldy, rows, cnt int, b float32) {
	sp := unsafe.Pointer(&s[:(4*6-1)*n+cnt][0])
	yp := unsafe.Pointer(&y[:(rows-1)*ldy+4*cnt][0])
	nb := uintptr(4 * n)
	for i := 0; i < rows; i++ {
		row := unsafe.Add(sp, uintptr(6*i)*nb)
		out := unsafe.Add(yp, 4*i*ldy)
		for j := 0; j < cnt; j++ {
			p := unsafe.Add(row, 4*j)
			v0, v1, v2, v3 := convWinoA4(*(*float32)(p), *(*float32)(unsafe.Add(p, nb)), *(*float32)(unsafe.Add(p, 2*nb)),
				*(*float32)(unsafe.Add(p, 3*nb)), *(*float32)(unsafe.Add(p, 4*nb)), *(*float32)(unsafe.Add(p, 5*nb)))
			o := unsafe.Add(out, 16*j)
			*(*float32)(o) = v0 + b
			*(*float32)(unsafe.Add(o, 4)) = v1 + b
			*(*float32)(unsafe.Add(o, 8)) = v2 + b
			*(*float32)(unsafe.Add(o, 12)) = v3 + b
		}
	}
}

// transformOutput2AVX512 is transformOutput for F(2×2) through
// convWinoOut2AVX512, one call per filter and run of tiles in a tile row.
func (t *convWinoTask) transformOutput2AVX512(mm []float32, t0, t1, f0, f1 int) {
	geo := &t.geo
	F, OH, OW := geo.f, geo.out[1], geo.out[2]
	n := t1 - t0
	stride := convWinoStride(F * n)
	for f := f0; f < f1; f++ {
		var b float32
		if t.bias != nil {
			b = t.bias[f]
		}
		for tt := t0; tt < t1; {
			img, ty, txa, txb := t.tileRun(tt, t1)
			cnt := txb - txa
			j := tt - t0
			tt += cnt
			src := mm[f*n+j : 15*stride+f*n+j+cnt]
			yf := t.y[(img*F+f)*OH*OW : (img*F+f+1)*OH*OW]
			oy, ox := 2*ty, 2*txa
			rows := min(2, OH-oy)
			ncols := min(2*cnt, OW-ox)
			y := yf[oy*OW+ox : (oy+rows-1)*OW+ox+ncols]
			y1 := &y[0]
			if rows == 2 {
				y1 = &y[OW]
			}
			convWinoOut2AVX512(&src[0], 4*stride, &y[0], y1, rows, cnt, ncols, b)
		}
	}
}
