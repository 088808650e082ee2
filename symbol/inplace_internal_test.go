package symbol

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"unsafe"

	"github.com/mxgo/mxgo/nd"
)

func f32Blob(x []float32) nd.Blob {
	return nd.Blob{Shape: nd.Shape{len(x)}, DType: nd.Float32, Dev: nd.CPU(),
		Data: unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 4*len(x))}
}

// The memory plan lets an elementwise op write over its first input. That
// is only right if every such kernel reads an element before it writes
// the same position: check each op of the allow-list against a run into a
// separate output, on sizes that take the kernels' vector and parallel
// paths.
func TestInPlaceKernelsAreAliasSafe(t *testing.T) {
	var names []string
	for name := range fusibleOps {
		names = append(names, name)
	}
	sort.Strings(names)
	attrsFor := map[string]any{
		"Activation": nd.ActivationAttrs{ActType: "tanh"},
		"clip":       nd.ClipAttrs{AMin: 0.3, AMax: 1.2},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, name := range names {
		op, ok := nd.LookupOp(name)
		if !ok {
			t.Fatalf("%s is not registered", name)
		}
		attrs, ok := attrsFor[name]
		if !ok {
			attrs = DefaultAttrs(op)
		}
		nin := op.NumInputs
		if nin < 0 {
			nin = 2
		}
		kernel, err := nd.KernelFor(op, nd.CPU())
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{7, 4099, 100003} {
			ins := make([][]float32, nin)
			for i := range ins {
				ins[i] = make([]float32, n)
				for j := range ins[i] {
					ins[i][j] = 0.1 + 1.9*r.Float32()
				}
			}
			want := make([]float32, n)
			args := &nd.KernelArgs{Attrs: attrs, Dev: nd.CPU(), Out: []nd.Blob{f32Blob(want)}}
			for _, x := range ins {
				args.In = append(args.In, f32Blob(x))
			}
			if err := kernel(args); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			alias := append([]float32(nil), ins[0]...)
			args.In[0], args.Out[0] = f32Blob(alias), f32Blob(alias)
			if err := kernel(args); err != nil {
				t.Fatalf("%s in place: %v", name, err)
			}
			for j := range want {
				if alias[j] != want[j] && !(math.IsNaN(float64(alias[j])) && math.IsNaN(float64(want[j]))) {
					t.Fatalf("%s (n=%d) in place: element %d is %v, want %v", name, n, j, alias[j], want[j])
				}
			}
		}
	}
}

// At inference nothing is saved for backward, so relu writes over the
// fully connected layer's output and the workspace holds one buffer.
func TestPlanRunsElementwiseOpsInPlace(t *testing.T) {
	data := Var("data")
	h := Activation("relu", FullyConnected("fc1", data, nd.FullyConnectedAttrs{NumHidden: 64}), "relu")
	out := FullyConnected("fc2", h, nd.FullyConnectedAttrs{NumHidden: 2})
	op, err := NewCachedOp(out, []string{"data", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"})
	if err != nil {
		t.Fatal(err)
	}
	in := []*nd.NDArray{nd.Ones(nd.Shape{4, 3}), nd.Ones(nd.Shape{64, 3}), nd.Ones(nd.Shape{64}), nd.Ones(nd.Shape{2, 64}), nd.Ones(nd.Shape{2})}
	p, err := op.compile(in, false, make([]bool, len(in)))
	if err != nil {
		t.Fatal(err)
	}
	var relu *step
	for i := range p.fwd.steps {
		if p.fwd.steps[i].label == "relu" {
			relu = &p.fwd.steps[i]
		}
	}
	if relu == nil || relu.out[0] != relu.in[0] {
		t.Fatalf("relu step %+v does not run in place", relu)
	}
	if p.fwd.workBytes != 4*64*4 {
		t.Fatalf("workspace %d bytes, want one (4, 64) float32 buffer", p.fwd.workBytes)
	}
	res, err := op.Call(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := res[0].Float32s(); got[0] != 64*4+1 { // relu(3+1)=4 per hidden unit
		t.Fatalf("output %v", got)
	}
}
