package infer_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/internal/infer"
	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
)

func mtcnnInput(shape ...int) *nd.NDArray {
	x := make([]float32, nd.Shape(shape).Size())
	for k := range x {
		x[k] = float32(float64(k%251)/250*2 - 1)
	}
	return nd.Array(x, shape...)
}

func TestRunJSONMTCNN(t *testing.T) {
	dir := filepath.Join(testutil.Fixtures(t), "mxnet", "mtcnn-legacy")
	in := filepath.Join(t.TempDir(), "x.npy")
	if err := nd.SaveNpy(in, mtcnnInput(1, 3, 12, 12)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := infer.Run(context.Background(), []string{"--symbol", filepath.Join(dir, "det1-symbol.json"),
		"--params", filepath.Join(dir, "det1-0001.params"), "--input", "data=" + in, "--device", "cpu", "--json"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	var got []infer.Output
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var o infer.Output
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, o)
	}
	want := []struct {
		name   string
		shape  []int
		values []float64
	}{
		{"conv4_2_output", []int{1, 4, 1, 1}, []float64{0.116747, 0.098604, -0.011442, 0.145002}},
		{"prob1_output", []int{1, 2, 1, 1}, []float64{0.988536, 0.011464}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d outputs, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || !nd.Shape(g.Shape).Equal(nd.Shape(w.shape)) {
			t.Errorf("output %d: %s %v, want %s %v", i, g.Name, g.Shape, w.name, w.shape)
		}
		for j := range w.values {
			if d := g.Values[j] - w.values[j]; d > 1e-4 || d < -1e-4 {
				t.Errorf("%s = %v, want %v", g.Name, g.Values, w.values)
				break
			}
		}
	}
}

func TestRunSummaryLeNet(t *testing.T) {
	dir := filepath.Join(testutil.Fixtures(t), "mxnet", "lenet-relu-mnist")
	in := filepath.Join(t.TempDir(), "x.npy")
	if err := nd.SaveNpy(in, mtcnnInput(2, 1, 28, 28)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := infer.Run(context.Background(), []string{"--symbol", filepath.Join(dir, "lenet-symbol.json"),
		"--params", filepath.Join(dir, "lenet-0001.params"), "--input", "data=" + in}, &out)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"hybridsequential0_dense1_fwd_output: shape (2, 10) float32", "row 0 top-5:", "row 1 top-5:"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

func TestRunErrors(t *testing.T) {
	dir := filepath.Join(testutil.Fixtures(t), "mxnet", "lenet-relu-mnist")
	sym := filepath.Join(dir, "lenet-symbol.json")
	params := filepath.Join(dir, "lenet-0001.params")
	cases := map[string][]string{
		"no symbol":     {"--input", "data=x.npy"},
		"no input":      {"--symbol", sym},
		"bad spec":      {"--symbol", sym, "--input", "data"},
		"unknown input": {"--symbol", sym, "--input", "image=x.npy"},
		"missing npy":   {"--symbol", sym, "--params", params, "--input", "data=/nonexistent.npy"},
		"bad device":    {"--symbol", sym, "--input", "data=x.npy", "--device", "tpu"},
		"bad flag":      {"--bogus"},
		"missing param": {"--symbol", sym, "--input", "data=" + writeNpy(t)},
	}
	for name, args := range cases {
		if err := infer.Run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := infer.Run(ctx, []string{"--symbol", sym, "--params", params, "--input", "data=" + writeNpy(t)}, &bytes.Buffer{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

func writeNpy(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "x.npy")
	if err := nd.SaveNpy(p, nd.Zeros(nd.Shape{1, 1, 28, 28})); err != nil {
		t.Fatal(err)
	}
	return p
}
