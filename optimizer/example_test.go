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

func ExampleSGD_UpdateMulti() {
	// Two parameters updated by one fused op (multi_sgd_mom_update), as a
	// Trainer does for groups of aggregate_num parameters.
	opt := optimizer.NewSGD()
	opt.SetLearningRate(0.1)
	opt.Momentum = 0.9
	opt.LrMult = map[int]float64{1: 0.5} // parameter 1 learns at half the rate
	w0, w1 := nd.Array([]float32{1, 2}), nd.Array([]float32{3})
	states := []*optimizer.State{opt.CreateState(0, w0), opt.CreateState(1, w1)}
	for range 2 {
		grads := []*nd.NDArray{w0.MulScalar(2), w1.MulScalar(2)} // d/dw Σw²
		opt.UpdateMulti([]int{0, 1}, []*nd.NDArray{w0, w1}, grads, states)
	}
	fmt.Printf("%.4f %.4f\n", w0.Float32s(), w1.Float32s())
	// Output: [0.4600 0.9200] [2.1600]
}
