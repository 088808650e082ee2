package autograd_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// passThrough is a Function that computes nothing: its outputs and
// gradients are arrays it owns, so that every allocation of a recorded
// call and its backward is the tape's own. It writes its input's gradient
// in place when autograd offers the buffer (BackwardIntoer) and is a
// Releaser, whose gradients autograd releases after the pass: they are
// small arrays, which ReleaseTemporaries leaves alone, so reusing them is
// safe here.
type passThrough struct {
	out, grad *nd.NDArray
	outs      [1]*nd.NDArray
	wroteInto bool
}

func (f *passThrough) Forward(in ...*nd.NDArray) []*nd.NDArray {
	f.outs[0] = f.out
	return f.outs[:]
}

func (f *passThrough) Backward(outGrads ...*nd.NDArray) []*nd.NDArray {
	return f.BackwardInto(outGrads, nil)
}

func (f *passThrough) BackwardInto(outGrads, into []*nd.NDArray) []*nd.NDArray {
	if len(into) == 1 && into[0] != nil {
		f.wroteInto = true
		return into // the gradient "written" in place
	}
	f.wroteInto = false
	if len(into) == 1 {
		into[0] = f.grad
		return into
	}
	return []*nd.NDArray{f.grad}
}

func (f *passThrough) Release() {}

// Recording two chained Function calls and backpropagating through them
// allocates nothing in steady state: tape nodes, the sweep's scratch and
// the default head gradient are all reused.
func TestTapeAllocatesNothing(t *testing.T) {
	x := nd.Zeros(nd.Shape{4}).AttachGrad()
	f := &passThrough{out: nd.Zeros(nd.Shape{4}), grad: nd.Zeros(nd.Shape{4})}
	g := &passThrough{out: nd.Zeros(nd.Shape{1}), grad: nd.Zeros(nd.Shape{4})}
	// Apply's input list goes to Forward, an interface call, so it
	// escapes: a caller that does not want an allocation per call passes
	// a list it keeps (as CachedOp does).
	xs := []*nd.NDArray{x}
	step := func() {
		var y *nd.NDArray
		autograd.Record(func() { y = autograd.Apply(g, autograd.Apply(f, xs...)...)[0] })
		if err := autograd.BackwardOne(y); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if !f.wroteInto || g.wroteInto {
		t.Fatalf("leaf buffer offered to f: %v (want true), to g: %v (want false)", f.wroteInto, g.wroteInto)
	}
	if a := testing.AllocsPerRun(200, step); a != 0 && !raceEnabled {
		t.Fatalf("recorded forward+backward of two Functions: %v allocs per step, want 0", a)
	}
	if err := autograd.BackwardOne(g.out); err == nil || !strings.Contains(err.Error(), "freed") {
		t.Fatalf("backward through a freed (recycled) graph: %v, want the graph-freed error", err)
	}
}

// eagerStep records y = Σ (x·w + x) and backpropagates, then waits.
func eagerStep(t testing.TB, x, w *nd.NDArray) {
	var y *nd.NDArray
	autograd.Record(func() { y = x.Mul(w).Add(x).Sum() })
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	if err := x.Grad().WaitToRead(); err != nil {
		t.Fatal(err)
	}
}

// Eager autograd allocates only what the ops themselves make: the tape
// nodes, the sweep's scratch and the head gradient are reused (the tape's
// own share is zero: TestTapeAllocatesNothing). What remains for
// y = Σ (x·w + x), 35 allocations per step when this was written (63
// before the tape was pooled), is nd's: the forward outputs and the
// input/output list nd hands the tape per op, the gradient functions'
// arrays and result lists, Sum's reduction and broadcast bookkeeping, and
// the copies into the leaves' buffers. The limit fails if the tape's
// allocations come back; it does not track improvements in nd.
func TestEagerBackwardAllocs(t *testing.T) {
	x := nd.Array([]float32{1, 2, 3}).AttachGrad()
	w := nd.Array([]float32{4, 5, 6}).AttachGrad()
	eagerStep(t, x, w)
	ndtest.AssertClose(t, x.Grad(), nd.Shape{3}, []float64{5, 6, 7}, 0, 0)
	ndtest.AssertClose(t, w.Grad(), nd.Shape{3}, []float64{1, 2, 3}, 0, 0)
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	const limit = 35
	if a := testing.AllocsPerRun(200, func() { eagerStep(t, x, w) }); a > limit {
		t.Fatalf("eager record+backward of 3 ops: %v allocs, want at most %d (the ops' own arrays and lists)", a, limit)
	}
}

// A graph freed by Backward gives its nodes back to the pool; arrays of
// that graph must still report the freed graph, also when used as inputs
// of a new recording, and must not see the nodes' new graphs.
func TestFreedGraphStaysFreedAfterReuse(t *testing.T) {
	x := nd.Array([]float32{2, 3}).AttachGrad()
	var old *nd.NDArray
	autograd.Record(func() { old = x.Mul(x).Sum() })
	if err := autograd.BackwardOne(old); err != nil {
		t.Fatal(err)
	}
	for range 3 { // new graphs reuse the freed nodes
		var y *nd.NDArray
		autograd.Record(func() { y = x.Mul(x).MulScalar(3).Sum() })
		if err := autograd.BackwardOne(y); err != nil {
			t.Fatal(err)
		}
		ndtest.AssertClose(t, x.Grad(), nd.Shape{2}, []float64{12, 18}, 0, 0)
	}
	if err := autograd.BackwardOne(old); err == nil || !strings.Contains(err.Error(), "freed") {
		t.Fatalf("backward of a freed head: %v, want the graph-freed error", err)
	}
	var z *nd.NDArray
	autograd.Record(func() { z = old.Mul(x.Sum()) })
	if err := autograd.BackwardOne(z); err == nil || !strings.Contains(err.Error(), "freed") {
		t.Fatalf("backward through an input from a freed graph: %v, want the graph-freed error", err)
	}
}

// Retained graphs are not recycled: backward runs through them again and
// higher-order gradients see the first-order graph, while other graphs
// are recorded and freed in between.
func TestRetainedGraphSurvivesOtherSteps(t *testing.T) {
	x := nd.ArrayOf([]float64{1.5}, nd.Shape{1}).AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() { y = x.Mul(x).Mul(x) }) // x³
	if err := autograd.Backward([]*nd.NDArray{y}, nil, true); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		var z *nd.NDArray
		autograd.Record(func() { z = x.Exp().Sum() })
		if err := autograd.BackwardOne(z); err != nil {
			t.Fatal(err)
		}
	}
	var dx *nd.NDArray
	autograd.Record(func() {
		g, err := autograd.Grad([]*nd.NDArray{y}, []*nd.NDArray{x}, nil, true, true)
		if err != nil {
			t.Fatal(err)
		}
		dx = g[0] // 3x²
	})
	ndtest.AssertClose(t, dx, nd.Shape{1}, []float64{6.75}, 1e-12, 0)
	// dx's graph reads y's (x² is an input of its ops): retain it, or
	// this backward would free y's graph too.
	if err := autograd.Backward([]*nd.NDArray{dx}, nil, true); err != nil { // 6x
		t.Fatal(err)
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{1}, []float64{9}, 1e-12, 0)
	if err := autograd.BackwardOne(y); err != nil { // y's graph: freed only now
		t.Fatalf("backward of the retained graph: %v", err)
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{1}, []float64{6.75}, 1e-12, 0)
	if err := autograd.BackwardOne(y); err == nil || !strings.Contains(err.Error(), "freed") {
		t.Fatalf("backward after the last pass freed the graph: %v, want the graph-freed error", err)
	}
}

// Goroutines recording and backpropagating at once share the node and
// pass pools; each must get its own gradients (run with -race).
func TestConcurrentStepsSharePools(t *testing.T) {
	const workers, steps = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := float32(i + 1)
			x := nd.Array([]float32{v, 2 * v}).AttachGrad()
			for range steps {
				var y *nd.NDArray
				autograd.Record(func() { y = x.Mul(x).Sum() })
				if err := autograd.BackwardOne(y); err != nil {
					errs <- err
					return
				}
				if got := x.Grad().Float32s(); got[0] != 2*v || got[1] != 4*v {
					errs <- &nd.Error{Op: "test", Msg: "wrong gradient"}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
