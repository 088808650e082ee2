package nd

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// NumPy's .npy format: "\x93NUMPY", major and minor version bytes, the
// header length (u16 for 1.0, u32 for 2.0 and 3.0), then a Python dict
// literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and a newline so the data starts at a multiple of 64,
// then the raw data. .npz is a zip of .npy files named KEY.npy.

const npyMagic = "\x93NUMPY"

// npyDescr maps a dtype to its NumPy descr.
var npyDescr = map[DType]string{
	Float32: "<f4", Float64: "<f8", Float16: "<f2",
	Uint8: "|u1", Int8: "|i1", Bool: "|b1",
	Int16: "<i2", Int32: "<i4", Int64: "<i8",
	Uint16: "<u2", Uint32: "<u4", Uint64: "<u8",
}

// SaveNpy writes a to path as a NumPy .npy file (atomically, see Save).
func SaveNpy(path string, a *NDArray) error {
	return saveFile(path, func(w io.Writer) error { return WriteNpy(w, a) })
}

// WriteNpy writes a to w in .npy format: little-endian, C order, header
// version 1.0 (2.0 when the header needs it). bfloat16 has no NumPy dtype
// and gives an error (cast it first).
func WriteNpy(w io.Writer, a *NDArray) error {
	descr, ok := npyDescr[a.dtype]
	if !ok {
		return fmt.Errorf("nd: npy: %v has no NumPy dtype (cast to float32)", a.dtype)
	}
	data, err := saveHostBytes(a)
	if err != nil {
		return fmt.Errorf("nd: npy: %w", err)
	}
	dims := make([]string, len(a.shape))
	for i, d := range a.shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, shape)
	prefix := 10 // magic, version, u16 length
	if len(header)+1+prefix > 0xffff {
		prefix = 12
	}
	pad := 64 - (prefix+len(header)+1)%64
	if pad == 64 {
		pad = 0
	}
	header += strings.Repeat(" ", pad) + "\n"
	bw := bufio.NewWriter(w)
	bw.WriteString(npyMagic)
	if prefix == 10 {
		bw.Write([]byte{1, 0})
		binary.Write(bw, binary.LittleEndian, uint16(len(header)))
	} else {
		bw.Write([]byte{2, 0})
		binary.Write(bw, binary.LittleEndian, uint32(len(header)))
	}
	bw.WriteString(header)
	bw.Write(data)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("nd: npy: %w", err)
	}
	return nil
}

// LoadNpy reads a NumPy .npy file into a CPU array. It reads versions
// 1.0 to 3.0, any byte order, and C or Fortran order (converted to C).
func LoadNpy(path string) (*NDArray, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nd: load npy: %w", err)
	}
	a, err := ReadNpyBytes(b)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return a, nil
}

// ReadNpy reads a .npy file from r (to its end).
func ReadNpy(r io.Reader) (*NDArray, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("nd: npy: %w", err)
	}
	return ReadNpyBytes(b)
}

// ReadNpyBytes parses a .npy file held in memory.
func ReadNpyBytes(b []byte) (*NDArray, error) {
	fail := func(off int, format string, args ...any) error {
		return &FormatError{Format: "npy", Offset: int64(off), Msg: fmt.Sprintf(format, args...)}
	}
	if len(b) < 10 || string(b[:6]) != npyMagic {
		return nil, fail(0, "not a .npy file (bad magic)")
	}
	var hlen, start int
	switch b[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, fail(8, "truncated header length")
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return nil, fail(6, "unsupported .npy version %d.%d", b[6], b[7])
	}
	if hlen > len(b)-start {
		return nil, fail(8, "header length %d exceeds the %d bytes left", hlen, len(b)-start)
	}
	h, err := npyParseHeader(string(b[start : start+hlen]))
	if err != nil {
		return nil, fail(start, "header: %v", err)
	}
	data := b[start+hlen:]
	nbytes, ok := saveNbytes(h.shape, h.dtype, len(data))
	if !ok {
		return nil, fail(start+hlen, "data of shape %v %v exceeds the %d bytes left", h.shape, h.dtype, len(data))
	}
	data = data[:nbytes]
	a := newArray(h.shape, h.dtype, CPU())
	dst := a.bytes()
	es := h.dtype.Size()
	if h.fortran && len(h.shape) > 1 {
		st := make([]int, len(h.shape))
		acc := 1
		for i, d := range h.shape {
			st[i] = acc
			acc *= d
		}
		stridedCopy(dst, nil, data, st, h.shape, es)
	} else {
		copy(dst, data)
	}
	if h.bigEndian && es > 1 {
		for i := 0; i+es <= len(dst); i += es {
			e := dst[i : i+es]
			for l, r := 0, es-1; l < r; l, r = l+1, r-1 {
				e[l], e[r] = e[r], e[l]
			}
		}
	}
	return a, nil
}

type npyHeader struct {
	dtype     DType
	bigEndian bool
	fortran   bool
	shape     Shape
}

// npyParseHeader reads the header dict. It accepts the Python literal
// subset NumPy writes: strings, True/False and tuples of integers.
func npyParseHeader(s string) (npyHeader, error) {
	var h npyHeader
	p := &npyLexer{s: s}
	if !p.eat('{') {
		return h, fmt.Errorf("want '{' at %d", p.i)
	}
	seen := map[string]bool{}
	for !p.eat('}') {
		key, err := p.str()
		if err != nil {
			return h, err
		}
		if !p.eat(':') {
			return h, fmt.Errorf("want ':' after %q", key)
		}
		switch key {
		case "descr":
			d, err := p.str()
			if err != nil {
				return h, err
			}
			if h.dtype, h.bigEndian, err = npyParseDescr(d); err != nil {
				return h, err
			}
		case "fortran_order":
			if h.fortran, err = p.boolean(); err != nil {
				return h, err
			}
		case "shape":
			if h.shape, err = p.tuple(); err != nil {
				return h, err
			}
		default:
			return h, fmt.Errorf("unexpected key %q", key)
		}
		seen[key] = true
		if !p.eat(',') && p.peek() != '}' {
			return h, fmt.Errorf("want ',' or '}' at %d", p.i)
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("missing key %q", k)
		}
	}
	return h, nil
}

// npyParseDescr maps a NumPy type string such as '<f4' or '|b1'.
func npyParseDescr(d string) (DType, bool, error) {
	if len(d) < 3 {
		return 0, false, fmt.Errorf("unsupported descr %q", d)
	}
	order, kind := d[0], d[1:]
	big := order == '>'
	if order != '<' && order != '>' && order != '|' && order != '=' {
		return 0, false, fmt.Errorf("unsupported descr %q", d)
	}
	for t, s := range npyDescr {
		if s[1:] == kind {
			return t, big, nil
		}
	}
	return 0, false, fmt.Errorf("unsupported descr %q (want a bool, integer or float type)", d)
}

type npyLexer struct {
	s string
	i int
}

func (p *npyLexer) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *npyLexer) peek() byte {
	p.skip()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *npyLexer) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *npyLexer) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("want a string at %d", p.i)
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at %d", p.i)
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

func (p *npyLexer) boolean() (bool, error) {
	p.skip()
	switch {
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	}
	return false, fmt.Errorf("want True or False at %d", p.i)
}

// tuple reads (d0, d1, ...) with an optional trailing comma; Python 2
// headers may write dims as 3L.
func (p *npyLexer) tuple() (Shape, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("want '(' at %d", p.i)
	}
	shape := Shape{}
	for !p.eat(')') {
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		d, err := strconv.ParseInt(p.s[p.i:j], 10, 32)
		if err != nil || len(shape) >= saveMaxNdim {
			return nil, fmt.Errorf("bad dimension at %d", p.i)
		}
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' {
			p.i++
		}
		shape = append(shape, int(d))
		if !p.eat(',') && p.peek() != ')' {
			return nil, fmt.Errorf("want ',' or ')' at %d", p.i)
		}
	}
	return shape, nil
}

// SaveNpz writes arrays to path as an uncompressed .npz archive (like
// numpy.savez), names in sorted order, atomically.
func SaveNpz(path string, arrays map[string]*NDArray) error {
	names := make([]string, 0, len(arrays))
	for n := range arrays {
		names = append(names, n)
	}
	sort.Strings(names)
	list := make([]*NDArray, len(names))
	for i, n := range names {
		list[i] = arrays[n]
	}
	return saveFile(path, func(w io.Writer) error { return WriteNpz(w, names, list) })
}

// WriteNpz writes an uncompressed .npz archive with one NAME.npy member per
// array.
func WriteNpz(w io.Writer, names []string, arrays []*NDArray) error {
	if len(names) != len(arrays) {
		return fmt.Errorf("nd: npz: %d names for %d arrays", len(names), len(arrays))
	}
	zw := zip.NewWriter(w)
	for i, a := range arrays {
		if a == nil {
			return fmt.Errorf("nd: npz: array %q is nil", names[i])
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: names[i] + ".npy", Method: zip.Store})
		if err != nil {
			return fmt.Errorf("nd: npz: %w", err)
		}
		if err := WriteNpy(f, a); err != nil {
			return fmt.Errorf("npz %s: %w", names[i], err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("nd: npz: %w", err)
	}
	return nil
}

// LoadNpz reads a .npz archive (stored or deflated members). Names are the
// member names without ".npy", in archive order.
func LoadNpz(path string) (*Loaded, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nd: load npz: %w", err)
	}
	l, err := loadNpzBytes(b)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return l, nil
}

// npzMaxRatio bounds how much a deflated member may expand (deflate's limit
// is about 1032:1), so a forged size cannot make the reader allocate more
// than the input could hold.
const npzMaxRatio = 1100

func loadNpzBytes(b []byte) (*Loaded, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, &FormatError{Format: "npz", Msg: err.Error()}
	}
	l := &Loaded{Names: []string{}}
	for _, f := range zr.File {
		off, _ := f.DataOffset()
		fail := func(format string, args ...any) error {
			return &FormatError{Format: "npz", Offset: off, Msg: f.Name + ": " + fmt.Sprintf(format, args...)}
		}
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		limit := f.CompressedSize64
		switch f.Method {
		case zip.Store:
		case zip.Deflate:
			limit = limit*npzMaxRatio + 1024
		default:
			return nil, fail("unsupported compression method %d", f.Method)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fail("%v", err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, int64(min(limit, 1<<62))))
		rc.Close()
		if err != nil {
			return nil, fail("%v", err)
		}
		a, err := ReadNpyBytes(data)
		if err != nil {
			return nil, fmt.Errorf("npz member %s: %w", f.Name, err)
		}
		l.Names = append(l.Names, strings.TrimSuffix(f.Name, ".npy"))
		l.Arrays = append(l.Arrays, a)
		l.Devices = append(l.Devices, CPU())
	}
	return l, nil
}
