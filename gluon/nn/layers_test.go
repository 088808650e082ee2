package nn_test

import (
	"math"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func TestStructuralNames(t *testing.T) {
	net := gluon.NewHybridSequential(
		nn.NewConv2D(4, []int{3}),
		nn.NewBatchNorm(),
		nn.NewDense(10),
	)
	got := strings.Join(gluon.CollectParams(net).Names, " ")
	want := "0.weight 0.bias 1.gamma 1.beta 1.running_mean 1.running_var 2.weight 2.bias"
	if got != want {
		t.Fatalf("names\n got %s\nwant %s", got, want)
	}
	more := gluon.NewSequential(nn.NewPReLU(), nn.NewEmbedding(3, 2), nn.NewLayerNorm(), nn.NewDense(2, nn.DenseOptions{NoBias: true}))
	got = strings.Join(gluon.CollectParams(more).Names, " ")
	want = "0.alpha 1.weight 2.gamma 2.beta 3.weight"
	if got != want {
		t.Fatalf("names\n got %s\nwant %s", got, want)
	}
}

func TestRepr(t *testing.T) {
	dense := nn.NewDense(128, nn.DenseOptions{Activation: "relu", InUnits: 784})
	cases := []struct {
		block fmtStringer
		want  string
	}{
		{dense, "Dense(784 -> 128, Activation(relu))"},
		{nn.NewDense(10), "Dense(None -> 10, linear)"},
		{nn.NewConv2D(20, []int{5}, nn.ConvOptions{InChannels: 1}), "Conv2D(1 -> 20, kernel_size=(5, 5), stride=(1, 1))"},
		{nn.NewConv1D(8, []int{3}, nn.ConvOptions{Padding: []int{1}, Dilation: []int{2}, Groups: 2, NoBias: true, Activation: "tanh"}),
			"Conv1D(None -> 8, kernel_size=(3,), stride=(1,), padding=(1,), dilation=(2,), groups=2, bias=False, Activation(tanh))"},
		{nn.NewConv2DTranspose(16, []int{3}, nn.ConvOptions{Strides: []int{2}, OutputPadding: []int{1}, InChannels: 8}),
			"Conv2DTranspose(16 -> 8, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))"},
		{nn.NewMaxPool2D(), "MaxPool2D(size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, global_pool=False, pool_type=max, layout=NCHW)"},
		{nn.NewAvgPool1D(nn.PoolOptions{PoolSize: []int{3}, Strides: []int{1}, CeilMode: true}),
			"AvgPool1D(size=(3,), stride=(1,), padding=(0,), ceil_mode=True, global_pool=False, pool_type=avg, layout=NCW)"},
		{nn.NewGlobalAvgPool2D(), "GlobalAvgPool2D(size=(1, 1), stride=(1, 1), padding=(0, 0), ceil_mode=True, global_pool=True, pool_type=avg, layout=NCHW)"},
		{nn.NewBatchNorm(), "BatchNorm(axis=1, eps=1e-05, momentum=0.9, fix_gamma=False, use_global_stats=False, in_channels=None)"},
		{nn.NewLayerNorm(), "LayerNorm(eps=1e-05, axis=-1, center=True, scale=True, in_channels=0)"},
		{nn.NewGroupNorm(nn.NormOptions{NumGroups: 4, NoCenter: true}), "GroupNorm(eps=1e-05, num_groups=4, center=False, scale=True)"},
		{nn.NewInstanceNorm(nn.NormOptions{InChannels: 3}), "InstanceNorm(eps=1e-05, axis=1, center=True, scale=True, in_channels=3)"},
		{nn.NewDropout(0.5), "Dropout(p = 0.5, axes=())"},
		{nn.NewDropout(0.25, nn.DropoutOptions{Axes: []int{1}}), "Dropout(p = 0.25, axes=(1,))"},
		{nn.NewEmbedding(10, 4), "Embedding(10 -> 4, float32)"},
		{nn.NewFlatten(), "Flatten"},
		{nn.NewActivation("softsign"), "Activation(softsign)"},
		{nn.NewLeakyReLU(0.1), "LeakyReLU(0.1)"},
		{nn.NewPixelShuffle2D([]int{2}), "PixelShuffle2D((2, 2))"},
	}
	for _, c := range cases {
		if got := c.block.String(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
	// After the first forward the deferred size shows.
	d := nn.NewDense(3)
	gluon.Initialize(d, nil, nil, false)
	gluon.Call(d, nd.Ones(nd.Shape{2, 5}))
	if got := d.String(); got != "Dense(5 -> 3, linear)" {
		t.Errorf("after forward: %s", got)
	}
}

type fmtStringer interface{ String() string }

func TestDeferredShapeInference(t *testing.T) {
	net := gluon.NewHybridSequential(
		nn.NewConv2D(6, []int{3}, nn.ConvOptions{Groups: 2}),
		nn.NewBatchNorm(),
		nn.NewMaxPool2D(),
		nn.NewDense(5),
		nn.NewLayerNorm(),
	)
	gluon.Initialize(net, initializer.Xavier{}, nil, false)
	params := gluon.CollectParams(net)
	if params.Get("0.weight").IsInitialized() {
		t.Fatal("conv weight initialized before its input size was known")
	}
	y := gluon.Call(net, nd.RandomUniform(-1, 1, nd.Shape{2, 4, 8, 8}))
	if !y.Shape().Equal(nd.Shape{2, 5}) {
		t.Fatalf("output %v, want (2, 5)", y.Shape())
	}
	want := map[string]nd.Shape{
		"0.weight": {6, 2, 3, 3}, "0.bias": {6}, "1.gamma": {6}, "1.running_var": {6},
		"3.weight": {5, 6 * 3 * 3}, "4.gamma": {5},
	}
	for name, s := range want {
		p := params.Get(name)
		if !p.Shape().Equal(s) || !p.Data().Shape().Equal(s) {
			t.Errorf("%s: shape %v, want %v", name, p.Shape(), s)
		}
	}
	// A second input with other channels conflicts with the inferred shapes.
	err := nd.Try(func() { gluon.Call(net, nd.Ones(nd.Shape{2, 6, 8, 8})) })
	if err == nil || !strings.Contains(err.Error(), "conflicts") {
		t.Fatalf("mismatched input: err %v", err)
	}
	// A declared in_units is checked too.
	d := nn.NewDense(2, nn.DenseOptions{InUnits: 3})
	gluon.Initialize(d, nil, nil, false)
	if !d.Weight.IsInitialized() {
		t.Fatal("Dense with in_units was not initialized at once")
	}
	if err := nd.Try(func() { gluon.Call(d, nd.Ones(nd.Shape{1, 4})) }); err == nil {
		t.Fatal("input of 4 units into in_units 3: no error")
	}
}

func TestConfigErrors(t *testing.T) {
	for name, f := range map[string]func(){
		"dense units":        func() { nn.NewDense(0) },
		"activation":         func() { nn.NewActivation("swishy") },
		"conv kernel":        func() { nn.NewConv2D(4, []int{3, 3, 3}) },
		"conv output pad":    func() { nn.NewConv2D(4, []int{3}, nn.ConvOptions{OutputPadding: []int{1}}) },
		"conv groups":        func() { nn.NewConv2D(5, []int{3}, nn.ConvOptions{Groups: 2}) },
		"conv layout":        func() { nn.NewConv2D(4, []int{3}, nn.ConvOptions{Layout: "NHWC"}) },
		"two option structs": func() { nn.NewDense(2, nn.DenseOptions{}, nn.DenseOptions{}) },
		"pool count pad":     func() { nn.NewMaxPool2D(nn.PoolOptions{NoCountIncludePad: true}) },
		"dropout rate":       func() { nn.NewDropout(1.5) },
		"layernorm momentum": func() { nn.NewLayerNorm(nn.NormOptions{Momentum: 0.5}) },
		"gelu":               func() { nn.NewGELU(nn.GELUOptions{Approximation: "sigmoid"}) },
		"reflection pad":     func() { nn.NewReflectionPad2D([]int{1, 2}) },
		"conv input rank": func() {
			c := nn.NewConv2D(2, []int{1})
			gluon.Initialize(c, nil, nil, false)
			gluon.Call(c, nd.Ones(nd.Shape{2, 3}))
		},
		"pixel shuffle": func() { gluon.Call(nn.NewPixelShuffle2D([]int{2}), nd.Ones(nd.Shape{1, 6, 2, 2})) },
		"dropout axis": func() {
			d := nn.NewDropout(0.5, nn.DropoutOptions{Axes: []int{2}})
			autograd.Record(func() { gluon.Call(d, nd.Ones(nd.Shape{2, 3})) })
		},
		"prelu channels": func() {
			p := nn.NewPReLU(nn.PReLUOptions{InChannels: 3})
			gluon.Initialize(p, nil, nil, false)
			gluon.Call(p, nd.Ones(nd.Shape{2, 4}))
		},
	} {
		err := nd.Try(f)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestPReLUAnyShape: a shared slope applies to inputs without a channel
// axis (1-D and scalars), which the prelu op itself does not take.
func TestPReLUAnyShape(t *testing.T) {
	p := nn.NewPReLU()
	gluon.Initialize(p, nil, nil, false)
	x := nd.Array([]float32{-2, 0.5, -1, 3}, 4)
	x.AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() { y = gluon.Call(p, x) })
	ndtest.AssertClose(t, y, nd.Shape{4}, []float64{-0.5, 0.5, -0.25, 3}, 1e-6, 0)
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{4}, []float64{0.25, 1, 0.25, 1}, 1e-6, 0)
	ndtest.AssertClose(t, p.Alpha.Grad(), nd.Shape{1}, []float64{-3}, 1e-6, 0)
	s := gluon.Call(p, nd.Full(nd.Shape{}, -4))
	ndtest.AssertClose(t, s, nd.Shape{}, []float64{-1}, 1e-6, 0)
}

func TestDropoutTrainVsPredict(t *testing.T) {
	nd.Seed(3)
	d := nn.NewDropout(0.4)
	x := nd.Ones(nd.Shape{100, 50})
	// Predict mode (no scope, or RecordPredict) is the identity.
	if y := gluon.Call(d, x); y != x {
		t.Fatal("dropout outside training changed its input")
	}
	var y *nd.NDArray
	autograd.Record(func() { y = gluon.Call(d, x) })
	vals := y.Float64s()
	zeros := 0
	for _, v := range vals {
		switch {
		case v == 0:
			zeros++
		case math.Abs(v-1/0.6) > 1e-6:
			t.Fatalf("kept value %v, want 1/(1-rate)", v)
		}
	}
	if frac := float64(zeros) / float64(len(vals)); math.Abs(frac-0.4) > 0.03 {
		t.Fatalf("dropped fraction %.3f, want about 0.4", frac)
	}
	// Axes share the mask: along axis 1 a row is all kept or all dropped.
	da := nn.NewDropout(0.5, nn.DropoutOptions{Axes: []int{1}})
	autograd.Record(func() { y = gluon.Call(da, nd.Ones(nd.Shape{40, 7})) })
	rows := y.Float64s()
	for r := 0; r < 40; r++ {
		for c := 1; c < 7; c++ {
			if rows[r*7+c] != rows[r*7] {
				t.Fatalf("row %d mixes kept and dropped values: %v", r, rows[r*7:r*7+7])
			}
		}
	}
	// The gradient is the mask: zero where dropped.
	xg := nd.Ones(nd.Shape{10, 10})
	xg.AttachGrad()
	autograd.Record(func() { y = gluon.Call(d, xg) })
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, xg.Grad(), nd.Shape{10, 10}, y.Float64s(), 1e-6, 0)
}

func TestBatchNormRunningStats(t *testing.T) {
	bn := nn.NewBatchNorm()
	gluon.Initialize(bn, nil, nil, false)
	x := nd.Array([]float32{1, 2, 3, 5, 7, 9}, 3, 2) // channel means 3 and 6
	// Predict mode: running stats (0, 1) are used and not changed.
	y := gluon.Call(bn, x)
	ndtest.AssertClose(t, y, nd.Shape{3, 2}, scaled(x.Float64s(), 1/math.Sqrt(1+1e-5)), 1e-5, 1e-6)
	ndtest.AssertClose(t, bn.RunningMean.Data(), nd.Shape{2}, []float64{0, 0}, 0, 0)
	// Training: the output uses batch statistics; the running ones move 10%.
	autograd.Record(func() { y = gluon.Call(bn, x) })
	ndtest.AssertClose(t, bn.RunningMean.Data(), nd.Shape{2}, []float64{0.1 * 11 / 3, 0.1 * 16 / 3}, 1e-6, 1e-6)
	// MXNet moves the running variance toward the biased batch variance.
	v0, v1 := variance([]float64{1, 3, 7}), variance([]float64{2, 5, 9})
	ndtest.AssertClose(t, bn.RunningVar.Data(), nd.Shape{2}, []float64{0.9 + 0.1*v0, 0.9 + 0.1*v1}, 1e-5, 1e-6)
	mean := y.Mean(0).Float64s()
	if math.Abs(mean[0]) > 1e-5 || math.Abs(mean[1]) > 1e-5 {
		t.Fatalf("training output not centered: means %v", mean)
	}
	if bn.RunningMean.GradReq != nd.GradNull || bn.Gamma.GradReq == nd.GradNull {
		t.Fatal("running stats must have grad_req null and gamma a gradient")
	}
	// use_global_stats: training uses and keeps the running statistics.
	g := nn.NewBatchNorm(nn.NormOptions{UseGlobalStats: true})
	gluon.Initialize(g, nil, nil, false)
	autograd.Record(func() { y = gluon.Call(g, x) })
	ndtest.AssertClose(t, y, nd.Shape{3, 2}, scaled(x.Float64s(), 1/math.Sqrt(1+1e-5)), 1e-5, 1e-6)
	ndtest.AssertClose(t, g.RunningMean.Data(), nd.Shape{2}, []float64{0, 0}, 0, 0)
}

func scaled(v []float64, s float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x * s
	}
	return out
}

func variance(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	s := 0.0
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s / float64(len(v))
}

// TestGradients checks autograd against central differences through a
// representative set of layers, in float64.
func TestGradients(t *testing.T) {
	nd.Seed(11)
	cases := []struct {
		name  string
		layer gluon.Block
		shape nd.Shape
	}{
		{"dense", nn.NewDense(3, nn.DenseOptions{Activation: "tanh"}), nd.Shape{2, 4}},
		{"conv2d", nn.NewConv2D(2, []int{2}, nn.ConvOptions{Strides: []int{2}, Padding: []int{1}}), nd.Shape{1, 2, 3, 3}},
		{"conv1d_transpose", nn.NewConv1DTranspose(2, []int{3}, nn.ConvOptions{Strides: []int{2}}), nd.Shape{1, 2, 3}},
		{"avgpool", nn.NewAvgPool2D(nn.PoolOptions{Padding: []int{1}, Strides: []int{1}}), nd.Shape{1, 1, 3, 3}},
		{"batchnorm", nn.NewBatchNorm(), nd.Shape{3, 2, 2}},
		{"layernorm", nn.NewLayerNorm(), nd.Shape{2, 5}},
		{"groupnorm", nn.NewGroupNorm(nn.NormOptions{NumGroups: 2}), nd.Shape{2, 4, 3}},
		{"instancenorm", nn.NewInstanceNorm(), nd.Shape{2, 2, 4}},
		{"prelu", nn.NewPReLU(nn.PReLUOptions{InChannels: 3}), nd.Shape{2, 3, 2}},
		{"elu", nn.NewELU(), nd.Shape{2, 5}},
		{"gelu_tanh", nn.NewGELU(nn.GELUOptions{Approximation: "tanh"}), nd.Shape{2, 5}},
		{"swish", nn.NewSwish(), nd.Shape{2, 5}},
		{"softsign", nn.NewActivation("softsign"), nd.Shape{2, 5}},
		{"pixelshuffle", nn.NewPixelShuffle2D([]int{2}), nd.Shape{1, 4, 2, 2}},
		{"reflectionpad", nn.NewReflectionPad2D([]int{1}), nd.Shape{1, 1, 3, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gluon.Initialize(c.layer, initializer.Uniform{Scale: 0.5}, nil, false)
			x := nd.RandomUniform(-1, 1, c.shape, nd.OfType(nd.Float64))
			gluon.Call(c.layer, x.AsType(nd.Float32)) // complete deferred init
			gluon.Cast(c.layer, nd.Float64)
			// Training mode also for the numeric side (BatchNorm's batch statistics).
			f := func(in []*nd.NDArray) (y *nd.NDArray) {
				autograd.TrainMode(func() { y = gluon.Call(c.layer, in[0]) })
				return y
			}
			ndtest.CheckGrad(t, f, []*nd.NDArray{x}, nil, 1e-4, 1e-6)
		})
	}
}

// TestTrainingReducesLoss fits y = 2·x₀ - 3·x₁ + 1 with a small MLP and
// plain SGD written inline.
func TestTrainingReducesLoss(t *testing.T) {
	nd.Seed(5)
	net := gluon.NewHybridSequential(nn.NewDense(16, nn.DenseOptions{Activation: "tanh"}), nn.NewDense(1))
	gluon.Initialize(net, initializer.Xavier{}, nil, false)
	x := nd.RandomUniform(-1, 1, nd.Shape{64, 2})
	xs := x.Float64s()
	ys := make([]float32, 64)
	for i := range ys {
		ys[i] = float32(2*xs[2*i] - 3*xs[2*i+1] + 1)
	}
	y := nd.Array(ys, 64, 1)
	params := gluon.CollectParams(net)
	const lr = 0.1
	var first, last float64
	for step := 0; step < 150; step++ {
		var loss *nd.NDArray
		autograd.Record(func() {
			d := gluon.Call(net, x).Sub(y)
			loss = d.Mul(d).Mean()
		})
		if err := autograd.BackwardOne(loss); err != nil {
			t.Fatal(err)
		}
		for _, p := range params.Params {
			w := p.Data()
			w.CopyFrom(w.Sub(p.Grad().MulScalar(lr)))
		}
		if step == 0 {
			first = loss.Scalar()
		}
		last = loss.Scalar()
	}
	if !(last < first/20) {
		t.Fatalf("loss went from %.4f to %.4f; want at least a 20x reduction", first, last)
	}
}

func BenchmarkDense(b *testing.B) {
	d := nn.NewDense(128, nn.DenseOptions{Activation: "relu"})
	gluon.Initialize(d, nil, nil, false)
	x := nd.Ones(nd.Shape{64, 784})
	b.ReportAllocs()
	for b.Loop() {
		if err := gluon.Call(d, x).WaitToRead(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConv2DBatchNormTrain(b *testing.B) {
	net := gluon.NewHybridSequential(nn.NewConv2D(16, []int{3}, nn.ConvOptions{Padding: []int{1}}), nn.NewBatchNorm(), nn.NewActivation("relu"))
	gluon.Initialize(net, nil, nil, false)
	x := nd.Ones(nd.Shape{8, 8, 28, 28})
	b.ReportAllocs()
	for b.Loop() {
		var y *nd.NDArray
		autograd.Record(func() { y = gluon.Call(net, x) })
		if err := autograd.BackwardOne(y); err != nil {
			b.Fatal(err)
		}
	}
}
