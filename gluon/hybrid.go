package gluon

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

// HybridizeOptions are Gluon's hybridize flags. The cached graph is
// always compiled with static memory planning (symbol.CachedOp), one plan
// per input signature, so StaticAlloc and StaticShape are accepted for
// compatibility and change nothing.
type HybridizeOptions struct {
	StaticAlloc bool
	StaticShape bool
	// ReuseOutputs makes the calls of one input signature return the same
	// output array, overwritten by each call, as an MXNet Module's
	// outputs are: with a loss hybridized the same way
	// (loss.Hybridize(l, opts)), a steady-state training step allocates
	// nothing on the Go heap. An output is valid until the next call;
	// copy one you keep longer (a prediction you collect). Calls stay
	// correct when a recorded output has not been through backward yet
	// or is fed back in as an input: they get fresh arrays (see
	// symbol.CachedOpOptions). A Block called from several goroutines at
	// once should leave it off.
	ReuseOutputs bool
}

// CachedOpOptions are the options of the CachedOps o compiles to.
func (o HybridizeOptions) CachedOpOptions() symbol.CachedOpOptions {
	return symbol.CachedOpOptions{ReuseOutputs: o.ReuseOutputs}
}

// hybridState is a hybridized Block's cache: one traced graph per input
// shape, dtype, device and training mode.
type hybridState struct {
	opts  HybridizeOptions
	mu    sync.Mutex
	cache map[string]*cachedGraph
	last  *cachedGraph
}

// cachedGraph is a traced forward with what is needed to replay it.
type cachedGraph struct {
	sym *symbol.Symbol
	op  *symbol.CachedOp
	// inputs are the graph's variables in call order: the data, then the
	// parameters and captured constants by name.
	inputs []string
	params map[string]*Parameter // graph variable name -> parameter
	consts map[string]*nd.NDArray
	aux    map[string]bool
	// The signature the graph was traced for.
	shape nd.Shape
	dtype nd.DType
	dev   nd.Device
	train bool
}

// Hybridize makes b's next calls trace its Forward into a graph (once per
// input signature) and replay the graph afterwards, like Gluon's
// hybridize(). Only the outermost hybridized Block traces; its children are
// inlined into its graph. It panics if b does not embed HybridBlockBase.
func Hybridize(b Block, opts ...HybridizeOptions) {
	if _, ok := b.(HybridBlock); !ok {
		panic(&nd.Error{Op: "Hybridize", Msg: fmt.Sprintf("%s embeds BlockBase, not HybridBlockBase: it cannot be hybridized", typeName(b))})
	}
	b.base().hybrid = newHybridState(opts)
}

// Hybridize is gluon.Hybridize as a method of hybridizable Blocks.
func (h *HybridBlockBase) Hybridize(opts ...HybridizeOptions) { h.hybrid = newHybridState(opts) }

func newHybridState(opts []HybridizeOptions) *hybridState {
	o := HybridizeOptions{}
	if len(opts) > 0 {
		o = opts[0]
	}
	return &hybridState{opts: o, cache: map[string]*cachedGraph{}}
}

// Dehybridize returns b to eager execution and drops its cached graphs.
func Dehybridize(b Block) { b.base().hybrid = nil }

// callHybrid runs a hybridized Block: from its cache, or by tracing.
func callHybrid(b Block, hs *hybridState, x *nd.NDArray) *nd.NDArray {
	train := autograd.IsTraining()
	hs.mu.Lock()
	g := hs.last
	hs.mu.Unlock()
	// The common case, the same signature as the last call, allocates nothing.
	if g == nil || g.train != train || g.dtype != x.DType() || g.dev != x.Device() || !g.shape.Equal(x.Shape()) {
		key := fmt.Sprintf("%v|%v|%v|%v", x.Shape(), x.DType(), x.Device(), train)
		hs.mu.Lock()
		g = hs.cache[key]
		hs.mu.Unlock()
		if g == nil {
			var err error
			if g, err = traceBlock(b, x, hs.opts.CachedOpOptions()); err != nil {
				panic(&nd.Error{Op: "Hybridize", Msg: err.Error()})
			}
			g.shape, g.dtype, g.dev, g.train = x.Shape().Clone(), x.DType(), x.Device(), train
			hs.mu.Lock()
			hs.cache[key] = g
			hs.mu.Unlock()
		}
		hs.mu.Lock()
		hs.last = g
		hs.mu.Unlock()
	}
	return g.run(x)
}

func (g *cachedGraph) run(x *nd.NDArray) *nd.NDArray {
	// Small graphs' input and output lists stay on the stack: CallInto
	// keeps neither.
	var inBuf [32]*nd.NDArray
	var outBuf [1]*nd.NDArray
	in := append(inBuf[:0], x)
	for _, name := range g.inputs[1:] {
		if p := g.params[name]; p != nil {
			in = append(in, p.Data(x.Device()))
		} else {
			in = append(in, g.consts[name].AsIn(x.Device()))
		}
	}
	out, err := g.op.CallInto(outBuf[:0], in)
	if err != nil {
		panic(&nd.Error{Op: "hybridized forward", Msg: err.Error()})
	}
	return out[0]
}

// Trace runs b's Forward on a placeholder shaped like x and returns the
// graph it builds, without computing anything. Parameters with deferred
// shapes are initialized on the way. It returns an error naming the Block
// when Forward reads traced data.
func Trace(b Block, x *nd.NDArray) (*symbol.Symbol, error) {
	g, err := traceBlock(b, x, symbol.CachedOpOptions{})
	if err != nil {
		return nil, err
	}
	return g.sym, nil
}

func traceBlock(b Block, x *nd.NDArray, opts symbol.CachedOpOptions) (g *cachedGraph, err error) {
	t := &trace{root: b, params: map[string]*Parameter{}, consts: map[string]*nd.NDArray{}}
	tr := &symbol.Tracer{Where: "Block " + typeName(b), Variable: t.variable}
	in := symbol.Placeholder(symbol.Entry{Node: &symbol.Node{Name: "data"}}, x.Shape(), x.DType(), x.Device())
	var out *nd.NDArray
	if err = tr.Run(func() { out = b.Forward(in) }); err != nil {
		return nil, fmt.Errorf("gluon: hybridize %s: %w", typeName(b), err)
	}
	e, ok := symbol.EntryOf(out)
	if !ok {
		return nil, fmt.Errorf("gluon: hybridize %s: Forward returned an array that was not computed from its input", typeName(b))
	}
	sym := &symbol.Symbol{Outputs: []symbol.Entry{e}}
	g = &cachedGraph{sym: sym, inputs: []string{"data"}, params: t.params, consts: t.consts, aux: map[string]bool{}}
	for _, name := range slices.Sorted(maps.Keys(t.params)) {
		g.inputs = append(g.inputs, name)
	}
	for _, name := range slices.Sorted(maps.Keys(t.consts)) {
		g.inputs = append(g.inputs, name)
	}
	if g.op, err = symbol.NewCachedOp(sym, g.inputs, opts); err != nil {
		return nil, fmt.Errorf("gluon: hybridize %s: %w", typeName(b), err)
	}
	for _, n := range sym.ListAuxiliaryStates() {
		g.aux[n] = true
	}
	return g, nil
}

// trace is one tracing session of a Block: the parameters and constants
// its graph reads.
type trace struct {
	root   Block
	byData map[*nd.NDArray]string // parameter data -> structural name
	byName map[string]*Parameter  // structural name -> parameter, with byData
	params map[string]*Parameter
	consts map[string]*nd.NDArray
}

// variable returns the graph variable standing for a real array: a
// parameter (by structural name) or a captured constant. The tracer calls
// it once per array.
func (t *trace) variable(a *nd.NDArray) *symbol.Node {
	name, ok := t.byData[a]
	if !ok {
		t.refreshParams()
		name, ok = t.byData[a]
	}
	if ok {
		t.params[name] = t.byName[name]
	} else {
		name = fmt.Sprintf("_const%d", len(t.consts))
		t.consts[name] = a
	}
	return &symbol.Node{Name: name}
}

func (t *trace) refreshParams() {
	t.byData = map[*nd.NDArray]string{}
	t.byName = map[string]*Parameter{}
	d := CollectParams(t.root)
	for i, p := range d.Params {
		t.byName[d.Names[i]] = p
		if p.IsInitialized() {
			for _, arr := range p.ListData() {
				t.byData[arr] = d.Names[i]
			}
		}
	}
}

// Export writes b's traced graph and parameters as MXNet does:
// path-symbol.json and path-%04d.params with arg:/aux: keys. b must be
// hybridized and have run forward at least once.
func Export(b Block, path string, epoch int) error {
	hs := b.base().hybrid
	if hs == nil || hs.last == nil {
		return fmt.Errorf("gluon: export %s: hybridize the Block and run a forward pass first", typeName(b))
	}
	g := hs.last
	if err := g.sym.Save(path + "-symbol.json"); err != nil {
		return fmt.Errorf("gluon: export: %w", err)
	}
	m := map[string]*nd.NDArray{}
	for name, p := range g.params {
		key := "arg:" + name
		if g.aux[name] {
			key = "aux:" + name
		}
		m[key] = p.Data()
	}
	for name, c := range g.consts {
		m["arg:"+name] = c
	}
	if err := nd.Save(fmt.Sprintf("%s-%04d.params", path, epoch), m); err != nil {
		return fmt.Errorf("gluon: export: %w", err)
	}
	return nil
}

// HybridPlans reports, for diagnostics, how many input signatures b's
// cached graphs have compiled into bulk programs and how many run op by op
// because compiling failed (an op without a kernel for the device, a
// gradient function that reads data). Set slog's level to Debug to see why.
func HybridPlans(b Block) (compiled, opByOp int) {
	hs := b.base().hybrid
	if hs == nil {
		return 0, 0
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for _, g := range hs.cache {
		c, o := g.op.Plans()
		compiled, opByOp = compiled+c, opByOp+o
	}
	return compiled, opByOp
}
