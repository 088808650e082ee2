package transforms_test

import (
	"fmt"

	"github.com/mxgo/mxgo/gluon/data/vision/transforms"
	"github.com/mxgo/mxgo/nd"
)

func ExampleCompose() {
	img := nd.Full(nd.Shape{48, 64, 3}, 128, nd.OfType(nd.Uint8)) // an (H, W, C) image
	train := transforms.Compose(
		&transforms.RandomResizedCrop{Width: 32, Seed: 1},
		&transforms.RandomFlipLeftRight{Seed: 2},
		transforms.ToTensor{},
		transforms.Normalize{Mean: []float64{0.5}, Std: []float64{0.25}},
	)
	x, err := train.Apply(img)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ := x.Values()
	fmt.Println(x.Shape(), x.DType(), fmt.Sprintf("%.4f", v[0]))
	// Output: (3, 32, 32) float32 0.0078
}

func ExampleResize() {
	img := nd.ArrayOf([]uint8{0, 100, 200, 250}, nd.Shape{2, 2, 1})
	out, _ := transforms.Resize{Width: 4, Height: 1}.Apply(img)
	v, _ := out.Values()
	fmt.Println(out.Shape(), v)
	// Output: (1, 4, 1) [100 119 156 175]
}
