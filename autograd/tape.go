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
func tracked(a *nd.NDArray) bool {
	e := a.AG()
	return e != nil && (e.Node != nil || (e.Leaf && e.GradReq != nd.GradNull))
}

// recordNode attaches n to its outputs when any input is tracked.
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
	n.inputs = append([]*nd.NDArray(nil), in...)
	n.outputs = make([]*nd.NDArray, len(out))
	for i, o := range out {
		o.SetAG(&nd.AGEntry{Node: n, Index: i})
		// The node keeps the output as the gradient function sees it.
		n.outputs[i] = o
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
