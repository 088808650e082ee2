package recordio

import (
	"encoding/binary"
	"fmt"
	"math"
)

// HeaderLen is the size of the fixed image record header (MXNet's IRHeader,
// Python struct format 'IfQQ').
const HeaderLen = 24

// Header is the image record header MXNet's im2rec and recordio.pack write
// before the encoded image. A scalar label lives in Label with Flag 0; a
// vector label (detection boxes, multi-label) is stored as Flag = len(Labels)
// float32 values right after the header, with Label 0.
type Header struct {
	Flag   uint32
	Label  float32
	Labels []float32
	ID     uint64
	ID2    uint64
}

// Pack returns the header followed by payload, in MXNet's layout. Flag is
// derived from Labels, as mx.recordio.pack does: when Labels is non-empty,
// Flag = len(Labels) and the stored scalar label is 0; otherwise Flag = 0
// and Label is stored.
func Pack(h Header, payload []byte) []byte {
	out := make([]byte, HeaderLen, HeaderLen+4*len(h.Labels)+len(payload))
	label := h.Label
	if len(h.Labels) > 0 {
		label = 0
	}
	binary.LittleEndian.PutUint32(out[0:], uint32(len(h.Labels)))
	binary.LittleEndian.PutUint32(out[4:], math.Float32bits(label))
	binary.LittleEndian.PutUint64(out[8:], h.ID)
	binary.LittleEndian.PutUint64(out[16:], h.ID2)
	for _, v := range h.Labels {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	return append(out, payload...)
}

// Unpack splits a record into its header and payload (the encoded image).
// The payload aliases rec. When Flag > 0, Flag float32 labels are read into
// Labels. A record too short for its header is an error.
func Unpack(rec []byte) (Header, []byte, error) {
	if len(rec) < HeaderLen {
		return Header{}, nil, corruptf(0, nil, "image record of %d bytes is shorter than the %d-byte header", len(rec), HeaderLen)
	}
	h := Header{
		Flag:  binary.LittleEndian.Uint32(rec[0:]),
		Label: math.Float32frombits(binary.LittleEndian.Uint32(rec[4:])),
		ID:    binary.LittleEndian.Uint64(rec[8:]),
		ID2:   binary.LittleEndian.Uint64(rec[16:]),
	}
	rest := rec[HeaderLen:]
	if h.Flag > 0 {
		if uint64(h.Flag)*4 > uint64(len(rest)) {
			return Header{}, nil, corruptf(HeaderLen, nil, "header flag %d promises %d label bytes, record has %d after the header", h.Flag, uint64(h.Flag)*4, len(rest))
		}
		h.Labels = make([]float32, h.Flag)
		for i := range h.Labels {
			h.Labels[i] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4*i:]))
		}
		rest = rest[4*h.Flag:]
	}
	return h, rest, nil
}

// String prints the header as MXNet's Python namedtuple does.
func (h Header) String() string {
	if len(h.Labels) > 0 {
		return fmt.Sprintf("HEADER(flag=%d, label=%v, id=%d, id2=%d)", h.Flag, h.Labels, h.ID, h.ID2)
	}
	return fmt.Sprintf("HEADER(flag=%d, label=%v, id=%d, id2=%d)", h.Flag, h.Label, h.ID, h.ID2)
}
