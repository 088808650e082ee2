package recordio

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// IndexEntry is one line of a .idx file: a key and the byte offset of the
// record's first frame in the .rec file.
type IndexEntry struct {
	Key    int
	Offset int64
}

// ReadIndex parses a .idx file (`key<TAB>offset` per line, as written by
// MXNet's MXIndexedRecordIO and im2rec). Entries keep the file's order.
// Duplicate keys and negative offsets are errors.
func ReadIndex(r io.Reader) ([]IndexEntry, error) {
	var out []IndexEntry
	seen := make(map[int]bool)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 2 {
			return nil, &FormatError{Line: line, Offset: -1, Msg: fmt.Sprintf("want 2 fields (key, offset), got %d", len(fields))}
		}
		key, err := strconv.Atoi(fields[0])
		if err != nil {
			return nil, &FormatError{Line: line, Offset: -1, Msg: "bad key", Err: err}
		}
		off, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil || off < 0 {
			return nil, &FormatError{Line: line, Offset: -1, Msg: fmt.Sprintf("bad offset %q", fields[1])}
		}
		if seen[key] {
			return nil, &FormatError{Line: line, Offset: -1, Msg: fmt.Sprintf("duplicate key %d", key)}
		}
		seen[key] = true
		out = append(out, IndexEntry{Key: key, Offset: off})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("recordio: read index: %w", err)
	}
	return out, nil
}

// WriteIndex writes entries in .idx format.
func WriteIndex(w io.Writer, entries []IndexEntry) error {
	bw := bufio.NewWriter(w)
	for _, e := range entries {
		bw.WriteString(strconv.Itoa(e.Key))
		bw.WriteByte('\t')
		bw.WriteString(strconv.FormatInt(e.Offset, 10))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("recordio: write index: %w", err)
	}
	return nil
}

// IndexPath returns the .idx path MXNet pairs with a .rec path: the same
// name with its extension replaced by .idx.
func IndexPath(recPath string) string {
	return strings.TrimSuffix(recPath, filepath.Ext(recPath)) + ".idx"
}

// IndexedReader gives random access to the records of a .rec file through
// its .idx. It is safe for concurrent use: reads go through io.ReaderAt.
type IndexedReader struct {
	r       io.ReaderAt
	size    int64
	name    string
	entries []IndexEntry
	byKey   map[int]int64
	closer  io.Closer
}

// Open opens a .rec file and its .idx file (IndexPath(recPath) when idxPath
// is empty). Every offset in the index is checked against the file size.
func Open(recPath, idxPath string) (*IndexedReader, error) {
	if idxPath == "" {
		idxPath = IndexPath(recPath)
	}
	idx, err := os.Open(idxPath)
	if err != nil {
		return nil, fmt.Errorf("recordio: %w", err)
	}
	entries, err := ReadIndex(idx)
	idx.Close()
	if err != nil {
		return nil, withFile(err, idxPath)
	}
	f, err := os.Open(recPath)
	if err != nil {
		return nil, fmt.Errorf("recordio: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("recordio: %w", err)
	}
	ir, err := newIndexed(f, st.Size(), entries)
	if err != nil {
		f.Close()
		return nil, withFile(err, idxPath)
	}
	ir.name, ir.closer = recPath, f
	return ir, nil
}

// NewIndexedReader is Open for data already in memory or another
// io.ReaderAt: r holds size bytes of records, idx the .idx text.
func NewIndexedReader(r io.ReaderAt, size int64, idx io.Reader) (*IndexedReader, error) {
	entries, err := ReadIndex(idx)
	if err != nil {
		return nil, err
	}
	return newIndexed(r, size, entries)
}

func newIndexed(r io.ReaderAt, size int64, entries []IndexEntry) (*IndexedReader, error) {
	// Keys are served in file order so a pass over Keys() reads the file
	// sequentially, whatever order the .idx lists them in.
	entries = slices.Clone(entries)
	slices.SortStableFunc(entries, func(a, b IndexEntry) int { return cmp.Compare(a.Offset, b.Offset) })
	byKey := make(map[int]int64, len(entries))
	for i, e := range entries {
		if e.Offset+frameHeaderLen > size {
			return nil, &FormatError{Line: 0, Offset: -1, Msg: fmt.Sprintf("entry %d: key %d: offset %d beyond the %d-byte record file", i, e.Key, e.Offset, size)}
		}
		byKey[e.Key] = e.Offset
	}
	return &IndexedReader{r: r, size: size, entries: entries, byKey: byKey}, nil
}

// Len returns the number of indexed records.
func (ir *IndexedReader) Len() int { return len(ir.entries) }

// Keys returns the keys in the order of their records in the file (which is
// also .idx order for files written by im2rec or IndexedWriter), whatever
// the keys' own order. The slice is a copy.
func (ir *IndexedReader) Keys() []int {
	keys := make([]int, len(ir.entries))
	for i, e := range ir.entries {
		keys[i] = e.Key
	}
	return keys
}

// Entries returns a copy of the index, in file order.
func (ir *IndexedReader) Entries() []IndexEntry { return slices.Clone(ir.entries) }

// Read returns the record stored under key.
func (ir *IndexedReader) Read(key int) ([]byte, error) {
	off, ok := ir.byKey[key]
	if !ok {
		return nil, fmt.Errorf("recordio: %s: key %d not in index", ir.displayName(), key)
	}
	rec, err := ReadRecordAt(ir.r, off, ir.size)
	if err != nil {
		return nil, withFile(err, ir.displayName())
	}
	return rec, nil
}

// ReadAt returns the i-th record in file order (0 <= i < Len()).
func (ir *IndexedReader) ReadAt(i int) ([]byte, error) {
	if i < 0 || i >= len(ir.entries) {
		return nil, fmt.Errorf("recordio: %s: record %d out of range [0, %d)", ir.displayName(), i, len(ir.entries))
	}
	return ir.Read(ir.entries[i].Key)
}

func (ir *IndexedReader) displayName() string {
	if ir.name != "" {
		return ir.name
	}
	return "<reader>"
}

// Close closes the .rec file opened by Open. It is a no-op for readers made
// by NewIndexedReader.
func (ir *IndexedReader) Close() error {
	if ir.closer == nil {
		return nil
	}
	return ir.closer.Close()
}

// ReadRecordAt reads the record whose first frame starts at off in a RecordIO
// stream of size bytes, joining split records. It allocates only as much as
// the stream really holds.
func ReadRecordAt(r io.ReaderAt, off, size int64) ([]byte, error) {
	var rec []byte
	var hdr [frameHeaderLen]byte
	for first := true; ; first = false {
		if off < 0 || off+frameHeaderLen > size {
			return nil, corruptf(off, io.ErrUnexpectedEOF, "truncated frame header")
		}
		if k, err := r.ReadAt(hdr[:], off); k < len(hdr) {
			return nil, atErr(off, err, "frame header")
		}
		if m := binary.LittleEndian.Uint32(hdr[:]); m != Magic {
			return nil, corruptf(off, nil, "bad magic 0x%08X (want 0x%08X)", m, Magic)
		}
		cflag, n := decodeLRec(binary.LittleEndian.Uint32(hdr[4:]))
		switch {
		case first && cflag != flagWhole && cflag != flagFirst:
			return nil, corruptf(off, nil, "record starts with continuation flag %d", cflag)
		case !first && cflag != flagMiddle && cflag != flagLast:
			return nil, corruptf(off, nil, "split record interrupted by a frame with flag %d", cflag)
		case cflag != flagWhole && cflag != flagLast && n&3 != 0:
			return nil, corruptf(off, nil, "inner part of a split record has unaligned length %d", n)
		}
		off += frameHeaderLen
		if int64(n) > size-off {
			return nil, corruptf(off-frameHeaderLen, io.ErrUnexpectedEOF, "payload of %d bytes runs past the end (%d bytes left)", n, size-off)
		}
		if !first {
			rec = append(rec, magicBytes...)
		}
		rec = slices.Grow(rec, n)
		if k, err := r.ReadAt(rec[len(rec):len(rec)+n], off); k < n {
			return nil, atErr(off, err, "payload")
		}
		rec = rec[:len(rec)+n]
		off += int64(n + pad4(n))
		if cflag == flagWhole || cflag == flagLast {
			if rec == nil {
				rec = []byte{}
			}
			return rec, nil
		}
	}
}

func atErr(off int64, err error, what string) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corruptf(off, io.ErrUnexpectedEOF, "truncated %s", what)
	}
	return fmt.Errorf("recordio: read %s at offset %d: %w", what, off, err)
}
