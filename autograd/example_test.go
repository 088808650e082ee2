package autograd_test

import (
	"fmt"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

func ExampleRecord() {
	x := nd.Array([]float32{1, 2, 3}).AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() {
		y = x.Mul(x).Sum() // y = Σ x²
	})
	if err := autograd.BackwardOne(y); err != nil {
		panic(err)
	}
	fmt.Println(x.Grad().Float32s()) // dy/dx = 2x
	// Output: [2 4 6]
}

func ExampleGrad() {
	// Second derivative of x³ at x = 2 through a differentiable gradient.
	x := nd.ArrayOf([]float64{2}, nd.Shape{1}).AttachGrad()
	var dx *nd.NDArray
	autograd.Record(func() {
		y := x.Mul(x).Mul(x)
		g, err := autograd.Grad([]*nd.NDArray{y}, []*nd.NDArray{x}, nil, true, false)
		if err != nil {
			panic(err)
		}
		dx = g[0] // 3x²
	})
	if err := autograd.BackwardOne(dx); err != nil {
		panic(err)
	}
	fmt.Println(dx.Float64s(), x.Grad().Float64s()) // 3x² = 12, 6x = 12
	// Output: [12] [12]
}
