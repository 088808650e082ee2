package recordio

import (
	"bytes"
	"encoding/binary"
	"io"
	"slices"
	"testing"
)

// FuzzReader feeds arbitrary bytes to Reader and ReadRecordAt. Whatever
// decodes must survive a write/read round trip unchanged.
func FuzzReader(f *testing.F) {
	seed, _ := writeAll(f, [][]byte{[]byte("abc"), magicAt(16, 4, 9), {}})
	f.Add(seed)
	f.Add(seed[:13])
	f.Add(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, Magic), MaxRecordLen-1))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		var recs [][]byte
		for {
			rec, err := r.Next()
			if err != nil {
				break
			}
			recs = append(recs, rec)
			if _, err := ReadRecordAt(bytes.NewReader(data), r.Offset(), int64(len(data))); err != nil {
				t.Fatalf("Reader accepted the record at %d, ReadRecordAt did not: %v", r.Offset(), err)
			}
		}
		again, _ := writeAll(t, recs)
		got, _ := readAll(t, NewReader(bytes.NewReader(again)))
		if len(got) != len(recs) {
			t.Fatalf("round trip: %d records, want %d", len(got), len(recs))
		}
		for i := range recs {
			if !bytes.Equal(got[i], recs[i]) {
				t.Fatalf("round trip: record %d differs", i)
			}
		}
	})
}

// FuzzPartReader writes fuzzed records and checks that any split into parts
// reads each record exactly once, in order.
func FuzzPartReader(f *testing.F) {
	f.Add([]byte("\x0a\x23\xd7\xce\x0a\x23\xd7\xce-hello|world|\x0a\x23\xd7\xce"), uint8(3))
	f.Add([]byte("||||"), uint8(2))
	f.Fuzz(func(t *testing.T, blob []byte, parts uint8) {
		recs := bytes.Split(blob, []byte("|"))
		data, _ := writeAll(t, recs)
		n := int(parts)%8 + 1
		var got [][]byte
		for p := range n {
			r, err := NewPartReader(bytes.NewReader(data), int64(len(data)), p, n)
			if err != nil {
				t.Fatal(err)
			}
			for {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("part %d of %d: %v", p, n, err)
				}
				got = append(got, rec)
			}
		}
		if !slices.EqualFunc(got, recs, bytes.Equal) {
			t.Fatalf("%d parts read %d records, want %d (or contents differ)", n, len(got), len(recs))
		}
	})
}

// FuzzUnpack checks that Unpack never panics and that Pack inverts it.
func FuzzUnpack(f *testing.F) {
	f.Add(Pack(Header{Label: 2, ID: 5}, []byte("jpeg")))
	f.Add(Pack(Header{Labels: []float32{1, 2, 3}}, nil))
	f.Add([]byte{9, 0, 0, 0})
	f.Fuzz(func(t *testing.T, rec []byte) {
		h, payload, err := Unpack(rec)
		if err != nil {
			return
		}
		if h.Flag > 0 {
			h.Label = 0 // Pack stores 0 for vector labels, as MXNet does
			binary.LittleEndian.PutUint32(rec[4:], 0)
		}
		if again := Pack(h, payload); !bytes.Equal(again, rec) {
			t.Fatalf("Pack(Unpack(rec)) differs:\n got % x\nwant % x", again, rec)
		}
	})
}

// FuzzReadList checks that ReadList never panics and that what it reads
// writes back and re-reads the same.
func FuzzReadList(f *testing.F) {
	f.Add("0\t1\ta.jpg\n3\t4\t5.5\tb/c.png\n")
	f.Add("\n\n1\t-0\tx\r\n")
	f.Add("1\tNaN\t x \n")
	f.Fuzz(func(t *testing.T, text string) {
		items, err := ReadList(bytes.NewReader([]byte(text)))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteList(&buf, items); err != nil {
			t.Fatalf("WriteList of parsed items: %v", err)
		}
		again, err := ReadList(&buf)
		if err != nil || len(again) != len(items) {
			t.Fatalf("re-read: %d items, %v; want %d", len(again), err, len(items))
		}
		for i := range items {
			a, b := items[i], again[i]
			if a.Index != b.Index || a.Path != b.Path || !slices.EqualFunc(a.Labels, b.Labels, sameFloat) {
				t.Fatalf("item %d: %+v became %+v", i, a, b)
			}
		}
	})
}

// FuzzReadIndex checks the .idx parser never panics.
func FuzzReadIndex(f *testing.F) {
	f.Add("0\t0\n4\t5500\n")
	f.Add("1 2 3\n")
	f.Fuzz(func(t *testing.T, text string) {
		ents, err := ReadIndex(bytes.NewReader([]byte(text)))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteIndex(&buf, ents); err != nil {
			t.Fatal(err)
		}
		again, err := ReadIndex(&buf)
		if err != nil || !slices.Equal(again, ents) {
			t.Fatalf("index round trip: %v, %v", again, err)
		}
	})
}

func sameFloat(a, b float32) bool { return a == b || (a != a && b != b) }
