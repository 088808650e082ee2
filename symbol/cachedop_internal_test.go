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
