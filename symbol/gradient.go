package symbol

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

// Gradient is a forward graph extended with its backward pass: the nodes
// that compute, from the gradient of each forward output, the gradient of
// chosen variables. Backward nodes read forward entries directly, so the
// two passes form one graph.
type Gradient struct {
	// Outputs are the forward graph's outputs.
	Outputs []Entry
	// HeadGrads are variables standing for the gradient of each output,
	// named "_head_grad0", "_head_grad1", ...
	HeadGrads []*Node
	// Grads holds the gradient of each requested variable; an entry with
	// a nil Node means no gradient reaches that variable.
	Grads []Entry
	// Consts are arrays the gradient code captured (zeros, ones) by name.
	Consts map[string]*nd.NDArray
}

// DeriveGradient builds the backward graph of s for the variables named
// in wrt. info must hold the shape and type of every entry of s (from
// Infer); dev is the device the placeholders claim. The backward nodes
// come from tracing each op's gradient function (OpDef.Grad) on
// placeholders, in reverse graph order, summing the gradients of entries
// read more than once — the same functions autograd runs eagerly. It
// fails when a gradient function reads data, or a variable is unknown.
func DeriveGradient(s *Symbol, wrt []string, info *Info, dev nd.Device) (*Gradient, error) {
	order := s.Topo()
	vars := map[string]*Node{}
	for _, n := range order {
		if n.IsVariable() {
			vars[n.Name] = n
		}
	}
	for _, name := range wrt {
		if vars[name] == nil {
			return nil, fmt.Errorf("symbol: gradient: the graph has no variable %q", name)
		}
	}
	g := &Gradient{Outputs: s.Outputs}
	t := &Tracer{Where: "a gradient function", Prefix: "_grad_"}
	fullOp, ok := nd.LookupOp("_full")
	if !ok {
		return nil, fmt.Errorf("symbol: gradient: op _full is not registered")
	}

	// Gradient functions skip the gradients of inputs that autograd does
	// not track (a network's data); placeholders of entries that depend
	// on a requested variable carry a marker saying they need one.
	needs := map[*Node]bool{}
	for _, name := range wrt {
		needs[vars[name]] = true
	}
	for _, n := range order {
		for _, e := range n.Inputs {
			needs[n] = needs[n] || (needs[e.Node] && n.Op != nil && n.Op.Grad != nil)
		}
	}
	placeholders := map[Entry]*nd.NDArray{}
	ph := func(e Entry) (*nd.NDArray, error) {
		if p := placeholders[e]; p != nil {
			return p, nil
		}
		shape, dtype := info.EntryShape(e), info.EntryType(e)
		if shape == nil || dtype < 0 {
			return nil, fmt.Errorf("symbol: gradient: the shape of %s is unknown", entryName(e))
		}
		p := Placeholder(e, shape, dtype, dev)
		if needs[e.Node] {
			p.SetAG(&nd.AGEntry{Leaf: true, GradReq: nd.GradWrite})
		}
		placeholders[e] = p
		return p, nil
	}
	grads := map[Entry]*nd.NDArray{}
	accumulate := func(e Entry, gr *nd.NDArray) {
		if old := grads[e]; old != nil {
			gr = nd.Add(old, gr)
		}
		grads[e] = gr
	}

	err := t.Run(func() {
		for i, e := range s.Outputs {
			v := &Node{Name: fmt.Sprintf("_head_grad%d", i)}
			g.HeadGrads = append(g.HeadGrads, v)
			shape, dtype := info.EntryShape(e), info.EntryType(e)
			if shape == nil || dtype < 0 {
				panic(fmt.Errorf("symbol: gradient: the shape of output %s is unknown", entryName(e)))
			}
			accumulate(e, Placeholder(Entry{Node: v}, shape, dtype, dev))
		}
		for i := len(order) - 1; i >= 0; i-- {
			n := order[i]
			if n.IsVariable() || n.Op.Grad == nil {
				continue
			}
			args := &nd.GradArgs{Attrs: n.Attrs}
			needed := false
			results := n.NumOutputs() - n.Op.SavedOutputs // saved state takes no gradient
			for j := 0; j < n.NumOutputs(); j++ {
				e := Entry{n, j}
				out, err := ph(e)
				if err != nil {
					panic(err)
				}
				args.Outputs = append(args.Outputs, out)
				og := grads[e]
				if og != nil {
					needed = true
				} else if j < results {
					og = nd.Invoke(fullOp, nd.FullAttrs{Shape: out.Shape(), DType: out.DType()})[0]
				}
				args.OutGrads = append(args.OutGrads, og)
			}
			if !needed {
				continue
			}
			for _, e := range n.Inputs {
				in, err := ph(e)
				if err != nil {
					panic(err)
				}
				args.Inputs = append(args.Inputs, in)
			}
			for j, gr := range n.Op.Grad(args) {
				if gr == nil || j >= len(n.Inputs) {
					continue
				}
				if !gr.Shape().Equal(args.Inputs[j].Shape()) {
					panic(fmt.Errorf("symbol: gradient of %s input %d has shape %v, the input has %v", n.Name, j, gr.Shape(), args.Inputs[j].Shape()))
				}
				accumulate(n.Inputs[j], gr)
			}
		}
		for _, name := range wrt {
			gr := grads[Entry{Node: vars[name]}]
			if gr == nil {
				g.Grads = append(g.Grads, Entry{})
				continue
			}
			e, ok := EntryOf(gr)
			if !ok {
				e = Entry{Node: t.variable(gr)}
			}
			g.Grads = append(g.Grads, e)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("symbol: deriving the backward graph: %w", err)
	}
	g.Consts = t.Consts
	return g, nil
}
