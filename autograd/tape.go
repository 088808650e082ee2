package autograd

import (
	"errors"
	"fmt"
	"sync"

	"github.com/mxgo/mxgo/nd"
)

// node is one recorded call: an op (or a custom Function) with the arrays
// it read and produced. Nodes are pooled: a backward pass that frees the
// graph detaches the node's outputs from it (see recycle) and the next
// recording reuses it, so that a training step's tape allocates nothing.
type node struct {
	op      *nd.OpDef
	attrs   any
	fn      Function // set for custom functions instead of op
	inputs  []*nd.NDArray
	outputs []*nd.NDArray
	freed   bool
	// entry is the graph entry of a one-output node; entries holds those
	// of a node with more outputs. io holds the copies of the call's
	// inputs and outputs. Their capacity survives recycling.
	entry   [1]nd.AGEntry
	entries []nd.AGEntry
	io      []*nd.NDArray
}

var nodePool = sync.Pool{New: func() any { return new(node) }}

// freedNode stands for every node a backward pass has freed: the arrays
// such a node produced point at freedEntry, so that backpropagating
// through them again reports ErrGraphFreed, while the node itself goes
// back to the pool.
var (
	freedNode  = &node{freed: true}
	freedEntry = nd.AGEntry{Node: freedNode}
)

func (n *node) name() string {
	if n.op != nil {
		return n.op.Name
	}
	return fmt.Sprintf("%T", n.fn)
}

// entrySlots returns k graph entries owned by n.
func (n *node) entrySlots(k int) []nd.AGEntry {
	if k == 1 {
		return n.entry[:]
	}
	if cap(n.entries) < k {
		n.entries = make([]nd.AGEntry, k)
	}
	return n.entries[:k]
}

// recycle detaches n's outputs from the graph (they keep their values
// and report ErrGraphFreed if backpropagated again) and puts n back in
// the pool. Only the goroutine freeing the graph may call it: the outputs'
// entries change, so the graph's arrays must not be used by other
// goroutines during a backward pass that frees it.
func (n *node) recycle() {
	if n == freedNode {
		return
	}
	for _, o := range n.outputs {
		if e := o.AG(); e != nil && e.Node == any(n) {
			o.SetAG(&freedEntry)
		}
	}
	clear(n.entry[:])
	clear(n.entries[:cap(n.entries)])
	clear(n.io[:cap(n.io)])
	*n = node{entries: n.entries[:0], io: n.io[:0]}
	nodePool.Put(n)
}

// tracked reports whether a participates in the graph: a leaf with a
// gradient or the output of a recorded node.
func tracked(a *nd.NDArray) bool { return a.AG().Tracked() }

func anyTracked(in []*nd.NDArray) bool {
	for _, x := range in {
		if tracked(x) {
			return true
		}
	}
	return false
}

// recordOp makes a node for a call of op the producer of out. The node
// keeps copies of in and out (nd's lists are valid only during the call),
// in its own list, whose capacity survives recycling.
func recordOp(op *nd.OpDef, attrs any, in, out []*nd.NDArray) {
	n := nodePool.Get().(*node)
	n.op, n.attrs = op, attrs
	attachCopies(n, in, out)
}

// recordFunc makes a node for a call of f the producer of out, when any
// input is tracked. The node keeps copies of in and out.
func recordFunc(f Function, in, out []*nd.NDArray) {
	if !anyTracked(in) {
		return
	}
	n := nodePool.Get().(*node)
	n.fn = f
	attachCopies(n, in, out)
}

// attachCopies is attachNode with copies of in and out in n.io.
func attachCopies(n *node, in, out []*nd.NDArray) {
	if k := len(in) + len(out); cap(n.io) < k {
		n.io = make([]*nd.NDArray, 0, k) // once, not grown by each append
	}
	io := append(append(n.io[:0], in...), out...)
	n.io = io
	attachNode(n, io[:len(in):len(in)], io[len(in):])
}

// attachNode makes n the producer of out: n keeps in and out, and output
// i's graph entry is n's i-th entry.
func attachNode(n *node, in, out []*nd.NDArray) {
	n.inputs, n.outputs = in, out
	entries := n.entrySlots(len(out))
	for i, o := range out {
		e := &entries[i]
		*e = nd.AGEntry{Node: n, Index: i}
		o.SetAG(e)
	}
}

// MarkVariables attaches gradient buffers to vars (MXNet's mark_variables):
// after Backward, vars[i].Grad() holds (or, with GradAdd, accumulates) the
// gradient. grads may be nil to allocate zeros.
func MarkVariables(vars []*nd.NDArray, grads []*nd.NDArray, reqs []nd.GradReq) {
	for i, v := range vars {
		req := nd.GradWrite
		if i < len(reqs) {
			req = reqs[i]
		}
		v.AttachGrad(req)
		if grads != nil && grads[i] != nil {
			v.AG().Grad = grads[i]
		}
	}
}

// ErrGraphFreed is returned when backward runs twice through a graph that
// was not retained.
var ErrGraphFreed = errors.New("autograd: the graph was freed by a previous backward; pass retainGraph=true to the first one")

// ErrNotRecorded is returned when a head was not computed under Record.
var ErrNotRecorded = errors.New("autograd: head is not part of a recorded graph (compute it inside autograd.Record with inputs that have AttachGrad)")
