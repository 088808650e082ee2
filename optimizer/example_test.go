package optimizer_test

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/optimizer"
)

func ExampleSGD() {
	opt := optimizer.MustCreate("sgd", map[string]any{"learning_rate": 0.1, "momentum": 0.9})
	w := nd.Array([]float32{1, 2, 3})
	state := opt.CreateState(0, w)
	for range 2 {
		grad := w.MulScalar(2) // d/dw Σw²
		opt.Update(0, w, grad, state)
	}
	fmt.Printf("%.4f\n", w.Float32s())
	// Output: [0.4600 0.9200 1.3800]
}

func ExampleCosineScheduler() {
	s := optimizer.NewCosineScheduler(100)
	s.Warmup = optimizer.Warmup{Steps: 10}
	opt := optimizer.NewAdam()
	opt.Scheduler = s
	opt.SetLearningRate(0.001)
	for _, n := range []int{0, 5, 10, 55, 100} {
		fmt.Printf("%d: %.6f\n", n, s.LR(n))
	}
	// Output:
	// 0: 0.000000
	// 5: 0.000500
	// 10: 0.001000
	// 55: 0.000500
	// 100: 0.000000
}
