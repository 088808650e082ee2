package bench

import (
	"testing"

	"github.com/mxgo/mxgo/gluon/data/vision"
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
	aug := loaderAugment()
	b.Run("decode", func(b *testing.B) {
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			if _, _, err := ds.Decoded(i % loaderImages); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("augment", func(b *testing.B) {
		imgs := make([]*nd.NDArray, 16)
		for i := range imgs {
			s, err := ds.Get(i)
			if err != nil {
				b.Fatal(err)
			}
			imgs[i] = s[0].(*nd.NDArray)
		}
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			if _, err := aug.Apply(imgs[i%16]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode+augment", func(b *testing.B) {
		defer reportCPU(b)()
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

// reportCPU adds the process CPU time per op to a benchmark's results (a
// loaded machine inflates it far less than wall time).
func reportCPU(b *testing.B) func() {
	c0 := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op") }
}

// BenchmarkLoaderEpoch profiles the whole benchmark pipeline: one epoch of
// 512 images per op through a one-worker DataLoader.
func BenchmarkLoaderEpoch(b *testing.B) {
	rec, err := DataLoaderRec()
	if err != nil {
		b.Fatal(err)
	}
	ds, err := vision.NewImageRecordDataset(rec, false)
	if err != nil {
		b.Fatal(err)
	}
	defer ds.Close()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		if _, _, err := loaderRate(ds, 1); err != nil {
			b.Fatal(err)
		}
	}
}
