package symbol_test

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

// Real MXNet files from shared/fixtures/mxnet (see PROVENANCE.md there);
// expected outputs are the [ref-here] values recorded in PROVENANCE.md.

func loadFixture(t *testing.T, dir, symFile, paramFile string) (*symbol.Symbol, map[string]*nd.NDArray) {
	t.Helper()
	root := filepath.Join(testutil.Fixtures(t), "mxnet", dir)
	sym, err := symbol.Load(filepath.Join(root, symFile))
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]*nd.NDArray{}
	if paramFile == "" {
		return sym, args
	}
	l, err := nd.Load(filepath.Join(root, paramFile))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range l.Map() {
		_, name, ok := strings.Cut(k, ":")
		if !ok {
			t.Fatalf("param key %q has no arg:/aux: prefix", k)
		}
		args[name] = v
	}
	return sym, args
}

// mnistImages reads the first n images of an IDX image file as (n,1,28,28)
// bytes and the matching labels.
func mnistImages(t *testing.T, set string, n int) ([]byte, []byte) {
	t.Helper()
	dir := filepath.Join(testutil.Fixtures(t), "..", "data", set)
	read := func(name string, skip, size int) []byte {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Skipf("%s data not available: %v", set, err)
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, skip+size)
		if _, err := io.ReadFull(z, b); err != nil {
			t.Fatal(err)
		}
		return b[skip:]
	}
	return read("t10k-images-idx3-ubyte.gz", 16, n*28*28), read("t10k-labels-idx1-ubyte.gz", 8, n)
}

func mnistBatch(pix []byte, n int, mean, std float32) *nd.NDArray {
	x := make([]float32, n*28*28)
	for i := range x {
		x[i] = (float32(pix[i])/255 - mean) / std
	}
	return nd.Array(x, n, 1, 28, 28)
}

func argmaxRows(t *testing.T, a *nd.NDArray) []int {
	t.Helper()
	v := a.Float32s()
	rows, cols := a.Shape()[0], a.Shape()[1]
	out := make([]int, rows)
	for r := 0; r < rows; r++ {
		for c := 1; c < cols; c++ {
			if v[r*cols+c] > v[r*cols+out[r]] {
				out[r] = c
			}
		}
	}
	return out
}

func assertRow(t *testing.T, what string, got []float32, want []float64, atol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := float64(got[i]) - want[i]; d > atol || d < -atol {
			t.Fatalf("%s[%d] = %v, want %v (±%g)\ngot  %v\nwant %v", what, i, got[i], want[i], atol, got, want)
		}
	}
}

func TestFixtureMNISTNets(t *testing.T) {
	cases := []struct {
		dir, sym, params, data string
		mean, std              float32
		preds                  []int
		out0, out1             []float64
	}{
		{"mnist-cnn-tanh", "mnist-symbol.json", "mnist-0035.params", "mnist", 0, 1,
			[]int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9},
			[]float64{-0.999918, -0.99994, -0.999975, -0.999877, -1, -1, -1, 0.999994, -0.999995, -0.999826},
			[]float64{-0.999726, -0.999658, 0.999984, -0.999283, -1, -1, -0.999522, -1, -0.999992, -0.999999}},
		{"fashion-mnist-cnn-tanh", "fashion-mnist-symbol.json", "fashion-mnist-0039.params", "fashion-mnist", 0.13, 0.31,
			[]int{9, 2, 1, 1, 6, 1, 4, 6, 5, 7},
			[]float64{-0.999977, -0.999768, -1, -0.999997, -0.999496, -0.999761, -0.999999, -0.999944, -0.999998, 0.999991}, nil},
		{"lenet-relu-mnist", "lenet-symbol.json", "lenet-0001.params", "mnist", 0, 1, nil,
			[]float64{-1.799046, -0.768002, 3.931164, 4.817048, -7.425444, -2.570867, -14.353982, 13.938475, -1.400447, 3.842957}, nil},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			sym, args := loadFixture(t, c.dir, c.sym, c.params)
			pix, _ := mnistImages(t, c.data, 10)
			args["data"] = mnistBatch(pix, 10, c.mean, c.std)
			out, err := sym.Eval(args)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || !out[0].Shape().Equal(nd.Shape{10, 10}) {
				t.Fatalf("outputs %v", out)
			}
			v := out[0].Float32s()
			assertRow(t, "out[test 0]", v[:10], c.out0, 1e-4)
			if c.out1 != nil {
				assertRow(t, "out[test 1]", v[10:20], c.out1, 1e-4)
			}
			if c.preds != nil {
				got := argmaxRows(t, out[0])
				for i := range c.preds {
					if got[i] != c.preds[i] {
						t.Fatalf("predictions %v, want %v", got, c.preds)
					}
				}
			}
		})
	}
}

// mtcnnInput is PROVENANCE's synthetic input x.flat[k] = ((k mod 251)/250)·2 − 1.
func mtcnnInput(shape ...int) *nd.NDArray {
	n := nd.Shape(shape).Size()
	x := make([]float32, n)
	for k := range x {
		x[k] = float32(float64(k%251)/250*2 - 1)
	}
	return nd.Array(x, shape...)
}

func TestFixtureMTCNNLegacy(t *testing.T) {
	cases := []struct {
		name        string
		size        int
		bbox, prob1 []float64
	}{
		{"det1", 12, []float64{0.116747, 0.098604, -0.011442, 0.145002}, []float64{0.988536, 0.011464}},
		{"det2", 24, []float64{-0.131918, -0.335061, 0.215794, 0.359517}, []float64{0.999687, 0.000313}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sym, args := loadFixture(t, "mtcnn-legacy", c.name+"-symbol.json", c.name+"-0001.params")
			args["data"] = mtcnnInput(1, 3, c.size, c.size)
			out, err := sym.Eval(args)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 2 {
				t.Fatalf("%d outputs, want 2 (%v)", len(out), sym.ListOutputs())
			}
			assertRow(t, "bbox", out[0].Float32s(), c.bbox, 1e-4)
			assertRow(t, "prob1", out[1].Float32s(), c.prob1, 1e-4)
		})
	}
}

func TestFixtureVGGShapes(t *testing.T) {
	sym, _ := loadFixture(t, "legacy-ndarray", "vgg16-like-symbol-only.json", "")
	info, err := sym.Infer(map[string]nd.Shape{"data": {1, 3, 224, 224}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]nd.Shape{
		"conv1_1_weight": {64, 3, 3, 3}, "conv1_1_bias": {64},
		"conv5_3_weight": {512, 512, 3, 3}, "fc6_weight": {1024, 512, 3, 3},
		"fc8_weight": {1000, 1024, 1, 1}, "softmax_label": {1},
	}
	for k, want := range checks {
		if got := info.Shapes[k]; !got.Equal(want) {
			t.Errorf("%s: shape %v, want %v", k, got, want)
		}
	}
	if len(info.OutShapes) != 1 || !info.OutShapes[0].Equal(nd.Shape{1, 1000}) {
		t.Errorf("output shapes %v, want [(1, 1000)]", info.OutShapes)
	}
	if got := len(sym.ListArguments()); got != 34 {
		t.Errorf("%d arguments, want 34 (arg_nodes)", got)
	}
}
