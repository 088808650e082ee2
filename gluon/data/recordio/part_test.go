package recordio

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// checkParts reads data with numParts part readers and checks that the
// concatenation equals the whole stream's records, in order.
func checkParts(t *testing.T, data []byte, want [][]byte, numParts int) {
	t.Helper()
	var got [][]byte
	for p := range numParts {
		r, err := NewPartReader(bytes.NewReader(data), int64(len(data)), p, numParts)
		if err != nil {
			t.Fatal(err)
		}
		part, _ := readAll(t, r)
		got = append(got, part...)
	}
	if len(got) != len(want) {
		t.Fatalf("%d parts read %d records, want %d", numParts, len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("%d parts: record %d differs (len %d vs %d)", numParts, i, len(got[i]), len(want[i]))
		}
	}
}

func TestPartReadersCoverAllOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var recs [][]byte
	for i := range 60 {
		rec := make([]byte, rng.IntN(300))
		for j := range rec {
			rec[j] = byte(rng.Uint32())
		}
		// Plant magic words, aligned and not, so parts must sync past them.
		for k := 0; k < 3 && len(rec) >= 8; k++ {
			copy(rec[rng.IntN(len(rec)-4):], magicBytes)
		}
		if i%7 == 0 && len(rec) >= 4 {
			copy(rec[len(rec)&^3-4:], magicBytes)
		}
		recs = append(recs, rec)
	}
	data, _ := writeAll(t, recs)
	for _, n := range []int{1, 2, 3, 4, 7, 16, 59, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { checkParts(t, data, recs, n) })
	}
}

func TestPartReaderArgs(t *testing.T) {
	for _, c := range [][2]int{{0, 0}, {-1, 2}, {2, 2}} {
		if _, err := NewPartReader(bytes.NewReader(nil), 0, c[0], c[1]); err == nil {
			t.Errorf("part %d of %d accepted", c[0], c[1])
		}
	}
	r, err := NewPartReader(bytes.NewReader(nil), 0, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("empty stream: %v, want io.EOF", err)
	}
}
