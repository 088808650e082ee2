package jpegdec

import (
	"errors"
	"fmt"
)

var (
	// ErrUnsupported marks a valid-looking JPEG that uses a feature this
	// decoder leaves to image/jpeg.
	ErrUnsupported = errors.New("jpegdec: unsupported JPEG")
	// ErrCorrupt marks malformed or truncated data.
	ErrCorrupt = errors.New("jpegdec: corrupt JPEG")
)

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}

// Image is a decoded picture: H rows of W pixels of C interleaved bytes
// (C = 3 for RGB, 1 for gray).
type Image struct {
	Pix     []uint8
	W, H, C int
}

// Marker codes (the byte after 0xFF).
const (
	mSOF0 = 0xC0 // baseline
	mSOF1 = 0xC1 // extended sequential, Huffman
	mDHT  = 0xC4
	mRST0 = 0xD0
	mRST7 = 0xD7
	mSOI  = 0xD8
	mEOI  = 0xD9
	mSOS  = 0xDA
	mDQT  = 0xDB
	mDNL  = 0xDC
	mDRI  = 0xDD
	mAPP0 = 0xE0
	mAPPE = 0xEE // Adobe
	mCOM  = 0xFE
)

// component is one color component of the frame.
type component struct {
	id     uint8
	h, v   int // sampling factors
	tq     int // quantization table
	td, ta int // Huffman tables (from the scan)
	pred   int32
	// plane holds one MCU row of the component's pixels: v*8 rows of
	// stride bytes.
	plane  []uint8
	stride int
	skip   bool // entropy-decode only (chroma when decoding to gray)
}

type decoder struct {
	data []byte
	pos  int

	width, height int
	ncomp         int
	comp          [3]component
	hmax, vmax    int
	frame         bool

	qt    [4][64]int32 // zigzag order
	qtSet [4]bool
	dc    [4]huffTable
	ac    [4]huffTable
	dcSet [4]bool
	acSet [4]bool

	restart  int // MCUs per restart interval, 0 for none
	adobe    bool
	adobeXfm uint8

	bits bitReader
}

// Config returns the size and component count of a JPEG without decoding
// it, or an error (wrapping ErrUnsupported for frames Decode does not
// handle).
func Config(data []byte) (w, h, ncomp int, err error) {
	d := decoder{data: data}
	if err := d.readHeaders(); err != nil {
		return 0, 0, 0, err
	}
	return d.width, d.height, d.ncomp, nil
}

// Decode decodes a JPEG to RGB or, with gray set, to its luma (the Y plane
// of a color image). The pixels go into buf when it is large enough, else
// into a new slice. Errors wrap ErrUnsupported or ErrCorrupt.
func Decode(data []byte, gray bool, buf []uint8) (Image, error) {
	d := decoder{data: data}
	if err := d.readHeaders(); err != nil {
		return Image{}, err
	}
	if err := d.checkSize(); err != nil {
		return Image{}, err
	}
	c := 3
	if gray {
		c = 1
	}
	n := d.width * d.height * c
	if cap(buf) < n {
		buf = make([]uint8, n)
	}
	out := Image{Pix: buf[:n], W: d.width, H: d.height, C: c}
	if err := d.decodeScan(out); err != nil {
		return Image{}, err
	}
	return out, nil
}

func (d *decoder) u16(at int) int { return int(d.data[at])<<8 | int(d.data[at+1]) }

// readHeaders parses markers up to and including the first SOS header,
// leaving d.pos at the first byte of entropy-coded data.
func (d *decoder) readHeaders() error {
	if len(d.data) < 2 || d.data[0] != 0xFF || d.data[1] != mSOI {
		return corrupt("missing SOI marker")
	}
	d.pos = 2
	for {
		// Markers may be preceded by any number of 0xFF fill bytes.
		if d.pos >= len(d.data) || d.data[d.pos] != 0xFF {
			return corrupt("expected a marker at offset %d", d.pos)
		}
		for d.pos < len(d.data) && d.data[d.pos] == 0xFF {
			d.pos++
		}
		if d.pos >= len(d.data) {
			return corrupt("truncated marker at offset %d", d.pos)
		}
		m := d.data[d.pos]
		d.pos++
		switch {
		case m == mSOI || m == 0x01 || (m >= mRST0 && m <= mRST7):
			continue // no length field
		case m == mEOI:
			return corrupt("EOI before any scan")
		}
		if d.pos+2 > len(d.data) {
			return corrupt("truncated length of marker %#x", m)
		}
		n := d.u16(d.pos) - 2
		if n < 0 || d.pos+2+n > len(d.data) {
			return corrupt("marker %#x length %d runs past the end at offset %d", m, n+2, d.pos)
		}
		seg := d.data[d.pos+2 : d.pos+2+n]
		d.pos += 2 + n
		var err error
		switch {
		case m == mSOF0 || m == mSOF1:
			err = d.readSOF(seg)
		case m >= 0xC2 && m <= 0xCF && m != mDHT && m != 0xC8 && m != 0xCC:
			err = unsupported("frame type %#x (progressive, lossless or arithmetic)", m)
		case m == 0xCC:
			err = unsupported("arithmetic coding")
		case m == mDHT:
			err = d.readDHT(seg)
		case m == mDQT:
			err = d.readDQT(seg)
		case m == mDRI:
			if len(seg) != 2 {
				return corrupt("DRI length %d", len(seg))
			}
			d.restart = int(seg[0])<<8 | int(seg[1])
		case m == mAPPE:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				d.adobe, d.adobeXfm = true, seg[11]
			}
		case m == mDNL:
			err = unsupported("DNL marker")
		case m == mSOS:
			return d.readSOS(seg)
		}
		if err != nil {
			return err
		}
	}
}

func (d *decoder) readSOF(seg []byte) error {
	if d.frame {
		return corrupt("second frame header")
	}
	d.frame = true
	if len(seg) < 6 {
		return corrupt("short SOF")
	}
	if seg[0] != 8 {
		return unsupported("%d-bit samples", seg[0])
	}
	d.height, d.width = int(seg[1])<<8|int(seg[2]), int(seg[3])<<8|int(seg[4])
	d.ncomp = int(seg[5])
	if d.height == 0 {
		return unsupported("height defined by DNL")
	}
	if d.width == 0 {
		return corrupt("zero width")
	}
	if d.ncomp != 1 && d.ncomp != 3 {
		return unsupported("%d components", d.ncomp)
	}
	if len(seg) != 6+3*d.ncomp {
		return corrupt("SOF length %d for %d components", len(seg), d.ncomp)
	}
	for i := range d.ncomp {
		c := &d.comp[i]
		c.id = seg[6+3*i]
		c.h, c.v = int(seg[7+3*i]>>4), int(seg[7+3*i]&15)
		c.tq = int(seg[8+3*i])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return corrupt("component %d: sampling %dx%d, table %d", i, c.h, c.v, c.tq)
		}
		for j := range i {
			if d.comp[j].id == c.id {
				return corrupt("repeated component id %d", c.id)
			}
		}
	}
	if d.ncomp == 1 {
		// A single component is coded non-interleaved: one block per MCU.
		d.comp[0].h, d.comp[0].v = 1, 1
	} else {
		if d.comp[0].id == 'R' && d.comp[1].id == 'G' && d.comp[2].id == 'B' {
			return unsupported("RGB-coded JPEG")
		}
		y, cb, cr := d.comp[0], d.comp[1], d.comp[2]
		same := cb.h == y.h && cb.v == y.v && cr.h == y.h && cr.v == y.v
		sub := cb.h == 1 && cb.v == 1 && cr.h == 1 && cr.v == 1 && y.h <= 2 && y.v <= 2
		if !same && !sub {
			return unsupported("sampling %dx%d, %dx%d, %dx%d", y.h, y.v, cb.h, cb.v, cr.h, cr.v)
		}
		if same {
			// Equal factors are 4:4:4 whatever their value; code one block
			// per component per MCU only when all are 1.
			if y.h != 1 || y.v != 1 {
				return unsupported("4:4:4 with sampling %dx%d", y.h, y.v)
			}
		}
	}
	d.hmax, d.vmax = 1, 1
	for i := range d.ncomp {
		d.hmax, d.vmax = max(d.hmax, d.comp[i].h), max(d.vmax, d.comp[i].v)
	}
	return nil
}

func (d *decoder) readDQT(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, int(seg[0]&15)
		if tq > 3 || pq > 1 {
			return corrupt("DQT table %d precision %d", tq, pq)
		}
		seg = seg[1:]
		q := &d.qt[tq]
		if pq == 0 {
			if len(seg) < 64 {
				return corrupt("short DQT")
			}
			for k := range 64 {
				q[k] = int32(seg[k])
			}
			seg = seg[64:]
		} else {
			if len(seg) < 128 {
				return corrupt("short DQT")
			}
			for k := range 64 {
				q[k] = int32(seg[2*k])<<8 | int32(seg[2*k+1])
			}
			seg = seg[128:]
		}
		d.qtSet[tq] = true
	}
	return nil
}

func (d *decoder) readDHT(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return corrupt("short DHT")
		}
		tc, th := seg[0]>>4, int(seg[0]&15)
		if tc > 1 || th > 3 {
			return corrupt("DHT class %d table %d", tc, th)
		}
		var counts [16]int
		total := 0
		for i := range 16 {
			counts[i] = int(seg[1+i])
			total += counts[i]
		}
		if total == 0 || total > 256 || len(seg) < 17+total {
			return corrupt("DHT with %d codes", total)
		}
		vals := seg[17 : 17+total]
		var err error
		if tc == 0 {
			err = d.dc[th].build(counts, vals, false)
			d.dcSet[th] = err == nil
		} else {
			err = d.ac[th].build(counts, vals, true)
			d.acSet[th] = err == nil
		}
		if err != nil {
			return err
		}
		seg = seg[17+total:]
	}
	return nil
}

func (d *decoder) readSOS(seg []byte) error {
	if !d.frame {
		return corrupt("SOS before SOF")
	}
	if len(seg) < 1 {
		return corrupt("short SOS")
	}
	ns := int(seg[0])
	if len(seg) != 4+2*ns {
		return corrupt("SOS length %d for %d components", len(seg), ns)
	}
	if ns != d.ncomp {
		return unsupported("scan with %d of %d components (non-interleaved)", ns, d.ncomp)
	}
	for i := range ns {
		id, tables := seg[1+2*i], seg[2+2*i]
		// Scan components must follow the frame's order.
		c := &d.comp[i]
		if c.id != id {
			return unsupported("scan component order differs from the frame")
		}
		c.td, c.ta = int(tables>>4), int(tables&15)
		if c.td > 3 || c.ta > 3 || !d.dcSet[c.td] || !d.acSet[c.ta] {
			return corrupt("component %d uses undefined Huffman tables %d/%d", i, c.td, c.ta)
		}
		if !d.qtSet[c.tq] {
			return corrupt("component %d uses undefined quantization table %d", i, c.tq)
		}
	}
	if ss, se := seg[1+2*ns], seg[2+2*ns]; ss != 0 || se != 63 {
		return corrupt("sequential scan with spectral selection %d..%d", ss, se)
	}
	if d.adobe && d.adobeXfm == 0 && d.ncomp == 3 {
		return unsupported("Adobe RGB-coded JPEG")
	}
	return nil
}
