package jpegdec

// The inverse DCT is the Loeffler–Ligtenberg–Moschytz factorization in the
// form used by the IJG library's "islow" method: 12 multiplications per
// 1-D transform, constants in 13-bit fixed point, the column pass keeping 2
// extra bits of precision for the row pass.
const (
	constBits = 13
	pass1Bits = 2

	fix0_298631336 = 2446
	fix0_390180644 = 3196
	fix0_541196100 = 4433
	fix0_765366865 = 6270
	fix0_899976223 = 7373
	fix1_175875602 = 9633
	fix1_501321110 = 12299
	fix1_847759065 = 15137
	fix1_961570560 = 16069
	fix2_053119869 = 16819
	fix2_562915447 = 20995
	fix3_072711026 = 25172
)

// idctDC writes a block whose only nonzero coefficient is the DC one: the
// value the full transform gives for it, (dc/8 rounded) + 128.
func idctDC(dc int32, dst []uint8, stride int) {
	v := clampLevel(((dc + 4) >> 3) + 128)
	for y := range 8 {
		o := dst[y*stride : y*stride+8 : y*stride+8]
		o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7] = v, v, v, v, v, v, v, v
	}
}

// clampLevel clamps a sample to 0..255 through a table, like libjpeg's
// range limiting: the values valid data produces lie well inside it
// (corrupt data may wrap around, harmlessly).
func clampLevel(v int32) uint8 { return clampTab[(v+512)&1023] }

// idctBlock transforms a block with the cheapest exact variant for its
// last nonzero coefficient (zigzag index).
func idctBlock(blk *[64]int32, last int, dst []uint8, stride int) {
	switch {
	case last == 0:
		idctDC(blk[0], dst, stride)
	case last <= 9: // zigzag indices 0..9 all lie in the top-left 4×4
		idct4(blk, dst, stride)
	default:
		idct(blk, dst, stride)
	}
}

// idct transforms blk (natural order, dequantized) into an 8×8 block of
// pixels at dst with the given row stride, level-shifted by 128 and
// clamped to 0..255.
func idct(blk *[64]int32, dst []uint8, stride int) {
	var ws [64]int32
	// Pass 1: columns, results scaled by 2^pass1Bits.
	for x := range 8 {
		in := blk[x:]
		if in[8]|in[16]|in[24]|in[32]|in[40]|in[48]|in[56] == 0 {
			dcv := in[0] << pass1Bits
			ws[x], ws[x+8], ws[x+16], ws[x+24], ws[x+32], ws[x+40], ws[x+48], ws[x+56] = dcv, dcv, dcv, dcv, dcv, dcv, dcv, dcv
			continue
		}
		// Even part.
		z2, z3 := in[16], in[48]
		z1 := (z2 + z3) * fix0_541196100
		t2 := z1 - z3*fix1_847759065
		t3 := z1 + z2*fix0_765366865
		z2, z3 = in[0], in[32]
		t0 := (z2 + z3) << constBits
		t1 := (z2 - z3) << constBits
		t10, t13 := t0+t3, t0-t3
		t11, t12 := t1+t2, t1-t2
		// Odd part.
		o0, o1, o2, o3 := in[56], in[40], in[24], in[8]
		z1, z2, z3, z4 := o0+o3, o1+o2, o0+o2, o1+o3
		z5 := (z3 + z4) * fix1_175875602
		o0 *= fix0_298631336
		o1 *= fix2_053119869
		o2 *= fix3_072711026
		o3 *= fix1_501321110
		z1 *= -fix0_899976223
		z2 *= -fix2_562915447
		z3 = z3*-fix1_961570560 + z5
		z4 = z4*-fix0_390180644 + z5
		o0 += z1 + z3
		o1 += z2 + z4
		o2 += z2 + z3
		o3 += z1 + z4
		const sh, rnd = constBits - pass1Bits, 1 << (constBits - pass1Bits - 1)
		ws[x] = (t10 + o3 + rnd) >> sh
		ws[x+56] = (t10 - o3 + rnd) >> sh
		ws[x+8] = (t11 + o2 + rnd) >> sh
		ws[x+48] = (t11 - o2 + rnd) >> sh
		ws[x+16] = (t12 + o1 + rnd) >> sh
		ws[x+40] = (t12 - o1 + rnd) >> sh
		ws[x+24] = (t13 + o0 + rnd) >> sh
		ws[x+32] = (t13 - o0 + rnd) >> sh
	}
	// Pass 2: rows, removing the pass-1 scale and the transform's factor 8,
	// then shifting the level by 128.
	const sh = constBits + pass1Bits + 3
	const rnd = 1<<(sh-1) + 128<<sh
	for y := range 8 {
		in := (*[8]int32)(ws[y*8 : y*8+8])
		o := dst[y*stride : y*stride+8 : y*stride+8]
		z2, z3 := in[2], in[6]
		z1 := (z2 + z3) * fix0_541196100
		t2 := z1 - z3*fix1_847759065
		t3 := z1 + z2*fix0_765366865
		t0 := (in[0] + in[4]) << constBits
		t1 := (in[0] - in[4]) << constBits
		t10, t13 := t0+t3+rnd, t0-t3+rnd
		t11, t12 := t1+t2+rnd, t1-t2+rnd
		o0, o1, o2, o3 := in[7], in[5], in[3], in[1]
		z1, z2, z3, z4 := o0+o3, o1+o2, o0+o2, o1+o3
		z5 := (z3 + z4) * fix1_175875602
		o0 *= fix0_298631336
		o1 *= fix2_053119869
		o2 *= fix3_072711026
		o3 *= fix1_501321110
		z1 *= -fix0_899976223
		z2 *= -fix2_562915447
		z3 = z3*-fix1_961570560 + z5
		z4 = z4*-fix0_390180644 + z5
		o0 += z1 + z3
		o1 += z2 + z4
		o2 += z2 + z3
		o3 += z1 + z4
		o[0] = clampLevel((t10 + o3) >> sh)
		o[7] = clampLevel((t10 - o3) >> sh)
		o[1] = clampLevel((t11 + o2) >> sh)
		o[6] = clampLevel((t11 - o2) >> sh)
		o[2] = clampLevel((t12 + o1) >> sh)
		o[5] = clampLevel((t12 - o1) >> sh)
		o[3] = clampLevel((t13 + o0) >> sh)
		o[4] = clampLevel((t13 - o0) >> sh)
	}
}

// idct4 is idct for blocks whose nonzero coefficients all lie in the
// top-left 4×4: the same arithmetic with the zero terms left out, so the
// result is identical.
func idct4(blk *[64]int32, dst []uint8, stride int) {
	var ws [64]int32
	for x := range 4 {
		a0, a1, a2, a3 := blk[x], blk[x+8], blk[x+16], blk[x+24]
		z1 := a2 * fix0_541196100
		t2, t3 := z1, z1+a2*fix0_765366865
		t0 := a0 << constBits
		t10, t13 := t0+t3, t0-t3
		t11, t12 := t0+t2, t0-t2
		z5 := (a1 + a3) * fix1_175875602
		z1 = a1 * -fix0_899976223
		z2 := a3 * -fix2_562915447
		z3 := a3*-fix1_961570560 + z5
		z4 := a1*-fix0_390180644 + z5
		o0 := z1 + z3
		o1 := z2 + z4
		o2 := a3*fix3_072711026 + z2 + z3
		o3 := a1*fix1_501321110 + z1 + z4
		const sh, rnd = constBits - pass1Bits, 1 << (constBits - pass1Bits - 1)
		ws[x] = (t10 + o3 + rnd) >> sh
		ws[x+56] = (t10 - o3 + rnd) >> sh
		ws[x+8] = (t11 + o2 + rnd) >> sh
		ws[x+48] = (t11 - o2 + rnd) >> sh
		ws[x+16] = (t12 + o1 + rnd) >> sh
		ws[x+40] = (t12 - o1 + rnd) >> sh
		ws[x+24] = (t13 + o0 + rnd) >> sh
		ws[x+32] = (t13 - o0 + rnd) >> sh
	}
	const sh = constBits + pass1Bits + 3
	const rnd = 1<<(sh-1) + 128<<sh
	for y := range 8 {
		in := (*[8]int32)(ws[y*8 : y*8+8])
		o := dst[y*stride : y*stride+8 : y*stride+8]
		a0, a1, a2, a3 := in[0], in[1], in[2], in[3]
		z1 := a2 * fix0_541196100
		t2, t3 := z1, z1+a2*fix0_765366865
		t0 := a0<<constBits + rnd
		t10, t13 := t0+t3, t0-t3
		t11, t12 := t0+t2, t0-t2
		z5 := (a1 + a3) * fix1_175875602
		z1 = a1 * -fix0_899976223
		z2 := a3 * -fix2_562915447
		z3 := a3*-fix1_961570560 + z5
		z4 := a1*-fix0_390180644 + z5
		o0 := z1 + z3
		o1 := z2 + z4
		o2 := a3*fix3_072711026 + z2 + z3
		o3 := a1*fix1_501321110 + z1 + z4
		o[0] = clampLevel((t10 + o3) >> sh)
		o[7] = clampLevel((t10 - o3) >> sh)
		o[1] = clampLevel((t11 + o2) >> sh)
		o[6] = clampLevel((t11 - o2) >> sh)
		o[2] = clampLevel((t12 + o1) >> sh)
		o[5] = clampLevel((t12 - o1) >> sh)
		o[3] = clampLevel((t13 + o0) >> sh)
		o[4] = clampLevel((t13 - o0) >> sh)
	}
}
