package recordio

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestIndexedWriterRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "data.rec")
	iw, err := Create(rec, "")
	if err != nil {
		t.Fatal(err)
	}
	keys := []int{42, 7, 1000, 0, -3}
	payload := func(k int) []byte { return append(magicAt(12, 4), fmt.Sprintf("key=%d", k)...) }
	for _, k := range keys {
		if err := iw.Write(k, payload(k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := iw.Write(7, []byte("again")); err == nil {
		t.Error("duplicate key accepted")
	}
	// Nothing is published before Close.
	if _, err := os.Stat(rec); !os.IsNotExist(err) {
		t.Fatalf("rec visible before Close: %v", err)
	}
	if err := iw.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Fatalf("want exactly data.rec and data.idx, got %v", ents)
	}
	ir, err := Open(rec, "")
	if err != nil {
		t.Fatal(err)
	}
	defer ir.Close()
	if got := ir.Keys(); !slices.Equal(got, keys) {
		t.Fatalf("Keys() = %v, want %v (write order)", got, keys)
	}
	// Concurrent random access.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := len(keys) - 1; i >= 0; i-- {
				got, err := ir.Read(keys[i])
				if err != nil || !bytes.Equal(got, payload(keys[i])) {
					t.Errorf("Read(%d) = %q, %v", keys[i], got, err)
				}
			}
		})
	}
	wg.Wait()
	if got, err := ir.ReadAt(2); err != nil || !bytes.Equal(got, payload(1000)) {
		t.Errorf("ReadAt(2) = %q, %v", got, err)
	}
	if _, err := ir.Read(5); err == nil || !strings.Contains(err.Error(), "key 5 not in index") {
		t.Errorf("missing key: %v", err)
	}
}

func TestIndexedWriterAbort(t *testing.T) {
	dir := t.TempDir()
	iw, err := Create(filepath.Join(dir, "a.rec"), filepath.Join(dir, "b.idx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := iw.Write(1, []byte("x")); err != nil {
		t.Fatal(err)
	}
	iw.Abort()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("Abort left files: %v", ents)
	}
	if err := iw.Write(2, nil); err == nil {
		t.Error("write after Abort accepted")
	}
}

func TestOpenBadIndex(t *testing.T) {
	dir := t.TempDir()
	recPath := filepath.Join(dir, "x.rec")
	data, _ := writeAll(t, [][]byte{[]byte("abc"), []byte("defgh")})
	if err := os.WriteFile(recPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ idx, want string }{
		{"0\t0\n1\t999\n", "offset 999 beyond the 28-byte record file"},
		{"0\t0\n0\t12\n", "line 2: duplicate key 0"},
		{"0\t0\nx\t12\n", "line 2: bad key"},
		{"0\t-4\n", "line 1: bad offset"},
		{"0\t0\t7\n", "line 1: want 2 fields"},
	}
	for _, c := range cases {
		idxPath := filepath.Join(dir, "x.idx")
		if err := os.WriteFile(idxPath, []byte(c.idx), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(recPath, "")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "x.idx") {
			t.Errorf("idx %q: got %v, want error naming x.idx and containing %q", c.idx, err, c.want)
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("idx %q: error does not wrap ErrCorrupt", c.idx)
		}
	}
	// An offset inside a record is caught when read, and the error names the file.
	if err := os.WriteFile(filepath.Join(dir, "x.idx"), []byte("0\t4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ir, err := Open(recPath, "")
	if err != nil {
		t.Fatal(err)
	}
	defer ir.Close()
	if _, err := ir.Read(0); err == nil || !strings.Contains(err.Error(), "x.rec: offset 4: bad magic") {
		t.Errorf("misaligned index: got %v", err)
	}
}

func TestIndexPath(t *testing.T) {
	for in, want := range map[string]string{"a/train.rec": "a/train.idx", "b": "b.idx", "c.d/e.rec": "c.d/e.idx"} {
		if got := IndexPath(in); got != want {
			t.Errorf("IndexPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKeysInFileOrder(t *testing.T) {
	data, offs := writeAll(t, [][]byte{[]byte("a"), []byte("b"), []byte("c")})
	// The .idx lists the records out of file order, with unordered keys.
	idx := fmt.Sprintf("5\t%d\n9\t%d\n1\t%d\n", offs[2], offs[0], offs[1])
	ir, err := NewIndexedReader(bytes.NewReader(data), int64(len(data)), strings.NewReader(idx))
	if err != nil {
		t.Fatal(err)
	}
	if got := ir.Keys(); !slices.Equal(got, []int{9, 1, 5}) {
		t.Errorf("Keys() = %v, want [9 1 5] (file order)", got)
	}
	if rec, err := ir.Read(5); err != nil || string(rec) != "c" {
		t.Errorf("Read(5) = %q, %v", rec, err)
	}
}

func BenchmarkIndexedRead(b *testing.B) {
	dir := b.TempDir()
	iw, err := Create(filepath.Join(dir, "b.rec"), "")
	if err != nil {
		b.Fatal(err)
	}
	rec := bytes.Repeat([]byte("0123456789abcdef"), 3000) // 48 KB, JPEG-sized
	for k := range 256 {
		iw.Write(k, rec)
	}
	if err := iw.Close(); err != nil {
		b.Fatal(err)
	}
	ir, err := Open(filepath.Join(dir, "b.rec"), "")
	if err != nil {
		b.Fatal(err)
	}
	defer ir.Close()
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		if _, err := ir.Read((k * 97) % 256); err != nil {
			b.Fatal(err)
		}
		k++
	}
}
