package loss_test

import (
	"fmt"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon/loss"
	"github.com/mxgo/mxgo/nd"
)

func ExampleSoftmaxCrossEntropyLoss() {
	logits := nd.Array([]float32{2, 0, 0, 0, 3, 0}, 2, 3).AttachGrad()
	labels := nd.Array([]float32{0, 2})
	l := loss.NewSoftmaxCrossEntropyLoss()
	var out *nd.NDArray
	autograd.Record(func() { out = l.Forward(logits, labels) })
	if err := autograd.BackwardOne(out); err != nil {
		panic(err)
	}
	fmt.Printf("loss %.4f\n", out.Float32s())
	fmt.Printf("grad %.4f\n", logits.Grad().Float32s()) // softmax - one_hot
	// Output:
	// loss [0.2395 3.0949]
	// grad [-0.2130 0.1065 0.1065 0.0453 0.9094 -0.9547]
}

// A hybridized loss computes the same values as the loss itself, from a
// graph traced on the first call and replayed afterwards.
func ExampleHybridize() {
	l := loss.Hybridize(loss.NewSoftmaxCrossEntropyLoss())
	pred := nd.Array([]float32{2, 0, 0, 0, 0, 2}, 2, 3)
	label := nd.Array([]float32{0, 1}, 2)
	for range 2 {
		fmt.Printf("%.4f\n", l.Forward(pred, label).Float32s())
	}
	compiled, opByOp := loss.HybridPlans(l)
	fmt.Println(compiled, opByOp)
	// Output:
	// [0.2395 2.2395]
	// [0.2395 2.2395]
	// 1 0
}
