package mxboard

import (
	"testing"

	"github.com/mxgo/mxgo/nd"
)

func TestFromND(t *testing.T) {
	f := FromND(nd.Array([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	if s := f.Shape(); len(s) != 2 || s[0] != 2 || s[1] != 3 {
		t.Fatalf("shape %v", s)
	}
	if v := f.Float32s(); v[5] != 6 {
		t.Fatalf("values %v", v)
	}
	b, ok := FromND(nd.ArrayOf([]uint8{0, 128, 255}, nd.Shape{1, 3})).(byteTensor)
	if !ok {
		t.Fatal("uint8 array is not a byte tensor")
	}
	if v := b.Uint8s(); v[2] != 255 {
		t.Fatalf("bytes %v", v)
	}
}
