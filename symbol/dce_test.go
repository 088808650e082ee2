package symbol_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

func TestRemoveDeadNodes(t *testing.T) {
	x := symbol.Var("data")
	fc1 := symbol.FullyConnected("fc1", x, nd.FullyConnectedAttrs{NumHidden: 4})
	act := symbol.Activation("relu1", fc1, "relu")
	fc2 := symbol.FullyConnected("fc2", act, nd.FullyConnectedAttrs{NumHidden: 3})
	loss := symbol.SoftmaxOutput("softmax", fc2, nd.SoftmaxOutputAttrs{})
	aux := symbol.FullyConnected("aux", act, nd.FullyConnectedAttrs{NumHidden: 2}) // a second head
	g := symbol.Group(loss, aux)

	pruned, err := symbol.RemoveDeadNodes(g, "aux_output")
	if err != nil {
		t.Fatal(err)
	}
	if got := pruned.ListOutputs(); !slices.Equal(got, []string{"aux_output"}) {
		t.Fatalf("outputs %v", got)
	}
	want := []string{"data", "fc1_weight", "fc1_bias", "aux_weight", "aux_bias"}
	if got := pruned.ListArguments(); !slices.Equal(got, want) {
		t.Errorf("arguments %v, want %v (fc2 and softmax's inputs are dead)", got, want)
	}
	if countOps(pruned, "SoftmaxOutput")+countOps(pruned, "FullyConnected") != 2 {
		t.Errorf("ops left: %d nodes", len(pruned.Topo()))
	}
	if len(g.Outputs) != 2 || countOps(g, "FullyConnected") != 3 {
		t.Error("RemoveDeadNodes changed its input")
	}

	// An internal output becomes a head: a feature extractor.
	feat, err := symbol.RemoveDeadNodes(g, "relu1_output", "softmax_output")
	if err != nil {
		t.Fatal(err)
	}
	if got := feat.ListOutputs(); !slices.Equal(got, []string{"relu1_output", "softmax_output"}) {
		t.Fatalf("outputs %v", got)
	}
	if slices.Contains(feat.ListArguments(), "aux_weight") {
		t.Error("aux's weight survived")
	}
	args := map[string]*nd.NDArray{"data": nd.Array([]float32{1, -2, 3}, 1, 3)}
	params := map[string]*nd.NDArray{
		"fc1_weight": nd.Ones(nd.Shape{4, 3}), "fc1_bias": nd.Zeros(nd.Shape{4}),
		"fc2_weight": nd.Ones(nd.Shape{3, 4}), "fc2_bias": nd.Zeros(nd.Shape{3}),
		"aux_weight": nd.Ones(nd.Shape{2, 4}), "aux_bias": nd.Zeros(nd.Shape{2}),
	}
	kept := symbol.PruneParams(feat, params)
	if _, ok := kept["aux_weight"]; ok || len(kept) != 4 {
		t.Errorf("PruneParams kept %d values (want the 4 of fc1, fc2)", len(kept))
	}
	if len(params) != 6 {
		t.Error("PruneParams changed its input")
	}
	for k, v := range kept {
		args[k] = v
	}
	out, err := feat.Eval(args)
	if err != nil {
		t.Fatal(err)
	}
	if v := out[0].Float32s(); v[0] != 2 || v[3] != 2 {
		t.Errorf("relu1 = %v, want 2s", v)
	}

	if all, err := symbol.RemoveDeadNodes(g); err != nil || len(all.Outputs) != 2 || len(all.Topo()) != len(g.Topo()) {
		t.Errorf("keeping every head changed the graph: %v", err)
	}
	if _, err := symbol.RemoveDeadNodes(g, "nope_output"); err == nil || !strings.Contains(err.Error(), "nope_output") {
		t.Errorf("unknown output: error %v", err)
	}
}

func ExampleRemoveDeadNodes() {
	x := symbol.Var("data")
	fc := symbol.FullyConnected("fc", x, nd.FullyConnectedAttrs{NumHidden: 10})
	train := symbol.SoftmaxOutput("softmax", fc, nd.SoftmaxOutputAttrs{})
	feats := symbol.Activation("feat", fc, "relu")
	g := symbol.Group(train, feats)
	infer, err := symbol.RemoveDeadNodes(g, "feat_output")
	if err != nil {
		panic(err)
	}
	fmt.Println(g.ListArguments())
	fmt.Println(infer.ListArguments())
	// Output:
	// [data fc_weight fc_bias softmax_label]
	// [data fc_weight fc_bias]
}
