package symbol_test

import (
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
	"github.com/mxgo/mxgo/symbol"
)

// mlpGraph is data -> fc1 -> relu -> fc2 (+ data's sum, so that the data
// is read twice and by a broadcast op).
func mlpGraph() (*symbol.Symbol, []string) {
	data := symbol.Var("data")
	h := symbol.Activation("relu1", symbol.FullyConnected("fc1", data, nd.FullyConnectedAttrs{NumHidden: 5}), "relu")
	out := symbol.FullyConnected("fc2", h, nd.FullyConnectedAttrs{NumHidden: 3})
	out = out.Mul(symbol.Activation("sig", out, "sigmoid")).AddScalar(0.5)
	return out, []string{"data", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"}
}

func randomInputs(shapes ...nd.Shape) []*nd.NDArray {
	nd.Seed(7)
	var in []*nd.NDArray
	for _, s := range shapes {
		in = append(in, nd.RandomUniform(-1, 1, s))
	}
	return in
}

// gradsOf runs f under Record on copies of in (all with gradients) and
// returns the output and the gradients of sum(out²).
func gradsOf(t *testing.T, in []*nd.NDArray, f func([]*nd.NDArray) *nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	t.Helper()
	xs := make([]*nd.NDArray, len(in))
	for i, x := range in {
		xs[i] = x.Copy().AttachGrad()
	}
	var y, loss *nd.NDArray
	autograd.Record(func() {
		y = f(xs)
		loss = y.Mul(y).Sum()
	})
	if err := autograd.BackwardOne(loss); err != nil {
		t.Fatal(err)
	}
	grads := make([]*nd.NDArray, len(xs))
	for i, x := range xs {
		grads[i] = x.Grad()
	}
	return y, grads
}

func TestCachedOpMatchesExecutor(t *testing.T) {
	sym, names := mlpGraph()
	in := randomInputs(nd.Shape{4, 6}, nd.Shape{5, 6}, nd.Shape{5}, nd.Shape{3, 5}, nd.Shape{3})
	op, err := symbol.NewCachedOp(sym, names)
	if err != nil {
		t.Fatal(err)
	}
	exec := symbol.NewExecutor(sym)
	eager := func(xs []*nd.NDArray) *nd.NDArray {
		args := map[string]*nd.NDArray{}
		for i, n := range names {
			args[n] = xs[i]
		}
		out, err := exec.Forward(args)
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	cached := func(xs []*nd.NDArray) *nd.NDArray {
		out, err := op.Call(xs)
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	for step := 0; step < 3; step++ { // later steps reuse the plan and the state buffer
		ye, ge := gradsOf(t, in, eager)
		yc, gc := gradsOf(t, in, cached)
		ndtest.AssertClose(t, yc, ye.Shape(), ye.Float64s(), 1e-5, 1e-6)
		for i := range ge {
			ndtest.AssertClose(t, gc[i], ge[i].Shape(), ge[i].Float64s(), 1e-5, 1e-6)
		}
	}
	// Inference: no recording, a plan without backward.
	ye, yc := eager(in), cached(in)
	ndtest.AssertClose(t, yc, ye.Shape(), ye.Float64s(), 1e-5, 1e-6)
	if compiled, opByOp := op.Plans(); compiled != 2 || opByOp != 0 {
		t.Fatalf("plans: %d compiled, %d op by op; want 2 and 0", compiled, opByOp)
	}
}

// When only one input tracks gradients, the plan computes just that one,
// and it equals the gradient computed with every input tracked.
func TestCachedOpGradientOfSomeInputs(t *testing.T) {
	sym, names := mlpGraph()
	in := randomInputs(nd.Shape{2, 6}, nd.Shape{5, 6}, nd.Shape{5}, nd.Shape{3, 5}, nd.Shape{3})
	op, err := symbol.NewCachedOp(sym, names)
	if err != nil {
		t.Fatal(err)
	}
	call := func(xs []*nd.NDArray) *nd.NDArray {
		out, err := op.Call(xs)
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	w := in[1].Copy().AttachGrad()
	var y, loss *nd.NDArray
	autograd.Record(func() {
		y = call([]*nd.NDArray{in[0], w, in[2], in[3], in[4]})
		loss = y.Mul(y).Sum()
	})
	if err := autograd.BackwardOne(loss); err != nil {
		t.Fatal(err)
	}
	_, all := gradsOf(t, in, call)
	ndtest.AssertClose(t, w.Grad(), all[1].Shape(), all[1].Float64s(), 1e-6, 1e-7)
	if compiled, _ := op.Plans(); compiled != 2 {
		t.Fatalf("%d plans, want one per set of tracked inputs", compiled)
	}
}

// Goroutines share one CachedOp: its programs reuse their kernel
// arguments and workspace, so calls must be serialized by the engine.
func TestCachedOpConcurrentCalls(t *testing.T) {
	sym, names := mlpGraph()
	op, err := symbol.NewCachedOp(sym, names)
	if err != nil {
		t.Fatal(err)
	}
	exec := symbol.NewExecutor(sym)
	params := randomInputs(nd.Shape{5, 6}, nd.Shape{5}, nd.Shape{3, 5}, nd.Shape{3})
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func(g int) {
			errs <- nd.Try(func() {
				for i := 0; i < 10; i++ {
					x := nd.Full(nd.Shape{2 + g%2, 6}, float64(g*10+i)/50)
					in := append([]*nd.NDArray{x}, params...)
					got, err := op.Call(in)
					if err != nil {
						panic(err)
					}
					args := map[string]*nd.NDArray{}
					for j, n := range names {
						args[n] = in[j]
					}
					want, err := exec.Forward(args)
					if err != nil {
						panic(err)
					}
					if ok, msg := ndtest.Close(got[0].Float64s(), want[0].Float64s(), 1e-5, 1e-6); !ok {
						panic(msg)
					}
				}
			})
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// Outputs that are inputs, or repeat another output, are copies; an input
// read twice gets the sum of both gradients.
func TestCachedOpIdentityAndRepeatedOutputs(t *testing.T) {
	x := symbol.Var("x")
	y := x.Mul(x)
	sym := symbol.Group(x, y, y)
	op, err := symbol.NewCachedOp(sym, []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	in := nd.Array([]float32{1, 2, 3}, 3).AttachGrad()
	var loss *nd.NDArray
	var out []*nd.NDArray
	autograd.Record(func() {
		out, err = op.Call([]*nd.NDArray{in})
		if err == nil {
			loss = out[0].Add(out[1]).Add(out[2].MulScalar(2)).Sum()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := autograd.BackwardOne(loss); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, out[0], nd.Shape{3}, []float64{1, 2, 3}, 0, 0)
	ndtest.AssertClose(t, out[2], nd.Shape{3}, []float64{1, 4, 9}, 0, 0)
	// d/dx (x + x² + 2x²) = 1 + 6x
	ndtest.AssertClose(t, in.Grad(), nd.Shape{3}, []float64{7, 13, 19}, 1e-6, 0)
	if compiled, opByOp := op.Plans(); compiled != 1 || opByOp != 0 {
		t.Fatalf("plans: %d compiled, %d op by op", compiled, opByOp)
	}
}

// A kernel's error inside a bulk pass surfaces on the outputs, naming the
// node.
func TestCachedOpKernelErrorNamesNode(t *testing.T) {
	x := symbol.Var("x")
	sym := symbol.CallNamed("probs", "softmax", nil, x)
	op, err := symbol.NewCachedOp(sym, []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	half := nd.Ones(nd.Shape{2, 3}).AsType(nd.Float16) // softmax has no float16 kernel
	out, err := op.Call([]*nd.NDArray{half})
	if err == nil {
		err = out[0].WaitToRead()
	}
	if err == nil || !strings.Contains(err.Error(), "probs") {
		t.Fatalf("error %v, want one naming node probs", err)
	}
}
