package gluon_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
	"github.com/mxgo/mxgo/symbol"
)

// mtcnnInput is the synthetic input of PROVENANCE.md (mtcnn-legacy).
func mtcnnInput(shape ...int) *nd.NDArray {
	x := make([]float32, nd.Shape(shape).Size())
	for k := range x {
		x[k] = float32(float64(k%251)/250*2 - 1)
	}
	return nd.Array(x, shape...)
}

func closeTo(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	for i := range want {
		if d := float64(got[i]) - want[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
	}
}

func TestImportsLegacyMTCNN(t *testing.T) {
	dir := filepath.Join(testutil.Fixtures(t), "mxnet", "mtcnn-legacy")
	net, err := gluon.Imports(filepath.Join(dir, "det2-symbol.json"), []string{"data"}, filepath.Join(dir, "det2-0001.params"), nd.CPU())
	if err != nil {
		t.Fatal(err)
	}
	out := net.ForwardMulti(mtcnnInput(1, 3, 24, 24))
	closeTo(t, "conv5_2", out[0].Float32s(), []float64{-0.131918, -0.335061, 0.215794, 0.359517})
	closeTo(t, "prob1", out[1].Float32s(), []float64{0.999687, 0.000313})
	// prob1's label is neither an input nor a parameter.
	d := gluon.CollectParams(net)
	if d.Get("prob1_label") != nil || d.Get("conv1_weight") == nil || d.Get("prelu1_gamma") == nil {
		t.Errorf("parameters %v", d.Names)
	}
}

func TestImportsLeNetTrainAndExport(t *testing.T) {
	dir := filepath.Join(testutil.Fixtures(t), "mxnet", "lenet-relu-mnist")
	net, err := gluon.Imports(filepath.Join(dir, "lenet-symbol.json"), []string{"data"}, filepath.Join(dir, "lenet-0001.params"), nd.CPU())
	if err != nil {
		t.Fatal(err)
	}
	if n := gluon.CollectParams(net).Len(); n != 8 {
		t.Fatalf("%d parameters, want 8", n)
	}
	x := mtcnnInput(2, 1, 28, 28)
	before := gluon.Call(net, x).Float32s()

	// One SGD step through the graph changes the output.
	w := gluon.CollectParams(net).Get("hybridsequential0_dense1_weight")
	var loss *nd.NDArray
	autograd.Record(func() { loss = gluon.Call(net, x).Square().Sum() })
	if err := autograd.Backward([]*nd.NDArray{loss}, nil, false); err != nil {
		t.Fatal(err)
	}
	g := w.Grad().Float32s()
	nonzero := false
	for _, v := range g {
		nonzero = nonzero || v != 0
	}
	if !nonzero {
		t.Fatal("dense1 weight gradient is zero")
	}
	w.SetData(w.Data().Sub(w.Grad().MulScalar(1e-3)))
	after := gluon.Call(net, x).Float32s()
	if after[0] == before[0] && after[1] == before[1] {
		t.Error("output did not change after a training step")
	}

	// Export and import again: same outputs.
	prefix := filepath.Join(t.TempDir(), "lenet")
	if err := net.Export(prefix, 3); err != nil {
		t.Fatal(err)
	}
	back, err := gluon.Imports(prefix+"-symbol.json", []string{"data"}, prefix+"-0003.params", nd.CPU())
	if err != nil {
		t.Fatal(err)
	}
	again := gluon.Call(back, x).Float32s()
	for i := range after {
		if again[i] != after[i] {
			t.Fatalf("re-imported output %v, want %v", again, after)
		}
	}
}

func TestSymbolBlockDeferredInit(t *testing.T) {
	data := symbol.Var("data")
	fc := symbol.FullyConnected("fc", data, nd.FullyConnectedAttrs{NumHidden: 3})
	net, err := gluon.NewSymbolBlock(symbol.Activation("act", fc, "relu"), []string{"data"})
	if err != nil {
		t.Fatal(err)
	}
	gluon.Initialize(net, initializer.Uniform{}, nil, false)
	out := gluon.Call(net, nd.Ones(nd.Shape{2, 5}))
	if !out.Shape().Equal(nd.Shape{2, 3}) {
		t.Fatalf("output shape %v", out.Shape())
	}
	if s := gluon.CollectParams(net).Get("fc_weight").Shape(); !s.Equal(nd.Shape{3, 5}) {
		t.Errorf("fc_weight shape %v, want (3, 5)", s)
	}
}

func TestSymbolBlockErrors(t *testing.T) {
	if _, err := gluon.NewSymbolBlock(symbol.Var("x"), []string{"data"}); err == nil || !strings.Contains(err.Error(), "data") {
		t.Errorf("unknown input: %v", err)
	}
	dir := filepath.Join(testutil.Fixtures(t), "mxnet")
	// det1's params do not fit det2's graph.
	_, err := gluon.Imports(filepath.Join(dir, "mtcnn-legacy", "det2-symbol.json"), []string{"data"}, filepath.Join(dir, "mtcnn-legacy", "det1-0001.params"), nd.CPU())
	if err == nil {
		t.Error("mismatched params: no error")
	}
	net, err := gluon.Imports(filepath.Join(dir, "lenet-relu-mnist", "lenet-symbol.json"), []string{"data"}, "", nd.CPU())
	if err != nil {
		t.Fatal(err)
	}
	if err := nd.Try(func() { gluon.Call(net, nd.Zeros(nd.Shape{1, 1, 28, 28})) }); err == nil || !strings.Contains(err.Error(), "initialized") {
		t.Errorf("uninitialized forward: %v", err)
	}
}

// A SymbolBlock runs as a cached graph; its gradients equal those of the
// same graph run op by op.
func TestSymbolBlockGradientsMatchOpByOp(t *testing.T) {
	dir := filepath.Join(testutil.Fixtures(t), "mxnet", "lenet-relu-mnist")
	net, err := gluon.Imports(filepath.Join(dir, "lenet-symbol.json"), []string{"data"}, filepath.Join(dir, "lenet-0001.params"), nd.CPU())
	if err != nil {
		t.Fatal(err)
	}
	x := mtcnnInput(3, 1, 28, 28)
	params := gluon.CollectParams(net)
	var loss *nd.NDArray
	autograd.Record(func() { loss = gluon.Call(net, x).Square().Sum() })
	if err := autograd.BackwardOne(loss); err != nil {
		t.Fatal(err)
	}
	args := map[string]*nd.NDArray{"data": x}
	leaves := map[string]*nd.NDArray{}
	for i, name := range params.Names {
		leaves[name] = params.Params[i].Data().Copy().AttachGrad()
		args[name] = leaves[name]
	}
	exec := symbol.NewExecutor(net.Symbol())
	var ref *nd.NDArray
	autograd.Record(func() {
		out, err := exec.Forward(args)
		if err != nil {
			t.Fatal(err)
		}
		ref = out[0].Square().Sum()
	})
	if err := autograd.BackwardOne(ref); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, loss, ref.Shape(), ref.Float64s(), 1e-5, 1e-5)
	for i, name := range params.Names {
		if params.Params[i].GradReq == nd.GradNull {
			continue
		}
		want := leaves[name].Grad()
		ndtest.AssertClose(t, params.Params[i].Grad(), want.Shape(), want.Float64s(), 1e-4, 1e-5)
	}
}
