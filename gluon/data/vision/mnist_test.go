package vision

import (
	"context"
	"testing"

	"github.com/mxgo/mxgo/nd"
)

func TestMNISTDatasetFromShippedCopy(t *testing.T) {
	dir := t.TempDir() // empty root: the shipped copy is used
	for _, fashion := range []bool{false, true} {
		ds, err := NewMNIST(context.Background(), MNISTOptions{Root: dir, Fashion: fashion})
		if err != nil {
			t.Fatal(err)
		}
		if ds.Len() != 10000 {
			t.Fatalf("test split has %d images, want 10000", ds.Len())
		}
		s, err := ds.Get(0)
		if err != nil {
			t.Fatal(err)
		}
		img := s[0].(*nd.NDArray)
		if !img.Shape().Equal(nd.Shape{28, 28, 1}) || img.DType() != nd.Uint8 {
			t.Fatalf("image %v %v", img.Shape(), img.DType())
		}
		// The first test digit of MNIST is a 7; the first Fashion-MNIST test item is an ankle boot (9).
		want := int32(7)
		if fashion {
			want = 9
		}
		if s[1].(int32) != want {
			t.Fatalf("fashion=%v: label 0 = %v, want %d", fashion, s[1], want)
		}
		if _, err := ds.Get(10000); err == nil {
			t.Fatal("Get past the end: no error")
		}
		imgs, labels := ds.Images()
		if !imgs.Shape().Equal(nd.Shape{10000, 28, 28, 1}) || labels.Int64s()[0] != int64(want) {
			t.Fatalf("Images(): %v, first label %v", imgs.Shape(), labels.Int64s()[0])
		}
	}
}
