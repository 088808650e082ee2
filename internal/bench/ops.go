package bench

import (
	"fmt"
	"math/rand/v2"

	"github.com/mxgo/mxgo/nd"
)

// OpShapes are the (rows, columns) shapes of `mxgo bench ops`: a batch of
// activations that fits in L2 (1 MB), and one of 16 MB.
var OpShapes = [][2]int{{256, 1024}, {1024, 4096}}

// opCase is one eager op of `mxgo bench ops`, built on the inputs of a
// shape.
type opCase struct {
	name string
	op   func(in *opInputs) *nd.NDArray
}

// opInputs are the arrays of one shape: x and y are (rows, cols), uniform
// in [-1, 1), pos is |x| + 0.1 (for log and sqrt); row, gamma and beta
// are (cols); logits is (rows, 10), a classifier's output.
type opInputs struct {
	x, y, pos, row, gamma, beta, logits *nd.NDArray
}

// opCases are the ops of `mxgo bench ops`, in order.
var opCases = []opCase{
	{"add", func(in *opInputs) *nd.NDArray { return in.x.Add(in.y) }},
	{"mul", func(in *opInputs) *nd.NDArray { return in.x.Mul(in.y) }},
	{"add_row", func(in *opInputs) *nd.NDArray { return in.x.Add(in.row) }},
	{"mul_scalar", func(in *opInputs) *nd.NDArray { return in.x.MulScalar(1.5) }},
	{"sum", func(in *opInputs) *nd.NDArray { return in.x.Sum() }},
	{"sum_rows", func(in *opInputs) *nd.NDArray { return in.x.Sum(1) }},
	{"sum_cols", func(in *opInputs) *nd.NDArray { return in.x.Sum(0) }},
	{"relu", func(in *opInputs) *nd.NDArray { return in.x.Relu() }},
	{"exp", func(in *opInputs) *nd.NDArray { return in.x.Exp() }},
	{"log", func(in *opInputs) *nd.NDArray { return in.pos.Log() }},
	{"sqrt", func(in *opInputs) *nd.NDArray { return in.pos.Sqrt() }},
	{"sigmoid", func(in *opInputs) *nd.NDArray { return in.x.Sigmoid() }},
	{"tanh", func(in *opInputs) *nd.NDArray { return in.x.Tanh() }},
	{"gelu", func(in *opInputs) *nd.NDArray { return in.x.Gelu() }},
	{"softmax", func(in *opInputs) *nd.NDArray { return nd.Softmax(in.x, -1, 0) }},
	{"log_softmax", func(in *opInputs) *nd.NDArray { return nd.LogSoftmax(in.x, -1, 0) }},
	{"log_softmax_10", func(in *opInputs) *nd.NDArray { return nd.LogSoftmax(in.logits, -1, 0) }},
	{"transpose", func(in *opInputs) *nd.NDArray { return in.x.T() }},
	{"layernorm", func(in *opInputs) *nd.NDArray {
		return nd.LayerNorm(in.x, in.gamma, in.beta, nd.LayerNormAttrs{Axis: -1, Eps: 1e-5})
	}},
	{"max", func(in *opInputs) *nd.NDArray { return in.x.Max() }},
	{"max_rows", func(in *opInputs) *nd.NDArray { return in.x.Max(1) }},
	{"argmax_rows", func(in *opInputs) *nd.NDArray { return in.x.Argmax(1) }},
	{"greater", func(in *opInputs) *nd.NDArray { return in.x.Greater(in.y) }},
}

// Ops measures single eager float32 ops (elementwise, broadcast,
// reductions, activations, softmax, a transpose, layer norm) on each of OpShapes
// (log_softmax_10 on (rows, 10) logits), as
// "op_<name>_<rows>x<cols>" in microseconds per call: the op, a wait for
// its result, and the release of its memory (as a training step's
// temporaries are released).
func Ops(cfg Config) ([]Result, error) {
	r := rand.New(rand.NewPCG(6, 7))
	rl := rand.New(rand.NewPCG(8, 9)) // the logits' own, so that the other inputs stay as they were
	var rs []Result
	for _, sh := range OpShapes {
		in := &opInputs{
			x: randArray(r, sh[0], sh[1]), y: randArray(r, sh[0], sh[1]),
			row: randArray(r, sh[1]), gamma: randArray(r, sh[1]), beta: randArray(r, sh[1]),
		}
		in.pos = in.x.Abs().AddScalar(0.1)
		in.logits = randArray(rl, sh[0], 10)
		for _, c := range opCases {
			var err error
			t := measure(cfg, func() {
				if err != nil {
					return
				}
				err = nd.Try(func() {
					out := c.op(in)
					out.WaitToRead()
					nd.ReleaseTemporaries([]*nd.NDArray{out}, nil)
				})
			})
			if err != nil {
				return rs, fmt.Errorf("bench ops %s: %w", c.name, err)
			}
			rs = append(rs, usResults(cfg, fmt.Sprintf("op_%s_%dx%d", c.name, sh[0], sh[1]), t)...)
		}
	}
	return rs, nil
}
