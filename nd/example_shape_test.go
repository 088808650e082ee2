package nd_test

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

func ExampleNDArray_Reshape() {
	x := nd.Arange(0, 24, 1)
	fmt.Println(x.Reshape(2, -1, 4).Shape())
	// MXNet's codes: 0 copies a dimension, -3 merges two, -4 splits one.
	y := x.Reshape(2, 3, 4)
	fmt.Println(y.Reshape(0, -3).Shape(), y.Reshape(-4, 1, 2, -2).Shape())
	// Output:
	// (2, 3, 4)
	// (2, 12) (1, 2, 3, 4)
}

func ExampleConcat() {
	a := nd.Array([]float32{1, 2, 3, 4}, 2, 2)
	b := nd.Array([]float32{5, 6}, 2, 1)
	fmt.Println(nd.Concat(1, a, b).Float32s())
	parts := nd.Split(nd.Concat(0, a, a), 2, 0, false)
	fmt.Println(len(parts), parts[1].Shape())
	// Output:
	// [1 2 5 3 4 6]
	// 2 (2, 2)
}

func ExampleNDArray_Slice() {
	x := nd.Arange(0, 6, 1).Reshape(3, 2)
	rows := x.Slice(1, 3) // a view: writes go to x
	rows.Set(0)
	fmt.Println(x.Float32s())
	col := x.SliceRanges(nd.Whole(), nd.Elem(1)) // x[:, 1]
	fmt.Println(col.Float32s())
	// Output:
	// [0 1 0 0 0 0]
	// [1 0 0]
}

func ExampleTake() {
	emb := nd.Array([]float32{0, 0, 1, 1, 2, 2}, 3, 2)
	ids := nd.Array([]int32{2, 0, 2})
	fmt.Println(nd.Take(emb, ids, 0, "clip").Float32s())
	// Output: [2 2 0 0 2 2]
}

func ExampleOneHot() {
	fmt.Println(nd.OneHot(nd.Array([]int32{1, 0}), 3, 1, 0, nd.Float32).Float32s())
	// Output: [0 1 0 1 0 0]
}

func ExampleRandomUniform() {
	nd.Seed(7)
	x := nd.RandomUniform(-1, 1, nd.Shape{2, 3})
	v := x.Float32s()
	inRange := true
	for _, f := range v {
		inRange = inRange && f >= -1 && f < 1
	}
	nd.Seed(7)
	again := nd.RandomUniform(-1, 1, nd.Shape{2, 3}).Float32s()
	fmt.Println(x.Shape(), inRange, again[0] == v[0])
	// Output: (2, 3) true true
}
