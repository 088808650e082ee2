package nd

import (
	"testing"

	"github.com/mxgo/mxgo/engine"
)

// keepingRecorder records every call the way the tape does: it copies
// the lists nd hands over into a list of its own.
type keepingRecorder struct {
	calls int
	op    *OpDef
	io    []*NDArray
	nIn   int
}

func (*keepingRecorder) Recording() bool { return true }

func (r *keepingRecorder) Record(op *OpDef, _ any, in, out []*NDArray) {
	r.calls++
	r.op, r.nIn = op, len(in)
	r.io = append(append(r.io[:0], in...), out...)
}

// opScratchEcho is an op whose InferShape returns its input list itself
// (as RNN's gradient does): invoke must be done with the shapes before
// it reuses the list.
var opScratchEcho = RegisterOp(&OpDef{
	Name:       "_test_scratch_echo",
	NumInputs:  2,
	InferShape: func(_ any, in []Shape) ([]Shape, error) { return in[:1], nil },
	Kernels: cpu(func(k *KernelArgs) error {
		copy(k.Out[0].Data, k.In[0].Data)
		return nil
	}),
	Grad: func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0], nil} },
})

// A recorded eager op costs its output array alone: the lists handed to
// the recorder and the inference scratch are recycled, and the caller's
// input list stays on its stack.
func TestRecordedOpAllocs(t *testing.T) {
	if kernelAllocsRace || testing.CoverMode() != "" {
		t.Skip("allocation counts differ under -race and coverage")
	}
	old := engine.SetDefault(engine.NewNaive())
	defer engine.SetDefault(old)
	prev := recorder
	rec := &keepingRecorder{}
	SetRecorder(rec)
	defer SetRecorder(prev)

	x := Array([]float32{1, 2, 3, 4, 5, 6}, 2, 3).AttachGrad()
	y := Array([]float32{6, 5, 4, 3, 2, 1}, 2, 3)
	cases := []struct {
		name string
		call func() *NDArray
		nIn  int
	}{
		{"Add", func() *NDArray { return Add(x, y) }, 2},                      // elementwise fast path
		{"Neg", func() *NDArray { return x.Neg() }, 1},                        // one input
		{"Invoke", func() *NDArray { return Invoke(opAdd, nil, x, y)[0] }, 2}, // + the returned list
		{"inferred", func() *NDArray { return Invoke1(opScratchEcho, nil, x, y) }, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := 1.0
			if c.name == "Invoke" {
				want = 2
			}
			rec.calls = 0
			out := c.call()
			if rec.calls != 1 || rec.nIn != c.nIn || len(rec.io) != c.nIn+1 || rec.io[0] != x || rec.io[c.nIn] != out {
				t.Fatalf("recorder saw %d calls, %d inputs, list %v; want 1 call of x, ... -> the output", rec.calls, rec.nIn, rec.io)
			}
			if n := testing.AllocsPerRun(100, func() { c.call() }); n > want {
				t.Errorf("%v allocations per recorded call, want %v", n, want)
			}
		})
	}
	// The inferred op's output shape survives the scratch's reuse.
	a := Invoke1(opScratchEcho, nil, x, y)
	Invoke1(opScratchEcho, nil, Array([]float32{1, 2, 3}), y.Reshape(6).Reshape(2, 3))
	if !a.Shape().Equal(Shape{2, 3}) {
		t.Fatalf("shape %v after the scratch was reused, want (2, 3)", a.Shape())
	}
	if got := a.Float32s(); got[0] != 1 || got[5] != 6 {
		t.Fatalf("echo = %v", got)
	}
}
