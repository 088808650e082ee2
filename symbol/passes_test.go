package symbol_test

import (
	"testing"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

func countOps(s *symbol.Symbol, op string) int {
	n := 0
	for _, x := range s.Topo() {
		if x.Op != nil && x.Op.Name == op {
			n++
		}
	}
	return n
}

func TestEliminateCommonSubexpressions(t *testing.T) {
	x := symbol.Var("x")
	a := symbol.Activation("a1", x, "tanh")
	b := symbol.Activation("a2", x, "tanh")
	c := symbol.Activation("a3", x, "relu") // different attrs: kept
	out := a.Add(b).Add(c)
	opt := symbol.EliminateCommonSubexpressions(out)
	if got := countOps(opt, "Activation"); got != 2 {
		t.Errorf("%d Activation nodes after CSE, want 2", got)
	}
	if got := countOps(out, "Activation"); got != 3 {
		t.Errorf("CSE changed its input graph: %d Activation nodes", got)
	}
	args := map[string]*nd.NDArray{"x": nd.Array([]float32{-1, 0.5}, 2)}
	want, _ := out.Eval(args)
	got, err := opt.Eval(args)
	if err != nil {
		t.Fatal(err)
	}
	if w, g := want[0].Float32s(), got[0].Float32s(); w[0] != g[0] || w[1] != g[1] {
		t.Errorf("CSE changed the result: %v, want %v", g, w)
	}
}

func TestFoldConstants(t *testing.T) {
	x, w := symbol.Var("x"), symbol.Var("w")
	scaled := w.MulScalar(2).AddScalar(1) // foldable: depends only on w
	out := x.Mul(scaled)
	consts := map[string]*nd.NDArray{"w": nd.Array([]float32{1, 2}, 2)}
	folded, values, err := symbol.FoldConstants(out, consts)
	if err != nil {
		t.Fatal(err)
	}
	if countOps(folded, "_mul_scalar")+countOps(folded, "_plus_scalar") != 0 {
		t.Errorf("scalar ops left after folding: %v", folded.ListInputs())
	}
	if countOps(folded, "broadcast_mul") != 1 {
		t.Error("the op reading x was folded")
	}
	args := map[string]*nd.NDArray{"x": nd.Array([]float32{10, 10}, 2)}
	for k, v := range values {
		args[k] = v
	}
	got, err := folded.Eval(args)
	if err != nil {
		t.Fatal(err)
	}
	if g := got[0].Float32s(); g[0] != 30 || g[1] != 50 {
		t.Errorf("folded graph gives %v, want [30 50]", g)
	}
	if len(consts) != 1 {
		t.Error("FoldConstants changed the caller's map")
	}
}

func TestRemoveInferenceNoOps(t *testing.T) {
	p := 0.5
	x := symbol.Var("x")
	d := symbol.Dropout("drop", symbol.Call("_copy", nil, x), nd.DropoutAttrs{P: &p})
	out := symbol.Activation("act", d, "relu")
	opt := symbol.RemoveInferenceNoOps(out)
	if countOps(opt, "Dropout")+countOps(opt, "_copy") != 0 || countOps(opt, "Activation") != 1 {
		t.Errorf("nodes left: %d", len(opt.Topo()))
	}
	if in := opt.Topo()[1].Inputs[0].Node.Name; in != "x" {
		t.Errorf("act reads %s, want x", in)
	}
}
