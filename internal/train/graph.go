package train

import (
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/mxboard"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

// boardGraph traces net on an input shaped like x and describes the graph
// for TensorBoard's graph dashboard.
func boardGraph(net gluon.Block, x *nd.NDArray) (*mxboard.Graph, error) {
	sym, err := gluon.Trace(net, x)
	if err != nil {
		return nil, err
	}
	return symbolGraph(sym), nil
}

// symbolGraph converts a symbol graph to mxboard's description.
func symbolGraph(sym *symbol.Symbol) *mxboard.Graph {
	g := &mxboard.Graph{Inputs: []string{"data"}}
	for _, n := range sym.Topo() {
		gn := mxboard.GraphNode{Name: n.Name, Op: "null"}
		if n.Op != nil {
			gn.Op = n.OpName
			gn.Attrs = symbol.FormatAttrs(n.Op, n.Attrs)
		}
		for _, e := range n.Inputs {
			gn.Inputs = append(gn.Inputs, mxboard.GraphInput{Node: e.Node.Name, Output: e.Index})
		}
		g.Nodes = append(g.Nodes, gn)
	}
	return g
}
