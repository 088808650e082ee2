package nd_test

import (
	"fmt"
	"testing"

	"github.com/mxgo/mxgo/nd"
)

// BenchmarkReduceVec times the float32 sums and means of the common
// layouts as an eager op: the op, waiting for it, and handing its output
// back to the pool, per iteration.
func BenchmarkReduceVec(b *testing.B) {
	for _, sz := range []struct{ rows, cols int }{{256, 1024}, {1024, 4096}} {
		x := nd.ArrayOf(mathSeq(sz.rows*sz.cols, 0.001, -1), nd.Shape{sz.rows, sz.cols}, nd.OfType(nd.Float32))
		for _, r := range []struct {
			name string
			f    func(*nd.NDArray) *nd.NDArray
		}{
			{"sum", func(a *nd.NDArray) *nd.NDArray { return a.Sum() }},
			{"sum_axis1", func(a *nd.NDArray) *nd.NDArray { return a.Sum(1) }},
			{"sum_axis0", func(a *nd.NDArray) *nd.NDArray { return a.Sum(0) }},
			{"mean", func(a *nd.NDArray) *nd.NDArray { return a.Mean() }},
			{"mean_axis1", func(a *nd.NDArray) *nd.NDArray { return a.Mean(1) }},
			{"norm", func(a *nd.NDArray) *nd.NDArray { return a.Norm() }},
			{"sumto_axis0", func(a *nd.NDArray) *nd.NDArray { return nd.SumTo(a, nd.Shape{1, sz.cols}) }},
			{"sumto_axis1", func(a *nd.NDArray) *nd.NDArray { return nd.SumTo(a, nd.Shape{sz.rows, 1}) }},
		} {
			b.Run(fmt.Sprintf("%s/%dx%d", r.name, sz.rows, sz.cols), func(b *testing.B) {
				b.SetBytes(int64(4 * sz.rows * sz.cols))
				b.ReportAllocs()
				for range b.N {
					out := r.f(x)
					if err := out.WaitToRead(); err != nil {
						b.Fatal(err)
					}
					nd.ReleaseTemporaries([]*nd.NDArray{out}, nil)
				}
			})
		}
	}
}
