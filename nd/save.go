package nd

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/mxgo/mxgo/engine"
)

// MXNet's NDArray list file (nd.save, .params): see FORMATS.md 2a. All
// numbers are little-endian.
const (
	saveListMagic = 0x112
	saveV1Magic   = 0xF993FAC8 // shape, context, dtype, data
	saveV2Magic   = 0xF993FAC9 // adds the storage type
	saveV3Magic   = 0xF993FACA // NumPy shape semantics: ndim 0 is a scalar
	saveMaxNdim   = 32         // bound on legacy V0 records, where the first word is ndim
)

// Loaded is the content of an NDArray list file or an .npz archive.
type Loaded struct {
	// Names holds one name per array, or is nil when the arrays were saved
	// as a list.
	Names []string
	// Arrays are on the CPU. A nil entry is MXNet's "none" array (a record
	// with an unknown shape).
	Arrays []*NDArray
	// Devices are the devices the arrays were saved from (CPU for .npz).
	Devices []Device
}

// Map returns the arrays by name (nil when the file holds an unnamed list).
func (l *Loaded) Map() map[string]*NDArray {
	if l.Names == nil {
		return nil
	}
	m := make(map[string]*NDArray, len(l.Names))
	for i, n := range l.Names {
		m[n] = l.Arrays[i]
	}
	return m
}

// FormatError reports malformed input to a loader, with the byte offset
// where it was found.
type FormatError struct {
	Format string // "ndarray list", "npy", "npz"
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("nd: %s: offset %d: %s", e.Format, e.Offset, e.Msg)
}

// Load reads an NDArray list file written by MXNet's nd.save (or by Save),
// or an .npz archive (what MXNet 2 writes as .params), told apart by the
// file's first bytes. Every dtype is read (float16 and bfloat16 are kept as
// storage); sparse arrays give an error.
func Load(path string) (*Loaded, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nd: load: %w", err)
	}
	l, err := LoadBytes(b)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return l, nil
}

// LoadFrom reads an NDArray list file or .npz archive from r (to its end).
func LoadFrom(r io.Reader) (*Loaded, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("nd: load: %w", err)
	}
	return LoadBytes(b)
}

// LoadBytes parses an NDArray list file or .npz archive held in memory.
func LoadBytes(b []byte) (*Loaded, error) {
	if bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte("PK\x05\x06")) {
		return loadNpzBytes(b)
	}
	r := &saveReader{b: b}
	l, err := r.list()
	if err != nil {
		return nil, err
	}
	return l, nil
}

// saveReader walks the bytes of a list file; every read checks the bytes
// left first, so a corrupt header can never make it allocate more than the
// input holds.
type saveReader struct {
	b   []byte
	off int
}

func (r *saveReader) fail(off int, format string, args ...any) error {
	return &FormatError{Format: "ndarray list", Offset: int64(off), Msg: fmt.Sprintf(format, args...)}
}

func (r *saveReader) left() int { return len(r.b) - r.off }

func (r *saveReader) take(n int, what string) ([]byte, error) {
	if n < 0 || n > r.left() {
		return nil, r.fail(r.off, "truncated: %s needs %d bytes, %d left", what, n, r.left())
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p, nil
}

func (r *saveReader) u32(what string) (uint32, error) {
	p, err := r.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(p), nil
}

func (r *saveReader) i32(what string) (int32, error) {
	v, err := r.u32(what)
	return int32(v), err
}

func (r *saveReader) u64(what string) (uint64, error) {
	p, err := r.take(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(p), nil
}

func (r *saveReader) list() (*Loaded, error) {
	magic, err := r.u64("header")
	if err != nil {
		return nil, err
	}
	if magic != saveListMagic {
		return nil, r.fail(0, "not an NDArray list file (magic %#x, want %#x)", magic, saveListMagic)
	}
	if _, err := r.u64("header"); err != nil {
		return nil, err
	}
	at := r.off
	n, err := r.u64("array count")
	if err != nil {
		return nil, err
	}
	if n > uint64(r.left()/4) { // every record takes at least 4 bytes
		return nil, r.fail(at, "array count %d does not fit in the %d bytes left", n, r.left())
	}
	l := &Loaded{Arrays: make([]*NDArray, n), Devices: make([]Device, n)}
	for i := range l.Arrays {
		if l.Arrays[i], l.Devices[i], err = r.record(); err != nil {
			return nil, fmt.Errorf("array %d: %w", i, err)
		}
	}
	at = r.off
	k, err := r.u64("name count")
	if err != nil {
		return nil, err
	}
	if k == 0 {
		return l, nil
	}
	if k != n {
		return nil, r.fail(at, "%d names for %d arrays", k, n)
	}
	l.Names = make([]string, n)
	for i := range l.Names {
		at := r.off
		size, err := r.u64("name length")
		if err != nil {
			return nil, err
		}
		if size > uint64(r.left()) {
			return nil, r.fail(at, "name %d length %d exceeds the %d bytes left", i, size, r.left())
		}
		p, _ := r.take(int(size), "name")
		l.Names[i] = string(p)
	}
	return l, nil
}

// record reads one array record (V0 to V3). A nil array is a "none" record.
func (r *saveReader) record() (*NDArray, Device, error) {
	start := r.off
	magic, err := r.u32("record magic")
	if err != nil {
		return nil, CPU(), err
	}
	var shape Shape
	switch magic {
	case saveV2Magic, saveV3Magic:
		stype, err := r.i32("storage type")
		if err != nil {
			return nil, CPU(), err
		}
		switch stype {
		case 0, -1: // dense, or undefined (a none array)
		case 1:
			return nil, CPU(), r.fail(start, "row_sparse arrays are not supported")
		case 2:
			return nil, CPU(), r.fail(start, "csr arrays are not supported")
		default:
			return nil, CPU(), r.fail(start, "unknown storage type %d", stype)
		}
		at := r.off
		ndim, err := r.i32("ndim")
		if err != nil {
			return nil, CPU(), err
		}
		v3 := magic == saveV3Magic
		if ndim < 0 && v3 || ndim == 0 && !v3 {
			return nil, CPU(), nil // unknown shape: the record ends here
		}
		if ndim < 0 || int(ndim) > r.left()/8 {
			return nil, CPU(), r.fail(at, "bad ndim %d", ndim)
		}
		shape = make(Shape, ndim)
		unknown := false
		for i := range shape {
			at := r.off
			d, _ := r.u64("dim")
			switch {
			case int64(d) == -1 && v3:
				unknown = true
			case int64(d) < 0 || d > math.MaxInt32:
				return nil, CPU(), r.fail(at, "bad dimension %d", int64(d))
			}
			shape[i] = int(d)
		}
		if unknown {
			return nil, CPU(), nil
		}
	case saveV1Magic:
		at := r.off
		ndim, err := r.u32("ndim")
		if err != nil {
			return nil, CPU(), err
		}
		if ndim == 0 {
			return nil, CPU(), nil
		}
		if ndim > uint32(r.left()/8) {
			return nil, CPU(), r.fail(at, "bad ndim %d", ndim)
		}
		shape = make(Shape, ndim)
		for i := range shape {
			at := r.off
			d, _ := r.u64("dim")
			if d > math.MaxInt32 {
				return nil, CPU(), r.fail(at, "bad dimension %d", int64(d))
			}
			shape[i] = int(d)
		}
	default:
		// Legacy V0: the word just read is ndim, then u32 dims.
		if magic == 0 {
			return nil, CPU(), nil
		}
		if magic > saveMaxNdim {
			return nil, CPU(), r.fail(start, "unknown record magic %#x", magic)
		}
		shape = make(Shape, magic)
		for i := range shape {
			d, err := r.u32("dim")
			if err != nil {
				return nil, CPU(), err
			}
			if d > math.MaxInt32 {
				return nil, CPU(), r.fail(r.off-4, "bad dimension %d", d)
			}
			shape[i] = int(d)
		}
	}
	devType, err := r.i32("context")
	if err != nil {
		return nil, CPU(), err
	}
	devID, err := r.i32("context")
	if err != nil {
		return nil, CPU(), err
	}
	at := r.off
	flag, err := r.i32("type flag")
	if err != nil {
		return nil, CPU(), err
	}
	t := DType(flag)
	if !t.Valid() {
		return nil, CPU(), r.fail(at, "unknown type flag %d", flag)
	}
	nbytes, ok := saveNbytes(shape, t, r.left())
	if !ok {
		return nil, CPU(), r.fail(r.off, "data of shape %v %v exceeds the %d bytes left", shape, t, r.left())
	}
	data, _ := r.take(nbytes, "data")
	return saveHostArray(shape, t, data), Device{Type: engine.DeviceType(devType), ID: int(devID)}, nil
}

// saveNbytes returns the byte size of shape×t if it is at most limit.
func saveNbytes(shape Shape, t DType, limit int) (int, bool) {
	for _, d := range shape {
		if d == 0 {
			return 0, true
		}
	}
	n := t.Size()
	for _, d := range shape {
		if d > limit/n {
			return 0, false
		}
		n *= d
	}
	return n, n <= limit
}

// saveHostArray copies raw little-endian bytes into a new CPU array.
func saveHostArray(shape Shape, t DType, data []byte) *NDArray {
	a := newArray(shape, t, CPU())
	copy(a.bytes(), data)
	return a
}

// Save writes arrays to path as an NDArray list file that MXNet's nd.load
// reads (names in sorted order). The write is atomic: a temporary file in
// the same directory is renamed over path.
func Save(path string, arrays map[string]*NDArray) error {
	names := make([]string, 0, len(arrays))
	for n := range arrays {
		names = append(names, n)
	}
	sort.Strings(names)
	list := make([]*NDArray, len(names))
	for i, n := range names {
		list[i] = arrays[n]
	}
	return saveFile(path, func(w io.Writer) error { return SaveTo(w, names, list) })
}

// SaveList writes an unnamed list of arrays to path (see Save).
func SaveList(path string, arrays []*NDArray) error {
	return saveFile(path, func(w io.Writer) error { return SaveTo(w, nil, arrays) })
}

// SaveTo writes an NDArray list file to w: names must be nil (a list) or
// hold one name per array. Records are V2, MXNet 1.x's format, except for
// scalars and arrays with a zero dimension, which V2 cannot express and
// are written as V3 (NumPy-shape) records. A nil array is written as a
// "none" record.
func SaveTo(w io.Writer, names []string, arrays []*NDArray) error {
	if names != nil && len(names) != len(arrays) {
		return fmt.Errorf("nd: save: %d names for %d arrays", len(names), len(arrays))
	}
	bw := bufio.NewWriter(w)
	le := binary.LittleEndian
	var buf [8]byte
	u32 := func(v uint32) { le.PutUint32(buf[:4], v); bw.Write(buf[:4]) }
	u64 := func(v uint64) { le.PutUint64(buf[:], v); bw.Write(buf[:]) }
	u64(saveListMagic)
	u64(0)
	u64(uint64(len(arrays)))
	for i, a := range arrays {
		if a == nil {
			u32(saveV2Magic)
			u32(math.MaxUint32) // storage type -1: undefined
			u32(0)
			continue
		}
		data, err := saveHostBytes(a)
		if err != nil {
			return fmt.Errorf("nd: save: array %d: %w", i, err)
		}
		magic := uint32(saveV2Magic)
		if a.Ndim() == 0 || a.Size() == 0 {
			magic = saveV3Magic
		}
		u32(magic)
		u32(0) // dense
		u32(uint32(a.Ndim()))
		for _, d := range a.shape {
			u64(uint64(d))
		}
		dev := a.Device()
		u32(uint32(dev.Type))
		u32(uint32(dev.ID))
		u32(uint32(a.dtype))
		bw.Write(data)
	}
	u64(uint64(len(names)))
	for _, n := range names {
		u64(uint64(len(n)))
		bw.WriteString(n)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("nd: save: %w", err)
	}
	return nil
}

// saveHostBytes waits for a and returns its contiguous host bytes.
func saveHostBytes(a *NDArray) (b []byte, err error) {
	err = Try(func() { b = a.hostBytes("save") })
	return b, err
}

// saveFile writes path atomically: write to a temporary file beside it,
// sync, then rename over path.
func saveFile(path string, write func(w io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("nd: save %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("nd: save %s: %w", path, err)
	}
	if err = write(f); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("nd: save %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("nd: save %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("nd: save %s: %w", path, err)
	}
	return nil
}
