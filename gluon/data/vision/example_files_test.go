package vision_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/mxgo/mxgo/gluon/data/vision"
)

func ExampleLoadMNIST() {
	// With no root, files come from $MXNET_HOME/datasets/mnist when valid,
	// else from the copy shipped in the repository's data/ (no network).
	images, labels, err := vision.LoadMNIST(context.Background(), "", false, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("images", images.Dims, "labels", labels.Dims)
	fmt.Println("first labels", labels.Data[:5])
	// Output:
	// images [10000 28 28] labels [10000]
	// first labels [7 2 1 0 4]
}

func ExampleReadIDX() {
	raw := []byte{0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6}
	x, err := vision.ReadIDX(bytes.NewReader(raw))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x.Dims, x.Item(1))
	// Output: [2 3] [4 5 6]
}

func ExampleParseCIFAR10() {
	rec := append([]byte{3}, make([]byte, vision.CIFARImageLen)...) // label 3, black image
	images, labels, err := vision.ParseCIFAR10(bytes.NewReader(rec))
	fmt.Println(len(images), labels, err)
	// Output: 3072 [3] <nil>
}
