package kernels_test

import (
	"fmt"

	"github.com/mxgo/mxgo/nd/kernels"
)

func ExampleSgemm() {
	a := []float32{1, 2, 3, 4, 5, 6} // 2x3
	b := []float32{1, 0, 0, 1, 1, 1} // 3x2
	c := make([]float32, 4)          // 2x2
	kernels.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)
	// C = A*Bᵀ with B stored 2x3: transB reads it in place.
	bt := []float32{1, 0, 1, 0, 1, 1}
	kernels.Sgemm(false, true, 2, 2, 3, 1, a, 3, bt, 3, 0, c, 2)
	fmt.Println(c)
	// Output:
	// [4 5 10 11]
	// [4 5 10 11]
}

// A weight packed once multiplies each step's state: C = W·h_tᵀ.
func ExampleSgemmPackedA() {
	w := []float32{1, 2, 3, 4, 5, 6} // 2x3
	var pw kernels.PackedA
	kernels.PackA(&pw, false, 2, 3, 1, w, 3)
	c := make([]float32, 2) // 2x1
	for _, h := range [][]float32{{1, 0, 0}, {0, 1, 1}} {
		kernels.SgemmPackedA(&pw, true, 1, h, 3, 0, c, 1)
		fmt.Println(c)
	}
	// Output:
	// [1 4]
	// [5 11]
}

func ExampleParallelFor() {
	squares := make([]int, 10)
	kernels.ParallelFor(len(squares), 4, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			squares[i] = i * i
		}
	})
	fmt.Println(squares)
	// Output: [0 1 4 9 16 25 36 49 64 81]
}
