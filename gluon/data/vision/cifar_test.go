package vision

import (
	"bytes"
	"strings"
	"testing"
)

// cifarBatch builds n CIFAR records with nlab label bytes each; image i is
// filled with byte i and its labels are i%classes.
func cifarBatch(n, nlab int, classes ...int) []byte {
	var b []byte
	for i := range n {
		for j := range nlab {
			b = append(b, byte(i%classes[j]))
		}
		b = append(b, bytes.Repeat([]byte{byte(i)}, CIFARImageLen)...)
	}
	return b
}

func TestParseCIFAR10(t *testing.T) {
	images, labels, err := ParseCIFAR10(bytes.NewReader(cifarBatch(12, 1, 10)))
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 12 || labels[11] != 1 || len(images) != 12*CIFARImageLen {
		t.Fatalf("got %d labels (last %d), %d image bytes", len(labels), labels[11], len(images))
	}
	if images[5*CIFARImageLen] != 5 || images[6*CIFARImageLen-1] != 5 {
		t.Error("image 5 not at its offset")
	}
}

func TestParseCIFAR100(t *testing.T) {
	_, coarse, fine, err := ParseCIFAR100(bytes.NewReader(cifarBatch(25, 2, 20, 100)))
	if err != nil {
		t.Fatal(err)
	}
	if len(coarse) != 25 || coarse[21] != 1 || fine[21] != 21 {
		t.Fatalf("coarse %v fine %v", coarse, fine)
	}
}

func TestParseCIFARErrors(t *testing.T) {
	good := cifarBatch(2, 1, 10)
	bad := append([]byte{}, good...)
	bad[cifar10RecLen] = 10
	cases := map[string]struct {
		in   []byte
		want string
	}{
		"empty":     {nil, "empty batch"},
		"truncated": {good[:len(good)-1], "record 1: truncated (3072 of 3073 bytes"},
		"label":     {bad, "record 1: label 10 out of range [0, 10)"},
	}
	for name, c := range cases {
		if _, _, err := ParseCIFAR10(bytes.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", name, err, c.want)
		}
	}
	c100 := cifarBatch(1, 2, 20, 100)
	c100[0] = 20
	if _, _, _, err := ParseCIFAR100(bytes.NewReader(c100)); err == nil || !strings.Contains(err.Error(), "label 20 out of range [0, 20)") {
		t.Errorf("coarse label 20: %v", err)
	}
}

func FuzzParseCIFAR(f *testing.F) {
	f.Add(cifarBatch(1, 1, 10))
	f.Add(cifarBatch(2, 2, 20, 100)[:5000])
	f.Fuzz(func(t *testing.T, in []byte) {
		if images, labels, err := ParseCIFAR10(bytes.NewReader(in)); err == nil {
			if len(images) != len(labels)*CIFARImageLen || len(in) != len(labels)*cifar10RecLen {
				t.Fatalf("%d labels, %d image bytes from %d input bytes", len(labels), len(images), len(in))
			}
		}
		if images, coarse, fine, err := ParseCIFAR100(bytes.NewReader(in)); err == nil {
			if len(coarse) != len(fine) || len(images) != len(fine)*CIFARImageLen {
				t.Fatalf("%d/%d labels, %d image bytes", len(coarse), len(fine), len(images))
			}
		}
	})
}
