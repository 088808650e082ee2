package nd_test

import (
	"fmt"
	"testing"

	"github.com/mxgo/mxgo/nd"
)

// BenchmarkReduceExt times the float32 max, min, prod, argmax and
// comparisons of the common layouts as an eager op: the op, waiting for
// it, and handing its output back to the pool, per iteration.
//
//	go test -run XXX -bench ReduceExt ./nd
func BenchmarkReduceExt(b *testing.B) {
	for _, sz := range []struct{ rows, cols int }{{256, 1024}, {1024, 4096}} {
		x := nd.ArrayOf(mathSeq(sz.rows*sz.cols, 0.001, -1), nd.Shape{sz.rows, sz.cols}, nd.OfType(nd.Float32))
		y := nd.ArrayOf(mathSeq(sz.rows*sz.cols, 0.0007, -1), nd.Shape{sz.rows, sz.cols}, nd.OfType(nd.Float32))
		row := nd.ArrayOf(mathSeq(sz.cols, 0.01, -1), nd.Shape{sz.cols}, nd.OfType(nd.Float32))
		for _, r := range []struct {
			name string
			f    func() *nd.NDArray
		}{
			{"max", func() *nd.NDArray { return x.Max() }},
			{"max_axis1", func() *nd.NDArray { return x.Max(1) }},
			{"max_axis0", func() *nd.NDArray { return x.Max(0) }},
			{"min_axis1", func() *nd.NDArray { return x.Min(1) }},
			{"prod_axis1", func() *nd.NDArray { return x.Prod(1) }},
			{"prod_axis0", func() *nd.NDArray { return x.Prod(0) }},
			{"argmax", func() *nd.NDArray { return x.Argmax() }},
			{"argmax_axis1", func() *nd.NDArray { return x.Argmax(1) }},
			{"greater", func() *nd.NDArray { return x.Greater(y) }},
			{"greater_row", func() *nd.NDArray { return x.Greater(row) }},
			{"equal_scalar", func() *nd.NDArray { return x.EqualScalar(0.5) }},
		} {
			b.Run(fmt.Sprintf("%s/%dx%d", r.name, sz.rows, sz.cols), func(b *testing.B) {
				b.SetBytes(int64(4 * sz.rows * sz.cols))
				b.ReportAllocs()
				for b.Loop() {
					out := r.f()
					if err := out.WaitToRead(); err != nil {
						b.Fatal(err)
					}
					nd.ReleaseTemporaries([]*nd.NDArray{out}, nil)
				}
			})
		}
	}
}
