package nn_test

import (
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// goldenLayers builds, for each case of testdata/golden_nn_layers.json, the
// layer that gen_nn_layers.py computed with PyTorch.
var goldenLayers = map[string]func() gluon.Block{
	"dense_relu":             func() gluon.Block { return nn.NewDense(4, nn.DenseOptions{Activation: "relu"}) },
	"dense_noflatten_nobias": func() gluon.Block { return nn.NewDense(3, nn.DenseOptions{NoFlatten: true, NoBias: true}) },
	"conv1d": func() gluon.Block {
		return nn.NewConv1D(4, []int{3}, nn.ConvOptions{Strides: []int{2}, Padding: []int{1}})
	},
	"conv2d": func() gluon.Block {
		return nn.NewConv2D(4, []int{3, 2}, nn.ConvOptions{Strides: []int{2, 1}, Padding: []int{1, 0}, Dilation: []int{1, 2}, Groups: 2})
	},
	"conv2d_relu": func() gluon.Block { return nn.NewConv2D(3, []int{3}, nn.ConvOptions{Activation: "relu"}) },
	"conv3d":      func() gluon.Block { return nn.NewConv3D(2, []int{2}, nn.ConvOptions{Padding: []int{1}}) },
	"conv1d_transpose": func() gluon.Block {
		return nn.NewConv1DTranspose(3, []int{3}, nn.ConvOptions{Strides: []int{2}, Padding: []int{1}, OutputPadding: []int{1}})
	},
	"conv2d_transpose": func() gluon.Block {
		return nn.NewConv2DTranspose(4, []int{3}, nn.ConvOptions{Strides: []int{2}, Padding: []int{1}, OutputPadding: []int{1}, Groups: 2})
	},
	"conv3d_transpose": func() gluon.Block {
		return nn.NewConv3DTranspose(2, []int{2}, nn.ConvOptions{Strides: []int{2}, NoBias: true})
	},
	"maxpool1d": func() gluon.Block {
		return nn.NewMaxPool1D(nn.PoolOptions{PoolSize: []int{3}, Strides: []int{2}, Padding: []int{1}})
	},
	"maxpool2d": func() gluon.Block { return nn.NewMaxPool2D() },
	"maxpool2d_ceil": func() gluon.Block {
		return nn.NewMaxPool2D(nn.PoolOptions{PoolSize: []int{3}, Strides: []int{2}, CeilMode: true})
	},
	"maxpool3d": func() gluon.Block { return nn.NewMaxPool3D() },
	"avgpool1d": func() gluon.Block {
		return nn.NewAvgPool1D(nn.PoolOptions{PoolSize: []int{3}, Strides: []int{1}, Padding: []int{1}})
	},
	"avgpool2d_nocount": func() gluon.Block {
		return nn.NewAvgPool2D(nn.PoolOptions{PoolSize: []int{3}, Strides: []int{2}, Padding: []int{1}, NoCountIncludePad: true})
	},
	"avgpool2d_ceil":            func() gluon.Block { return nn.NewAvgPool2D(nn.PoolOptions{CeilMode: true}) },
	"avgpool3d":                 func() gluon.Block { return nn.NewAvgPool3D() },
	"globalmaxpool1d":           func() gluon.Block { return nn.NewGlobalMaxPool1D() },
	"globalavgpool1d":           func() gluon.Block { return nn.NewGlobalAvgPool1D() },
	"globalmaxpool2d":           func() gluon.Block { return nn.NewGlobalMaxPool2D() },
	"globalavgpool2d":           func() gluon.Block { return nn.NewGlobalAvgPool2D() },
	"globalmaxpool3d":           func() gluon.Block { return nn.NewGlobalMaxPool3D() },
	"globalavgpool3d":           func() gluon.Block { return nn.NewGlobalAvgPool3D() },
	"batchnorm_train":           func() gluon.Block { return nn.NewBatchNorm() },
	"batchnorm_predict":         func() gluon.Block { return nn.NewBatchNorm() },
	"batchnorm_2d_train":        func() gluon.Block { return nn.NewBatchNorm() },
	"batchnorm_axis_last_train": func() gluon.Block { return nn.NewBatchNorm(nn.NormOptions{Axis: -1}) },
	"layernorm":                 func() gluon.Block { return nn.NewLayerNorm() },
	"layernorm_axis1":           func() gluon.Block { return nn.NewLayerNorm(nn.NormOptions{Axis: 1}) },
	"groupnorm":                 func() gluon.Block { return nn.NewGroupNorm(nn.NormOptions{NumGroups: 3}) },
	"instancenorm":              func() gluon.Block { return nn.NewInstanceNorm() },
	"instancenorm_axis2":        func() gluon.Block { return nn.NewInstanceNorm(nn.NormOptions{Axis: 2}) },
	"embedding":                 func() gluon.Block { return nn.NewEmbedding(5, 4) },
	"act_relu":                  func() gluon.Block { return nn.NewActivation("relu") },
	"act_sigmoid":               func() gluon.Block { return nn.NewActivation("sigmoid") },
	"act_tanh":                  func() gluon.Block { return nn.NewActivation("tanh") },
	"act_softrelu":              func() gluon.Block { return nn.NewActivation("softrelu") },
	"act_softsign":              func() gluon.Block { return nn.NewActivation("softsign") },
	"act_leakyrelu":             func() gluon.Block { return nn.NewLeakyReLU(0.1) },
	"act_elu":                   func() gluon.Block { return nn.NewELU() },
	"act_elu_alpha":             func() gluon.Block { return nn.NewELU(nn.ELUOptions{Alpha: 0.7}) },
	"act_selu":                  func() gluon.Block { return nn.NewSELU() },
	"act_gelu":                  func() gluon.Block { return nn.NewGELU() },
	"act_gelu_tanh":             func() gluon.Block { return nn.NewGELU(nn.GELUOptions{Approximation: "tanh"}) },
	"act_swish":                 func() gluon.Block { return nn.NewSwish(nn.SwishOptions{Beta: 1.5}) },
	"act_silu":                  func() gluon.Block { return nn.NewSiLU() },
	"act_prelu":                 func() gluon.Block { return nn.NewPReLU(nn.PReLUOptions{InChannels: 3}) },
	"act_prelu_shared":          func() gluon.Block { return nn.NewPReLU() },
	"flatten":                   func() gluon.Block { return nn.NewFlatten() },
	"reflectionpad2d":           func() gluon.Block { return nn.NewReflectionPad2D([]int{2}) },
	"reflectionpad2d_width":     func() gluon.Block { return nn.NewReflectionPad2D([]int{0, 0, 0, 0, 1, 2, 0, 3}) },
	"pixelshuffle2d":            func() gluon.Block { return nn.NewPixelShuffle2D([]int{2}) },
	"pixelshuffle2d_23":         func() gluon.Block { return nn.NewPixelShuffle2D([]int{2, 3}) },
}

// headWeights are the output weights the generator used: the gradient
// compared is d sum(y·w)/d input.
func headWeights(s nd.Shape) *nd.NDArray {
	w := make([]float32, s.Size())
	for k := range w {
		w[k] = float32(0.5 + float64((k*7919)%13)/13)
	}
	return nd.Array(w, s.Clone()...)
}

func TestLayersAgainstPyTorch(t *testing.T) {
	golden := ndtest.LoadGolden(t, "testdata/golden_nn_layers.json")
	if len(golden) != len(goldenLayers) {
		t.Errorf("golden file has %d cases, the table %d", len(golden), len(goldenLayers))
	}
	for name, mk := range goldenLayers {
		t.Run(name, func(t *testing.T) {
			g, ok := golden[name]
			if !ok {
				t.Fatalf("no golden case %q (rerun gen_nn_layers.py)", name)
			}
			checkGoldenLayer(t, mk(), g)
		})
	}
}

func checkGoldenLayer(t *testing.T, layer gluon.Block, g ndtest.Golden) {
	t.Helper()
	const rtol, atol = 2e-4, 2e-5
	x := g.Inputs[0].NDArray().AsType(nd.Float32)
	params := gluon.CollectParams(layer)
	names, _ := g.Attrs["params"].([]any)
	if params.Len() != len(names) {
		t.Fatalf("layer has parameters %v, golden case %v", params.Names, names)
	}
	ps := make([]*gluon.Parameter, len(names))
	for i, n := range names {
		ps[i] = params.Get(n.(string))
		if ps[i] == nil {
			t.Fatalf("layer has no parameter %q (has %v)", n, params.Names)
		}
		ps[i].SetData(g.Inputs[i+1].NDArray())
	}
	if g.Grads[0].Values != nil {
		x.AttachGrad()
	}
	var y *nd.NDArray
	record := autograd.Record
	if train, ok := g.Attrs["train"].(bool); ok && !train {
		record = autograd.RecordPredict
	}
	record(func() { y = gluon.Call(layer, x) })
	want := g.Outputs[0]
	ndtest.AssertClose(t, y, nd.Shape(want.Shape), want.Values, rtol, atol)
	if err := autograd.Backward([]*nd.NDArray{y}, []*nd.NDArray{headWeights(y.Shape())}, false); err != nil {
		t.Fatal(err)
	}
	if gx := g.Grads[0]; gx.Values != nil {
		ndtest.AssertClose(t, x.Grad(), nd.Shape(gx.Shape), gx.Values, rtol, atol)
	}
	for i, p := range ps {
		gp := g.Grads[i+1]
		if gp.Values == nil {
			continue
		}
		t.Run("grad_"+p.Name, func(t *testing.T) {
			ndtest.AssertClose(t, p.Grad(), nd.Shape(gp.Shape), gp.Values, rtol, atol)
		})
	}
	// Extra outputs are BatchNorm's updated running mean and variance.
	for i, extra := range g.Outputs[1:] {
		ndtest.AssertClose(t, ps[2+i].Data(), nd.Shape(extra.Shape), extra.Values, rtol, atol)
	}
}
