package autograd_test

import (
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd"
)

// A training loop's pool must stop growing: backward passes start
// collections so that dead arrays' chunks come back for the next steps.
// Without them, 150 steps of 4 MiB each would hold hundreds of MiB.
func TestBackwardRecyclesStepMemory(t *testing.T) {
	cpu := engine.Device{Type: engine.CPU}
	w := nd.Ones(nd.Shape{1 << 18}).AttachGrad()
	x := nd.Ones(nd.Shape{1 << 18})
	for range 150 {
		var l *nd.NDArray
		autograd.Record(func() { l = x.Mul(w).MulScalar(0.5).Sum() })
		if err := autograd.BackwardOne(l); err != nil {
			t.Fatal(err)
		}
		if err := w.Grad().WaitToRead(); err != nil {
			t.Fatal(err)
		}
	}
	if st := engine.MemStats(cpu); st.InUse+st.Pooled > 256<<20 {
		t.Fatalf("pool holds %d MiB after 150 steps of 4 MiB (%+v)", (st.InUse+st.Pooled)>>20, st)
	}
}
