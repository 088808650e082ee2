package nd_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mxgo/mxgo/nd"
)

func ExampleSave() {
	dir, _ := os.MkdirTemp("", "mxgo-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model-0001.params")
	err := nd.Save(path, map[string]*nd.NDArray{
		"arg:fc_weight": nd.Ones(nd.Shape{2, 3}),
		"arg:fc_bias":   nd.Zeros(nd.Shape{2}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	loaded, err := nd.Load(path) // also reads MXNet 2's .npz-based .params
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, name := range loaded.Names {
		fmt.Println(name, loaded.Arrays[i].Shape(), loaded.Arrays[i].DType())
	}
	// Output:
	// arg:fc_bias (2,) float32
	// arg:fc_weight (2, 3) float32
}

func ExampleLoadNpy() {
	a, err := nd.LoadNpy("testdata/npy_i8_fortran.npy") // Fortran order, converted to C
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Shape(), a.DType(), a.Int64s())
	// Output: (2, 3) int64 [0 1 2 3 4 5]
}
