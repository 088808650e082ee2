package symbol_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

var fixtureGraphs = []string{
	"mnist-cnn-tanh/mnist-symbol.json",
	"fashion-mnist-cnn-tanh/fashion-mnist-symbol.json",
	"lenet-relu-mnist/lenet-symbol.json",
	"mtcnn-legacy/det1-symbol.json",
	"mtcnn-legacy/det2-symbol.json",
	"legacy-ndarray/vgg16-like-symbol-only.json",
}

// sameGraph compares two graphs node by node in graph order.
func sameGraph(t *testing.T, a, b *symbol.Symbol) {
	t.Helper()
	na, nb := a.Topo(), b.Topo()
	if len(na) != len(nb) {
		t.Fatalf("%d nodes vs %d", len(na), len(nb))
	}
	id := map[*symbol.Node]int{}
	for i, n := range na {
		id[n] = i
	}
	idb := map[*symbol.Node]int{}
	for i, n := range nb {
		idb[n] = i
	}
	for i := range na {
		x, y := na[i], nb[i]
		if x.Name != y.Name || x.OpName != y.OpName || !reflect.DeepEqual(x.Attrs, y.Attrs) || len(x.Inputs) != len(y.Inputs) {
			t.Fatalf("node %d: %s %s %#v vs %s %s %#v", i, x.Name, x.OpName, x.Attrs, y.Name, y.OpName, y.Attrs)
		}
		if len(x.Extra)+len(y.Extra) > 0 && !reflect.DeepEqual(x.Extra, y.Extra) {
			t.Fatalf("node %s: extra %v vs %v", x.Name, x.Extra, y.Extra)
		}
		for j := range x.Inputs {
			if id[x.Inputs[j].Node] != idb[y.Inputs[j].Node] || x.Inputs[j].Index != y.Inputs[j].Index {
				t.Fatalf("node %s input %d differs", x.Name, j)
			}
		}
	}
	if len(a.Outputs) != len(b.Outputs) {
		t.Fatalf("%d outputs vs %d", len(a.Outputs), len(b.Outputs))
	}
	for i := range a.Outputs {
		if id[a.Outputs[i].Node] != idb[b.Outputs[i].Node] || a.Outputs[i].Index != b.Outputs[i].Index {
			t.Fatalf("output %d differs", i)
		}
	}
}

type rawGraph struct {
	Nodes []struct {
		Op     string  `json:"op"`
		Name   string  `json:"name"`
		Inputs [][]int `json:"inputs"`
	} `json:"nodes"`
	ArgNodes   []int            `json:"arg_nodes"`
	NodeRowPtr []int            `json:"node_row_ptr"`
	Heads      [][]int          `json:"heads"`
	Attrs      map[string][]any `json:"attrs"`
}

func TestJSONRoundTripFixtures(t *testing.T) {
	root := filepath.Join(testutil.Fixtures(t), "mxnet")
	for _, f := range fixtureGraphs {
		t.Run(f, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join(root, f))
			if err != nil {
				t.Fatal(err)
			}
			sym, err := symbol.FromJSON(orig)
			if err != nil {
				t.Fatal(err)
			}
			out, err := sym.ToJSON()
			if err != nil {
				t.Fatal(err)
			}
			back, err := symbol.FromJSON(out)
			if err != nil {
				t.Fatalf("re-reading our JSON: %v\n%s", err, out)
			}
			sameGraph(t, sym, back)

			// Structure against the original: same node order, names, ops,
			// input ids, arg_nodes and heads.
			var a, b rawGraph
			if err := json.Unmarshal(orig, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &b); err != nil {
				t.Fatal(err)
			}
			if len(a.Nodes) != len(b.Nodes) {
				t.Fatalf("%d nodes written, file has %d", len(b.Nodes), len(a.Nodes))
			}
			for i := range a.Nodes {
				x, y := a.Nodes[i], b.Nodes[i]
				if x.Op != y.Op || x.Name != y.Name || len(x.Inputs) != len(y.Inputs) {
					t.Fatalf("node %d: %v vs %v", i, x, y)
				}
				for j := range x.Inputs {
					if x.Inputs[j][0] != y.Inputs[j][0] || x.Inputs[j][1] != y.Inputs[j][1] {
						t.Fatalf("node %s input %d: %v vs %v", x.Name, j, x.Inputs[j], y.Inputs[j])
					}
				}
			}
			if !reflect.DeepEqual(a.ArgNodes, b.ArgNodes) {
				t.Errorf("arg_nodes %v, file %v", b.ArgNodes, a.ArgNodes)
			}
			// node_row_ptr depends on MXNet's build (MKLDNN builds of 1.2-1.5
			// count a second, workspace output for Pooling), so it is only
			// compared for the 1.6 exports.
			if strings.Contains(f, "cnn-tanh") && !reflect.DeepEqual(a.NodeRowPtr, b.NodeRowPtr) {
				t.Errorf("node_row_ptr %v, file %v", b.NodeRowPtr, a.NodeRowPtr)
			}
			for i := range a.Heads {
				if a.Heads[i][0] != b.Heads[i][0] || a.Heads[i][1] != b.Heads[i][1] {
					t.Errorf("head %d: %v, file %v", i, b.Heads[i], a.Heads[i])
				}
			}
			if v := b.Attrs["mxnet_version"]; len(v) != 2 || v[0] != "int" || v[1] != float64(symbol.MXNetVersion) {
				t.Errorf("mxnet_version %v", v)
			}
		})
	}
}

// TestJSONOwnGraph checks the MXNet structure of a graph built here.
func TestJSONOwnGraph(t *testing.T) {
	net := convNet()
	b, err := net.ToJSON()
	if err != nil {
		t.Fatal(err)
	}
	var g rawGraph
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	topo := net.Topo()
	if len(g.Nodes) != len(topo) || len(g.NodeRowPtr) != len(topo)+1 {
		t.Fatalf("%d nodes, %d row ptrs for %d graph nodes", len(g.Nodes), len(g.NodeRowPtr), len(topo))
	}
	// BatchNorm has 3 outputs: the row pointer steps by 3 there.
	for i, n := range g.Nodes {
		step := g.NodeRowPtr[i+1] - g.NodeRowPtr[i]
		want := 1
		if n.Op == "BatchNorm" {
			want = 3
		}
		if step != want {
			t.Errorf("node %s: %d outputs in node_row_ptr, want %d", n.Name, step, want)
		}
	}
	// data, conv weight/bias, bn gamma/beta/moving_mean/moving_var, fc
	// weight/bias, softmax_label.
	if len(g.ArgNodes) != 10 {
		t.Errorf("arg_nodes %v, want 10 variables", g.ArgNodes)
	}
	if !strings.Contains(string(b), `"kernel": "(3, 3)"`) || !strings.Contains(string(b), `"op": "null"`) {
		t.Errorf("attribute spelling not MXNet's:\n%s", b)
	}
	back, err := symbol.FromJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	sameGraph(t, net, back)

	path := filepath.Join(t.TempDir(), "net-symbol.json")
	if err := net.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := symbol.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sameGraph(t, net, loaded)
}

func TestJSONLegacyHiddenAttrs(t *testing.T) {
	// Pre-NNVM: "param" holds op parameters, "attr" bare hidden keys.
	src := `{"nodes": [
	  {"op": "null", "param": {}, "name": "x", "attr": {"lr_mult": "0.5"}, "inputs": [], "backward_source_id": -1},
	  {"op": "Activation", "param": {"act_type": "relu"}, "name": "r", "attr": {"ctx_group": "dev1"}, "inputs": [[0, 0]], "backward_source_id": -1}],
	 "arg_nodes": [0], "heads": [[1, 0]]}`
	s, err := symbol.FromJSON([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	topo := s.Topo()
	if topo[0].Extra["__lr_mult__"] != "0.5" || topo[1].Extra["__ctx_group__"] != "dev1" {
		t.Errorf("hidden attrs %v %v", topo[0].Extra, topo[1].Extra)
	}
	if topo[1].Attrs.(nd.ActivationAttrs).ActType != "relu" {
		t.Errorf("attrs %#v", topo[1].Attrs)
	}
}

func TestJSONErrors(t *testing.T) {
	cases := map[string]string{
		"not json":       `{"nodes": [`,
		"unknown op":     `{"nodes": [{"op": "null", "name": "x", "inputs": []}, {"op": "Frobnicate", "name": "f", "inputs": [[0,0,0]]}], "arg_nodes": [0], "heads": [[1,0,0]]}`,
		"unknown attr":   `{"nodes": [{"op": "null", "name": "x", "inputs": []}, {"op": "Activation", "name": "a", "attrs": {"act": "relu"}, "inputs": [[0,0,0]]}], "arg_nodes": [0], "heads": [[1,0,0]]}`,
		"forward ref":    `{"nodes": [{"op": "Activation", "name": "a", "attrs": {"act_type": "relu"}, "inputs": [[1,0,0]]}, {"op": "null", "name": "x", "inputs": []}], "arg_nodes": [1], "heads": [[0,0,0]]}`,
		"bad output":     `{"nodes": [{"op": "null", "name": "x", "inputs": []}], "arg_nodes": [0], "heads": [[0,1,0]]}`,
		"no heads":       `{"nodes": [{"op": "null", "name": "x", "inputs": []}], "arg_nodes": [0], "heads": []}`,
		"input count":    `{"nodes": [{"op": "null", "name": "x", "inputs": []}, {"op": "Activation", "name": "a", "attrs": {"act_type": "relu"}, "inputs": [[0,0,0],[0,0,0]]}], "arg_nodes": [0], "heads": [[1,0,0]]}`,
		"bad arg node":   `{"nodes": [{"op": "null", "name": "x", "inputs": []}], "arg_nodes": [3], "heads": [[0,0,0]]}`,
		"short entry":    `{"nodes": [{"op": "null", "name": "x", "inputs": []}], "arg_nodes": [0], "heads": [[0]]}`,
		"bad version":    `{"nodes": [{"op": "null", "name": "x", "inputs": []}], "arg_nodes": [0], "heads": [[0,0,0]], "attrs": {"mxnet_version": "x"}}`,
		"var with input": `{"nodes": [{"op": "null", "name": "x", "inputs": []}, {"op": "null", "name": "y", "inputs": [[0,0,0]]}], "arg_nodes": [0], "heads": [[1,0,0]]}`,
	}
	for name, src := range cases {
		if _, err := symbol.FromJSON([]byte(src)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := symbol.Load(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("missing file: no error")
	}
}

func FuzzFromJSON(f *testing.F) {
	root := filepath.Join("..", "..", "shared", "fixtures", "mxnet")
	if dir := os.Getenv("MXGO_FIXTURES"); dir != "" {
		root = filepath.Join(dir, "mxnet")
	}
	for _, p := range fixtureGraphs {
		if b, err := os.ReadFile(filepath.Join(root, p)); err == nil {
			f.Add(b)
		}
	}
	if b, err := convNet().ToJSON(); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"nodes": [{"op": "null", "name": "x", "inputs": []}], "arg_nodes": [0], "heads": [[0,0]]}`))
	// Float tuple attributes (lrs, wds).
	f.Add([]byte(`{"nodes": [{"op": "null", "name": "w", "inputs": []}, {"op": "null", "name": "g", "inputs": []},
		{"op": "multi_sgd_update", "name": "u", "attrs": {"lrs": "(0.1,)", "wds": "(0.0,)", "num_weights": "1"}, "inputs": [[0,0,0],[1,0,0]]}],
		"arg_nodes": [0, 1], "heads": [[2,0,0]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := symbol.FromJSON(b)
		if err != nil {
			return
		}
		out, err := s.ToJSON()
		if err != nil {
			return // duplicate names are rejected on writing
		}
		if _, err := symbol.FromJSON(out); err != nil {
			t.Fatalf("our own output does not read back: %v\n%s", err, out)
		}
		_, _ = s.InferPartial(map[string]nd.Shape{"data": {1, 1, 4, 4}}, nil)
	})
}
