package data

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/mxgo/mxgo/gluon/data/recordio"
)

func TestRecordFileDataset(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "a.rec")
	w, err := recordio.Create(rec, "")
	if err != nil {
		t.Fatal(err)
	}
	for i, key := range []int{5, 2, 9} {
		if err := w.Write(key, bytes.Repeat([]byte{byte(i)}, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ds, err := NewRecordFileDataset(rec, "")
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if ds.Len() != 3 || ds.Keys()[1] != 2 {
		t.Fatalf("len %d keys %v", ds.Len(), ds.Keys())
	}
	s, err := ds.Get(2)
	if err != nil || !bytes.Equal(s[0].([]byte), []byte{2, 2, 2}) {
		t.Fatalf("record 2: %v %v", s, err)
	}
	if _, err := ds.Get(3); err == nil {
		t.Fatal("index past the end: no error")
	}
	if _, err := NewRecordFileDataset(filepath.Join(t.TempDir(), "none.rec"), ""); err == nil {
		t.Fatal("missing file: no error")
	}
}
