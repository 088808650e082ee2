package nd_test

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

func ExampleNDArray_Dot() {
	a := nd.Array([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := nd.Array([]float32{1, 0, 0, 1, 1, 1}, 3, 2)
	fmt.Println(a.Dot(b).Float32s())
	// a·aᵀ without materializing the transpose:
	fmt.Println(nd.DotT(a, a, false, true).Float32s())
	// Output:
	// [4 5 10 11]
	// [14 32 32 77]
}

func ExampleMatmul() {
	a := nd.Ones(nd.Shape{4, 1, 2, 3}) // batch axes (4, 1) broadcast against (5,)
	b := nd.Ones(nd.Shape{5, 3, 2})
	fmt.Println(nd.Matmul(a, b).Shape())
	// Output: (4, 5, 2, 2)
}

func ExampleFullyConnected() {
	x := nd.Array([]float32{1, 2, 3, 4}, 2, 2)       // (batch, in_units)
	w := nd.Array([]float32{1, 0, 0, 1, 1, 1}, 3, 2) // (num_hidden, in_units)
	b := nd.Array([]float32{0, 10, 100}, 3)
	y := nd.FullyConnected(x, w, b, nd.FullyConnectedAttrs{})
	fmt.Println(y.Shape(), y.Float32s())
	// Output: (2, 3) [1 12 103 3 14 107]
}
