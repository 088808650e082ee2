// Package infer runs an exported model (MXNet's or MXGo's -symbol.json +
// .params) on inputs read from .npy files: the `mxgo infer` command.
//
//	mxgo infer --symbol lenet-symbol.json --params lenet-0001.params --input data=x.npy --json
//
// With --json it prints one JSON object per graph output, in the order of
// the graph's heads: {"name": ..., "shape": [...], "values": [...]}.
// Otherwise it prints a summary: each output's shape, and for classifier
// outputs (N, classes) the top-5 classes of each row.
package infer
