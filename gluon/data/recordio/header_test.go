package recordio

import (
	"bytes"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
)

func TestPackLayout(t *testing.T) {
	// Python: struct.pack('IfQQ', 0, 1.0, 7, 0) + b'img'
	got := Pack(Header{Label: 1, ID: 7}, []byte("img"))
	want, _ := hex.DecodeString("00000000" + "0000803f" + "0700000000000000" + "0000000000000000" + "696d67")
	if !bytes.Equal(got, want) {
		t.Fatalf("Pack scalar:\n got % x\nwant % x", got, want)
	}
	// Vector label: flag = 2, stored label 0, labels after the header.
	got = Pack(Header{Label: 9, Labels: []float32{1, -2}, ID: 1, ID2: 2}, nil)
	want, _ = hex.DecodeString("02000000" + "00000000" + "0100000000000000" + "0200000000000000" + "0000803f" + "000000c0")
	if !bytes.Equal(got, want) {
		t.Fatalf("Pack vector:\n got % x\nwant % x", got, want)
	}
}

func TestUnpackRoundTrip(t *testing.T) {
	for _, h := range []Header{
		{Label: 3.5, ID: 12, ID2: 1},
		{Labels: []float32{4, 5, 780, 438, 0, 0.1, 0.2, 0.7, 1.25}, ID: 99},
	} {
		rec := Pack(h, []byte("payload"))
		got, payload, err := Unpack(rec)
		if err != nil {
			t.Fatal(err)
		}
		if string(payload) != "payload" || got.Label != h.Label || got.ID != h.ID || got.ID2 != h.ID2 ||
			!slices.Equal(got.Labels, h.Labels) || got.Flag != uint32(len(h.Labels)) {
			t.Errorf("round trip of %v gave %v, %q", h, got, payload)
		}
	}
}

func TestUnpackCorrupt(t *testing.T) {
	if _, _, err := Unpack(make([]byte, 23)); err == nil || !strings.Contains(err.Error(), "shorter than the 24-byte header") {
		t.Errorf("short record: %v", err)
	}
	rec := Pack(Header{Labels: []float32{1, 2}}, nil)
	rec[0] = 3 // promise 3 labels, hold 2
	if _, _, err := Unpack(rec); err == nil || !strings.Contains(err.Error(), "flag 3 promises 12 label bytes") {
		t.Errorf("short labels: %v", err)
	}
	rec[0], rec[3] = 0, 0xff // flag near 2^32: must not allocate
	if _, _, err := Unpack(rec); err == nil {
		t.Error("huge flag accepted")
	}
}
