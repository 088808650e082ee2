package symbol_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

// randomArgs gives every input of s except those in have random float32
// values (moving variances positive), with shapes inferred from have.
func randomArgs(t *testing.T, s *symbol.Symbol, have map[string]*nd.NDArray, rng *rand.Rand) map[string]*nd.NDArray {
	t.Helper()
	shapes := map[string]nd.Shape{}
	for k, v := range have {
		shapes[k] = v.Shape()
	}
	info, err := s.Infer(shapes, nil)
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]*nd.NDArray{}
	for k, v := range have {
		args[k] = v
	}
	for _, name := range s.ListInputs() {
		if args[name] != nil {
			continue
		}
		sh := info.Shapes[name]
		v := make([]float32, sh.Size())
		for i := range v {
			v[i] = float32(rng.NormFloat64())
			if strings.HasSuffix(name, "moving_var") {
				v[i] = 0.2 + 2*rng.Float32()
			}
		}
		args[name] = nd.ArrayOf(v, sh)
	}
	return args
}

func randomData(rng *rand.Rand, shape ...int) *nd.NDArray {
	v := make([]float32, nd.Shape(shape).Size())
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return nd.Array(v, shape...)
}

// assertSameOutputs evaluates a and b (b with bArgs) and compares every output.
func assertSameOutputs(t *testing.T, a *symbol.Symbol, aArgs map[string]*nd.NDArray, b *symbol.Symbol, bArgs map[string]*nd.NDArray, rtol, atol float64) {
	t.Helper()
	want, err := a.Eval(aArgs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Eval(bArgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Shape().Equal(want[i].Shape()) {
			t.Fatalf("output %d: shape %v, want %v", i, got[i].Shape(), want[i].Shape())
		}
		g, _ := got[i].Values()
		w, _ := want[i].Values()
		for j := range w {
			if d := math.Abs(g[j] - w[j]); d > atol+rtol*math.Abs(w[j]) || math.IsNaN(g[j]) != math.IsNaN(w[j]) {
				t.Fatalf("output %d [%d] = %v, want %v", i, j, g[j], w[j])
			}
		}
	}
}

func boolp(b bool) *bool { return &b }

func TestFoldBatchNorm(t *testing.T) {
	conv := func(groups, filters int, noBias bool) nd.ConvolutionAttrs {
		return nd.ConvolutionAttrs{Kernel: nd.Shape{3, 3}, Pad: nd.Shape{1, 1}, NumFilter: filters, NumGroup: groups, NoBias: noBias}
	}
	cases := []struct {
		name   string
		layer  func(x *symbol.Symbol) *symbol.Symbol
		bn     nd.BatchNormAttrs
		data   []int
		layerW string
	}{
		{"conv_bias", func(x *symbol.Symbol) *symbol.Symbol { return symbol.Convolution("c", x, conv(1, 6, false)) },
			nd.BatchNormAttrs{Eps: 1e-5, FixGamma: boolp(false)}, []int{2, 4, 7, 7}, "c_weight"},
		{"conv_nobias_fixgamma", func(x *symbol.Symbol) *symbol.Symbol { return symbol.Convolution("c", x, conv(1, 5, true)) },
			nd.BatchNormAttrs{}, []int{2, 4, 7, 7}, "c_weight"},
		{"conv_grouped", func(x *symbol.Symbol) *symbol.Symbol { return symbol.Convolution("c", x, conv(2, 6, false)) },
			nd.BatchNormAttrs{FixGamma: boolp(false), Axis: 1}, []int{2, 4, 5, 5}, "c_weight"},
		{"conv_depthwise", func(x *symbol.Symbol) *symbol.Symbol { return symbol.Convolution("c", x, conv(4, 4, true)) },
			nd.BatchNormAttrs{FixGamma: boolp(false), Axis: -3}, []int{1, 4, 5, 5}, "c_weight"},
		{"conv1d", func(x *symbol.Symbol) *symbol.Symbol {
			return symbol.Convolution("c", x, nd.ConvolutionAttrs{Kernel: nd.Shape{3}, NumFilter: 3})
		}, nd.BatchNormAttrs{FixGamma: boolp(false)}, []int{2, 2, 9}, "c_weight"},
		{"fc", func(x *symbol.Symbol) *symbol.Symbol {
			return symbol.FullyConnected("f", x, nd.FullyConnectedAttrs{NumHidden: 7})
		}, nd.BatchNormAttrs{FixGamma: boolp(false), Eps: 1e-4}, []int{3, 2, 5}, "f_weight"},
		{"fc_noflatten_lastaxis", func(x *symbol.Symbol) *symbol.Symbol {
			return symbol.FullyConnected("f", x, nd.FullyConnectedAttrs{NumHidden: 4, NoFlatten: true, NoBias: true})
		}, nd.BatchNormAttrs{FixGamma: boolp(false), Axis: -1}, []int{3, 2, 5}, "f_weight"},
		{"deconv_grouped", func(x *symbol.Symbol) *symbol.Symbol {
			return symbol.Deconvolution("d", x, nd.DeconvolutionAttrs{Kernel: nd.Shape{2, 2}, Stride: nd.Shape{2, 2}, NumFilter: 6, NumGroup: 2})
		}, nd.BatchNormAttrs{FixGamma: boolp(false)}, []int{2, 4, 3, 3}, "d_weight"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			x := symbol.Var("data")
			out := symbol.Activation("act", symbol.BatchNorm("bn", c.layer(x), c.bn), "tanh")
			args := randomArgs(t, out, map[string]*nd.NDArray{"data": randomData(rng, c.data...)}, rng)
			params := map[string]*nd.NDArray{}
			before := map[string][]float64{}
			for k, v := range args {
				if k != "data" {
					params[k] = v
					before[k], _ = v.Values()
				}
			}
			folded, values, err := symbol.FoldBatchNorm(out, params)
			if err != nil {
				t.Fatal(err)
			}
			if n := countOps(folded, "BatchNorm"); n != 0 {
				t.Fatalf("%d BatchNorm nodes left", n)
			}
			for _, name := range folded.ListInputs() {
				if strings.HasPrefix(name, "bn_") || name == c.layerW {
					t.Errorf("folded graph still reads %s", name)
				}
			}
			if _, ok := values[c.layerW]; ok {
				t.Errorf("values keep %s, which nothing reads now", c.layerW)
			}
			foldedArgs := map[string]*nd.NDArray{"data": args["data"]}
			for k, v := range values {
				foldedArgs[k] = v
			}
			assertSameOutputs(t, out, args, folded, foldedArgs, 1e-4, 1e-5)
			if len(params) != len(before) {
				t.Errorf("FoldBatchNorm changed the params map")
			}
			for k, v := range params {
				now, _ := v.Values()
				for i := range now {
					if now[i] != before[k][i] {
						t.Fatalf("FoldBatchNorm changed %s", k)
					}
				}
			}
		})
	}
}

func TestFoldBatchNormSkips(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := nd.ConvolutionAttrs{Kernel: nd.Shape{1, 1}, NumFilter: 3}
	data := map[string]*nd.NDArray{"data": randomData(rng, 1, 2, 3, 3)}
	bnAttrs := nd.BatchNormAttrs{FixGamma: boolp(false)}
	cases := map[string]func() *symbol.Symbol{
		// The conv output is also read by a second op: folding would change it.
		"conv_output_shared": func() *symbol.Symbol {
			c := symbol.Convolution("c", symbol.Var("data"), a)
			return symbol.BatchNorm("bn", c, bnAttrs).Add(c)
		},
		// The conv output is a head.
		"conv_output_head": func() *symbol.Symbol {
			c := symbol.Convolution("c", symbol.Var("data"), a)
			return symbol.Group(symbol.BatchNorm("bn", c, bnAttrs), c)
		},
		// The BatchNorm's mean output is used.
		"mean_used": func() *symbol.Symbol {
			c := symbol.Convolution("c", symbol.Var("data"), a)
			withStats := bnAttrs
			withStats.OutputMeanVar = true
			return symbol.BatchNorm("bn", c, withStats)
		},
		// Normalizing a spatial axis is not a per-filter scale.
		"other_axis": func() *symbol.Symbol {
			return symbol.BatchNorm("bn", symbol.Convolution("c", symbol.Var("data"), a), nd.BatchNormAttrs{Axis: 2})
		},
		// The input of the BatchNorm is not a foldable layer.
		"after_activation": func() *symbol.Symbol {
			return symbol.BatchNorm("bn", symbol.Activation("r", symbol.Var("data"), "relu"), bnAttrs)
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			s := build()
			args := randomArgs(t, s, data, rng)
			params := map[string]*nd.NDArray{}
			for k, v := range args {
				if k != "data" {
					params[k] = v
				}
			}
			folded, values, err := symbol.FoldBatchNorm(s, params)
			if err != nil {
				t.Fatal(err)
			}
			if countOps(folded, "BatchNorm") != 1 {
				t.Fatalf("the BatchNorm was folded")
			}
			values["data"] = data["data"]
			assertSameOutputs(t, s, args, folded, values, 0, 0)
		})
	}
	t.Run("missing_param", func(t *testing.T) {
		s := symbol.BatchNorm("bn", symbol.Convolution("c", symbol.Var("data"), a), bnAttrs)
		args := randomArgs(t, s, data, rng)
		params := map[string]*nd.NDArray{"c_weight": args["c_weight"], "c_bias": args["c_bias"]}
		folded, _, err := symbol.FoldBatchNorm(s, params)
		if err != nil {
			t.Fatal(err)
		}
		if countOps(folded, "BatchNorm") != 1 {
			t.Fatal("folded without the BatchNorm's statistics")
		}
	})
	t.Run("bad_shape", func(t *testing.T) {
		s := symbol.BatchNorm("bn", symbol.Convolution("c", symbol.Var("data"), a), bnAttrs)
		args := randomArgs(t, s, data, rng)
		args["bn_gamma"] = nd.Ones(nd.Shape{4})
		delete(args, "data")
		_, _, err := symbol.FoldBatchNorm(s, args)
		if err == nil || !strings.Contains(err.Error(), "gamma") {
			t.Fatalf("error %v, want one naming gamma", err)
		}
	})
	t.Run("name_taken", func(t *testing.T) {
		s := symbol.BatchNorm("bn", symbol.Convolution("c", symbol.Var("data"), a), bnAttrs)
		args := randomArgs(t, s, data, rng)
		delete(args, "data")
		args["c_folded_weight"] = nd.Zeros(nd.Shape{1}) // someone else's value
		folded, values, err := symbol.FoldBatchNorm(s, args)
		if err != nil {
			t.Fatal(err)
		}
		if values["c_folded_weight"].Size() != 1 || values["c_folded_weight1"] == nil {
			t.Fatalf("folded weight overwrote a caller's value: inputs %v", folded.ListInputs())
		}
	})
}

// TestFoldBatchNormLeNet inserts BatchNorm layers with random statistics
// after every Convolution and FullyConnected of the real MXNet LeNet and
// checks the folded graph gives the same outputs.
func TestFoldBatchNormLeNet(t *testing.T) {
	root := filepath.Join(testutil.Fixtures(t), "mxnet", "lenet-relu-mnist")
	sym, err := symbol.Load(filepath.Join(root, "lenet-symbol.json"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := nd.Load(filepath.Join(root, "lenet-0001.params"))
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]*nd.NDArray{}
	for k, v := range l.Map() {
		_, name, _ := strings.Cut(k, ":")
		params[name] = v
	}
	// Put a BatchNorm between each layer and its consumer.
	inserted := 0
	for _, n := range sym.Topo() {
		for i, e := range n.Inputs {
			if e.Node.Op == nil || (e.Node.Op.Name != "Convolution" && e.Node.Op.Name != "FullyConnected") {
				continue
			}
			bn := symbol.BatchNorm(e.Node.Name+"_bn", &symbol.Symbol{Outputs: []symbol.Entry{e}}, nd.BatchNormAttrs{FixGamma: boolp(false), Eps: 1e-5})
			n.Inputs[i] = bn.Outputs[0]
			inserted++
		}
	}
	if inserted < 3 {
		t.Fatalf("inserted %d BatchNorm layers", inserted)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	have := map[string]*nd.NDArray{"data": mtcnnInput(4, 1, 28, 28)}
	for k, v := range params {
		have[k] = v
	}
	args := randomArgs(t, sym, have, rng)
	delete(args, "data")
	folded, values, err := symbol.FoldBatchNorm(sym, args)
	if err != nil {
		t.Fatal(err)
	}
	if n := countOps(folded, "BatchNorm"); n != 0 {
		t.Fatalf("%d of %d BatchNorm layers left", n, inserted)
	}
	if len(folded.Topo()) != len(sym.Topo())-inserted*5 {
		t.Errorf("%d nodes after folding, want %d", len(folded.Topo()), len(sym.Topo())-inserted*5)
	}
	args["data"], values["data"] = have["data"], have["data"]
	assertSameOutputs(t, sym, args, folded, values, 1e-4, 1e-4)
}

func ExampleFoldBatchNorm() {
	data := symbol.Var("data")
	conv := symbol.Convolution("conv", data, nd.ConvolutionAttrs{Kernel: nd.Shape{1, 1}, NumFilter: 2, NoBias: true})
	net := symbol.BatchNorm("bn", conv, nd.BatchNormAttrs{FixGamma: boolp(false), Eps: 1e-12})
	params := map[string]*nd.NDArray{
		"conv_weight":    nd.Array([]float32{1, 2}, 2, 1, 1, 1),
		"bn_gamma":       nd.Array([]float32{2, 1}, 2),
		"bn_beta":        nd.Array([]float32{0, 1}, 2),
		"bn_moving_mean": nd.Array([]float32{1, 0}, 2),
		"bn_moving_var":  nd.Array([]float32{4, 1}, 2),
	}
	folded, values, err := symbol.FoldBatchNorm(net, params)
	if err != nil {
		panic(err)
	}
	fmt.Println(folded.ListArguments())
	fmt.Println(values["conv_folded_weight"].Float32s(), values["conv_folded_bias"].Float32s())
	// Output:
	// [data conv_folded_weight conv_folded_bias]
	// [1 2] [-1 1]
}
