package vision

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// IDX is a decoded IDX file (the format of MNIST and Fashion-MNIST): its
// dimensions and its unsigned-byte elements in row-major order.
type IDX struct {
	Dims []int
	Data []byte
}

// Limits on IDX headers, so a corrupt header cannot make the reader
// allocate gigabytes: the largest real IDX files (MNIST train images) hold
// 47 MB.
const (
	MaxIDXDims  = 8
	MaxIDXBytes = 1 << 30
)

// idxTypeNames names the IDX element type codes for error messages.
var idxTypeNames = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
	0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
}

// Len returns the size of the first dimension (the number of items).
func (x IDX) Len() int {
	if len(x.Dims) == 0 {
		return 0
	}
	return x.Dims[0]
}

// ItemSize returns the number of bytes in one item: the product of all
// dimensions but the first.
func (x IDX) ItemSize() int {
	n := 1
	for _, d := range x.Dims[1:] {
		n *= d
	}
	return n
}

// Item returns the bytes of item i (a view, not a copy).
// It panics if i is out of range.
func (x IDX) Item(i int) []byte {
	if i < 0 || i >= x.Len() {
		panic(fmt.Sprintf("vision: IDX item %d out of range [0, %d)", i, x.Len()))
	}
	s := x.ItemSize()
	return x.Data[i*s : (i+1)*s : (i+1)*s]
}

// ReadIDX decodes an IDX file, gzip-compressed or raw (told apart by the
// gzip magic). Only unsigned-byte data (type 0x08) is supported. The data
// must fill the dimensions exactly: short or trailing bytes are errors.
func ReadIDX(r io.Reader) (IDX, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return IDX{}, fmt.Errorf("idx: gzip: %w", err)
		}
		defer zr.Close()
		return readRawIDX(bufio.NewReader(zr))
	}
	return readRawIDX(br)
}

// ReadIDXFile reads an IDX file from path; errors name the file.
func ReadIDXFile(path string) (IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return IDX{}, fmt.Errorf("idx: %w", err)
	}
	defer f.Close()
	x, err := ReadIDX(f)
	if err != nil {
		return IDX{}, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}

func readRawIDX(r io.Reader) (IDX, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return IDX{}, fmt.Errorf("idx: header: %w", eofIsUnexpected(err))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return IDX{}, fmt.Errorf("idx: bad magic % x (want 00 00 type ndims)", magic)
	}
	if magic[2] != 0x08 {
		name, ok := idxTypeNames[magic[2]]
		if !ok {
			return IDX{}, fmt.Errorf("idx: unknown element type 0x%02X", magic[2])
		}
		return IDX{}, fmt.Errorf("idx: unsupported element type 0x%02X (%s); only unsigned byte (0x08) is supported", magic[2], name)
	}
	ndims := int(magic[3])
	if ndims == 0 || ndims > MaxIDXDims {
		return IDX{}, fmt.Errorf("idx: %d dimensions (want 1..%d)", ndims, MaxIDXDims)
	}
	raw := make([]byte, 4*ndims)
	if _, err := io.ReadFull(r, raw); err != nil {
		return IDX{}, fmt.Errorf("idx: dimensions: %w", eofIsUnexpected(err))
	}
	dims := make([]int, ndims)
	total := int64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(raw[4*i:])
		dims[i] = int(d)
		if total *= int64(d); total > MaxIDXBytes {
			return IDX{}, fmt.Errorf("idx: dimensions %v exceed the %d-byte limit", dims[:i+1], MaxIDXBytes)
		}
	}
	data, err := readExactly(r, int(total))
	if err != nil {
		return IDX{}, fmt.Errorf("idx: data for dimensions %v: %w", dims, err)
	}
	if n, _ := r.Read(make([]byte, 1)); n > 0 {
		return IDX{}, fmt.Errorf("idx: trailing bytes after %d data bytes for dimensions %v", total, dims)
	}
	return IDX{Dims: dims, Data: data}, nil
}

// readExactly reads n bytes, allocating in step with what arrives (doubling
// from 16 MiB) so a truncated input with a large header stays cheap.
func readExactly(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 16<<20))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			next := make([]byte, len(buf), min(n, 2*cap(buf)))
			copy(next, buf)
			buf = next
		}
		got, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+got]
		if err != nil {
			return nil, fmt.Errorf("%w (got %d of %d bytes)", eofIsUnexpected(err), len(buf), n)
		}
	}
	return buf, nil
}

func eofIsUnexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// WriteIDX writes x as a raw (uncompressed) unsigned-byte IDX file.
func WriteIDX(w io.Writer, x IDX) error {
	if len(x.Dims) == 0 || len(x.Dims) > MaxIDXDims {
		return fmt.Errorf("idx: write: %d dimensions (want 1..%d)", len(x.Dims), MaxIDXDims)
	}
	n := 1
	hdr := []byte{0, 0, 0x08, byte(len(x.Dims))}
	for _, d := range x.Dims {
		if d < 0 || int64(d) > 1<<32-1 {
			return fmt.Errorf("idx: write: bad dimension %d", d)
		}
		n *= d
		hdr = binary.BigEndian.AppendUint32(hdr, uint32(d))
	}
	if n != len(x.Data) {
		return fmt.Errorf("idx: write: dimensions %v need %d bytes, have %d", x.Dims, n, len(x.Data))
	}
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("idx: write: %w", err)
	}
	if _, err := w.Write(x.Data); err != nil {
		return fmt.Errorf("idx: write: %w", err)
	}
	return nil
}
