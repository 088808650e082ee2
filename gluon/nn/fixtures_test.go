package nn_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/data/vision"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// Real files exported by MXNet's Gluon (keys like
// arg:hybridsequential0_conv0_weight) load into matching Blocks through
// Gluon 1.x's legacy names, and reproduce the recorded outputs.
func TestLoadRealMXNetParams(t *testing.T) {
	fx := testutil.Fixtures(t)
	pool := func() gluon.Block {
		return nn.NewMaxPool2D(nn.PoolOptions{PoolSize: []int{2, 2}, Strides: []int{2, 2}})
	}
	cases := []struct {
		name, file string
		net        *gluon.Sequential
		want       []float64
	}{
		{"lenet-relu", "lenet-relu-mnist/lenet-0001.params", gluon.NewSequential(
			nn.NewConv2D(5, []int{5, 5}, nn.ConvOptions{Activation: "relu"}), pool(),
			nn.NewConv2D(5, []int{5, 5}, nn.ConvOptions{Activation: "relu"}), pool(),
			nn.NewFlatten(), nn.NewDense(32, nn.DenseOptions{Activation: "relu"}), nn.NewDense(10)),
			[]float64{-1.799046, -0.768002, 3.931164, 4.817048, -7.425444, -2.570867, -14.353982, 13.938475, -1.400447, 3.842957}},
		{"mnist-cnn-tanh", "mnist-cnn-tanh/mnist-0035.params", gluon.NewSequential(
			nn.NewConv2D(10, []int{5, 5}, nn.ConvOptions{Activation: "tanh"}), pool(),
			nn.NewConv2D(25, []int{5, 5}, nn.ConvOptions{Activation: "tanh"}), pool(),
			nn.NewDense(20, nn.DenseOptions{Activation: "tanh"}), nn.NewDense(10, nn.DenseOptions{Activation: "tanh"})),
			[]float64{-0.999918, -0.99994, -0.999975, -0.999877, -1, -1, -1, 0.999994, -0.999995, -0.999826}},
	}
	test, err := vision.NewMNIST(context.Background(), vision.MNISTOptions{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	imgs, _ := test.Images()
	x := imgs.Slice(0, 1).AsType(nd.Float32).MulScalar(1.0/255).Reshape(1, 1, 28, 28)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := gluon.LoadParameters(c.net, filepath.Join(fx, "mxnet", c.file), gluon.LoadOptions{}); err != nil {
				t.Fatal(err)
			}
			ndtest.AssertClose(t, gluon.Call(c.net, x), nd.Shape{1, 10}, c.want, 0, 1e-4)
		})
	}
}

func TestLoadParametersErrorsNameKeys(t *testing.T) {
	fx := testutil.Fixtures(t)
	net := gluon.NewSequential(nn.NewDense(32), nn.NewDense(10)) // lacks the convolutions
	err := gluon.LoadParameters(net, filepath.Join(fx, "mxnet", "lenet-relu-mnist", "lenet-0001.params"), gluon.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "hybridsequential0_conv0_weight") {
		t.Fatalf("loading into a mismatched Block: err %v, want one naming the unexpected keys", err)
	}
}
