package recordio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Magic is the dmlc RecordIO magic word that starts every frame
// (bytes 0A 23 D7 CE on disk).
const Magic uint32 = 0xCED7230A

// MaxRecordLen is one more than the largest frame payload: the length field
// has 29 bits.
const MaxRecordLen = 1 << 29

// Frame continuation flags (the upper 3 bits of the length word).
const (
	flagWhole  = 0
	flagFirst  = 1
	flagMiddle = 2
	flagLast   = 3
)

const frameHeaderLen = 8

// growChunk bounds how much is allocated ahead of the bytes actually read,
// so a corrupt length word cannot make a truncated stream allocate 512 MiB.
const growChunk = 1 << 20

var magicBytes = binary.LittleEndian.AppendUint32(nil, Magic)

func encodeLRec(cflag uint32, n int) uint32 { return cflag<<29 | uint32(n) }
func decodeLRec(l uint32) (cflag uint32, n int) {
	return l >> 29, int(l & (MaxRecordLen - 1))
}
func pad4(n int) int { return (4 - n&3) & 3 }

// Writer writes records in dmlc RecordIO framing, byte for byte as MXNet's
// MXRecordIO does. It does no buffering of its own: wrap the destination in
// a bufio.Writer for speed, and flush it.
type Writer struct {
	w   io.Writer
	off int64
	hdr [frameHeaderLen]byte
}

// NewWriter returns a Writer appending to w, which is assumed to be at
// offset 0 (offsets returned by Write count from there).
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Offset returns the number of bytes written so far, which is the offset at
// which the next record will start.
func (w *Writer) Offset() int64 { return w.off }

// Write appends one record and returns the offset of its first frame.
// Where rec holds the magic word at a 4-byte-aligned position, the record
// is split there into several frames (flags 1, 2…, 3) and those 4 bytes are
// dropped; Reader puts them back. Records of 2^29 bytes or more are refused.
func (w *Writer) Write(rec []byte) (int64, error) {
	if len(rec) >= MaxRecordLen {
		return w.off, fmt.Errorf("recordio: write: record of %d bytes exceeds the %d-byte limit", len(rec), MaxRecordLen-1)
	}
	start := w.off
	pieceStart := 0
	for i := 0; i+4 <= len(rec); i += 4 {
		if binary.LittleEndian.Uint32(rec[i:]) != Magic {
			continue
		}
		flag := uint32(flagMiddle)
		if pieceStart == 0 {
			flag = flagFirst
		}
		if err := w.frame(flag, rec[pieceStart:i]); err != nil {
			return start, err
		}
		pieceStart = i + 4
	}
	flag := uint32(flagWhole)
	if pieceStart != 0 {
		flag = flagLast
	}
	if err := w.frame(flag, rec[pieceStart:]); err != nil {
		return start, err
	}
	if p := pad4(len(rec)); p > 0 {
		var zero [3]byte
		if err := w.put(zero[:p]); err != nil {
			return start, err
		}
	}
	return start, nil
}

// frame writes a header and payload. Only the last piece of a record can
// have a length that is not a multiple of 4, so only it needs padding.
func (w *Writer) frame(cflag uint32, payload []byte) error {
	binary.LittleEndian.PutUint32(w.hdr[0:], Magic)
	binary.LittleEndian.PutUint32(w.hdr[4:], encodeLRec(cflag, len(payload)))
	if err := w.put(w.hdr[:]); err != nil {
		return err
	}
	return w.put(payload)
}

func (w *Writer) put(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	n, err := w.w.Write(b)
	w.off += int64(n)
	if err != nil {
		return fmt.Errorf("recordio: write at offset %d: %w", w.off, err)
	}
	return nil
}

// Reader reads records written in dmlc RecordIO framing, joining split
// records. A Reader made by NewPartReader stops at the end of its part.
type Reader struct {
	br    *bufio.Reader
	off   int64 // offset of the next unread byte in the whole stream
	end   int64 // records starting at or after end belong to another part; -1: no limit
	last  int64 // offset of the record most recently returned
	limit int   // largest record accepted
	hdr   [frameHeaderLen]byte
}

// NewReader returns a Reader of the records in r, which must be positioned
// at a record boundary (normally the start of the file).
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), end: -1, limit: MaxRecordLen - 1}
}

// Offset returns the offset of the first frame of the record most recently
// returned by Next, as stored in .idx files.
func (r *Reader) Offset() int64 { return r.last }

// Next returns the next record in a newly allocated slice, or io.EOF after
// the last one. Malformed or truncated input gives a *FormatError naming the
// offset.
func (r *Reader) Next() ([]byte, error) {
	if r.end >= 0 && r.off >= r.end {
		return nil, io.EOF
	}
	start := r.off
	var rec []byte
	for first := true; ; first = false {
		cflag, n, err := r.readFrameHeader(first)
		if err != nil {
			return nil, err
		}
		switch {
		case first && cflag != flagWhole && cflag != flagFirst:
			return nil, corruptf(r.off-frameHeaderLen, nil, "record starts with continuation flag %d", cflag)
		case !first && cflag != flagMiddle && cflag != flagLast:
			return nil, corruptf(r.off-frameHeaderLen, nil, "split record (started at %d) interrupted by a frame with flag %d", start, cflag)
		case cflag != flagWhole && cflag != flagLast && n&3 != 0:
			return nil, corruptf(r.off-frameHeaderLen, nil, "inner part of a split record has unaligned length %d", n)
		}
		if !first {
			rec = append(rec, magicBytes...)
		}
		if len(rec)+n > r.limit {
			return nil, corruptf(start, nil, "record longer than %d bytes", r.limit)
		}
		if rec, err = r.readPayload(rec, n); err != nil {
			return nil, err
		}
		if cflag == flagWhole || cflag == flagLast {
			break
		}
	}
	r.last = start
	if rec == nil {
		rec = []byte{}
	}
	return rec, nil
}

// readFrameHeader reads magic and length. A clean end of input before the
// first frame of a record is io.EOF; anywhere else it is corruption.
func (r *Reader) readFrameHeader(first bool) (cflag uint32, n int, err error) {
	at := r.off
	got, err := io.ReadFull(r.br, r.hdr[:])
	r.off += int64(got)
	if err != nil {
		if err == io.EOF && first {
			return 0, 0, io.EOF
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, 0, corruptf(at, io.ErrUnexpectedEOF, "truncated frame header (%d of 8 bytes)", got)
		}
		return 0, 0, fmt.Errorf("recordio: read at offset %d: %w", at, err)
	}
	if m := binary.LittleEndian.Uint32(r.hdr[0:]); m != Magic {
		return 0, 0, corruptf(at, nil, "bad magic 0x%08X (want 0x%08X)", m, Magic)
	}
	cflag, n = decodeLRec(binary.LittleEndian.Uint32(r.hdr[4:]))
	return cflag, n, nil
}

// readPayload appends n payload bytes to rec and skips the padding, growing
// rec in bounded steps so the allocation tracks the bytes really present.
func (r *Reader) readPayload(rec []byte, n int) ([]byte, error) {
	at := r.off - frameHeaderLen // errors name the frame's start
	for want := n; want > 0; {
		step := min(want, growChunk)
		if cap(rec)-len(rec) < step {
			rec = growSlice(rec, step, n)
		}
		got, err := io.ReadFull(r.br, rec[len(rec):len(rec)+step])
		rec = rec[:len(rec)+got]
		r.off += int64(got)
		if err != nil {
			return nil, r.payloadErr(at, n, n-want+got, err)
		}
		want -= step
	}
	if p := pad4(n); p > 0 {
		got, err := r.br.Discard(p)
		r.off += int64(got)
		if err != nil {
			return nil, r.payloadErr(at, n, n, err)
		}
	}
	return rec, nil
}

func (r *Reader) payloadErr(at int64, n, got int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corruptf(at, io.ErrUnexpectedEOF, "truncated payload (%d of %d bytes, plus padding)", got, n)
	}
	return fmt.Errorf("recordio: read at offset %d: %w", at, err)
}

// growSlice returns rec with room for at least step more bytes, growing
// geometrically towards (but never past) the frame's total length.
func growSlice(rec []byte, step, total int) []byte {
	want := len(rec) + step
	newCap := max(want, min(2*cap(rec), len(rec)+total))
	out := make([]byte, len(rec), newCap)
	copy(out, rec)
	return out
}
