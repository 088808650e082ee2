package gluon_test

import (
	"fmt"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/nd"
)

func ExampleTrainer() {
	// Fit w in y = w·x to data from w = 2 by SGD on the squared error.
	w := gluon.NewParameter("weight", nd.Shape{1})
	params := &gluon.ParameterDict{Names: []string{"weight"}, Params: []*gluon.Parameter{w}}
	params.Initialize(initializer.Zero{}, nil, false)
	trainer, err := gluon.NewTrainerByName(params, "sgd", map[string]any{"learning_rate": 0.1})
	if err != nil {
		panic(err)
	}
	x := nd.Array([]float32{1, 2, 3, 4})
	y := x.MulScalar(2)
	for range 20 {
		var loss *nd.NDArray
		autograd.Record(func() {
			d := x.Mul(w.Data()).Sub(y)
			loss = d.Mul(d).Sum()
		})
		if err := autograd.BackwardOne(loss); err != nil {
			panic(err)
		}
		if err := trainer.Step(x.Size()); err != nil {
			panic(err)
		}
	}
	fmt.Printf("w = %.4f\n", w.Data().Scalar())
	// Output: w = 2.0000
}
