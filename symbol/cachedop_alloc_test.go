package symbol_test

import (
	"sync"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
	"github.com/mxgo/mxgo/symbol"
)

// chain is a training step through two cached graphs: data -> fc1 ->
// relu -> fc2 as a CachedOp, then a CachedFunc computing y·v for a
// constant v (the loss, one per sample, backpropagated with ones), so
// that the gradient between them is a CachedOp gradient autograd hands
// back. The graphs avoid fused elementwise chains and reductions, whose
// kernels allocate per run.
type chain struct {
	op   *symbol.CachedOp
	loss *symbol.CachedFunc
}

func fcGraph() (*symbol.Symbol, []string) {
	data := symbol.Var("data")
	h := symbol.Activation("relu1", symbol.FullyConnected("fc1", data, nd.FullyConnectedAttrs{NumHidden: 5}), "relu")
	out := symbol.FullyConnected("fc2", h, nd.FullyConnectedAttrs{NumHidden: 3})
	return out, []string{"data", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"}
}

func newChain(t testing.TB, opts ...symbol.CachedOpOptions) *chain {
	sym, names := fcGraph()
	op, err := symbol.NewCachedOp(sym, names, opts...)
	if err != nil {
		t.Fatal(err)
	}
	v := nd.Array([]float32{0.5, -1, 2}, 1, 3)
	loss := symbol.NewCachedFunc("projection", func(in []*nd.NDArray) []*nd.NDArray {
		return []*nd.NDArray{nd.FullyConnected(in[0], v, nil, nd.FullyConnectedAttrs{})}
	}, opts...)
	return &chain{op: op, loss: loss}
}

// step records the forward, backpropagates and waits; it returns the loss.
func (c *chain) step(t testing.TB, xs []*nd.NDArray) *nd.NDArray {
	var l *nd.NDArray
	var err error
	autograd.Record(func() {
		var yBuf, lBuf [1]*nd.NDArray
		var y, ls []*nd.NDArray
		if y, err = c.op.CallInto(yBuf[:0], xs); err != nil {
			return
		}
		if ls, err = c.loss.CallInto(lBuf[:0], y); err != nil {
			return
		}
		l = ls[0]
	})
	if err == nil {
		err = autograd.BackwardOne(l)
	}
	if err == nil {
		err = l.WaitToRead()
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func paramsWithGrads(in []*nd.NDArray) []*nd.NDArray {
	xs := []*nd.NDArray{in[0]} // the data has no gradient
	for _, x := range in[1:] {
		xs = append(xs, x.Copy().AttachGrad())
	}
	return xs
}

// A recorded step through a CachedOp and a CachedFunc allocates only the
// two output arrays the caller receives: the tape nodes, the calls, the
// intermediate gradient (recycled) and the parameters' gradients
// (written in place) cost nothing. Each output costs nd.Empty's 3
// allocations (its options, the cloned shape and the array), and the
// engine adds one for the dependency list of a push reading more
// variables than its record holds inline: 7 when this was written,
// against 52 before pooling.
func TestCachedStepAllocs(t *testing.T) {
	in := randomInputs(nd.Shape{4, 6}, nd.Shape{5, 6}, nd.Shape{5}, nd.Shape{3, 5}, nd.Shape{3})
	c := newChain(t)
	xs := paramsWithGrads(in)
	for range 3 {
		c.step(t, xs)
	}
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	const outputs, perOutput, engine = 2, 3, 1
	if a := testing.AllocsPerRun(100, func() { c.step(t, xs) }); a > outputs*perOutput+engine {
		t.Fatalf("recorded CachedOp+CachedFunc step: %v allocs, want at most %d (%d outputs)", a, outputs*perOutput+engine, outputs)
	}
}

// Recycled gradients give the same values step after step as eager
// autograd through the Executor.
func TestCachedStepGradientsWithRecycling(t *testing.T) {
	sym, names := fcGraph()
	in := randomInputs(nd.Shape{4, 6}, nd.Shape{5, 6}, nd.Shape{5}, nd.Shape{3, 5}, nd.Shape{3})
	exec := symbol.NewExecutor(sym)
	want := paramsWithGrads(in)
	var l *nd.NDArray
	autograd.Record(func() {
		args := map[string]*nd.NDArray{}
		for i, n := range names {
			args[n] = want[i]
		}
		out, err := exec.Forward(args)
		if err != nil {
			t.Fatal(err)
		}
		l = nd.FullyConnected(out[0], nd.Array([]float32{0.5, -1, 2}, 1, 3), nil, nd.FullyConnectedAttrs{})
	})
	if err := autograd.BackwardOne(l); err != nil {
		t.Fatal(err)
	}
	c := newChain(t)
	xs := paramsWithGrads(in)
	for range 4 {
		c.step(t, xs)
		for i := 1; i < len(xs); i++ {
			w := want[i].Grad()
			ndtest.AssertClose(t, xs[i].Grad(), w.Shape(), w.Float64s(), 1e-5, 1e-6)
		}
	}
}

// Gradients autograd.Grad returns belong to the caller: later training
// steps, which recycle the CachedOp's gradient arrays, leave them alone.
func TestGradResultsAreNotRecycled(t *testing.T) {
	in := randomInputs(nd.Shape{4, 6}, nd.Shape{5, 6}, nd.Shape{5}, nd.Shape{3, 5}, nd.Shape{3})
	c := newChain(t)
	xs := paramsWithGrads(in)
	for range 2 { // fill the free lists
		c.step(t, xs)
	}
	var y *nd.NDArray
	autograd.Record(func() {
		out, err := c.op.Call(xs)
		if err != nil {
			t.Fatal(err)
		}
		y = out[0]
	})
	g, err := autograd.Grad([]*nd.NDArray{y}, xs[1:2], nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	before := g[0].Float64s()
	for range 3 {
		c.step(t, xs)
	}
	ndtest.AssertClose(t, g[0], xs[1].Shape(), before, 0, 0)
}

// Goroutines training through the same cached graphs (one plan, one free
// list of gradients) each get their own gradients (run with -race).
func TestCachedStepsConcurrent(t *testing.T) {
	in := randomInputs(nd.Shape{4, 6}, nd.Shape{5, 6}, nd.Shape{5}, nd.Shape{3, 5}, nd.Shape{3})
	c := newChain(t)
	ref := paramsWithGrads(in)
	c.step(t, ref)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs := paramsWithGrads(in)
			for range 10 {
				c.step(t, xs)
				for i := 1; i < len(xs); i++ {
					if ok, msg := ndtest.Close(xs[i].Grad().Float64s(), ref[i].Grad().Float64s(), 1e-6, 1e-7); !ok {
						t.Errorf("gradient %d: %s", i, msg)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
