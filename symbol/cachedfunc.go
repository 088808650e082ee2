package symbol

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

// CachedFunc is a function of arrays run as a cached graph: on the first
// call with a new input signature (shapes, dtypes, devices, training mode)
// it traces f on placeholders into a graph and compiles it into a
// CachedOp; later calls with that signature replay the graph. It is how
// code that is not a Block, a loss function for instance, is hybridized.
//
// f must compute its outputs with nd ops from its inputs only: reading an
// input's data or branching on it fails the call with an error saying so.
// Arrays f reads that are not inputs are captured as constants at trace
// time. A CachedFunc is safe for concurrent use.
type CachedFunc struct {
	where string
	f     func(in []*nd.NDArray) []*nd.NDArray
	opts  []CachedOpOptions

	mu     sync.Mutex
	traces []*funcTrace
	last   atomic.Pointer[funcTrace]
}

// funcTrace is f traced for one signature.
type funcTrace struct {
	train  bool
	shapes []nd.Shape
	types  []nd.DType
	devs   []nd.Device
	op     *CachedOp
	consts []*nd.NDArray // extra CachedOp inputs after f's own
	err    error         // why the signature cannot be traced
}

// NewCachedFunc returns f as a CachedFunc; where names it in errors
// ("loss SoftmaxCrossEntropyLoss"). opts (at most one) are those of the
// CachedOps it compiles.
func NewCachedFunc(where string, f func(in []*nd.NDArray) []*nd.NDArray, opts ...CachedOpOptions) *CachedFunc {
	return &CachedFunc{where: where, f: f, opts: opts}
}

// Call runs f's graph for in's signature, tracing it first if needed.
// Under autograd.Record the call is one node on the tape.
func (c *CachedFunc) Call(in ...*nd.NDArray) ([]*nd.NDArray, error) { return c.CallInto(nil, in) }

// CallInto is Call appending the outputs to dst, which may be a buffer on
// the caller's stack: a steady-state call then allocates only its output
// arrays. On error it returns nil.
func (c *CachedFunc) CallInto(dst, in []*nd.NDArray) ([]*nd.NDArray, error) {
	for i, x := range in {
		if x == nil {
			return nil, fmt.Errorf("symbol: %s: input %d is nil", c.where, i)
		}
	}
	train := autograd.IsTraining()
	t := c.last.Load()
	if t == nil || !t.matches(in, train) {
		t = c.trace(in, train)
		c.last.Store(t)
	}
	if t.err != nil {
		return nil, t.err
	}
	if len(t.consts) == 0 {
		return t.op.CallInto(dst, in)
	}
	var buf [16]*nd.NDArray
	args := append(buf[:0], in...)
	for _, k := range t.consts {
		args = append(args, k.AsIn(in[0].Device()))
	}
	return t.op.CallInto(dst, args)
}

// matches compares without allocating: it runs on every call.
func (t *funcTrace) matches(in []*nd.NDArray, train bool) bool {
	if t.train != train || len(in) != len(t.shapes) {
		return false
	}
	for i, x := range in {
		if t.types[i] != x.DType() || t.devs[i] != x.Device() || !t.shapes[i].Equal(x.Shape()) {
			return false
		}
	}
	return true
}

// trace returns the trace for in's signature, making it on first use.
func (c *CachedFunc) trace(in []*nd.NDArray, train bool) *funcTrace {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.traces {
		if t.matches(in, train) {
			return t
		}
	}
	t := &funcTrace{train: train}
	for _, x := range in {
		t.shapes = append(t.shapes, x.Shape().Clone())
		t.types = append(t.types, x.DType())
		t.devs = append(t.devs, x.Device())
	}
	t.op, t.consts, t.err = c.compile(in, train)
	if t.err != nil {
		t.err = fmt.Errorf("symbol: %s: %w", c.where, t.err)
	}
	c.traces = append(c.traces, t)
	return t
}

func (c *CachedFunc) compile(in []*nd.NDArray, train bool) (*CachedOp, []*nd.NDArray, error) {
	names := make([]string, len(in))
	ph := make([]*nd.NDArray, len(in))
	for i, x := range in {
		names[i] = fmt.Sprintf("in%d", i)
		ph[i] = Placeholder(Entry{Node: &Node{Name: names[i]}}, x.Shape(), x.DType(), x.Device())
	}
	tr := &Tracer{Where: c.where, Prefix: "_"}
	var out []*nd.NDArray
	run := func() { out = c.f(ph) }
	var err error
	if train {
		autograd.TrainMode(func() { err = tr.Run(run) })
	} else {
		autograd.PredictMode(func() { err = tr.Run(run) })
	}
	if err != nil {
		return nil, nil, err
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("traced function returned no arrays")
	}
	s := &Symbol{}
	for i, o := range out {
		e, ok := EntryOf(o)
		if !ok {
			return nil, nil, fmt.Errorf("output %d was not computed from the inputs", i)
		}
		s.Outputs = append(s.Outputs, e)
	}
	var consts []*nd.NDArray
	for _, name := range slices.Sorted(maps.Keys(tr.Consts)) {
		names = append(names, name)
		consts = append(consts, tr.Consts[name])
	}
	op, err := NewCachedOp(s, names, c.opts...)
	return op, consts, err
}

// Plans reports how many signatures c has compiled into programs, and how
// many run op by op (see CachedOp.Plans) or could not be traced.
func (c *CachedFunc) Plans() (compiled, opByOp int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.traces {
		if t.err != nil {
			opByOp++
			continue
		}
		k, o := t.op.Plans()
		compiled += k
		opByOp += o
	}
	return compiled, opByOp
}
