package mxboard

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

// mlpGraph is data -> fc1(w1, b1) -> relu -> fc2(w2, b2, where b2 is
// shared with fc3) -> fc3.
func mlpGraph() *Graph {
	return &Graph{Nodes: []GraphNode{
		{Name: "data", Op: "null", OutputShapes: [][]int{{64, 784}}},
		{Name: "fc1_weight", Op: "null"},
		{Name: "fc1_bias", Op: "null"},
		{Name: "fc1", Op: "FullyConnected", Attrs: map[string]string{"num_hidden": "128", "no_bias": "False"},
			Inputs: []GraphInput{{"data", 0}, {"fc1_weight", 0}, {"fc1_bias", 0}}, OutputShapes: [][]int{{64, 128}}},
		{Name: "relu1", Op: "Activation", Attrs: map[string]string{"act_type": "relu"}, Inputs: []GraphInput{{"fc1", 0}}},
		{Name: "shared_bias", Op: "null"},
		{Name: "fc2", Op: "FullyConnected", Inputs: []GraphInput{{"relu1", 0}, {"shared_bias", 0}}},
		{Name: "fc3", Op: "FullyConnected", Inputs: []GraphInput{{"fc2", 1}, {"shared_bias", 0}}},
	}}
}

func TestGraphDefMapping(t *testing.T) {
	gd, err := mlpGraph().GraphDef()
	if err != nil {
		t.Fatal(err)
	}
	if gd.GetVersions().GetProducer() != 100 {
		t.Errorf("versions %v, want producer 100", gd.GetVersions())
	}
	names := map[string]*tbproto.NodeDef{}
	var order []string
	for _, n := range gd.Node {
		names[n.Name] = n
		order = append(order, n.Name)
	}
	wantOrder := []string{"data", "fc1/fc1_weight", "fc1/fc1_bias", "fc1/fc1", "relu1/relu1", "shared_bias", "fc2/fc2", "fc3/fc3"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Fatalf("names %v, want %v", order, wantOrder)
	}
	if got := names["fc1/fc1"].Input; !reflect.DeepEqual(got, []string{"data", "fc1/fc1_weight", "fc1/fc1_bias"}) {
		t.Errorf("fc1 inputs %v", got)
	}
	if got := names["fc3/fc3"].Input; !reflect.DeepEqual(got, []string{"fc2/fc2:1", "shared_bias"}) {
		t.Errorf("fc3 inputs %v", got)
	}
	if got := string(names["fc1/fc1"].Attr["param"].GetS()); got != "{ no_bias :  False ,  num_hidden :  128 }" {
		t.Errorf("param attr %q", got)
	}
	shapes := names["fc1/fc1"].Attr["_output_shapes"].GetList().GetShape()
	if len(shapes) != 1 || len(shapes[0].Dim) != 2 || shapes[0].Dim[1].Size != 128 {
		t.Errorf("_output_shapes %v", shapes)
	}
	if names["fc1/fc1_weight"].Op != "null" || names["fc2/fc2"].Attr != nil {
		t.Errorf("variable op %q, attr-less node attrs %v", names["fc1/fc1_weight"].Op, names["fc2/fc2"].Attr)
	}
}

func TestAddGraphEvent(t *testing.T) {
	w := newTestWriter(t, Options{})
	if err := w.AddGraph(mlpGraph()); err != nil {
		t.Fatal(err)
	}
	bad := []*Graph{
		{Nodes: []GraphNode{{Name: "a", Op: "relu", Inputs: []GraphInput{{"missing", 0}}}}},
		{Nodes: []GraphNode{{Name: "a", Op: "null"}, {Name: "a", Op: "null"}}},
		{Nodes: []GraphNode{{Name: "", Op: "null"}}},
	}
	for i, g := range bad {
		if err := w.AddGraph(g); err == nil {
			t.Errorf("bad graph %d accepted", i)
		}
	}
	w.Close()
	events := mustRead(t, w.Path())
	if len(events) != 2 {
		t.Fatalf("%d events, want 2", len(events))
	}
	var gd tbproto.GraphDef
	if err := proto.Unmarshal(events[1].GetGraphDef(), &gd); err != nil || len(gd.Node) != 8 {
		t.Fatalf("graph_def: %v, %d nodes", err, len(gd.Node))
	}
}
