package vision

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestIDXRoundTrip(t *testing.T) {
	x := IDX{Dims: []int{3, 2, 2}, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}
	var raw bytes.Buffer
	if err := WriteIDX(&raw, x); err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2}
	if !bytes.Equal(raw.Bytes()[:16], want) {
		t.Fatalf("header % x, want % x", raw.Bytes()[:16], want)
	}
	for name, in := range map[string][]byte{"raw": raw.Bytes(), "gzip": gz(raw.Bytes())} {
		got, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got.Dims) != 3 || got.Dims[0] != 3 || got.Dims[2] != 2 || !bytes.Equal(got.Data, x.Data) {
			t.Errorf("%s: got %+v", name, got)
		}
		if got.Len() != 3 || got.ItemSize() != 4 || !bytes.Equal(got.Item(2), []byte{9, 10, 11, 12}) {
			t.Errorf("%s: Len %d ItemSize %d Item(2) %v", name, got.Len(), got.ItemSize(), got.Item(2))
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	cases := map[string]struct {
		in   []byte
		want string
	}{
		"empty":      {nil, "header: unexpected EOF"},
		"bad magic":  {[]byte{1, 0, 8, 1, 0, 0, 0, 0}, "bad magic"},
		"float32":    {[]byte{0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "unsupported element type 0x0D (float32)"},
		"unknown":    {[]byte{0, 0, 0x42, 1}, "unknown element type 0x42"},
		"zero dims":  {[]byte{0, 0, 8, 0}, "0 dimensions"},
		"many dims":  {[]byte{0, 0, 8, 9}, "9 dimensions"},
		"short dims": {[]byte{0, 0, 8, 2, 0, 0, 0, 1}, "dimensions: unexpected EOF"},
		"short data": {[]byte{0, 0, 8, 1, 0, 0, 0, 3, 1, 2}, "unexpected EOF (got 2 of 3 bytes)"},
		"trailing":   {[]byte{0, 0, 8, 1, 0, 0, 0, 1, 1, 2}, "trailing bytes"},
		// 65536^3 bytes would be 256 TiB: refused before any allocation.
		"huge": {[]byte{0, 0, 8, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0}, "exceed the 1073741824-byte limit"},
		// Under the limit but truncated: fails after reading what exists.
		"large truncated": {[]byte{0, 0, 8, 1, 0x3f, 0, 0, 0, 1, 2, 3}, "got 3 of 1056964608 bytes"},
		"bad gzip":        {[]byte{0x1f, 0x8b, 0, 0}, "gzip"},
	}
	for name, c := range cases {
		_, err := ReadIDX(bytes.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want error containing %q", name, err, c.want)
		}
	}
}

func TestReadIDXShippedMNIST(t *testing.T) {
	dir := shippedOrSkip(t)
	labels, err := ReadIDXFile(dir + "/mnist/t10k-labels-idx1-ubyte.gz")
	if err != nil {
		t.Fatal(err)
	}
	if len(labels.Dims) != 1 || labels.Dims[0] != 10000 {
		t.Fatalf("dims %v", labels.Dims)
	}
	if want := []byte{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}; !bytes.Equal(labels.Data[:10], want) {
		t.Errorf("first test labels %v, want %v", labels.Data[:10], want)
	}
}

func FuzzReadIDX(f *testing.F) {
	f.Add([]byte{0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 1, 5, 6})
	f.Add(gz([]byte{0, 0, 8, 1, 0, 0, 0, 1, 9}))
	f.Add([]byte{0, 0, 8, 1, 0x3f, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			return
		}
		n := 1
		for _, d := range x.Dims {
			n *= d
		}
		if n != len(x.Data) {
			t.Fatalf("dims %v hold %d elements, data has %d", x.Dims, n, len(x.Data))
		}
		var buf bytes.Buffer
		if err := WriteIDX(&buf, x); err != nil {
			t.Fatal(err)
		}
		again, err := ReadIDX(&buf)
		if err != nil || !bytes.Equal(again.Data, x.Data) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
