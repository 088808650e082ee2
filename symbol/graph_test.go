package symbol_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
	"github.com/mxgo/mxgo/symbol"
)

// convNet is data -> conv -> bn -> relu -> pool -> flatten -> fc -> softmax output.
func convNet() *symbol.Symbol {
	data := symbol.Var("data")
	c := symbol.Convolution("conv0", data, nd.ConvolutionAttrs{Kernel: nd.Shape{3, 3}, NumFilter: 4, Pad: nd.Shape{1, 1}})
	b := symbol.BatchNorm("bn0", c, nd.BatchNormAttrs{})
	r := symbol.Activation("relu0", b, "relu")
	p := symbol.Pooling("pool0", r, nd.PoolingAttrs{Kernel: nd.Shape{2, 2}, Stride: nd.Shape{2, 2}, PoolType: "max"})
	f := symbol.FullyConnected("fc0", symbol.Flatten("flat0", p), nd.FullyConnectedAttrs{NumHidden: 3})
	return symbol.SoftmaxOutput("softmax", f, nd.SoftmaxOutputAttrs{})
}

func TestListArguments(t *testing.T) {
	net := convNet()
	wantArgs := []string{"data", "conv0_weight", "conv0_bias", "bn0_gamma", "bn0_beta", "fc0_weight", "fc0_bias", "softmax_label"}
	if got := net.ListArguments(); !reflect.DeepEqual(got, wantArgs) {
		t.Errorf("arguments %v, want %v", got, wantArgs)
	}
	if got, want := net.ListAuxiliaryStates(), []string{"bn0_moving_mean", "bn0_moving_var"}; !reflect.DeepEqual(got, want) {
		t.Errorf("aux %v, want %v", got, want)
	}
	if got, want := net.ListOutputs(), []string{"softmax_output"}; !reflect.DeepEqual(got, want) {
		t.Errorf("outputs %v, want %v", got, want)
	}
	if net.Get("fc0_output") == nil || net.Get("nope") != nil {
		t.Error("Get did not find fc0_output or found a missing name")
	}
}

func TestInferShapes(t *testing.T) {
	info, err := convNet().Infer(map[string]nd.Shape{"data": {2, 3, 8, 8}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]nd.Shape{
		"conv0_weight": {4, 3, 3, 3}, "conv0_bias": {4}, "bn0_gamma": {4}, "bn0_moving_var": {4},
		"fc0_weight": {3, 64}, "fc0_bias": {3}, "softmax_label": {2},
	}
	for k, w := range want {
		if got := info.Shapes[k]; !got.Equal(w) {
			t.Errorf("%s: %v, want %v", k, got, w)
		}
	}
	if !info.OutShapes[0].Equal(nd.Shape{2, 3}) || info.OutTypes[0] != nd.Float32 {
		t.Errorf("output %v %v, want (2, 3) float32", info.OutShapes[0], info.OutTypes[0])
	}
	if info.Types["fc0_weight"] != nd.Float32 {
		t.Errorf("fc0_weight type %v", info.Types["fc0_weight"])
	}
	// float64 data makes float64 parameters.
	info, err = convNet().Infer(map[string]nd.Shape{"data": {1, 3, 4, 4}}, map[string]nd.DType{"data": nd.Float64})
	if err != nil {
		t.Fatal(err)
	}
	if info.Types["conv0_weight"] != nd.Float64 || info.OutTypes[0] != nd.Float64 {
		t.Errorf("types %v out %v, want float64", info.Types, info.OutTypes)
	}
}

func TestInferErrors(t *testing.T) {
	_, err := convNet().Infer(nil, nil)
	if !errors.Is(err, symbol.ErrIncomplete) {
		t.Errorf("no data shape: error %v, want ErrIncomplete", err)
	}
	// A parameter shape that disagrees with the data.
	_, err = convNet().Infer(map[string]nd.Shape{"data": {1, 3, 8, 8}, "fc0_weight": {3, 5}}, nil)
	var ne *symbol.NodeError
	if !errors.As(err, &ne) || ne.Node != "fc0" {
		t.Errorf("bad weight: error %v, want a NodeError at fc0", err)
	}
}

func TestCallPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"unknown op": func() { symbol.Call("NoSuchOp", nil, symbol.Var("x")) },
		"bad attrs":  func() { symbol.Call("Convolution", map[string]string{"kernal": "3"}, symbol.Var("x")) },
		"wrong type": func() { symbol.Call("Convolution", nd.PoolingAttrs{}, symbol.Var("x")) },
	} {
		err := nd.Try(f)
		if err == nil || !strings.Contains(err.Error(), "symbol.") {
			t.Errorf("%s: error %v, want a symbol.Call *nd.Error", name, err)
		}
	}
}

// TestTrainThroughGraph checks that gradients through the executor equal
// those of the same computation written eagerly.
func TestTrainThroughGraph(t *testing.T) {
	data := symbol.Var("data")
	h := symbol.Activation("act", symbol.FullyConnected("fc1", data, nd.FullyConnectedAttrs{NumHidden: 4}), "tanh")
	out := symbol.FullyConnected("fc2", h, nd.FullyConnectedAttrs{NumHidden: 2})

	x := nd.Array([]float32{0.5, -1, 2, 0.25, 1.5, -0.5}, 2, 3)
	w1 := nd.Array([]float32{0.1, 0.2, -0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, -0.1, 0.2, 0.3}, 4, 3)
	b1 := nd.Array([]float32{0.01, -0.02, 0.03, 0.04}, 4)
	w2 := nd.Array([]float32{0.5, -0.4, 0.3, -0.2, 0.1, 0.2, -0.3, 0.4}, 2, 4)
	b2 := nd.Array([]float32{0.1, -0.1}, 2)
	params := []*nd.NDArray{w1, b1, w2, b2}
	grads := func(f func() *nd.NDArray) [][]float32 {
		for _, p := range params {
			p.AttachGrad()
		}
		var loss *nd.NDArray
		autograd.Record(func() { loss = f().Square().Sum() })
		if err := autograd.Backward([]*nd.NDArray{loss}, nil, false); err != nil {
			t.Fatal(err)
		}
		var g [][]float32
		for _, p := range params {
			g = append(g, p.Grad().Float32s())
		}
		return g
	}
	ex := symbol.NewExecutor(out)
	graph := grads(func() *nd.NDArray {
		o, err := ex.Forward(map[string]*nd.NDArray{"data": x, "fc1_weight": w1, "fc1_bias": b1, "fc2_weight": w2, "fc2_bias": b2})
		if err != nil {
			t.Fatal(err)
		}
		return o[0]
	})
	eager := grads(func() *nd.NDArray {
		h := nd.Activation(nd.FullyConnected(x, w1, b1, nd.FullyConnectedAttrs{NumHidden: 4}), "tanh")
		return nd.FullyConnected(h, w2, b2, nd.FullyConnectedAttrs{NumHidden: 2})
	})
	for i := range graph {
		want := make([]float64, len(eager[i]))
		for j, v := range eager[i] {
			want[j] = float64(v)
		}
		if ok, msg := ndtest.Close(f64(graph[i]), want, 1e-6, 1e-7); !ok {
			t.Errorf("param %d gradient: %s", i, msg)
		}
		if allZero(graph[i]) {
			t.Errorf("param %d gradient is all zero", i)
		}
	}
}

func f64(v []float32) []float64 {
	o := make([]float64, len(v))
	for i, x := range v {
		o[i] = float64(x)
	}
	return o
}

func allZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// TestBatchNormTrainingUpdatesAux runs BatchNorm through the executor in
// training mode: the moving statistics move towards the batch statistics.
func TestBatchNormTrainingUpdatesAux(t *testing.T) {
	bn := symbol.BatchNorm("bn", symbol.Var("data"), nd.BatchNormAttrs{})
	x := nd.Array([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 4, 2)
	mean, vr := nd.Zeros(nd.Shape{2}), nd.Ones(nd.Shape{2})
	args := map[string]*nd.NDArray{"data": x, "bn_gamma": nd.Ones(nd.Shape{2}), "bn_beta": nd.Zeros(nd.Shape{2}),
		"bn_moving_mean": mean, "bn_moving_var": vr}
	if _, err := bn.Eval(args); err != nil {
		t.Fatal(err)
	}
	if m := mean.Float32s(); m[0] != 0 || m[1] != 0 {
		t.Fatalf("inference changed moving_mean to %v", m)
	}
	autograd.Record(func() {
		if _, err := bn.Eval(args); err != nil {
			t.Fatal(err)
		}
	})
	// batch means are 4 and 5; momentum 0.9: 0.9·0 + 0.1·mean.
	ndtest.AssertClose(t, mean, nd.Shape{2}, []float64{0.4, 0.5}, 1e-6, 1e-6)
}

func TestForwardMissingArgument(t *testing.T) {
	_, err := convNet().Eval(map[string]*nd.NDArray{"data": nd.Zeros(nd.Shape{1, 3, 4, 4})})
	if err == nil || !strings.Contains(err.Error(), "conv0_weight") {
		t.Errorf("error %v, want one naming conv0_weight", err)
	}
}
