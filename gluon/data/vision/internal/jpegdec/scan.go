package jpegdec

// checkSize rejects frames larger than the entropy data can code: every
// block takes at least two bits (a DC and an end-of-block code), so a
// corrupt header cannot make Decode allocate gigabytes for a few bytes.
func (d *decoder) checkSize() error {
	mcuW, mcuH := 8*d.hmax, 8*d.vmax
	mx, my := (d.width+mcuW-1)/mcuW, (d.height+mcuH-1)/mcuH
	perMCU := 0
	for i := range d.ncomp {
		perMCU += d.comp[i].h * d.comp[i].v
	}
	if blocks := mx * my * perMCU; blocks > 4*(len(d.data)-d.pos) {
		return corrupt("%d bytes of data for a %dx%d image", len(d.data)-d.pos, d.width, d.height)
	}
	return nil
}

// decodeScan decodes the (single, interleaved) scan MCU row by MCU row,
// converting each row of planes to out's pixels as soon as it is complete.
func (d *decoder) decodeScan(out Image) error {
	mcuW, mcuH := 8*d.hmax, 8*d.vmax
	mx, my := (d.width+mcuW-1)/mcuW, (d.height+mcuH-1)/mcuH
	gray := out.C == 1
	for i := range d.ncomp {
		c := &d.comp[i]
		c.stride = mx * c.h * 8
		c.skip = gray && i > 0
		if !c.skip {
			c.plane = make([]uint8, c.stride*c.v*8)
		}
		c.pred = 0
	}
	d.bits = bitReader{data: d.data, pos: d.pos}
	var blk [64]int32
	mcu, rst := 0, 0
	for row := range my {
		for col := range mx {
			if d.restart > 0 && mcu > 0 && mcu%d.restart == 0 {
				if err := d.bits.restart(rst); err != nil {
					return err
				}
				rst++
				for i := range d.ncomp {
					d.comp[i].pred = 0
				}
			}
			mcu++
			for i := range d.ncomp {
				c := &d.comp[i]
				dc, ac, q := &d.dc[c.td], &d.ac[c.ta], &d.qt[c.tq]
				for by := range c.v {
					for bx := range c.h {
						last, err := d.bits.decodeBlock(&blk, dc, ac, q, &c.pred)
						if err != nil {
							return err
						}
						if !c.skip {
							dst := c.plane[by*8*c.stride+(col*c.h+bx)*8:]
							idctBlock(&blk, last, dst, c.stride)
						}
						blk = [64]int32{}
					}
				}
			}
		}
		if d.bits.overrun() {
			return corrupt("entropy data ends in MCU row %d of %d", row, my)
		}
		d.emitRow(out, row*mcuH, min(mcuH, d.height-row*mcuH))
	}
	return nil
}

// emitRow writes rows y0..y0+n of out from the component planes.
func (d *decoder) emitRow(out Image, y0, n int) {
	w := out.W
	yc := &d.comp[0]
	rowLen := w * out.C
	for ly := 0; ly < n; ly++ {
		yrow := yc.plane[ly*yc.stride : ly*yc.stride+w]
		o := out.Pix[(y0+ly)*rowLen : (y0+ly+1)*rowLen]
		switch {
		case out.C == 1:
			copy(o, yrow)
		case d.ncomp == 1:
			for x, v := range yrow {
				p := o[3*x : 3*x+3 : 3*x+3]
				p[0], p[1], p[2] = v, v, v
			}
		case d.hmax == 2 && d.vmax == 2 && ly+1 < n:
			// 4:2:0: two luma rows share a chroma row.
			cy, cw := ly>>1, (w+1)/2
			cb, cr := &d.comp[1], &d.comp[2]
			yrow2 := yc.plane[(ly+1)*yc.stride : (ly+1)*yc.stride+w]
			o2 := out.Pix[(y0+ly+1)*rowLen : (y0+ly+2)*rowLen]
			ycc420(o, o2, yrow, yrow2, cb.plane[cy*cb.stride:cy*cb.stride+cw], cr.plane[cy*cr.stride:cy*cr.stride+cw])
			ly++
		default:
			cy := ly
			if d.vmax == 2 {
				cy = ly >> 1
			}
			cb, cr := &d.comp[1], &d.comp[2]
			if d.hmax == 2 {
				cw := (w + 1) / 2
				yccRowHalf(o, yrow, cb.plane[cy*cb.stride:cy*cb.stride+cw], cr.plane[cy*cr.stride:cy*cr.stride+cw])
			} else {
				yccRowFull(o, yrow, cb.plane[cy*cb.stride:cy*cb.stride+w], cr.plane[cy*cr.stride:cy*cr.stride+w])
			}
		}
	}
}

// Chroma contributions to R, G, B in the 16.16 fixed point of
// image/color's YCbCrToRGB (JFIF: R = Y + 1.40200 Cr', G = Y - 0.34414 Cb'
// - 0.71414 Cr', B = Y + 1.77200 Cb', with Cb' = Cb - 128), by byte value.
var crR, cbG, crG, cbB [256]int32

func init() {
	for i := range 256 {
		c := int32(i) - 128
		crR[i], cbG[i], crG[i], cbB[i] = 91881*c, -22554*c, -46802*c, 116130*c
	}
}

// clip16 takes the integer part of a 16.16 value, clamped to 0..255. The
// integer parts that occur lie in -228..433, well inside the table.
func clip16(v int32) uint8 { return clampTab[(v>>16+512)&1023] }

// clampTab[i] is i-512 clamped to 0..255.
var clampTab [1024]uint8

func init() {
	for i := range clampTab {
		clampTab[i] = uint8(min(max(i-512, 0), 255))
	}
}

// yccRowFull converts a row whose chroma is sampled at every pixel.
func yccRowFull(o, y, cb, cr []uint8) {
	for x, yv := range y {
		p := o[3*x : 3*x+3 : 3*x+3]
		yy := int32(yv) * 0x10101 // Y·2^16 + Y·2^8 + Y, as image/color does
		cbv, crv := cb[x], cr[x]
		p[0] = clip16(yy + crR[crv])
		p[1] = clip16(yy + cbG[cbv] + crG[crv])
		p[2] = clip16(yy + cbB[cbv])
	}
}

// yccRowHalf converts a row whose chroma is sampled at every other pixel
// (box upsampling: pixels 2i and 2i+1 share chroma sample i).
func yccRowHalf(o, y, cb, cr []uint8) {
	pairs := len(y) / 2
	for i := range pairs {
		p := o[6*i : 6*i+6 : 6*i+6]
		yp := y[2*i : 2*i+2 : 2*i+2]
		cbv, crv := cb[i], cr[i]
		r, g, b := crR[crv], cbG[cbv]+crG[crv], cbB[cbv]
		y0, y1 := int32(yp[0])*0x10101, int32(yp[1])*0x10101
		p[0], p[1], p[2] = clip16(y0+r), clip16(y0+g), clip16(y0+b)
		p[3], p[4], p[5] = clip16(y1+r), clip16(y1+g), clip16(y1+b)
	}
	if len(y)%2 == 1 {
		x := len(y) - 1
		yy := int32(y[x]) * 0x10101
		cbv, crv := cb[pairs], cr[pairs]
		o[3*x] = clip16(yy + crR[crv])
		o[3*x+1] = clip16(yy + cbG[cbv] + crG[crv])
		o[3*x+2] = clip16(yy + cbB[cbv])
	}
}

// ycc420 converts two rows that share one row of chroma sampled at every
// other pixel: each chroma sample colors a 2×2 square of luma.
func ycc420(o0, o1, y0, y1, cb, cr []uint8) {
	pairs := len(y0) / 2
	for i := range pairs {
		p := o0[6*i : 6*i+6 : 6*i+6]
		q := o1[6*i : 6*i+6 : 6*i+6]
		ya := y0[2*i : 2*i+2 : 2*i+2]
		yb := y1[2*i : 2*i+2 : 2*i+2]
		cbv, crv := cb[i], cr[i]
		r, g, b := crR[crv], cbG[cbv]+crG[crv], cbB[cbv]
		v := int32(ya[0]) * 0x10101
		p[0], p[1], p[2] = clip16(v+r), clip16(v+g), clip16(v+b)
		v = int32(ya[1]) * 0x10101
		p[3], p[4], p[5] = clip16(v+r), clip16(v+g), clip16(v+b)
		v = int32(yb[0]) * 0x10101
		q[0], q[1], q[2] = clip16(v+r), clip16(v+g), clip16(v+b)
		v = int32(yb[1]) * 0x10101
		q[3], q[4], q[5] = clip16(v+r), clip16(v+g), clip16(v+b)
	}
	if len(y0)%2 == 1 {
		x := len(y0) - 1
		yccRowFull(o0[3*x:], y0[x:], cb[pairs:], cr[pairs:])
		yccRowFull(o1[3*x:], y1[x:], cb[pairs:], cr[pairs:])
	}
}
