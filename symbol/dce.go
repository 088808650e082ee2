package symbol

import (
	"fmt"
	"maps"
	"strings"

	"github.com/mxgo/mxgo/nd"
)

// Dead-node removal. A Symbol holds only what its heads reach (Topo walks
// back from s.Outputs), so a node is dead exactly when no kept head needs
// it. The passes here make that useful: RemoveDeadNodes keeps a chosen
// subset of the heads (an inference graph out of a training Group, a
// feature layer out of a classifier) and drops every node, variable
// included, that only the dropped heads needed; PruneParams then drops the
// parameter values the smaller graph no longer reads. Every pass in this
// package that replaces nodes (FoldBatchNorm, FuseElementwise) returns a
// graph that is already free of the nodes it made dead, because its result
// is rebuilt from the heads.

// RemoveDeadNodes returns a copy of s whose heads are the outputs named in
// keep, in that order, without the nodes that only other heads needed. A
// name is a head's name as s.ListOutputs spells it ("softmax_output") or
// the name of any internal output ("fc1_output", see Internals). With no
// names every head is kept and the result is a plain copy. Nodes that a
// kept node lists in ControlDeps stay, since they order execution.
func RemoveDeadNodes(s *Symbol, keep ...string) (*Symbol, error) {
	heads := s.Outputs
	if len(keep) > 0 {
		heads = make([]Entry, 0, len(keep))
		var internals map[string]Entry
		for _, name := range keep {
			e, ok := headByName(s, name)
			if !ok {
				if internals == nil {
					internals = map[string]Entry{}
					for _, ie := range s.Internals().Outputs {
						internals[entryName(ie)] = ie
					}
				}
				if e, ok = internals[name]; !ok {
					return nil, fmt.Errorf("symbol: remove dead nodes: no output named %q (heads: %s)", name, strings.Join(s.ListOutputs(), ", "))
				}
			}
			heads = append(heads, e)
		}
	}
	return rewriteMapped(&Symbol{Outputs: heads}, nil), nil
}

func headByName(s *Symbol, name string) (Entry, bool) {
	for _, e := range s.Outputs {
		if entryName(e) == name {
			return e, true
		}
	}
	return Entry{}, false
}

// PruneParams returns the entries of params that s reads as variables (the
// arguments and auxiliary states a graph pass left in use); params is not
// changed. Use it after RemoveDeadNodes, FoldBatchNorm or FoldConstants to
// drop values nothing reads any more.
func PruneParams(s *Symbol, params map[string]*nd.NDArray) map[string]*nd.NDArray {
	out := map[string]*nd.NDArray{}
	for _, name := range s.ListInputs() {
		if v, ok := params[name]; ok {
			out[name] = v
		}
	}
	return out
}

// consumerCounts counts, for every node output, the op inputs that read it
// plus the heads that name it (a head is a reader outside the graph).
func consumerCounts(s *Symbol) map[Entry]int {
	uses := map[Entry]int{}
	for _, n := range s.Topo() {
		for _, e := range n.Inputs {
			uses[e]++
		}
	}
	for _, e := range s.Outputs {
		uses[e]++
	}
	return uses
}

// controlPinned lists nodes that take part in control dependencies, on
// either side; passes leave them as they are.
func controlPinned(order []*Node) map[*Node]bool {
	pinned := map[*Node]bool{}
	for _, n := range order {
		if len(n.ControlDeps) > 0 {
			pinned[n] = true
		}
		for _, d := range n.ControlDeps {
			pinned[d] = true
		}
	}
	return pinned
}

// rewriteMapped is rewrite for passes that need the original node: visit
// gets the original n, its copy c (inputs already remapped) and remap,
// which maps any entry of the original graph already visited to the new
// graph. visit returns the entries standing for n's outputs, or nil to keep
// c. A nil visit copies the graph.
func rewriteMapped(s *Symbol, visit func(n, c *Node, remap func(Entry) Entry) []Entry) *Symbol {
	remap := map[Entry]Entry{}
	copies := map[*Node]*Node{}
	lookup := func(e Entry) Entry { return remap[e] }
	for _, n := range s.Topo() {
		c := *n
		c.Inputs = make([]Entry, len(n.Inputs))
		for i, e := range n.Inputs {
			c.Inputs[i] = remap[e]
		}
		c.ControlDeps = nil
		for _, d := range n.ControlDeps {
			c.ControlDeps = append(c.ControlDeps, copies[d])
		}
		c.Extra = maps.Clone(n.Extra)
		copies[n] = &c
		var repl []Entry
		if visit != nil {
			repl = visit(n, &c, lookup)
		}
		for i := 0; i < n.NumOutputs(); i++ {
			if i < len(repl) {
				remap[Entry{n, i}] = repl[i]
			} else {
				remap[Entry{n, i}] = Entry{&c, i}
			}
		}
	}
	out := &Symbol{}
	for _, e := range s.Outputs {
		out.Outputs = append(out.Outputs, remap[e])
	}
	return out
}
