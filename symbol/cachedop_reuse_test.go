package symbol_test

import (
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
	"github.com/mxgo/mxgo/symbol"
)

var reuse = symbol.CachedOpOptions{ReuseOutputs: true}

// plainAndReusing returns CachedOps of s without and with ReuseOutputs.
func plainAndReusing(t *testing.T, s *symbol.Symbol, names []string) (plain, reusing *symbol.CachedOp) {
	t.Helper()
	var err error
	if plain, err = symbol.NewCachedOp(s, names); err != nil {
		t.Fatal(err)
	}
	if reusing, err = symbol.NewCachedOp(s, names, reuse); err != nil {
		t.Fatal(err)
	}
	return plain, reusing
}

// callFirst calls op on in and returns its first output.
func callFirst(t *testing.T, op *symbol.CachedOp, in []*nd.NDArray) *nd.NDArray {
	t.Helper()
	out, err := op.Call(in)
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func chainInputs() []*nd.NDArray {
	return paramsWithGrads(randomInputs(nd.Shape{4, 6}, nd.Shape{5, 6}, nd.Shape{5}, nd.Shape{3, 5}, nd.Shape{3}))
}

// With ReuseOutputs, training steps get the same loss array back each
// time, and the same losses and gradients as without.
func TestReuseOutputsTrainingSteps(t *testing.T) {
	fresh, reused := newChain(t), newChain(t, reuse)
	xf, xr := chainInputs(), chainInputs()
	var first *nd.NDArray
	for step := range 4 {
		lf, lr := fresh.step(t, xf), reused.step(t, xr)
		if step == 0 {
			first = lr
		} else if lr != first {
			t.Fatalf("step %d: the loss is a new array, want the reused one", step)
		}
		ndtest.AssertClose(t, lr, lf.Shape(), lf.Float64s(), 0, 0)
		for i := 1; i < len(xf); i++ {
			w := xf[i].Grad()
			ndtest.AssertClose(t, xr[i].Grad(), w.Shape(), w.Float64s(), 0, 0)
		}
	}
}

// A steady-state recorded step through a CachedOp and a CachedFunc with
// ReuseOutputs allocates nothing: their outputs are reused like their
// tape nodes and gradients.
func TestReuseOutputsStepAllocatesNothing(t *testing.T) {
	c := newChain(t, reuse)
	xs := chainInputs()
	for range 3 {
		c.step(t, xs)
	}
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	if a := testutil.AllocsPerRunSettled(100, func() { c.step(t, xs) }); a != 0 {
		t.Fatalf("recorded step with reused outputs: %v allocs, want 0", a)
	}
}

// Two recorded calls before one backward pass get different arrays (the
// first is still on the tape), and backward through both is right; once
// backward has freed the tape the reused array comes back.
func TestReuseOutputsTwoRecordedCalls(t *testing.T) {
	sym, names := fcGraph()
	in := randomInputs(nd.Shape{4, 6}, nd.Shape{5, 6}, nd.Shape{5}, nd.Shape{3, 5}, nd.Shape{3})
	x2 := nd.RandomUniform(-1, 1, nd.Shape{4, 6})
	twoCalls := func(op *symbol.CachedOp, xs []*nd.NDArray) (y1, y2 *nd.NDArray) {
		autograd.Record(func() {
			y1, y2 = callFirst(t, op, xs), callFirst(t, op, append([]*nd.NDArray{x2}, xs[1:]...))
		})
		var l *nd.NDArray
		autograd.Record(func() { l = y1.Square().Sum().Add(y2.Mul(y1).Sum()) })
		if err := autograd.BackwardOne(l); err != nil {
			t.Fatal(err)
		}
		return y1, y2
	}
	plain, reusing := plainAndReusing(t, sym, names)
	xp, xr := paramsWithGrads(in), paramsWithGrads(in)
	wantY1, wantY2 := twoCalls(plain, xp)
	y1, y2 := twoCalls(reusing, xr)
	if y1 == y2 || y1.SharesStorage(y2) {
		t.Fatal("two recorded calls share their output")
	}
	ndtest.AssertClose(t, y1, wantY1.Shape(), wantY1.Float64s(), 0, 0)
	ndtest.AssertClose(t, y2, wantY2.Shape(), wantY2.Float64s(), 0, 0)
	for i := 1; i < len(xp); i++ {
		w := xp[i].Grad()
		ndtest.AssertClose(t, xr[i].Grad(), w.Shape(), w.Float64s(), 1e-6, 1e-7)
	}
	var y3 *nd.NDArray
	autograd.Record(func() { y3 = callFirst(t, reusing, xr) })
	if y3 != y1 {
		t.Fatal("after backward freed the tape, the next call did not reuse the first call's output")
	}
}

// A graph fed its own output (an unrolled cell) gets a fresh output for
// that call, and the values of running it twice.
func TestReuseOutputsFedBack(t *testing.T) {
	data := symbol.Var("data")
	cell := symbol.Activation("act", symbol.FullyConnected("fc", data, nd.FullyConnectedAttrs{NumHidden: 6}), "tanh")
	names := []string{"data", "fc_weight", "fc_bias"}
	in := randomInputs(nd.Shape{4, 6}, nd.Shape{6, 6}, nd.Shape{6})
	plain, reusing := plainAndReusing(t, cell, names)
	call := func(op *symbol.CachedOp, x *nd.NDArray) *nd.NDArray {
		return callFirst(t, op, []*nd.NDArray{x, in[1], in[2]})
	}
	want := call(plain, call(plain, in[0]))
	h1 := call(reusing, in[0])
	h2 := call(reusing, h1)
	if h2 == h1 {
		t.Fatal("a call reading its reused output wrote into it")
	}
	ndtest.AssertClose(t, h2, want.Shape(), want.Float64s(), 0, 0)
	// A reshaped view of the reused output shares its memory too.
	h3 := call(reusing, h1.Reshape(4, 6))
	if h3 == h1 {
		t.Fatal("a call reading a view of its reused output wrote into it")
	}
	ndtest.AssertClose(t, h3, want.Shape(), want.Float64s(), 0, 0)
	if h4 := call(reusing, in[0]); h4 != h1 {
		t.Fatal("an unrecorded call did not reuse the output")
	}
}

// A graph retained by backward keeps its outputs: later calls get fresh
// arrays and leave the retained values alone.
func TestReuseOutputsRetainedGraph(t *testing.T) {
	sym, names := fcGraph()
	reusing, err := symbol.NewCachedOp(sym, names, reuse)
	if err != nil {
		t.Fatal(err)
	}
	xs := chainInputs()
	var y *nd.NDArray
	autograd.Record(func() { y = callFirst(t, reusing, xs) })
	if err := autograd.Backward([]*nd.NDArray{y}, nil, true); err != nil {
		t.Fatal(err)
	}
	before := y.Float64s()
	other := append([]*nd.NDArray{nd.RandomUniform(-1, 1, nd.Shape{4, 6})}, xs[1:]...)
	for range 2 {
		if callFirst(t, reusing, other) == y {
			t.Fatal("a call overwrote the output of a retained graph")
		}
	}
	ndtest.AssertClose(t, y, y.Shape(), before, 0, 0)
	if err := autograd.BackwardOne(y); err != nil { // the retained graph still works
		t.Fatal(err)
	}
}

func TestCachedOpRejectsTwoOptionSets(t *testing.T) {
	sym, names := fcGraph()
	if _, err := symbol.NewCachedOp(sym, names, reuse, reuse); err == nil {
		t.Fatal("two option sets accepted")
	}
}
