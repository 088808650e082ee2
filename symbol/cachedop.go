package symbol

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/mxgo/mxgo/nd"
)

// CachedOp runs a graph as MXNet's CachedOp does: for each input signature
// (shapes, dtypes, device, training mode and which inputs need gradients)
// the graph is compiled once into a forward program and, when gradients
// are recorded, a backward program derived from the ops' gradient
// functions. Each pass is one engine push that calls the kernels in order
// with memory planned ahead: values that only live during the pass share a
// workspace reused by every call, the values the backward pass needs are
// kept in a state buffer recycled after backward, and only the outputs and
// gradients are fresh arrays. Under autograd.Record a call is one node on
// the tape.
//
// A signature whose graph cannot be compiled (an op without a kernel for
// the device, a gradient function that reads data) runs op by op through
// an Executor instead, with the same results.
//
// As in MXNet, the backward pass of a cached graph is not itself
// differentiable: autograd.Grad with createGraph through a CachedOp gives
// first-order gradients only (run the graph op by op, with an Executor or
// an un-hybridized Block, for higher orders).
type CachedOp struct {
	sym    *Symbol
	inputs []string
	vars   map[string]*Node
	exec   *Executor
	opts   CachedOpOptions

	mu    sync.Mutex
	plans []*cachedPlan
}

// CachedOpOptions change how a CachedOp hands back its outputs.
type CachedOpOptions struct {
	// ReuseOutputs makes the calls of one input signature return the same
	// output arrays, overwritten by each call, as the outputs of an MXNet
	// Executor (Module.get_outputs) or the static outputs of a PyTorch CUDA
	// graph are: a steady-state training step then allocates nothing for
	// them, and their memory stays warm in the cache. An output is valid
	// until the next call of the same signature; copy what you keep longer
	// (a loss you log later, a prediction you collect). A call gets fresh
	// arrays instead while the reused ones are still outputs of a recorded
	// call that no backward pass has freed yet (two recorded calls before
	// one backward stay correct), or when one of its inputs shares memory
	// with them (feeding an output back in, as an unrolled cell does).
	// Calls that run op by op (see Plans) always return fresh arrays.
	// Goroutines calling one CachedOp concurrently overwrite each other's
	// outputs: give each its own, or leave this off.
	ReuseOutputs bool
}

// NewCachedOp prepares s to be called with arrays for the variables named
// in inputs, in that order; every variable of s must be named. opts, at
// most one, default to fresh outputs on every call.
func NewCachedOp(s *Symbol, inputs []string, opts ...CachedOpOptions) (*CachedOp, error) {
	c := &CachedOp{sym: s, inputs: inputs, vars: map[string]*Node{}, exec: NewExecutor(s)}
	if len(opts) > 1 {
		return nil, fmt.Errorf("symbol: cached op: %d option sets, want at most one", len(opts))
	}
	if len(opts) == 1 {
		c.opts = opts[0]
	}
	named := map[string]bool{}
	for _, name := range inputs {
		if named[name] {
			return nil, fmt.Errorf("symbol: cached op: input %q named twice", name)
		}
		named[name] = true
	}
	for _, n := range s.Topo() {
		if n.IsVariable() {
			if !named[n.Name] {
				return nil, fmt.Errorf("symbol: cached op: graph variable %q is not among the inputs %v", n.Name, inputs)
			}
			c.vars[n.Name] = n
		}
	}
	return c, nil
}

// Symbol returns the graph c runs.
func (c *CachedOp) Symbol() *Symbol { return c.sym }

func (c *CachedOp) runOpByOp(in []*nd.NDArray) ([]*nd.NDArray, error) {
	args := make(map[string]*nd.NDArray, len(in))
	for i, x := range in {
		args[c.inputs[i]] = x
	}
	return c.exec.Forward(args)
}

func (c *CachedOp) plan(in []*nd.NDArray, train bool, mask []bool) *cachedPlan {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.plans {
		if p.sig.matches(in, train, mask) {
			return p
		}
	}
	sig := newSignature(in, train, mask)
	p, err := c.compile(in, train, mask)
	if err != nil {
		slog.Debug("cached op: running op by op", "signature", sig.String(), "reason", err)
		p = &cachedPlan{fallback: true}
	}
	p.sig = sig
	c.plans = append(c.plans, p)
	return p
}

// signature is what a plan is compiled for.
type signature struct {
	train  bool
	dev    nd.Device
	shapes []nd.Shape
	types  []nd.DType
	mask   []bool // inputs that need gradients
}

func newSignature(in []*nd.NDArray, train bool, mask []bool) signature {
	s := signature{train: train, dev: in[0].Device(), mask: append([]bool(nil), mask...)}
	for _, x := range in {
		s.shapes = append(s.shapes, x.Shape().Clone())
		s.types = append(s.types, x.DType())
	}
	return s
}

// matches compares without allocating: it runs on every call.
func (s *signature) matches(in []*nd.NDArray, train bool, mask []bool) bool {
	if s.train != train || s.dev != in[0].Device() || len(in) != len(s.shapes) {
		return false
	}
	for i, x := range in {
		if s.mask[i] != mask[i] || s.types[i] != x.DType() || !s.shapes[i].Equal(x.Shape()) {
			return false
		}
	}
	return true
}

func (s *signature) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "train=%v %v", s.train, s.dev)
	for i := range s.shapes {
		g := ""
		if s.mask[i] {
			g = " (grad)"
		}
		fmt.Fprintf(&b, " %v %v%s", s.shapes[i], s.types[i], g)
	}
	return b.String()
}

// Plans reports how many signatures c has compiled, and how many of them
// run op by op because compiling failed.
func (c *CachedOp) Plans() (compiled, opByOp int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.plans {
		if p.fallback {
			opByOp++
		} else {
			compiled++
		}
	}
	return
}
