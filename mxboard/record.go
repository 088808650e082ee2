package mxboard

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"google.golang.org/protobuf/proto"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

// TFRecord framing (FORMATS.md 4.1): u64 LE length, u32 LE masked CRC-32C of
// the 8 length bytes, the data, u32 LE masked CRC-32C of the data.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maskDelta is added after the rotation so that a CRC stored inside data
// that is itself CRC'd does not degrade the check.
const maskDelta = 0xa282ead8

// MaskedCRC returns TensorBoard's masked CRC-32C of b.
func MaskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return (c>>15 | c<<17) + maskDelta
}

// recordOverhead is the framing around each record's data.
const recordOverhead = 8 + 4 + 4

// MaxRecordSize bounds the data length a reader accepts, so a corrupt or
// hostile length cannot make it allocate without limit.
const MaxRecordSize = 1 << 30

// appendRecord appends data framed as one TFRecord to dst. The header is
// built in dst itself so that nothing escapes to the heap per record.
func appendRecord(dst, data []byte) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(data)))
	dst = binary.LittleEndian.AppendUint32(dst, MaskedCRC(dst[start:start+8]))
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, MaskedCRC(data))
}

// Sentinel causes carried by a *RecordError; test with errors.Is.
var (
	// ErrTruncated: the file ends inside a record, as it does while a writer
	// is still running or after it crashed mid-write.
	ErrTruncated = errors.New("truncated record")
	// ErrCorrupt: a CRC does not match, the length is impossible, or the
	// data is not an Event.
	ErrCorrupt = errors.New("corrupt record")
)

// RecordError reports where reading an event file stopped.
type RecordError struct {
	File   string // file name, or "" when reading a plain io.Reader
	Offset int64  // byte offset of the record's first byte
	Index  int    // index of the record (0 = first)
	Err    error  // wraps ErrTruncated or ErrCorrupt, or an I/O error
}

func (e *RecordError) Error() string {
	name := e.File
	if name == "" {
		name = "event stream"
	}
	return fmt.Sprintf("mxboard: read %s: record %d at offset %d: %v", name, e.Index, e.Offset, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// EventReader reads the records of one event file in order, checking both
// CRCs of each and decoding it as an Event.
type EventReader struct {
	r      *bufio.Reader
	name   string
	offset int64
	index  int
	buf    []byte
	err    error
}

// NewEventReader returns a reader of the event records in r.
func NewEventReader(r io.Reader) *EventReader {
	return &EventReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// Offset returns the byte offset just past the last record read.
func (er *EventReader) Offset() int64 { return er.offset }

// Count returns how many records have been read successfully.
func (er *EventReader) Count() int { return er.index }

// NextRecord returns the data of the next record after checking both CRCs.
// It returns io.EOF at a clean end of input and a *RecordError otherwise;
// once it has failed it keeps returning the same error. The returned slice
// is reused by the next call.
func (er *EventReader) NextRecord() ([]byte, error) {
	if er.err != nil {
		return nil, er.err
	}
	data, err := er.readRecord()
	if err != nil {
		if err != io.EOF {
			err = &RecordError{File: er.name, Offset: er.offset, Index: er.index, Err: err}
		}
		er.err = err
		return nil, err
	}
	er.offset += int64(len(data)) + recordOverhead
	er.index++
	return data, nil
}

func (er *EventReader) readRecord() ([]byte, error) {
	var hdr [12]byte
	n, err := io.ReadFull(er.r, hdr[:])
	switch {
	case err == io.EOF:
		return nil, io.EOF
	case err == io.ErrUnexpectedEOF:
		return nil, fmt.Errorf("%w: header has %d of 12 bytes", ErrTruncated, n)
	case err != nil:
		return nil, err
	}
	if got, want := binary.LittleEndian.Uint32(hdr[8:]), MaskedCRC(hdr[:8]); got != want {
		return nil, fmt.Errorf("%w: length crc %#08x, want %#08x", ErrCorrupt, got, want)
	}
	length := binary.LittleEndian.Uint64(hdr[:8])
	if length > MaxRecordSize {
		return nil, fmt.Errorf("%w: length %d exceeds %d", ErrCorrupt, length, MaxRecordSize)
	}
	// Grow the buffer as bytes arrive, so a length promised by a truncated
	// file costs no more memory than the bytes really there.
	er.buf = er.buf[:0]
	for remaining := int(length) + 4; remaining > 0; {
		chunk := min(remaining, 1<<20)
		start := len(er.buf)
		er.buf = append(er.buf, make([]byte, chunk)...)
		got, err := io.ReadFull(er.r, er.buf[start:])
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w: %d of %d data+crc bytes", ErrTruncated, start+got, length+4)
		}
		if err != nil {
			return nil, err
		}
		remaining -= chunk
	}
	data, tail := er.buf[:length], er.buf[length:]
	if got, want := binary.LittleEndian.Uint32(tail), MaskedCRC(data); got != want {
		return nil, fmt.Errorf("%w: data crc %#08x, want %#08x", ErrCorrupt, got, want)
	}
	return data, nil
}

// Next returns the next Event. It returns io.EOF at a clean end of input and
// a *RecordError at a truncated or corrupt record.
func (er *EventReader) Next() (*tbproto.Event, error) {
	data, err := er.NextRecord()
	if err != nil {
		return nil, err
	}
	ev := new(tbproto.Event)
	if err := proto.Unmarshal(data, ev); err != nil {
		// Step back so the error names this record, then make it sticky.
		er.index--
		er.offset -= int64(len(data)) + recordOverhead
		er.err = &RecordError{File: er.name, Offset: er.offset, Index: er.index,
			Err: fmt.Errorf("%w: decode event: %v", ErrCorrupt, err)}
		return nil, er.err
	}
	return ev, nil
}

// ReadEvents reads every Event of the event file at path. At a truncated or
// corrupt record it returns the events read before it together with a
// *RecordError naming the file and offset.
func ReadEvents(path string) ([]*tbproto.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mxboard: %w", err)
	}
	defer f.Close()
	er := NewEventReader(f)
	er.name = path
	var events []*tbproto.Event
	for {
		ev, err := er.Next()
		if err == io.EOF {
			return events, nil
		}
		if err != nil {
			return events, err
		}
		events = append(events, ev)
	}
}
