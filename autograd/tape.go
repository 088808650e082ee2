package autograd

import (
	"errors"
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

// node is one recorded call: an op (or a custom Function) with the arrays
// it read and produced.
type node struct {
	op      *nd.OpDef
	attrs   any
	fn      Function // set for custom functions instead of op
	inputs  []*nd.NDArray
	outputs []*nd.NDArray
	freed   bool
}

func (n *node) name() string {
	if n.op != nil {
		return n.op.Name
	}
	return fmt.Sprintf("%T", n.fn)
}

// tracked reports whether a participates in the graph: a leaf with a
// gradient or the output of a recorded node.
func tracked(a *nd.NDArray) bool { return a.AG().Tracked() }

// opNode is a node with the graph entry of a one-output op, so that
// recording the common op costs one allocation.
type opNode struct {
	node
	entry [1]nd.AGEntry
}

// recordOp makes a node for a call of op the producer of out (the node
// keeps in and out).
func recordOp(op *nd.OpDef, attrs any, in, out []*nd.NDArray) {
	if len(out) == 1 {
		n := &opNode{node: node{op: op, attrs: attrs}}
		attachNode(&n.node, in, out, n.entry[:])
		return
	}
	attachNode(&node{op: op, attrs: attrs}, in, out, make([]nd.AGEntry, len(out)))
}

// recordNode attaches n to copies of in and out when any input is tracked.
func recordNode(n *node, in, out []*nd.NDArray) {
	any := false
	for _, x := range in {
		if tracked(x) {
			any = true
			break
		}
	}
	if !any {
		return
	}
	attachNode(n, append([]*nd.NDArray(nil), in...), append([]*nd.NDArray(nil), out...), make([]nd.AGEntry, len(out)))
}

// attachNode makes n the producer of out: n keeps in and out, and output
// i's graph entry is entries[i].
func attachNode(n *node, in, out []*nd.NDArray, entries []nd.AGEntry) {
	n.inputs, n.outputs = in, out
	for i, o := range out {
		e := &entries[i]
		e.Node, e.Index = n, i
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
