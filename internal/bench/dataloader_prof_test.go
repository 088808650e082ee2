package bench

import (
	"testing"

	"github.com/mxgo/mxgo/gluon/data/vision"
	"github.com/mxgo/mxgo/gluon/data/vision/transforms"
	"github.com/mxgo/mxgo/nd"
)

func BenchmarkDecodeAugment(b *testing.B) {
	rec, err := DataLoaderRec()
	if err != nil {
		b.Fatal(err)
	}
	ds, err := vision.NewImageRecordDataset(rec, false)
	if err != nil {
		b.Fatal(err)
	}
	defer ds.Close()
	aug := transforms.Compose(
		&transforms.RandomResizedCrop{Width: 224, Seed: 1},
		&transforms.RandomFlipLeftRight{Seed: 2},
		transforms.ToTensor{},
		transforms.Normalize{Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}},
	)
	b.Run("decode", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, _, err := ds.Decoded(i % loaderImages); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode+augment", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			s, err := ds.Get(i % loaderImages)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := aug.Apply(s[0].(*nd.NDArray)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
