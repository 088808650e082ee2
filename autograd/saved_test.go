package autograd_test

import (
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd"
)

// savedOutputsOp returns 2x and a saved copy of x; its gradient records
// which output gradients it was given.
var savedOutputsOp, savedOutGrads = func() (*nd.OpDef, *[]*nd.NDArray) {
	var seen []*nd.NDArray
	op := nd.RegisterOp(&nd.OpDef{
		Name:         "_autograd_test_saved_outputs",
		NumInputs:    1,
		NumOutputs:   2,
		SavedOutputs: 1,
		InferShape:   func(_ any, in []nd.Shape) ([]nd.Shape, error) { return []nd.Shape{in[0], in[0]}, nil },
		Kernels: map[engine.DeviceType]nd.Kernel{engine.CPU: func(k *nd.KernelArgs) error {
			x, y, saved := k.In[0].F32(), k.Out[0].F32(), k.Out[1].F32()
			for i, v := range x {
				y[i], saved[i] = 2*v, v
			}
			return nil
		}},
		Grad: func(g *nd.GradArgs) []*nd.NDArray {
			seen = append(seen[:0], g.OutGrads...)
			return []*nd.NDArray{g.OutGrads[0].MulScalar(2)}
		},
	})
	return op, &seen
}()

// A saved output takes no gradient: backward hands nil in its slot rather
// than an array of zeros (for the RNN op that array is the size of every
// saved activation).
func TestSavedOutputsGetNoZeroGradient(t *testing.T) {
	x := nd.Array([]float32{1, 2, 3}, 3)
	x.AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() { y = nd.Invoke(savedOutputsOp, nil, x)[0].Sum() })
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	seen := *savedOutGrads
	if len(seen) != 2 || seen[0] == nil || seen[1] != nil {
		t.Fatalf("output gradients %v: want the result's, and nil for the saved output", seen)
	}
	for i, g := range x.Grad().Float32s() {
		if g != 2 {
			t.Fatalf("grad[%d] = %v, want 2", i, g)
		}
	}
}
