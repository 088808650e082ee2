package symbol

import (
	"fmt"
	"maps"
	"reflect"

	"github.com/mxgo/mxgo/nd"
)

// Graph passes. Each returns a new Symbol and leaves its input untouched;
// nodes that a pass does not change are copied, so the result can be
// edited independently.

// rewrite copies s node by node in graph order. visit sees each copied
// node (inputs already remapped) and returns the entries that stand for
// its outputs, or nil to keep the node.
func rewrite(s *Symbol, visit func(n *Node) []Entry) *Symbol {
	return rewriteMapped(s, func(_, c *Node, _ func(Entry) Entry) []Entry { return visit(c) })
}

// RemoveInferenceNoOps drops nodes that do nothing at inference: identity
// copies (_copy) and Dropout outside "always" mode. Their consumers read
// the node's input directly. Outputs are kept as they are.
func RemoveInferenceNoOps(s *Symbol) *Symbol {
	return rewrite(s, func(n *Node) []Entry {
		if n.Op == nil || len(n.Inputs) != 1 {
			return nil
		}
		switch n.Op.Name {
		case "_copy":
			return []Entry{n.Inputs[0]}
		case "Dropout":
			if a, ok := n.Attrs.(nd.DropoutAttrs); ok && a.Mode != "always" {
				return []Entry{n.Inputs[0]}
			}
		}
		return nil
	})
}

// EliminateCommonSubexpressions merges op nodes that apply the same op with
// equal attributes to the same inputs. Random ops are never merged.
func EliminateCommonSubexpressions(s *Symbol) *Symbol {
	var seen []*Node
	return rewrite(s, func(n *Node) []Entry {
		if n.Op == nil || n.Op.RNG || len(n.ControlDeps) > 0 {
			return nil
		}
		for _, m := range seen {
			if m.Op == n.Op && reflect.DeepEqual(m.Attrs, n.Attrs) && sameEntries(m.Inputs, n.Inputs) {
				out := make([]Entry, n.NumOutputs())
				for i := range out {
					out[i] = Entry{m, i}
				}
				return out
			}
		}
		seen = append(seen, n)
		return nil
	})
}

func sameEntries(a, b []Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FoldConstants evaluates every op node whose inputs are all constants
// (variables named in consts, or nodes folded before them) and replaces it
// by a new variable holding its value, named "<node>_const" (with the
// output index appended for multi-output ops). It returns the new graph and
// consts extended with the folded values. Random ops are not folded.
func FoldConstants(s *Symbol, consts map[string]*nd.NDArray) (*Symbol, map[string]*nd.NDArray, error) {
	values := maps.Clone(consts)
	if values == nil {
		values = map[string]*nd.NDArray{}
	}
	known := map[Entry]*nd.NDArray{}
	var failure error
	out := rewrite(s, func(n *Node) []Entry {
		if n.Op == nil {
			if v, ok := values[n.Name]; ok {
				known[Entry{n, 0}] = v
			}
			return nil
		}
		if n.Op.RNG || failure != nil || len(n.Inputs) == 0 {
			return nil
		}
		in := make([]*nd.NDArray, len(n.Inputs))
		for i, e := range n.Inputs {
			if in[i] = known[e]; in[i] == nil {
				return nil
			}
		}
		var res []*nd.NDArray
		if err := nd.Try(func() { res = nd.Invoke(n.Op, n.Attrs, in...) }); err != nil {
			failure = &NodeError{Node: n.Name, Op: n.OpName, Err: err}
			return nil
		}
		repl := make([]Entry, len(res))
		for i, r := range res {
			name := n.Name + "_const"
			if len(res) > 1 {
				name = fmt.Sprintf("%s_const%d", n.Name, i)
			}
			v := &Node{Name: name}
			values[name] = r
			known[Entry{v, 0}] = r
			repl[i] = Entry{v, 0}
		}
		return repl
	})
	if failure != nil {
		return nil, nil, failure
	}
	return out, values, nil
}
