package nd_test

import (
	"fmt"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

func ExampleNDArray_Relu() {
	x := nd.Array([]float32{-2, -0.5, 0, 1.5})
	fmt.Println(x.Relu().Float32s())
	fmt.Println(x.Clip(-1, 1).Float32s())
	fmt.Printf("%.4f\n", x.Sigmoid().Float32s())
	// Output:
	// [0 0 0 1.5]
	// [-1 -0.5 0 1]
	// [0.1192 0.3775 0.5000 0.8176]
}

func ExampleSum() {
	x := nd.Array([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(x.Sum().Scalar())                  // every element
	fmt.Println(x.Sum(1).Float32s())               // over axis 1
	fmt.Println(nd.Sum(x, []int{0}, true).Shape()) // keepdims
	fmt.Println(x.Max(0).Float32s(), x.Argmax(1).Float32s())
	// Output:
	// 21
	// [6 15]
	// (1, 3)
	// [4 5 6] [2 2]
}

func ExampleNorm() {
	x := nd.Array([]float32{3, -4, 0, 12}, 2, 2)
	fmt.Println(x.Norm(1).Float32s())
	fmt.Println(nd.Norm(x, 1, nil, false).Scalar())
	// Output:
	// [5 12]
	// 19
}

func ExampleTopK() {
	x := nd.Array([]float32{0.3, 2.5, -1, 1.7})
	both := nd.TopK(x, -1, 2, "both", false)
	fmt.Println(both[0].Float32s(), both[1].Float32s())
	fmt.Println(x.Sort().Float32s(), x.Argsort().Float32s())
	// Output:
	// [2.5 1.7] [1 3]
	// [-1 0.3 1.7 2.5] [2 0 3 1]
}

func ExampleSoftmax() {
	logits := nd.Array([]float32{1, 2, 3, 1000, 1000, 1000}, 2, 3)
	fmt.Printf("%.4f\n", logits.Softmax().Float32s())
	fmt.Printf("%.4f\n", nd.LogSoftmax(logits, -1, 2).Float32s()[:3])
	// Output:
	// [0.0900 0.2447 0.6652 0.3333 0.3333 0.3333]
	// [-1.6803 -1.1803 -0.6803]
}

// Gradients of the math ops are themselves differentiable: the second
// derivative of tanh at 0.5.
func ExampleNDArray_Tanh() {
	x := nd.Array([]float64{0.5}).AttachGrad()
	var dx *nd.NDArray
	autograd.Record(func() {
		g, _ := autograd.Grad([]*nd.NDArray{x.Tanh()}, []*nd.NDArray{x}, nil, true, false)
		dx = g[0] // 1 - tanh²
	})
	_ = autograd.BackwardOne(dx)
	fmt.Printf("%.6f %.6f\n", dx.Scalar(), x.Grad().Scalar()) // -2 tanh (1 - tanh²)
	// Output:
	// 0.786448 -0.726862
}
