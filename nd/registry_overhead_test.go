package nd_test

import (
	"errors"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// The eager fast path (same-shape elementwise ops) must give what the
// general path gives: shapes, dtypes, values and errors.
func TestElementwiseFastPathMatchesInference(t *testing.T) {
	ndtest.BothEngines(t, func(t *testing.T) {
		a := nd.Array([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
		b := nd.Array([]float32{10, 20, 30, 40, 50, 60}, 2, 3)
		ndtest.AssertClose(t, nd.Add(a, b), nd.Shape{2, 3}, []float64{11, 22, 33, 44, 55, 66}, 0, 0)
		// Broadcasting still goes through InferShape.
		row := nd.Array([]float32{1, 2, 3}, 3)
		ndtest.AssertClose(t, nd.Add(a, row), nd.Shape{2, 3}, []float64{2, 4, 6, 5, 7, 9}, 0, 0)
		// Unary op on a strided view: contiguous output of the view's shape.
		v := a.T()
		ndtest.AssertClose(t, v.Neg(), nd.Shape{3, 2}, []float64{-1, -4, -2, -5, -3, -6}, 0, 0)
		// Scalars (shape ()) and other dtypes.
		s := nd.Add(nd.ArrayOf([]float64{2}, nd.Shape{}), nd.ArrayOf([]float64{3}, nd.Shape{}))
		if !s.Shape().Equal(nd.Shape{}) || s.DType() != nd.Float64 || s.Scalar() != 5 {
			t.Fatalf("scalar add = %v %v %v, want () float64 5", s.Shape(), s.DType(), s.Scalar())
		}
		i := nd.Add(nd.ArrayOf([]int32{1, 2}, nd.Shape{2}), nd.ArrayOf([]int32{3, 4}, nd.Shape{2}))
		if i.DType() != nd.Int32 {
			t.Fatalf("int32 add gave %v", i.DType())
		}
		ndtest.AssertClose(t, i, nd.Shape{2}, []float64{4, 6}, 0, 0)
	})
}

func TestElementwiseErrorsKept(t *testing.T) {
	a := nd.Array([]float32{1, 2})
	err := nd.Try(func() { nd.Add(a, nd.ArrayOf([]float64{1, 2}, nd.Shape{2})) })
	var e *nd.Error
	if !errors.As(err, &e) || e.Op != "broadcast_add" {
		t.Fatalf("float32 + float64: got %v, want a broadcast_add *nd.Error", err)
	}
	err = nd.Try(func() { nd.Add(a, nd.Array([]float32{1, 2, 3})) })
	if !errors.As(err, &e) || e.Op != "broadcast_add" {
		t.Fatalf("(2,) + (3,): got %v, want a broadcast_add *nd.Error", err)
	}
}

// Allocation budgets of a tiny eager op: the output array is the one
// allocation (the kernel runs its loop without a parallel body). Recording
// adds the tape node and the kept input/output lists.
func TestAdd10Allocations(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts differ under coverage and -race")
	}
	old := engine.SetDefault(engine.NewNaive())
	defer engine.SetDefault(old)
	x := nd.Array([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	y := nd.Array([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	const kernelAllocs = 0
	if n := testing.AllocsPerRun(200, func() { nd.Add(x, y) }); n > 1+kernelAllocs {
		t.Errorf("eager Add: %v allocations, want at most %d", n, 1+kernelAllocs)
	}
	x.AttachGrad()
	defer autograd.StartRecording(true).End()
	if n := testing.AllocsPerRun(200, func() { nd.Add(x, y) }); n > 3+kernelAllocs {
		t.Errorf("recorded Add: %v allocations, want at most %d", n, 3+kernelAllocs)
	}
}

// benchAdd10 measures one eager Add of two 10-element float32 arrays on e,
// the fixed per-op cost that `mxgo bench overhead` reports.
func benchAdd10(b *testing.B, e engine.Engine, record bool) {
	old := engine.SetDefault(e)
	defer engine.SetDefault(old)
	x := nd.Array([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	y := nd.Array([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	if record {
		x.AttachGrad()
		defer autograd.StartRecording(true).End()
	}
	b.ReportAllocs()
	var c *nd.NDArray
	for b.Loop() {
		c = nd.Add(x, y)
	}
	if err := c.WaitToRead(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkOverheadAdd10Naive(b *testing.B) { benchAdd10(b, engine.NewNaive(), false) }

func BenchmarkOverheadAdd10NaiveRecord(b *testing.B) { benchAdd10(b, engine.NewNaive(), true) }

func BenchmarkOverheadAdd10Threaded(b *testing.B) {
	e := engine.NewThreaded(engine.ThreadedOptions{})
	defer e.(interface{ Close() }).Close()
	benchAdd10(b, e, false)
}
