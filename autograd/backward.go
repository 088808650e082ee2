package autograd

import (
	"fmt"
	"sync"

	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd"
)

// Backward computes the gradients of heads with respect to every leaf with
// an attached gradient and writes them into the leaves' Grad() buffers
// (honouring grad_req write/add). headGrads may be nil (ones), or hold one
// gradient per head (nil entries mean ones). Without retainGraph the graph
// is freed and cannot be backpropagated again: its arrays keep their
// values but are detached from it, so no other goroutine may pass them to
// ops while Backward runs.
func Backward(heads []*nd.NDArray, headGrads []*nd.NDArray, retainGraph bool) error {
	p, err := run(heads, headGrads, false, true)
	if err != nil {
		return err
	}
	err = nd.Try(p.updateLeaves)
	if err == nil {
		p.release(headGrads)
	}
	p.finish(retainGraph)
	if len(heads) > 0 {
		recycleSoon(heads[0].Device())
	}
	return err
}

// BackwardOne is Backward for a single head with a gradient of ones.
func BackwardOne(head *nd.NDArray) error { return Backward([]*nd.NDArray{head}, nil, false) }

// Grad returns the gradients of heads with respect to vars (leaves or
// intermediate arrays of the graph) without touching Grad() buffers. With
// createGraph the returned gradients are themselves recorded, so they can
// be differentiated again (higher-order gradients); it implies retainGraph.
func Grad(heads, vars, headGrads []*nd.NDArray, createGraph, retainGraph bool) ([]*nd.NDArray, error) {
	for i, v := range vars {
		if v.AG() == nil {
			return nil, fmt.Errorf("autograd: Grad: variable %d is not in the graph (AttachGrad it before recording)", i)
		}
	}
	p, err := run(heads, headGrads, createGraph, false)
	if err != nil {
		return nil, err
	}
	out := make([]*nd.NDArray, len(vars))
	err = nd.Try(func() {
		for i, v := range vars {
			g := p.get(v.AG())
			if g == nil {
				g = nd.ZerosLike(v)
			}
			out[i] = g
		}
	})
	p.finish(retainGraph || createGraph)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// pass is one backward sweep: the gradients summed per graph entry and
// the sweep's scratch lists. Passes are pooled, so that a training step's
// backward allocates nothing but the gradient arrays its ops compute.
type pass struct {
	createGraph bool // record the gradient computation (Grad)
	writeLeaves bool // Backward: gradients go to the leaves' buffers

	entries map[*nd.AGEntry]*nd.NDArray // gradients of recorded outputs
	leaves  map[*nd.AGEntry]*nd.NDArray // gradients of leaves
	// keep lists the arrays the pass's gradients may share memory with
	// but must not release: the recorded forward arrays, the leaves'
	// gradient buffers, shared head gradients and what custom Functions
	// returned.
	keep  []*nd.NDArray
	temps []*nd.NDArray

	order []*node // reachable nodes, inputs before users
	seen  map[*node]struct{}
	stack []topoFrame
	uses  map[*nd.AGEntry]int // gradients each leaf will receive

	outGrads, into []*nd.NDArray // one node's output gradients, gradient buffers
	args           nd.GradArgs

	// recycled lists the gradients GradRecyclers returned (Backward);
	// keptVars is release's set of the variables of keep.
	recycled []recycledGrad
	keptVars map[*engine.Var]struct{}
}

// recycledGrad is gradient g of input i that fn returned.
type recycledGrad struct {
	fn GradRecycler
	i  int
	g  *nd.NDArray
}

type topoFrame struct {
	n    *node
	next int
}

var passPool = sync.Pool{New: func() any {
	return &pass{
		entries:  map[*nd.AGEntry]*nd.NDArray{},
		leaves:   map[*nd.AGEntry]*nd.NDArray{},
		seen:     map[*node]struct{}{},
		uses:     map[*nd.AGEntry]int{},
		keptVars: map[*engine.Var]struct{}{},
	}
}}

// put clears p (keeping its capacity) and returns it to the pool.
func (p *pass) put() {
	clear(p.entries)
	clear(p.leaves)
	clear(p.seen)
	clear(p.uses)
	clear(p.keptVars)
	clear(p.recycled[:cap(p.recycled)])
	p.recycled = p.recycled[:0]
	p.keep = clearList(p.keep)
	p.temps = clearList(p.temps)
	p.outGrads = clearList(p.outGrads)
	p.into = clearList(p.into)
	clear(p.order[:cap(p.order)])
	p.order = p.order[:0]
	clear(p.stack[:cap(p.stack)])
	p.stack = p.stack[:0]
	p.args = nd.GradArgs{}
	passPool.Put(p)
}

// clearList drops the references in l's whole capacity and empties it.
func clearList(l []*nd.NDArray) []*nd.NDArray {
	clear(l[:cap(l)])
	return l[:0]
}

// run does the reverse sweep. Recording is on during it only with
// createGraph. With writeLeaves (Backward), Functions that can write
// gradients in place get the buffers of the leaves whose gradient they
// alone produce, and p collects what release must keep (Grad hands its
// arrays to the caller and releases nothing). The caller ends the pass
// with finish.
func run(heads, headGrads []*nd.NDArray, createGraph, writeLeaves bool) (*pass, error) {
	p := passPool.Get().(*pass)
	p.createGraph, p.writeLeaves = createGraph, writeLeaves
	if err := nd.Try(func() { p.sweep(heads, headGrads) }); err != nil {
		p.put()
		return nil, err
	}
	if writeLeaves {
		for _, n := range p.order {
			p.keep = append(append(p.keep, n.inputs...), n.outputs...)
		}
	}
	return p, nil
}

func (p *pass) sweep(heads, headGrads []*nd.NDArray) {
	scope := enterScope(mode{recording: p.createGraph, training: IsTraining()})
	defer scope.End()
	for i, h := range heads {
		e := h.AG()
		if e == nil || (e.Node == nil && !e.Leaf) {
			panic(&nd.Error{Op: "backward", Msg: ErrNotRecorded.Error()})
		}
		var g *nd.NDArray
		if i < len(headGrads) && headGrads[i] != nil {
			g = headGrads[i]
			if !g.Shape().Equal(h.Shape()) {
				panic(&nd.Error{Op: "backward", Msg: fmt.Sprintf("head gradient %d has shape %v, head has %v", i, g.Shape(), h.Shape())})
			}
		} else {
			g = p.headOnes(h, e)
		}
		p.add(e, g)
	}
	p.topoOrder(heads)
	if p.writeLeaves {
		p.countLeafUses(heads)
	}
	for i := len(p.order) - 1; i >= 0; i-- {
		n := p.order[i]
		if n.freed {
			panic(&nd.Error{Op: "backward", Msg: ErrGraphFreed.Error()})
		}
		needed := false
		for _, o := range n.outputs {
			if p.entries[o.AG()] != nil {
				needed = true
				break
			}
		}
		if !needed {
			continue
		}
		outGrads := p.outGrads[:0]
		results := len(n.outputs)
		if n.op != nil {
			results -= n.op.SavedOutputs // saved state takes no gradient
		}
		for j, o := range n.outputs {
			g := p.entries[o.AG()]
			if g == nil && j < results {
				g = nd.ZerosLike(o)
			}
			outGrads = append(outGrads, g)
		}
		p.outGrads = outGrads
		var grads []*nd.NDArray
		switch fn := n.fn.(type) {
		case nil:
			p.args = nd.GradArgs{Attrs: n.attrs, Inputs: n.inputs, Outputs: n.outputs, OutGrads: outGrads, Into: p.leafBuffers(n)}
			grads = n.op.Grad(&p.args)
			p.args = nd.GradArgs{}
		case BackwardIntoer:
			grads = p.gradientsInto(n, fn, outGrads)
		default:
			// A custom backward runs unrecorded: it is written with raw
			// ops. It gets its own list, which it may keep.
			og := append([]*nd.NDArray(nil), outGrads...)
			Pause(func() { grads = fn.Backward(og...) })
		}
		if _, fresh := n.fn.(Releaser); p.writeLeaves && n.fn != nil && !fresh {
			p.keep = append(p.keep, grads...)
		}
		if r, ok := n.fn.(GradRecycler); ok && p.writeLeaves && !p.createGraph {
			p.noteRecyclable(r, n, grads)
		}
		for j, x := range n.inputs {
			if j >= len(grads) || grads[j] == nil || !tracked(x) {
				continue
			}
			if !grads[j].Shape().Equal(x.Shape()) {
				panic(&nd.Error{Op: n.name(), Msg: fmt.Sprintf("gradient of input %d has shape %v, input has %v", j, grads[j].Shape(), x.Shape())})
			}
			p.add(x.AG(), grads[j])
		}
		clear(outGrads)
		clear(p.into)
	}
}

func (p *pass) add(e *nd.AGEntry, g *nd.NDArray) {
	m := p.entries
	if e.Node == nil {
		m = p.leaves
	}
	if old, ok := m[e]; ok {
		m[e] = old.Add(g)
	} else {
		m[e] = g
	}
}

func (p *pass) get(e *nd.AGEntry) *nd.NDArray {
	if g, ok := p.entries[e]; ok {
		return g
	}
	return p.leaves[e]
}

// updateLeaves copies the leaves' gradients into their buffers (Backward).
func (p *pass) updateLeaves() {
	for e, g := range p.leaves {
		switch e.GradReq {
		case nd.GradWrite:
			if g != e.Grad { // not written in place by BackwardInto
				e.Grad.CopyFrom(g)
			}
		case nd.GradAdd:
			e.Grad.CopyFrom(e.Grad.Add(g))
		}
	}
}

// release hands the pass's gradient arrays back to the pool now that
// they have been written into the leaves: they are temporaries nobody else
// holds (user-given head gradients and everything in keep excepted).
// Without this a training step's gradients wait for the collector, and the
// pool's peak grows by several steps' worth of them.
func (p *pass) release(headGrads []*nd.NDArray) {
	temps := p.temps[:0]
	for _, g := range p.entries {
		temps = append(temps, g)
	}
	for e, g := range p.leaves {
		temps = append(temps, g)
		p.keep = append(p.keep, e.Grad)
	}
	p.temps = temps
	p.keep = append(p.keep, headGrads...)
	p.recycleGrads()
	nd.ReleaseTemporaries(temps, p.keep)
}

// noteRecyclable lists the gradients a GradRecycler returned, except
// leaves' buffers it wrote in place.
func (p *pass) noteRecyclable(r GradRecycler, n *node, grads []*nd.NDArray) {
	for j, g := range grads {
		if g == nil || j >= len(n.inputs) {
			continue
		}
		if e := n.inputs[j].AG(); e != nil && e.Leaf && g == e.Grad {
			continue
		}
		p.recycled = append(p.recycled, recycledGrad{fn: r, i: j, g: g})
	}
}

// recycleGrads hands the GradRecyclers' gradients back to them once the
// pass is done with them: those whose memory nothing in keep shares.
// They join keep, so that ReleaseTemporaries leaves their memory alone.
func (p *pass) recycleGrads() {
	if len(p.recycled) == 0 {
		return
	}
	for _, k := range p.keep {
		if k != nil {
			p.keptVars[k.Var()] = struct{}{}
		}
	}
	for _, r := range p.recycled {
		if _, ok := p.keptVars[r.g.Var()]; ok {
			continue
		}
		p.keptVars[r.g.Var()] = struct{}{} // once, should it repeat
		p.keep = append(p.keep, r.g)
		r.fn.RecycleGradient(r.i, r.g)
	}
}

// finish ends the pass: without retain it frees the graph it swept (its
// Functions release their resources, its nodes go back to the pool), and
// p goes back to its pool.
func (p *pass) finish(retain bool) {
	if !retain {
		for _, n := range p.order {
			// Release after recycle: a Releaser may hand its outputs to a
			// later call, which must find them detached from n.
			r, ok := n.fn.(Releaser)
			n.recycle()
			if ok {
				r.Release()
			}
		}
	}
	p.put()
}

// headOnes returns the default gradient of head h (with entry e): ones.
// Backward shares one read-only array per shape when what consumes it
// only reads it (an op's gradient function, a Releaser Function, a leaf's
// buffer update); Grad returns gradients to its caller and gets a fresh one.
func (p *pass) headOnes(h *nd.NDArray, e *nd.AGEntry) *nd.NDArray {
	if p.writeLeaves && !p.createGraph && headGradOnlyRead(e) {
		if o := sharedOnes(h); o != nil {
			p.keep = append(p.keep, o)
			return o
		}
	}
	return nd.OnesLike(h)
}

func headGradOnlyRead(e *nd.AGEntry) bool {
	n, ok := e.Node.(*node)
	if !ok || n.fn == nil {
		return true
	}
	_, ok = n.fn.(Releaser)
	return ok
}

// onesCache holds the arrays of ones sharedOnes hands out: a few small
// ones, for the common heads (a scalar loss, a loss per sample).
var onesCache struct {
	mu   sync.Mutex
	arrs [8]*nd.NDArray
	next int
}

// onesMaxSize is the largest head (in elements) that gets shared ones.
const onesMaxSize = 1 << 12

// sharedOnes returns a read-only array of ones like a, or nil when a is
// too large to keep one.
func sharedOnes(a *nd.NDArray) *nd.NDArray {
	if a.Size() > onesMaxSize {
		return nil
	}
	onesCache.mu.Lock()
	defer onesCache.mu.Unlock()
	for _, o := range onesCache.arrs {
		if o != nil && o.DType() == a.DType() && o.Device() == a.Device() && o.Shape().Equal(a.Shape()) {
			return o
		}
	}
	o := nd.OnesLike(a)
	onesCache.arrs[onesCache.next] = o
	onesCache.next = (onesCache.next + 1) % len(onesCache.arrs)
	return o
}

// countLeafUses counts how many gradients each leaf will receive: one per
// recorded input slot that reads it, and one if it is a head.
func (p *pass) countLeafUses(heads []*nd.NDArray) {
	for _, h := range heads {
		if e := h.AG(); e != nil && e.Leaf {
			p.uses[e]++
		}
	}
	for _, n := range p.order {
		for _, x := range n.inputs {
			if e := x.AG(); e != nil && e.Leaf {
				p.uses[e]++
			}
		}
	}
}

// gradientsInto runs a BackwardIntoer with the buffers of leafBuffers.
func (p *pass) gradientsInto(n *node, bi BackwardIntoer, outGrads []*nd.NDArray) []*nd.NDArray {
	into := p.leafBuffers(n)
	if into == nil {
		into = p.into[:0]
		for range n.inputs {
			into = append(into, nil)
		}
		p.into = into
	}
	var grads []*nd.NDArray
	Pause(func() { grads = bi.BackwardInto(outGrads, into) })
	return grads
}

// leafBuffers lists, in Backward, the gradient buffer of each input of n
// that is a leaf with grad_req write receiving no other gradient (nil for
// the other inputs): writing there saves autograd a copy and an array per
// leaf. It returns nil when there is nothing to offer or when the pass
// builds a graph to differentiate again.
func (p *pass) leafBuffers(n *node) []*nd.NDArray {
	if !p.writeLeaves || p.createGraph {
		return nil
	}
	into := p.into[:0]
	offered := false
	for _, x := range n.inputs {
		var buf *nd.NDArray
		if e := x.AG(); e != nil && e.Leaf && e.GradReq == nd.GradWrite && e.Grad != nil && p.uses[e] == 1 &&
			e.Grad.IsContiguous() && e.Grad.Shape().Equal(x.Shape()) && e.Grad.DType() == x.DType() && e.Grad.Device() == x.Device() {
			buf, offered = e.Grad, true
		}
		into = append(into, buf)
	}
	p.into = into
	if !offered {
		return nil
	}
	return into
}

// topoOrder lists the nodes reachable from heads in p.order, inputs
// before users.
func (p *pass) topoOrder(heads []*nd.NDArray) {
	for _, h := range heads {
		e := h.AG()
		if e == nil || e.Node == nil {
			continue
		}
		root := e.Node.(*node)
		if _, ok := p.seen[root]; ok {
			continue
		}
		p.seen[root] = struct{}{}
		p.stack = append(p.stack, topoFrame{n: root})
		for len(p.stack) > 0 {
			top := &p.stack[len(p.stack)-1]
			if top.next < len(top.n.inputs) {
				x := top.n.inputs[top.next]
				top.next++
				if e := x.AG(); e != nil && e.Node != nil {
					c := e.Node.(*node)
					if _, ok := p.seen[c]; !ok {
						p.seen[c] = struct{}{}
						p.stack = append(p.stack, topoFrame{n: c})
					}
				}
				continue
			}
			p.order = append(p.order, top.n)
			p.stack = p.stack[:len(p.stack)-1]
		}
	}
}

// Pooled arrays give their memory back only when the collector finds them
// dead, and the collector's pacing cannot see that they died: pool memory
// counts as live heap, and a step's arrays are a few large chunks. Left
// alone, a training loop takes fresh (page-faulting) memory for most of
// every step and its pool grows to the pool limit. After a backward pass
// most of the step's arrays are garbage, so once the pool holds its budget
// (recycleBudget), a background collection starts whenever the pool took
// fresh chunks during the step or holds less than two steps' worth of free
// memory: the next steps then reuse this one's memory and the pool stops
// growing. Below the budget the pool grows freely, which spaces the
// collections several steps apart.
//
// A step's worth is the growth of the memory in use between two backward
// passes, as a maximum that decays by an eighth per pass: the first steps
// also allocate gradients and optimizer state once, and an all-time
// maximum kept from them made the pool look low long before it was
// (MLP at batch 256 collected every 8 steps instead of every 30).
var recycle struct {
	mu         sync.Mutex
	lastFresh  int64 // the pool's Allocs at the previous call
	lastInUse  int64
	stepVolume int64
}

// recycleBudget is the pool size (in use and free) from which backward
// passes start collections: 32 steps' worth, within 16 and 64 MiB, and at
// least four steps. Each collection costs a few milliseconds of a core and
// stalls the step it lands in (both cores wait for the one it takes), so
// the budget spaces them about 30 steps apart (MLP at batch 256: 8% of the
// step time with collections every 8 steps). The floor matters for small
// models: until the pool reaches the budget every step takes fresh,
// page-faulting memory (MLP at batch 64: 1.2 ms per step with a 64 MiB
// floor, 0.8 ms with 16 MiB), and the ceiling keeps the resident size of
// large models near what they use.
func recycleBudget(stepVolume int64) int64 {
	return max(16<<20, 4*stepVolume, min(32*stepVolume, 64<<20))
}

// recycleSoon starts a background collection when dev's pool is at its
// budget and ran dry or is about to, and none is running.
func recycleSoon(dev nd.Device) {
	st := engine.MemStats(dev)
	recycle.mu.Lock()
	fresh := st.Allocs != recycle.lastFresh
	recycle.lastFresh = st.Allocs
	recycle.stepVolume -= recycle.stepVolume / 8
	if grew := st.InUse - recycle.lastInUse; grew > recycle.stepVolume {
		recycle.stepVolume = grew
	}
	recycle.lastInUse = st.InUse
	low := st.Pooled < 2*recycle.stepVolume
	full := st.InUse+st.Pooled >= recycleBudget(recycle.stepVolume)
	recycle.mu.Unlock()
	if full && (fresh || low) {
		engine.CollectSoon()
	}
}
