package symbol

import (
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

// Training steps reuse one state buffer and one workspace per pass: the
// backward pass gives the state back when autograd frees the tape.
func TestCachedOpRecyclesState(t *testing.T) {
	data := Var("data")
	h := Activation("relu", FullyConnected("fc1", data, nd.FullyConnectedAttrs{NumHidden: 8}), "relu")
	out := FullyConnected("fc2", h, nd.FullyConnectedAttrs{NumHidden: 2})
	names := []string{"data", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"}
	op, err := NewCachedOp(out, names)
	if err != nil {
		t.Fatal(err)
	}
	in := []*nd.NDArray{nd.Ones(nd.Shape{4, 3})}
	for _, s := range []nd.Shape{{8, 3}, {8}, {2, 8}, {2}} {
		in = append(in, nd.Ones(s).AttachGrad())
	}
	step := func(retain bool) {
		var loss *nd.NDArray
		autograd.Record(func() {
			o, err := op.Call(in)
			if err != nil {
				t.Fatal(err)
			}
			loss = o[0].Sum()
		})
		if err := autograd.Backward([]*nd.NDArray{loss}, nil, retain); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ {
		step(false)
	}
	if len(op.plans) != 1 {
		t.Fatalf("%d plans, want 1", len(op.plans))
	}
	for _, p := range op.plans {
		if p.bwd == nil || p.stateBytes == 0 {
			t.Fatal("the training plan saves nothing for backward")
		}
		// fc1 runs before fc2's weights are needed (they may still be
		// being updated).
		if len(p.fwdSegs) < 2 {
			t.Fatalf("forward in %d segments, want one per layer reading new weights", len(p.fwdSegs))
		}
		// fc2's gradients are pushed before fc1's are computed.
		if len(p.bwdSegs) < 2 {
			t.Fatalf("backward in %d segments, want one per layer's gradients at least", len(p.bwdSegs))
		}
		if p.stateAllocs != 1 || len(p.states) != 1 {
			t.Fatalf("5 steps allocated %d state buffers (%d free); want 1 reused", p.stateAllocs, len(p.states))
		}
		// A retained graph keeps its state: the next step needs another.
		step(true)
		step(false)
		if p.stateAllocs != 2 {
			t.Fatalf("after a retained backward: %d state buffers, want 2", p.stateAllocs)
		}
	}
}

func TestArenaReusesFreedSpans(t *testing.T) {
	var a arena
	x := a.alloc(100) // 128
	y := a.alloc(64)
	if x != 0 || y != 128 || a.size != 192 {
		t.Fatalf("offsets %d %d size %d", x, y, a.size)
	}
	a.release(x, 100)
	if z := a.alloc(60); z != 0 {
		t.Fatalf("a 64-byte value went to %d, want the freed span at 0", z)
	}
	a.release(0, 60)
	a.release(y, 64)
	if len(a.free) != 1 || a.free[0] != (span{0, 192}) {
		t.Fatalf("free spans %v, want one coalesced span", a.free)
	}
	if z := a.alloc(256); z != 0 || a.size != 256 {
		t.Fatalf("growing over a free tail: offset %d size %d", z, a.size)
	}
}

// An elementwise chain runs as one fused step in both passes, with the
// same values and gradients as the executor.
func TestCachedOpFusesElementwiseChains(t *testing.T) {
	data := Var("data")
	h := FullyConnected("fc", data, nd.FullyConnectedAttrs{NumHidden: 6})
	out := Activation("tanh", Activation("sig", h, "sigmoid").MulScalar(2).AddScalar(-1), "tanh")
	names := []string{"data", "fc_weight", "fc_bias"}
	op, err := NewCachedOp(out, names)
	if err != nil {
		t.Fatal(err)
	}
	nd.Seed(3)
	in := []*nd.NDArray{nd.RandomUniform(-1, 1, nd.Shape{5, 4}), nd.RandomUniform(-1, 1, nd.Shape{6, 4}), nd.RandomUniform(-1, 1, nd.Shape{6})}
	run := func(f func(xs []*nd.NDArray) *nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
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
		return y, []*nd.NDArray{xs[0].Grad(), xs[1].Grad(), xs[2].Grad()}
	}
	yc, gc := run(func(xs []*nd.NDArray) *nd.NDArray {
		o, err := op.Call(xs)
		if err != nil {
			t.Fatal(err)
		}
		return o[0]
	})
	exec := NewExecutor(out)
	ye, ge := run(func(xs []*nd.NDArray) *nd.NDArray {
		o, err := exec.Forward(map[string]*nd.NDArray{"data": xs[0], "fc_weight": xs[1], "fc_bias": xs[2]})
		if err != nil {
			t.Fatal(err)
		}
		return o[0]
	})
	closeTo := func(what string, a, b *nd.NDArray) {
		x, y := a.Float64s(), b.Float64s()
		for i := range x {
			if d := x[i] - y[i]; d > 1e-5 || d < -1e-5 {
				t.Fatalf("%s[%d]: cached %v, executor %v", what, i, x[i], y[i])
			}
		}
	}
	closeTo("output", yc, ye)
	for i := range gc {
		closeTo(names[i]+" gradient", gc[i], ge[i])
	}
	for _, p := range op.plans {
		fused := 0
		for _, s := range append(append([]step(nil), p.fwd.steps...), p.bwd.steps...) {
			if s.op == FusedOp().Name {
				fused++
			}
		}
		if fused == 0 {
			t.Error("no fused step in the compiled passes")
		}
	}
}
