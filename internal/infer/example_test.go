package infer_test

import (
	"context"
	"os"
	"path/filepath"

	"github.com/mxgo/mxgo/internal/infer"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

func ExampleRun() {
	dir, _ := os.MkdirTemp("", "infer")
	defer os.RemoveAll(dir)
	// A one-layer model: out = relu(x·Wᵀ + b), saved as MXNet would.
	net := symbol.Activation("relu", symbol.FullyConnected("fc", symbol.Var("data"), nd.FullyConnectedAttrs{NumHidden: 2}), "relu")
	_ = net.Save(filepath.Join(dir, "m-symbol.json"))
	_ = nd.Save(filepath.Join(dir, "m-0000.params"), map[string]*nd.NDArray{
		"arg:fc_weight": nd.Array([]float32{1, 0, 0, -1}, 2, 2),
		"arg:fc_bias":   nd.Array([]float32{0.5, 0}, 2),
	})
	_ = nd.SaveNpy(filepath.Join(dir, "x.npy"), nd.Array([]float32{1, 2}, 1, 2))
	err := infer.Run(context.Background(), []string{
		"--symbol", filepath.Join(dir, "m-symbol.json"), "--params", filepath.Join(dir, "m-0000.params"),
		"--input", "data=" + filepath.Join(dir, "x.npy"), "--json"}, os.Stdout)
	if err != nil {
		panic(err)
	}
	// Output: {"name":"relu_output","shape":[1,2],"values":[1.5,0]}
}
