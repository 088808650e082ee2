package jpegdec

import "encoding/binary"

// lutBits is how many leading bits the lookup tables resolve at once: most
// codes of real images are shorter, longer ones take the slow path.
const lutBits = 9

// Flags of acTable entries.
const (
	acEOB = 1 << 7 // end of block
)

// huffTable is a canonical Huffman table with lookup tables on the next
// lutBits bits of the stream.
type huffTable struct {
	// lut gives (code length << 8 | symbol) for codes of at most lutBits
	// bits; 0 when the code is longer.
	lut [1 << lutBits]uint16
	// fast (AC tables only) decodes a code and the coefficient bits that
	// follow it in one step when both fit in lutBits bits: value << 16 |
	// run << 8 | flags | total length; 0 when they do not fit.
	fast [1 << lutBits]int32
	// maxcode[l] is the largest code of length l (-1 if none) and
	// valptr[l] maps a code of length l to its index in vals.
	maxcode [17]int32
	valptr  [17]int32
	vals    [256]uint8
}

// build fills the tables from a DHT segment's code counts and symbols.
func (t *huffTable) build(counts [16]int, vals []uint8, ac bool) error {
	*t = huffTable{}
	copy(t.vals[:], vals)
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		cnt := int32(counts[l-1])
		t.maxcode[l] = -1
		if cnt > 0 {
			t.valptr[l] = k - code
			t.maxcode[l] = code + cnt - 1
		}
		if code+cnt > 1<<l {
			return corrupt("Huffman table with too many codes of length %d", l)
		}
		if l <= lutBits {
			for i := range cnt {
				c := code + i
				sym := vals[k+i]
				shift := uint(lutBits - l)
				for j := range int32(1) << shift {
					t.lut[c<<shift|j] = uint16(l)<<8 | uint16(sym)
				}
			}
		}
		code += cnt
		k += cnt
		code <<= 1
	}
	if ac {
		t.buildFast()
	}
	return nil
}

// buildFast combines short AC codes with their coefficient bits.
func (t *huffTable) buildFast() {
	for idx := range t.lut {
		e := t.lut[idx]
		if e == 0 {
			continue
		}
		l, rs := uint(e>>8), uint8(e)
		run, s := uint(rs>>4), uint(rs&15)
		switch {
		case rs == 0: // end of block
			t.fast[idx] = acEOB | int32(l)
		case s == 0: // ZRL and invalid zero-size codes take the slow path
		case l+s <= lutBits:
			bits := int32(idx>>(lutBits-l-s)) & (1<<s - 1)
			v := extend(bits, s)
			t.fast[idx] = v<<16 | int32(run)<<8 | int32(l+s)
		}
	}
}

// extend turns s received bits into the signed coefficient they code.
func extend(v int32, s uint) int32 {
	if v < 1<<(s-1) {
		v -= 1<<s - 1
	}
	return v
}

// decodeSlow decodes the symbol at the top of acc for codes longer than
// lutBits (or any code when the table lookup misses); ok is false when no
// code matches.
func (t *huffTable) decodeSlow(acc uint64) (sym uint8, l uint, ok bool) {
	if e := t.lut[acc>>(64-lutBits)]; e != 0 {
		return uint8(e), uint(e >> 8), true
	}
	for l := uint(lutBits + 1); l <= 16; l++ {
		code := int32(acc >> (64 - l))
		if code <= t.maxcode[l] {
			return t.vals[uint8(t.valptr[l]+code)], l, true
		}
	}
	return 0, 0, false
}

// bitReader reads the entropy-coded segment: bytes with 0xFF 0x00 stuffing
// up to the next marker, after which it supplies zero bits and counts them
// in pad (so a decoder can tell when it read past the data).
type bitReader struct {
	data   []byte
	pos    int
	acc    uint64 // the next bit is bit 63; bits below the n held are 0
	n      uint
	marker bool
	pad    uint
}

// fill tops the accumulator up to at least 57 bits.
func (b *bitReader) fill() {
	if !b.marker && b.pos+8 <= len(b.data) {
		v := binary.BigEndian.Uint64(b.data[b.pos:])
		// Eight bytes without 0xFF (no stuffing, no marker) load at once.
		if x := ^v; (x-0x0101010101010101)&^x&0x8080808080808080 == 0 {
			nb := (64 - b.n) >> 3
			b.acc |= v >> (64 - 8*nb) << (64 - b.n - 8*nb)
			b.n += 8 * nb
			b.pos += int(nb)
			return
		}
	}
	for b.n <= 56 {
		if b.marker {
			b.n += 8
			b.pad += 8
			continue
		}
		if b.pos >= len(b.data) {
			b.marker = true
			continue
		}
		c := b.data[b.pos]
		if c == 0xFF {
			if b.pos+1 < len(b.data) && b.data[b.pos+1] == 0 {
				b.pos += 2
			} else {
				b.marker = true
				continue
			}
		} else {
			b.pos++
		}
		b.acc |= uint64(c) << (56 - b.n)
		b.n += 8
	}
}

// overrun reports whether more bits were consumed than the data held.
func (b *bitReader) overrun() bool { return b.pad > b.n }

// restart discards the buffered bits and reads the RSTn marker expected at
// the current position.
func (b *bitReader) restart(num int) error {
	if b.overrun() {
		return corrupt("entropy data ends inside restart interval %d", num)
	}
	b.acc, b.n, b.pad, b.marker = 0, 0, 0, false
	p := b.pos
	if p >= len(b.data) || b.data[p] != 0xFF {
		return corrupt("missing RST%d marker at offset %d", num&7, p)
	}
	for p < len(b.data) && b.data[p] == 0xFF {
		p++
	}
	if p >= len(b.data) || b.data[p] != byte(mRST0+num&7) {
		return corrupt("missing RST%d marker at offset %d", num&7, b.pos)
	}
	b.pos = p + 1
	return nil
}

// unzig maps the zigzag index of a coefficient to its natural
// (row-major) index in the 8×8 block.
var unzig = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// decodeBlock decodes one block's coefficients into blk (natural order,
// dequantized by q, which is in zigzag order; blk must be zero on entry)
// and returns the zigzag index of the last nonzero-coded coefficient.
func (b *bitReader) decodeBlock(blk *[64]int32, dc, ac *huffTable, q *[64]int32, pred *int32) (int, error) {
	acc, n := b.acc, b.n
	if n < 32 {
		b.fill()
		acc, n = b.acc, b.n
	}
	// DC: a size category, then that many bits of difference.
	var s, l uint
	if e := dc.lut[acc>>(64-lutBits)]; e != 0 {
		l, s = uint(e>>8), uint(e&0xFF)
	} else {
		sym, sl, ok := dc.decodeSlow(acc)
		if !ok {
			return 0, corrupt("bad DC Huffman code")
		}
		l, s = sl, uint(sym)
	}
	if s > 15 {
		return 0, corrupt("DC difference of %d bits", s)
	}
	acc <<= l
	n -= l
	if s > 0 {
		*pred += extend(int32(acc>>(64-s)), s)
		acc <<= s
		n -= s
	}
	blk[0] = *pred * q[0]
	last := 0
	for k := 1; k < 64; {
		if n < 32 {
			b.acc, b.n = acc, n
			b.fill()
			acc, n = b.acc, b.n
		}
		if e := ac.fast[acc>>(64-lutBits)]; e != 0 {
			l := uint(e & 31)
			acc <<= l
			n -= l
			if e&acEOB != 0 {
				break
			}
			k += int(e>>8) & 15
			if k > 63 {
				return 0, corrupt("AC run past the end of a block")
			}
			blk[unzig[k]&63] = (e >> 16) * q[k]
			last = k
			k++
			continue
		}
		rs, l, ok := ac.decodeSlow(acc)
		if !ok {
			return 0, corrupt("bad AC Huffman code")
		}
		acc <<= l
		n -= l
		run, s := int(rs>>4), uint(rs&15)
		if s == 0 {
			if run != 15 {
				break // end of block
			}
			k += 16 // sixteen zeros
			continue
		}
		k += run
		if k > 63 {
			return 0, corrupt("AC run past the end of a block")
		}
		v := extend(int32(acc>>(64-s)), s)
		acc <<= s
		n -= s
		blk[unzig[k]&63] = v * q[k]
		last = k
		k++
	}
	b.acc, b.n = acc, n
	return last, nil
}
