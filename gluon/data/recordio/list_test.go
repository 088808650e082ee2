package recordio

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestListRoundTrip(t *testing.T) {
	items := []ListItem{
		{Index: 0, Labels: []float32{1}, Path: "cat/1.jpg"},
		{Index: 12, Labels: []float32{4, 5, 780, 0.00641026, 1.2557077}, Path: "dir with space/b.png"},
	}
	var buf bytes.Buffer
	if err := WriteList(&buf, items); err != nil {
		t.Fatal(err)
	}
	if want := "0\t1\tcat/1.jpg\n"; !strings.HasPrefix(buf.String(), want) {
		t.Errorf("first line %q, want %q", buf.String(), want)
	}
	got, err := ReadList(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(items) {
		t.Fatalf("got %d items", len(got))
	}
	for i := range items {
		if got[i].Index != items[i].Index || got[i].Path != items[i].Path || !slices.Equal(got[i].Labels, items[i].Labels) {
			t.Errorf("item %d: got %+v, want %+v", i, got[i], items[i])
		}
	}
}

func TestReadListErrors(t *testing.T) {
	cases := map[string]string{
		"0\tonly-two\n":            "line 1: want at least 3",
		"\n1\t0\ta.jpg\nx\t0\tb\n": "line 3: bad index",
		"0\tzz\ta.jpg\n":           "line 1: bad label",
		"0\t1\t \n":                "line 1: empty image path",
	}
	for in, want := range cases {
		if _, err := ReadList(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadList(%q) = %v, want %q", in, err, want)
		}
	}
	if err := WriteList(&bytes.Buffer{}, []ListItem{{Path: "a"}}); err == nil {
		t.Error("item without labels accepted")
	}
	if err := WriteList(&bytes.Buffer{}, []ListItem{{Labels: []float32{1}, Path: "a\tb"}}); err == nil {
		t.Error("path with tab accepted")
	}
}
