package symbol_test

import (
	"testing"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
	"github.com/mxgo/mxgo/symbol"
)

func TestOptimizeForInference(t *testing.T) {
	data := symbol.Var("data")
	conv := symbol.Convolution("conv", data, nd.ConvolutionAttrs{Kernel: nd.Shape{3, 3}, NumFilter: 4, Pad: nd.Shape{1, 1}})
	bn := symbol.BatchNorm("bn", conv, nd.BatchNormAttrs{})
	drop := symbol.Call("Dropout", nil, bn)
	out := symbol.Activation("act", drop, "sigmoid").MulScalar(2).AddScalar(-1)

	nd.Seed(4)
	args := map[string]*nd.NDArray{
		"data":           nd.RandomUniform(-1, 1, nd.Shape{2, 3, 6, 6}),
		"conv_weight":    nd.RandomUniform(-1, 1, nd.Shape{4, 3, 3, 3}),
		"conv_bias":      nd.RandomUniform(-1, 1, nd.Shape{4}),
		"bn_gamma":       nd.RandomUniform(0.5, 2, nd.Shape{4}),
		"bn_beta":        nd.RandomUniform(-1, 1, nd.Shape{4}),
		"bn_moving_mean": nd.RandomUniform(-1, 1, nd.Shape{4}),
		"bn_moving_var":  nd.RandomUniform(0.5, 2, nd.Shape{4}),
	}
	want, err := out.Eval(args)
	if err != nil {
		t.Fatal(err)
	}
	opt, optArgs, err := symbol.OptimizeForInference(out, args, map[string]nd.Shape{"data": {2, 3, 6, 6}})
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	for _, n := range opt.Topo() {
		if !n.IsVariable() {
			ops[n.Op.Name]++
		}
	}
	if ops["BatchNorm"] != 0 || ops["Dropout"] != 0 || ops[symbol.FusedOp().Name] != 1 || len(ops) != 2 {
		t.Fatalf("optimized ops %v, want one Convolution and one fused chain", ops)
	}
	got, err := opt.Eval(optArgs)
	if err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, got[0], want[0].Shape(), want[0].Float64s(), 1e-5, 1e-5)
	if opt.ListOutputs()[0] != out.ListOutputs()[0] {
		t.Fatalf("output renamed: %v, was %v", opt.ListOutputs(), out.ListOutputs())
	}
}
