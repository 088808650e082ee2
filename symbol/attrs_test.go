package symbol

import (
	"reflect"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/nd"
)

func mustOp(t *testing.T, name string) *nd.OpDef {
	t.Helper()
	op, ok := nd.LookupOp(name)
	if !ok {
		t.Fatalf("op %s not registered", name)
	}
	return op
}

func TestParseAttrs(t *testing.T) {
	one := 1.5
	cases := []struct {
		op   string
		kv   map[string]string
		want any
	}{
		{"Convolution", map[string]string{"kernel": "(3, 3)", "num_filter": "64", "pad": "(1,1)", "no_bias": "True", "layout": "NCHW"},
			nd.ConvolutionAttrs{Kernel: nd.Shape{3, 3}, Pad: nd.Shape{1, 1}, NumFilter: 64, NoBias: true, Layout: "NCHW"}},
		{"FullyConnected", map[string]string{"num_hidden": "10", "flatten": "False", "no_bias": "0"},
			nd.FullyConnectedAttrs{NumHidden: 10, NoFlatten: true}},
		{"FullyConnected", map[string]string{"num_hidden": "10", "flatten": "1"}, nd.FullyConnectedAttrs{NumHidden: 10}},
		{"LeakyReLU", map[string]string{"act_type": "prelu", "slope": "1.5"}, nd.LeakyReLUAttrs{ActType: "prelu", Slope: &one}},
		{"LeakyReLU", map[string]string{"act_type": "elu", "slope": "None"}, nd.LeakyReLUAttrs{ActType: "elu"}},
		// default tag: Concat's dim is 1 unless given.
		{"Concat", map[string]string{"num_args": "2"}, nd.ConcatAttrs{NumArgs: 2, Dim: 1}},
		{"Concat", map[string]string{"num_args": "2", "dim": "0"}, nd.ConcatAttrs{NumArgs: 2, Dim: 0}},
		{"Reshape", map[string]string{"shape": "(-1, 0, 3)"}, nd.ReshapeAttrs{Shape: nd.Shape{-1, 0, 3}}},
		{"Reshape", map[string]string{"shape": "[4,]"}, nd.ReshapeAttrs{Shape: nd.Shape{4}}},
		{"Pooling", map[string]string{"kernel": "2", "global_pool": "true", "pool_type": "avg"},
			nd.PoolingAttrs{Kernel: nd.Shape{2}, GlobalPool: true, PoolType: "avg"}},
		{"Cast", map[string]string{"dtype": "float64"}, nil}, // checked below by type only
	}
	for _, c := range cases {
		got, err := ParseAttrs(mustOp(t, c.op), c.kv)
		if err != nil {
			t.Fatalf("%s %v: %v", c.op, c.kv, err)
		}
		if c.want == nil {
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %v: got %#v, want %#v", c.op, c.kv, got, c.want)
		}
	}
}

func TestParseAttrsErrors(t *testing.T) {
	cases := []struct {
		op      string
		kv      map[string]string
		message string
	}{
		{"Convolution", map[string]string{"kernal": "(3,3)"}, `unknown attribute "kernal"`},
		{"Convolution", map[string]string{"kernel": "(3,x)"}, "not an integer"},
		{"Convolution", map[string]string{"kernel": "(3,3"}, "unterminated"},
		{"FullyConnected", map[string]string{"no_bias": "yes"}, "not a bool"},
		{"FullyConnected", map[string]string{"num_hidden": "1.5"}, "not an integer"},
		{"Flatten", map[string]string{"axis": "1"}, "takes no attributes"},
	}
	for _, c := range cases {
		_, err := ParseAttrs(mustOp(t, c.op), c.kv)
		if err == nil || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s %v: error %v, want one containing %q", c.op, c.kv, err, c.message)
		}
	}
}

func TestFormatAttrs(t *testing.T) {
	got := FormatAttrs(mustOp(t, "Convolution"), nd.ConvolutionAttrs{Kernel: nd.Shape{3, 3}, NumFilter: 8, NoBias: true})
	want := map[string]string{"kernel": "(3, 3)", "num_filter": "8", "no_bias": "True"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Convolution: got %v, want %v", got, want)
	}
	got = FormatAttrs(mustOp(t, "FullyConnected"), nd.FullyConnectedAttrs{NumHidden: 3, NoFlatten: true})
	if want := map[string]string{"num_hidden": "3", "flatten": "False"}; !reflect.DeepEqual(got, want) {
		t.Errorf("FullyConnected: got %v, want %v", got, want)
	}
	// Concat dim 0 differs from MXNet's default 1, so it is written.
	got = FormatAttrs(mustOp(t, "Concat"), nd.ConcatAttrs{NumArgs: 2})
	if want := map[string]string{"num_args": "2", "dim": "0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Concat: got %v, want %v", got, want)
	}
	// Run-time flags (__is_train__) never reach the file.
	p := 0.25
	got = FormatAttrs(mustOp(t, "Dropout"), nd.DropoutAttrs{P: &p, Train: true})
	if want := map[string]string{"p": "0.25"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Dropout: got %v, want %v", got, want)
	}
}

func TestFormatFloat(t *testing.T) {
	for f, want := range map[float64]string{1: "1.0", 0.25: "0.25", 1e-5: "1e-05", -3: "-3.0", 0: "0.0", 1e20: "1e+20"} {
		if got := formatFloat(f); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

// TestAttrsRoundTripAllOps formats and re-parses the defaults of every
// registered op, which also checks that every `default` tag parses.
func TestAttrsRoundTripAllOps(t *testing.T) {
	for _, name := range nd.OpNames() {
		op := mustOp(t, name)
		def := DefaultAttrs(op)
		if def == nil || reflect.TypeOf(def).Kind() != reflect.Struct {
			continue
		}
		// Every `default` tag must parse into its field.
		v := reflect.New(reflect.TypeOf(def)).Elem()
		for _, f := range attrFields(v.Type()) {
			if f.def != "" {
				if err := setAttrValue(v.Field(f.index), f.def, f.negate); err != nil {
					t.Errorf("%s: default tag %q of %s: %v", name, f.def, f.name, err)
				}
			}
		}
		kv := FormatAttrs(op, def)
		if len(kv) != 0 {
			t.Errorf("%s: defaults format as %v, want nothing", name, kv)
		}
		back, err := ParseAttrs(op, kv)
		if err != nil || !reflect.DeepEqual(back, def) {
			t.Errorf("%s: round trip gave %#v, %v; want %#v", name, back, err, def)
		}
	}
}

// Float tuples (multi_sgd_update's lrs and wds) print as Python tuples and
// read back.
func TestFloatTupleAttrs(t *testing.T) {
	op := mustOp(t, "multi_sgd_update")
	in := map[string]string{"lrs": "(0.1, 0.25)", "wds": "[1e-05]", "num_weights": "2"}
	a, err := ParseAttrs(op, in)
	if err != nil {
		t.Fatal(err)
	}
	out := FormatAttrs(op, a)
	if out["lrs"] != "(0.1, 0.25)" || out["wds"] != "(1e-05,)" || out["num_weights"] != "2" {
		t.Fatalf("formatted %v", out)
	}
	back, err := ParseAttrs(op, out)
	if err != nil || !reflect.DeepEqual(back, a) {
		t.Fatalf("round trip: %+v (%v), want %+v", back, err, a)
	}
	if _, err := ParseAttrs(op, map[string]string{"lrs": "(0.1, fast)"}); err == nil {
		t.Fatal("a non-number in a float tuple parsed")
	}
}
