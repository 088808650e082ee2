package symbol

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/mxgo/mxgo/internal/goid"
	"github.com/mxgo/mxgo/nd"
)

// Tracer records the nd op calls a function makes on placeholder arrays
// as graph nodes (MXNet 2's deferred compute): a hybridized Block's
// Forward becomes its graph this way, and so do the ops' gradient
// functions when a backward graph is derived. Tracing is per goroutine.
type Tracer struct {
	// Where names what is traced, for error messages ("Block LeNet").
	Where string
	// Variable returns the graph variable that stands for a real
	// (untraced) array an op reads. When nil, such arrays become
	// constants: variables named "_const0", "_const1", ... with their
	// values in Consts.
	Variable func(a *nd.NDArray) *Node
	// Consts holds the captured constants when Variable is nil.
	Consts map[string]*nd.NDArray
	// Prefix starts the names of recorded nodes (default none).
	Prefix string

	vars  map[*nd.NDArray]*Node
	nodes int
}

// Run calls f with tracing on for the calling goroutine and returns f's
// panic as an error. Tracers nest: an inner Run hides the outer one.
func (t *Tracer) Run(f func()) error {
	return nd.Try(func() {
		defer startTracing(t)()
		f()
	})
}

// Placeholder returns an array without data standing for graph entry e,
// for use as an input of traced code.
func Placeholder(e Entry, shape nd.Shape, dtype nd.DType, dev nd.Device) *nd.NDArray {
	a := nd.NewTraced(shape, dtype, dev)
	a.SetTraceEntry(e)
	return a
}

// EntryOf returns the graph entry a traced array stands for.
func EntryOf(a *nd.NDArray) (Entry, bool) {
	if !a.IsTraced() {
		return Entry{}, false
	}
	e, ok := a.TraceEntry().(Entry)
	return e, ok
}

// Tracing reports whether the calling goroutine is tracing.
func Tracing() bool { return currentTracer() != nil }

// Untraced runs f with tracing off, so that it computes real values (a
// deferred parameter initialization inside a traced Forward).
func Untraced(f func()) {
	if currentTracer() == nil {
		f()
		return
	}
	g := goid.Current()
	prev, _ := tracers.Load(g)
	tracers.Store(g, (*Tracer)(nil))
	defer tracers.Store(g, prev)
	f()
}

func (t *Tracer) variable(a *nd.NDArray) *Node {
	if v := t.vars[a]; v != nil {
		return v
	}
	var v *Node
	if t.Variable != nil {
		v = t.Variable(a)
	} else {
		if t.Consts == nil {
			t.Consts = map[string]*nd.NDArray{}
		}
		name := fmt.Sprintf("%s_const%d", t.Prefix, len(t.Consts))
		v = &Node{Name: name}
		t.Consts[name] = a
	}
	if t.vars == nil {
		t.vars = map[*nd.NDArray]*Node{}
	}
	t.vars[a] = v
	return v
}

func (t *Tracer) record(op *nd.OpDef, attrs any, in, out []*nd.NDArray) {
	n := &Node{Op: op, OpName: op.Name, Name: fmt.Sprintf("%s%s%d", t.Prefix, op.Name, t.nodes), Attrs: attrs}
	t.nodes++
	if n.Attrs == nil {
		n.Attrs = DefaultAttrs(op)
	}
	for _, x := range in {
		if e, ok := EntryOf(x); ok {
			n.Inputs = append(n.Inputs, e)
		} else {
			n.Inputs = append(n.Inputs, Entry{Node: t.variable(x)})
		}
	}
	for i, o := range out {
		o.SetTraceEntry(Entry{Node: n, Index: i})
	}
}

// Per-goroutine tracing state, like autograd's recording state.
var (
	tracers      sync.Map // goroutine -> *Tracer
	tracersCount atomic.Int64
)

func startTracing(t *Tracer) (stop func()) {
	g := goid.Current()
	prev, had := tracers.Load(g)
	if !had {
		tracersCount.Add(1)
	}
	tracers.Store(g, t)
	return func() {
		if had {
			tracers.Store(g, prev)
			return
		}
		tracers.Delete(g)
		tracersCount.Add(-1)
	}
}

func currentTracer() *Tracer {
	if tracersCount.Load() == 0 {
		return nil
	}
	if t, ok := tracers.Load(goid.Current()); ok && t != nil {
		return t.(*Tracer)
	}
	return nil
}

type tracerHook struct{}

func (tracerHook) Tracing() bool { return currentTracer() != nil }

func (tracerHook) Trace(op *nd.OpDef, attrs any, in, out []*nd.NDArray) {
	currentTracer().record(op, attrs, in, out)
}

func (tracerHook) Where() string {
	if t := currentTracer(); t != nil && t.Where != "" {
		return t.Where
	}
	return "a hybridized Block"
}

func init() { nd.SetTracer(tracerHook{}) }
