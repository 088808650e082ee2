package nd_test

import (
	"fmt"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

func ExampleConvolution() {
	x := nd.Array([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 1, 1, 4, 4)
	w := nd.Ones(nd.Shape{1, 1, 2, 2})
	y := nd.Convolution(x, w, nil, nd.ConvolutionAttrs{Kernel: nd.Shape{2, 2}, Stride: nd.Shape{2, 2}, NumFilter: 1})
	fmt.Println(y.Shape(), y.Float32s())
	// Output: (1, 1, 2, 2) [10 18 42 50]
}

func ExamplePooling() {
	x := nd.Array([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 1, 1, 4, 4)
	y := nd.Pooling(x, nd.PoolingAttrs{Kernel: nd.Shape{2, 2}, Stride: nd.Shape{2, 2}})
	fmt.Println(y.Float32s())
	// Output: [5 7 13 15]
}

func ExampleBatchNorm() {
	x := nd.Array([]float32{1, 10, 3, 30}, 2, 2)
	gamma, beta := nd.Ones(nd.Shape{2}), nd.Zeros(nd.Shape{2})
	mm, mv := nd.Zeros(nd.Shape{2}), nd.Ones(nd.Shape{2})
	fixGamma := false
	y := nd.BatchNorm(x, gamma, beta, mm, mv, nd.BatchNormAttrs{FixGamma: &fixGamma, Eps: 1e-9, Train: true})
	fmt.Println(y.Float32s())
	fmt.Printf("%.3g\n", mm.Float64s()) // 0.9·0 + 0.1·batch mean
	// Output:
	// [-1 -1 1 1]
	// [0.2 2]
}

func ExampleActivation() {
	x := nd.Array([]float32{-1, 0, 2}).AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() { y = nd.Activation(x, "relu") })
	if err := autograd.BackwardOne(y); err != nil {
		panic(err)
	}
	fmt.Println(y.Float32s(), x.Grad().Float32s())
	// Output: [0 0 2] [0 0 1]
}
