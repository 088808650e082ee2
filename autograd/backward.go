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
// is freed and cannot be backpropagated again.
func Backward(heads []*nd.NDArray, headGrads []*nd.NDArray, retainGraph bool) error {
	acc, err := run(heads, headGrads, retainGraph, false, true)
	if err != nil {
		return err
	}
	err = nd.Try(func() {
		for e, g := range acc.leaves {
			switch e.GradReq {
			case nd.GradWrite:
				if g != e.Grad { // not written in place by BackwardInto
					e.Grad.CopyFrom(g)
				}
			case nd.GradAdd:
				e.Grad.CopyFrom(e.Grad.Add(g))
			}
		}
	})
	if err == nil {
		acc.release(headGrads)
	}
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
	acc, err := run(heads, headGrads, retainGraph || createGraph, createGraph, false)
	if err != nil {
		return nil, err
	}
	out := make([]*nd.NDArray, len(vars))
	for i, v := range vars {
		g := acc.get(v.AG())
		if g == nil {
			g = nd.ZerosLike(v)
		}
		out[i] = g
	}
	return out, nil
}

// accumulator sums gradients per graph entry.
type accumulator struct {
	entries map[*nd.AGEntry]*nd.NDArray
	leaves  map[*nd.AGEntry]*nd.NDArray
	// keep lists the arrays the pass's gradients may share memory with
	// but must not release: the recorded forward arrays, the leaves'
	// gradient buffers, and what custom Functions returned.
	keep []*nd.NDArray
}

// release hands the pass's gradient arrays back to the pool now that
// they have been written into the leaves: they are temporaries nobody else
// holds (user-given head gradients and everything in keep excepted).
// Without this a training step's gradients wait for the collector, and the
// pool's peak grows by several steps' worth of them.
func (a *accumulator) release(headGrads []*nd.NDArray) {
	temps := make([]*nd.NDArray, 0, len(a.entries)+len(a.leaves))
	for _, g := range a.entries {
		temps = append(temps, g)
	}
	for e, g := range a.leaves {
		temps = append(temps, g)
		a.keep = append(a.keep, e.Grad)
	}
	nd.ReleaseTemporaries(temps, append(a.keep, headGrads...))
}

func (a *accumulator) add(e *nd.AGEntry, g *nd.NDArray) {
	m := a.entries
	if e.Node == nil {
		m = a.leaves
	}
	if old, ok := m[e]; ok {
		m[e] = old.Add(g)
	} else {
		m[e] = g
	}
}

func (a *accumulator) get(e *nd.AGEntry) *nd.NDArray {
	if g, ok := a.entries[e]; ok {
		return g
	}
	return a.leaves[e]
}

// run does the reverse sweep. Recording is on during it only with createGraph.
// With writeLeaves (Backward), Functions that can write gradients in place
// get the buffers of the leaves whose gradient they alone produce, and acc
// collects what release must keep (Grad hands its arrays to the caller and
// releases nothing).
func run(heads, headGrads []*nd.NDArray, retain, createGraph, writeLeaves bool) (acc *accumulator, err error) {
	acc = &accumulator{entries: map[*nd.AGEntry]*nd.NDArray{}, leaves: map[*nd.AGEntry]*nd.NDArray{}}
	var order []*node
	var leafUses map[*nd.AGEntry]int
	err = nd.Try(func() {
		scope := enterScope(mode{recording: createGraph, training: IsTraining()})
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
				g = nd.OnesLike(h)
			}
			acc.add(e, g)
		}
		order = topoOrder(heads)
		if writeLeaves {
			leafUses = countLeafUses(heads, order)
		}
		for i := len(order) - 1; i >= 0; i-- {
			n := order[i]
			if n.freed {
				panic(&nd.Error{Op: "backward", Msg: ErrGraphFreed.Error()})
			}
			outGrads := make([]*nd.NDArray, len(n.outputs))
			needed := false
			for j, o := range n.outputs {
				if g := acc.entries[o.AG()]; g != nil {
					outGrads[j] = g
					needed = true
				} else {
					outGrads[j] = nd.ZerosLike(o)
				}
			}
			if !needed {
				continue
			}
			var grads []*nd.NDArray
			if bi, ok := n.fn.(BackwardIntoer); ok && writeLeaves && !createGraph {
				grads = n.gradientsInto(bi, outGrads, leafUses)
			} else {
				grads = n.gradients(outGrads)
			}
			if _, fresh := n.fn.(Releaser); writeLeaves && n.fn != nil && !fresh {
				acc.keep = append(acc.keep, grads...)
			}
			for j, x := range n.inputs {
				if j >= len(grads) || grads[j] == nil || !tracked(x) {
					continue
				}
				if !grads[j].Shape().Equal(x.Shape()) {
					panic(&nd.Error{Op: n.name(), Msg: fmt.Sprintf("gradient of input %d has shape %v, input has %v", j, grads[j].Shape(), x.Shape())})
				}
				acc.add(x.AG(), grads[j])
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if writeLeaves {
		for _, n := range order {
			acc.keep = append(append(acc.keep, n.inputs...), n.outputs...)
		}
	}
	if !retain {
		for _, n := range order {
			n.freed = true
			n.inputs, n.outputs = nil, nil
			if r, ok := n.fn.(Releaser); ok {
				r.Release()
			}
		}
	}
	return acc, nil
}

// countLeafUses counts how many gradients each leaf will receive: one per
// recorded input slot that reads it, and one if it is a head.
func countLeafUses(heads []*nd.NDArray, order []*node) map[*nd.AGEntry]int {
	uses := map[*nd.AGEntry]int{}
	for _, h := range heads {
		if e := h.AG(); e != nil && e.Leaf {
			uses[e]++
		}
	}
	for _, n := range order {
		for _, x := range n.inputs {
			if e := x.AG(); e != nil && e.Leaf {
				uses[e]++
			}
		}
	}
	return uses
}

// gradientsInto runs a BackwardIntoer, offering the gradient buffer of
// each input that is a leaf with grad_req write receiving no other
// gradient: writing there saves autograd a copy and an array per leaf.
func (n *node) gradientsInto(bi BackwardIntoer, outGrads []*nd.NDArray, uses map[*nd.AGEntry]int) []*nd.NDArray {
	into := make([]*nd.NDArray, len(n.inputs))
	for j, x := range n.inputs {
		e := x.AG()
		if e != nil && e.Leaf && e.GradReq == nd.GradWrite && e.Grad != nil && uses[e] == 1 &&
			e.Grad.IsContiguous() && e.Grad.Shape().Equal(x.Shape()) && e.Grad.DType() == x.DType() && e.Grad.Device() == x.Device() {
			into[j] = e.Grad
		}
	}
	var grads []*nd.NDArray
	Pause(func() { grads = bi.BackwardInto(outGrads, into) })
	return grads
}

func (n *node) gradients(outGrads []*nd.NDArray) []*nd.NDArray {
	if n.fn != nil {
		var grads []*nd.NDArray
		// A custom backward runs unrecorded: it is written with raw ops.
		Pause(func() { grads = n.fn.Backward(outGrads...) })
		return grads
	}
	return n.op.Grad(&nd.GradArgs{Attrs: n.attrs, Inputs: n.inputs, Outputs: n.outputs, OutGrads: outGrads})
}

// topoOrder lists the nodes reachable from heads, inputs before users.
func topoOrder(heads []*nd.NDArray) []*node {
	var order []*node
	seen := map[*node]bool{}
	type frame struct {
		n    *node
		next int
	}
	var stack []frame
	for _, h := range heads {
		e := h.AG()
		if e == nil || e.Node == nil {
			continue
		}
		root := e.Node.(*node)
		if seen[root] {
			continue
		}
		seen[root] = true
		stack = append(stack, frame{n: root})
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next < len(top.n.inputs) {
				x := top.n.inputs[top.next]
				top.next++
				if e := x.AG(); e != nil && e.Node != nil {
					c := e.Node.(*node)
					if !seen[c] {
						seen[c] = true
						stack = append(stack, frame{n: c})
					}
				}
				continue
			}
			order = append(order, top.n)
			stack = stack[:len(stack)-1]
		}
	}
	return order
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
// collections several steps apart. A step's worth is the largest growth of
// the memory in use between two backward passes.
var recycle struct {
	mu         sync.Mutex
	lastFresh  int64 // the pool's Allocs at the previous call
	lastInUse  int64
	stepVolume int64
}

// recycleBudget is the pool size (in use and free) from which backward
// passes start collections: at least 16 MiB and four steps. A small floor
// matters for small models: until the pool reaches it every step takes
// fresh, page-faulting memory (MLP at batch 64: 1.2 ms per step with a
// 64 MiB floor, 0.8 ms with 16 MiB; batch 256 pays ~7% for the extra
// collections).
func recycleBudget(stepVolume int64) int64 { return max(16<<20, 4*stepVolume) }

// recycleSoon starts a background collection when dev's pool is at its
// budget and ran dry or is about to, and none is running.
func recycleSoon(dev nd.Device) {
	st := engine.MemStats(dev)
	recycle.mu.Lock()
	fresh := st.Allocs != recycle.lastFresh
	recycle.lastFresh = st.Allocs
	if grew := st.InUse - recycle.lastInUse; grew > 0 {
		recycle.stepVolume = max(recycle.stepVolume, grew)
	}
	recycle.lastInUse = st.InUse
	low := st.Pooled < 2*recycle.stepVolume
	full := st.InUse+st.Pooled >= recycleBudget(recycle.stepVolume)
	recycle.mu.Unlock()
	if full && (fresh || low) {
		engine.CollectSoon()
	}
}
