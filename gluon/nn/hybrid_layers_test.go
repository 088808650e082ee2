package nn_test

import (
	"path/filepath"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// checkEagerHybrid trains one copy of a layer eagerly and one hybridized
// copy with the same parameters, inputs and random streams, and requires
// the same outputs, input gradients, parameter gradients and auxiliary
// states after two steps (the second replays the cached graph) and in
// predict mode.
func checkEagerHybrid(t *testing.T, mk func() gluon.Block, x *nd.NDArray, inputGrad bool) {
	t.Helper()
	eager, hybrid := mk(), mk()
	nd.Seed(11)
	gluon.Initialize(eager, initializer.Xavier{}, nil, false)
	gluon.Initialize(hybrid, initializer.Xavier{}, nil, false)
	autograd.Pause(func() {
		gluon.Call(eager, x) // complete deferred shapes
		gluon.Call(hybrid, x)
	})
	pe, ph := gluon.CollectParams(eager), gluon.CollectParams(hybrid)
	for i := range pe.Params {
		ph.Params[i].SetData(pe.Params[i].Data())
	}
	gluon.Hybridize(hybrid)
	run := func(net gluon.Block) (*nd.NDArray, *nd.NDArray) {
		in := x.Copy()
		if inputGrad {
			in.AttachGrad()
		}
		nd.Seed(5) // same dropout masks on both paths
		var y, s *nd.NDArray
		autograd.Record(func() {
			y = gluon.Call(net, in)
			s = y.Mul(y).Sum()
		})
		if err := autograd.BackwardOne(s); err != nil {
			t.Fatal(err)
		}
		return y, in.Grad()
	}
	for step := 0; step < 2; step++ {
		ye, ge := run(eager)
		yh, gh := run(hybrid)
		ndtest.AssertClose(t, yh, ye.Shape(), ye.Float64s(), 1e-4, 1e-5)
		if inputGrad {
			ndtest.AssertClose(t, gh, ge.Shape(), ge.Float64s(), 1e-4, 1e-5)
		}
		for i, n := range pe.Names {
			a, b := pe.Params[i], ph.Params[i]
			want := a.Data()
			got := b.Data()
			if a.GradReq != nd.GradNull {
				want, got = a.Grad(), b.Grad()
			}
			if ok, msg := ndtest.Close(got.Float64s(), want.Float64s(), 1e-4, 1e-5); !ok {
				t.Fatalf("step %d: %s: %s", step, n, msg)
			}
		}
	}
	if compiled, opByOp := gluon.HybridPlans(hybrid); compiled == 0 || opByOp > 0 {
		t.Errorf("cached graph: %d signatures compiled, %d op by op (want all compiled)", compiled, opByOp)
	}
	if err := gluon.Export(hybrid, filepath.Join(t.TempDir(), "layer"), 0); err != nil {
		t.Fatalf("the hybridized copy has no traced graph: %v", err)
	}
	var pe2, ph2 *nd.NDArray
	autograd.Pause(func() { pe2, ph2 = gluon.Call(eager, x), gluon.Call(hybrid, x) })
	ndtest.AssertClose(t, ph2, pe2.Shape(), pe2.Float64s(), 1e-4, 1e-5)
}

func TestEveryLayerHybridizes(t *testing.T) {
	x2 := func(s ...int) *nd.NDArray { nd.Seed(3); return nd.RandomUniform(-1, 1, nd.Shape(s)) }
	cases := []struct {
		name      string
		mk        func() gluon.Block
		x         *nd.NDArray
		inputGrad bool
	}{
		{"Dense", func() gluon.Block { return nn.NewDense(5, nn.DenseOptions{Activation: "tanh"}) }, x2(3, 4), true},
		{"DenseNoFlatten", func() gluon.Block { return nn.NewDense(5, nn.DenseOptions{NoFlatten: true}) }, x2(2, 3, 4), true},
		{"Conv1D", func() gluon.Block { return nn.NewConv1D(3, []int{3}, nn.ConvOptions{Padding: []int{1}}) }, x2(2, 2, 7), true},
		{"Conv2D", func() gluon.Block {
			return nn.NewConv2D(3, []int{3}, nn.ConvOptions{Strides: []int{2}, Padding: []int{1}, Activation: "relu"})
		}, x2(2, 2, 7, 7), true},
		{"Conv2DGroups", func() gluon.Block { return nn.NewConv2D(4, []int{3}, nn.ConvOptions{Groups: 2}) }, x2(1, 4, 6, 6), true},
		{"Conv3D", func() gluon.Block { return nn.NewConv3D(2, []int{2}) }, x2(1, 2, 4, 4, 4), true},
		{"Conv1DTranspose", func() gluon.Block { return nn.NewConv1DTranspose(2, []int{3}, nn.ConvOptions{Strides: []int{2}}) }, x2(2, 3, 5), true},
		{"Conv2DTranspose", func() gluon.Block { return nn.NewConv2DTranspose(2, []int{3}) }, x2(1, 3, 4, 4), true},
		{"Conv3DTranspose", func() gluon.Block { return nn.NewConv3DTranspose(2, []int{2}) }, x2(1, 2, 3, 3, 3), true},
		{"MaxPool1D", func() gluon.Block { return nn.NewMaxPool1D() }, x2(2, 2, 8), true},
		{"MaxPool2D", func() gluon.Block {
			return nn.NewMaxPool2D(nn.PoolOptions{PoolSize: []int{3}, Strides: []int{2}, Padding: []int{1}})
		}, x2(2, 2, 7, 7), true},
		{"MaxPool3D", func() gluon.Block { return nn.NewMaxPool3D() }, x2(1, 2, 4, 4, 4), true},
		{"AvgPool1D", func() gluon.Block { return nn.NewAvgPool1D() }, x2(2, 2, 8), true},
		{"AvgPool2D", func() gluon.Block { return nn.NewAvgPool2D(nn.PoolOptions{CeilMode: true}) }, x2(2, 2, 7, 7), true},
		{"AvgPool3D", func() gluon.Block { return nn.NewAvgPool3D() }, x2(1, 2, 4, 4, 4), true},
		{"GlobalMaxPool1D", func() gluon.Block { return nn.NewGlobalMaxPool1D() }, x2(2, 3, 5), true},
		{"GlobalMaxPool2D", func() gluon.Block { return nn.NewGlobalMaxPool2D() }, x2(2, 3, 4, 4), true},
		{"GlobalMaxPool3D", func() gluon.Block { return nn.NewGlobalMaxPool3D() }, x2(1, 3, 3, 3, 3), true},
		{"GlobalAvgPool1D", func() gluon.Block { return nn.NewGlobalAvgPool1D() }, x2(2, 3, 5), true},
		{"GlobalAvgPool2D", func() gluon.Block { return nn.NewGlobalAvgPool2D() }, x2(2, 3, 4, 4), true},
		{"GlobalAvgPool3D", func() gluon.Block { return nn.NewGlobalAvgPool3D() }, x2(1, 3, 3, 3, 3), true},
		{"BatchNorm", func() gluon.Block { return nn.NewBatchNorm() }, x2(4, 3, 2, 2), true},
		{"LayerNorm", func() gluon.Block { return nn.NewLayerNorm() }, x2(3, 5), true},
		{"GroupNorm", func() gluon.Block { return nn.NewGroupNorm(nn.NormOptions{NumGroups: 2}) }, x2(2, 4, 3), true},
		{"InstanceNorm", func() gluon.Block { return nn.NewInstanceNorm() }, x2(2, 3, 4), true},
		{"Dropout", func() gluon.Block { return nn.NewDropout(0.5) }, x2(4, 6), true},
		{"Embedding", func() gluon.Block { return nn.NewEmbedding(10, 4) }, nd.Array([]float32{1, 3, 3, 9, 0, 2}, 2, 3), false},
		{"Flatten", func() gluon.Block { return nn.NewFlatten() }, x2(2, 3, 4), true},
		{"ActivationSoftsign", func() gluon.Block { return nn.NewActivation("softsign") }, x2(3, 4), true},
		{"ActivationSigmoid", func() gluon.Block { return nn.NewActivation("sigmoid") }, x2(3, 4), true},
		{"ActivationSoftrelu", func() gluon.Block { return nn.NewActivation("softrelu") }, x2(3, 4), true},
		{"LeakyReLU", func() gluon.Block { return nn.NewLeakyReLU(0.1) }, x2(3, 4), true},
		{"PReLU", func() gluon.Block { return nn.NewPReLU() }, x2(2, 3, 4), true},
		{"ELU", func() gluon.Block { return nn.NewELU() }, x2(3, 4), true},
		{"SELU", func() gluon.Block { return nn.NewSELU() }, x2(3, 4), true},
		{"GELU", func() gluon.Block { return nn.NewGELU() }, x2(3, 4), true},
		{"Swish", func() gluon.Block { return nn.NewSwish() }, x2(3, 4), true},
		{"SiLU", func() gluon.Block { return nn.NewSiLU() }, x2(3, 4), true},
		{"ReflectionPad2D", func() gluon.Block { return nn.NewReflectionPad2D([]int{1}) }, x2(1, 2, 4, 4), true},
		{"PixelShuffle2D", func() gluon.Block { return nn.NewPixelShuffle2D([]int{2}) }, x2(1, 8, 2, 3), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkEagerHybrid(t, c.mk, c.x, c.inputGrad) })
	}
}
