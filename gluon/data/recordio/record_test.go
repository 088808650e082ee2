package recordio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// magicAt returns n bytes of filler with the magic word written at each offset.
func magicAt(n int, offsets ...int) []byte {
	b := bytes.Repeat([]byte{0x55}, n)
	for _, o := range offsets {
		copy(b[o:], magicBytes)
	}
	return b
}

func writeAll(t testing.TB, recs [][]byte) ([]byte, []int64) {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	offs := make([]int64, len(recs))
	for i, r := range recs {
		off, err := w.Write(r)
		if err != nil {
			t.Fatalf("write record %d: %v", i, err)
		}
		offs[i] = off
	}
	return buf.Bytes(), offs
}

func readAll(t testing.TB, r *Reader) ([][]byte, []int64) {
	t.Helper()
	var recs [][]byte
	var offs []int64
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return recs, offs
		}
		if err != nil {
			t.Fatalf("next after %d records: %v", len(recs), err)
		}
		recs = append(recs, rec)
		offs = append(offs, r.Offset())
	}
}

func TestWriterFramingBytes(t *testing.T) {
	// "ab" + magic at offset 4 is split into "ab\x55\x55" (flag 1) and "cd" (flag 3).
	rec := []byte{'a', 'b', 0x55, 0x55, 0x0A, 0x23, 0xD7, 0xCE, 'c', 'd'}
	data, _ := writeAll(t, [][]byte{rec})
	le := binary.LittleEndian
	want := le.AppendUint32(nil, Magic)
	want = le.AppendUint32(want, 1<<29|4)
	want = append(want, 'a', 'b', 0x55, 0x55)
	want = le.AppendUint32(want, Magic)
	want = le.AppendUint32(want, 3<<29|2)
	want = append(want, 'c', 'd', 0, 0)
	if !bytes.Equal(data, want) {
		t.Fatalf("split framing:\n got % x\nwant % x", data, want)
	}
	// A whole 5-byte record: flag 0, 3 bytes of zero padding.
	data, _ = writeAll(t, [][]byte{[]byte("hello")})
	want = le.AppendUint32(nil, Magic)
	want = le.AppendUint32(want, 5)
	want = append(want, "hello\x00\x00\x00"...)
	if !bytes.Equal(data, want) {
		t.Fatalf("whole framing:\n got % x\nwant % x", data, want)
	}
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 10000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	cases := map[string][]byte{
		"empty":               {},
		"one byte":            {7},
		"magic only":          magicAt(4, 0),
		"magic at 0":          magicAt(13, 0),
		"magic at end":        magicAt(12, 8),
		"two adjacent magics": magicAt(16, 4, 8),
		"three magics":        magicAt(30, 0, 12, 24),
		"unaligned magic 1":   magicAt(11, 1),
		"unaligned magic 6":   magicAt(20, 6),
		"unaligned tail":      magicAt(7, 3),
		"mixed":               magicAt(40, 2, 8, 17, 32),
		"random":              random,
		"magic padded tail":   append(magicAt(8, 4), 1),
	}
	var recs [][]byte
	var names []string
	for name, rec := range cases {
		names = append(names, name)
		recs = append(recs, rec)
	}
	data, offs := writeAll(t, recs)
	if len(data)%4 != 0 {
		t.Fatalf("stream length %d is not 4-byte aligned", len(data))
	}
	got, gotOffs := readAll(t, NewReader(bytes.NewReader(data)))
	if len(got) != len(recs) {
		t.Fatalf("read %d records, want %d", len(got), len(recs))
	}
	for i := range recs {
		if !bytes.Equal(got[i], recs[i]) {
			t.Errorf("%s: got % x, want % x", names[i], got[i], recs[i])
		}
		if gotOffs[i] != offs[i] {
			t.Errorf("%s: reader offset %d, writer offset %d", names[i], gotOffs[i], offs[i])
		}
		rec, err := ReadRecordAt(bytes.NewReader(data), offs[i], int64(len(data)))
		if err != nil || !bytes.Equal(rec, recs[i]) {
			t.Errorf("%s: ReadRecordAt = % x, %v", names[i], rec, err)
		}
	}
}

func TestReaderTruncated(t *testing.T) {
	data, _ := writeAll(t, [][]byte{[]byte("first record"), magicAt(20, 8), []byte("xyz")})
	for n := 1; n < len(data); n++ {
		r := NewReader(bytes.NewReader(data[:n]))
		var err error
		for err == nil {
			_, err = r.Next()
		}
		if err == io.EOF {
			// Only a cut exactly at a record boundary may end cleanly.
			if n != 20 && n != 52 {
				t.Errorf("cut at %d: clean EOF, want a truncation error", n)
			}
			continue
		}
		var fe *FormatError
		if !errors.As(err, &fe) || !errors.Is(err, ErrCorrupt) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut at %d: got %v, want a FormatError wrapping ErrCorrupt and ErrUnexpectedEOF", n, err)
		}
		if !strings.Contains(err.Error(), "offset") {
			t.Errorf("cut at %d: error %q does not name the offset", n, err)
		}
	}
}

func TestReaderCorrupt(t *testing.T) {
	le := binary.LittleEndian
	frame := func(magic, lrec uint32, payload string) []byte {
		b := le.AppendUint32(nil, magic)
		b = le.AppendUint32(b, lrec)
		b = append(b, payload...)
		return append(b, make([]byte, pad4(len(payload)))...)
	}
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"bad magic", "offset 0: bad magic 0x12345678", frame(0x12345678, 4, "abcd")},
		{"starts with middle", "offset 0: record starts with continuation flag 2", frame(Magic, 2<<29|4, "abcd")},
		{"first then whole", "offset 12: split record (started at 0) interrupted by a frame with flag 0",
			append(frame(Magic, 1<<29|4, "abcd"), frame(Magic, 4, "efgh")...)},
		{"unaligned inner", "offset 0: inner part of a split record has unaligned length 3", frame(Magic, 1<<29|3, "abc")},
		{"huge length", "offset 0: truncated payload (4 of 536870911 bytes", frame(Magic, MaxRecordLen-1, "abcd")},
		{"garbage after record", "offset 12: truncated frame header (3 of 8 bytes)", append(frame(Magic, 4, "abcd"), 1, 2, 3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(c.data))
			var err error
			for err == nil {
				_, err = r.Next()
			}
			if err == io.EOF || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want error containing %q", err, c.want)
			}
			if _, err := ReadRecordAt(bytes.NewReader(c.data), 0, int64(len(c.data))); err == nil && c.name != "garbage after record" {
				t.Errorf("ReadRecordAt accepted %s", c.name)
			}
		})
	}
}

func BenchmarkReader(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	recs := make([][]byte, 256)
	for i := range recs {
		recs[i] = make([]byte, 20000+rng.IntN(40000)) // JPEG-sized records
		for j := range recs[i] {
			recs[i][j] = byte(rng.Uint32())
		}
	}
	data, _ := writeAll(b, recs)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data))
		for {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}
