package gluon

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/internal/goid"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

// HybridizeOptions are Gluon's hybridize flags. StaticAlloc and
// StaticShape are accepted for compatibility; the cached graph is replayed
// op by op through the same kernels, with one graph per input signature.
type HybridizeOptions struct {
	StaticAlloc bool
	StaticShape bool
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
	sym    *symbol.Symbol
	exec   *symbol.Executor
	input  string
	params map[string]*Parameter // graph variable name -> parameter
	consts map[string]*nd.NDArray
	aux    map[string]bool
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
	key := fmt.Sprintf("%v|%v|%v|%v", x.Shape(), x.DType(), x.Device(), autograd.IsTraining())
	hs.mu.Lock()
	g := hs.cache[key]
	hs.mu.Unlock()
	if g == nil {
		var err error
		if g, err = traceBlock(b, x); err != nil {
			panic(&nd.Error{Op: "Hybridize", Msg: err.Error()})
		}
		hs.mu.Lock()
		hs.cache[key] = g
		hs.last = g
		hs.mu.Unlock()
	}
	return g.run(x)
}

func (g *cachedGraph) run(x *nd.NDArray) *nd.NDArray {
	args := make(map[string]*nd.NDArray, len(g.params)+len(g.consts)+1)
	args[g.input] = x
	for name, p := range g.params {
		args[name] = p.Data(x.Device())
	}
	for name, c := range g.consts {
		args[name] = c.AsIn(x.Device())
	}
	out, err := g.exec.Forward(args)
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
	g, err := traceBlock(b, x)
	if err != nil {
		return nil, err
	}
	return g.sym, nil
}

func traceBlock(b Block, x *nd.NDArray) (g *cachedGraph, err error) {
	t := &trace{block: typeName(b), root: b, vars: map[*nd.NDArray]*symbol.Node{}, params: map[string]*Parameter{}, consts: map[string]*nd.NDArray{}}
	in := nd.NewTraced(x.Shape(), x.DType(), x.Device())
	inNode := &symbol.Node{Name: "data"}
	in.SetTraceEntry(symbol.Entry{Node: inNode})
	var out *nd.NDArray
	err = nd.Try(func() {
		stop := startTrace(t)
		defer stop()
		out = b.Forward(in)
	})
	if err != nil {
		return nil, fmt.Errorf("gluon: hybridize %s: %w", t.block, err)
	}
	e, ok := out.TraceEntry().(symbol.Entry)
	if !out.IsTraced() || !ok {
		return nil, fmt.Errorf("gluon: hybridize %s: Forward returned an array that was not computed from its input", t.block)
	}
	sym := &symbol.Symbol{Outputs: []symbol.Entry{e}}
	g = &cachedGraph{sym: sym, exec: symbol.NewExecutor(sym), input: "data", params: t.params, consts: t.consts, aux: map[string]bool{}}
	for _, n := range sym.ListAuxiliaryStates() {
		g.aux[n] = true
	}
	return g, nil
}

// trace is one tracing session: the Block being traced and the graph
// variables made for the real arrays its ops read.
type trace struct {
	block  string
	root   Block
	vars   map[*nd.NDArray]*symbol.Node
	byData map[*nd.NDArray]string // parameter data -> structural name
	byName map[string]*Parameter  // structural name -> parameter, with byData
	params map[string]*Parameter
	consts map[string]*nd.NDArray
	nodes  int
}

// variable returns the graph variable standing for a real array: a
// parameter (by structural name) or a captured constant.
func (t *trace) variable(a *nd.NDArray) *symbol.Node {
	if v := t.vars[a]; v != nil {
		return v
	}
	name, ok := t.byData[a]
	if !ok {
		t.refreshParams()
		name, ok = t.byData[a]
	}
	var v *symbol.Node
	if ok {
		v = &symbol.Node{Name: name}
		t.params[name] = t.byName[name]
	} else {
		name = fmt.Sprintf("_const%d", len(t.consts))
		v = &symbol.Node{Name: name}
		t.consts[name] = a
	}
	t.vars[a] = v
	return v
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

func (t *trace) record(op *nd.OpDef, attrs any, in, out []*nd.NDArray) {
	n := &symbol.Node{Op: op, OpName: op.Name, Name: fmt.Sprintf("%s%d", op.Name, t.nodes), Attrs: attrs}
	t.nodes++
	if n.Attrs == nil {
		n.Attrs = symbol.DefaultAttrs(op)
	}
	for _, x := range in {
		if e, ok := x.TraceEntry().(symbol.Entry); ok && x.IsTraced() {
			n.Inputs = append(n.Inputs, e)
		} else {
			n.Inputs = append(n.Inputs, symbol.Entry{Node: t.variable(x)})
		}
	}
	for i, o := range out {
		o.SetTraceEntry(symbol.Entry{Node: n, Index: i})
	}
}

// Per-goroutine tracing state, like autograd's recording state.
var (
	traces      sync.Map // goroutine -> *trace
	tracesCount atomic.Int64
)

func startTrace(t *trace) (stop func()) {
	g := goid.Current()
	prev, had := traces.Load(g)
	if !had {
		tracesCount.Add(1)
	}
	traces.Store(g, t)
	return func() {
		if had {
			traces.Store(g, prev)
			return
		}
		traces.Delete(g)
		tracesCount.Add(-1)
	}
}

func currentTrace() *trace {
	if tracesCount.Load() == 0 {
		return nil
	}
	if t, ok := traces.Load(goid.Current()); ok && t != nil {
		return t.(*trace)
	}
	return nil
}

// withoutTrace runs f with tracing off (parameter initialization inside a
// traced Forward computes real values).
func withoutTrace(f func()) {
	if currentTrace() == nil {
		f()
		return
	}
	g := goid.Current()
	prev, _ := traces.Load(g)
	traces.Store(g, (*trace)(nil))
	defer traces.Store(g, prev)
	f()
}

type tracerHook struct{}

func (tracerHook) Tracing() bool { return currentTrace() != nil }

func (tracerHook) Trace(op *nd.OpDef, attrs any, in, out []*nd.NDArray) {
	currentTrace().record(op, attrs, in, out)
}

func (tracerHook) Where() string {
	if t := currentTrace(); t != nil {
		return "Block " + t.block
	}
	return "a hybridized Block"
}

func init() { nd.SetTracer(tracerHook{}) }

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
