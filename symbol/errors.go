package symbol

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

// errorf builds the panic value for programmer errors in graph
// construction: an *nd.Error naming the symbol call.
func errorf(op, format string, args ...any) *nd.Error {
	return &nd.Error{Op: "symbol." + op, Msg: fmt.Sprintf(format, args...)}
}

// NodeError reports a failure at one node of a graph (shape inference or
// execution), naming the node and its operator.
type NodeError struct {
	Node string
	Op   string
	Err  error
}

func (e *NodeError) Error() string {
	return fmt.Sprintf("symbol: node %s (%s): %v", e.Node, e.Op, e.Err)
}

func (e *NodeError) Unwrap() error { return e.Err }
