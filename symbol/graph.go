package symbol

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/mxgo/mxgo/nd"
)

// Node is one vertex of a graph: an operator call, or a variable (a graph
// input, a parameter or an auxiliary state) when Op is nil.
type Node struct {
	// Op is the operator; nil for variables.
	Op *nd.OpDef
	// OpName is the operator name as the graph spells it (it may be an
	// alias of Op.Name); written back to JSON unchanged.
	OpName string
	// Name is unique within a graph.
	Name string
	// Attrs holds the op's typed attributes (Op.Attrs's type), nil for
	// variables and ops without attributes.
	Attrs any
	// Extra holds string attributes that are not operator parameters:
	// hidden keys (__shape__, __lr_mult__, ...), every attribute of a
	// variable, and MXNet parameters this runtime accepts but does not use
	// (workspace, cudnn_tune). They round-trip through JSON.
	Extra map[string]string
	// Inputs are the entries this node reads, in the op's input order.
	Inputs []Entry
	// ControlDeps are nodes that must run first (kept for round trips).
	ControlDeps []*Node
}

// Entry is one output of a node.
type Entry struct {
	Node  *Node
	Index int
}

// IsVariable reports whether n is a variable.
func (n *Node) IsVariable() bool { return n.Op == nil }

// NumOutputs is the number of outputs n produces. For ops whose count
// depends on attributes (SliceChannel, topk) it asks the op's type rule.
func (n *Node) NumOutputs() int {
	if n.Op == nil {
		return 1
	}
	if n.Op.InferType != nil {
		if k, ok := outputsFromTypeRule(n); ok {
			return k
		}
	}
	if n.Op.NumOutputs > 0 {
		return n.Op.NumOutputs
	}
	return 1
}

func outputsFromTypeRule(n *Node) (k int, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	in := make([]nd.DType, len(n.Inputs))
	t, err := n.Op.InferType(n.Attrs, in)
	if err != nil || len(t) == 0 {
		return 0, false
	}
	return len(t), true
}

// Symbol is a graph given by its output entries (MXNet's Symbol: one
// output, or a Group of several).
type Symbol struct {
	Outputs []Entry
}

// Var returns a variable: a graph input or parameter.
func Var(name string, opts ...VarOption) *Symbol {
	n := &Node{Name: name}
	for _, o := range opts {
		o(n)
	}
	return &Symbol{Outputs: []Entry{{Node: n}}}
}

// VarOption sets a hidden attribute of a variable.
type VarOption func(*Node)

// WithShape records the variable's shape (__shape__; 0 = unknown dim).
func WithShape(s nd.Shape) VarOption { return withExtra("__shape__", s.String()) }

// WithDType records the variable's dtype (__dtype__, MXNet's type flag).
func WithDType(t nd.DType) VarOption { return withExtra("__dtype__", fmt.Sprint(int(t))) }

// WithAttr sets any string attribute of the variable (__lr_mult__, __init__, ...).
func WithAttr(key, value string) VarOption { return withExtra(key, value) }

func withExtra(k, v string) VarOption {
	return func(n *Node) {
		if n.Extra == nil {
			n.Extra = map[string]string{}
		}
		n.Extra[k] = v
	}
}

// Group combines the outputs of several symbols into one.
func Group(syms ...*Symbol) *Symbol {
	g := &Symbol{}
	for _, s := range syms {
		g.Outputs = append(g.Outputs, s.Outputs...)
	}
	return g
}

// Output returns the symbol of output i.
func (s *Symbol) Output(i int) *Symbol {
	if i < 0 || i >= len(s.Outputs) {
		panic(errorf("Output", "index %d out of range for %d outputs", i, len(s.Outputs)))
	}
	return &Symbol{Outputs: []Entry{s.Outputs[i]}}
}

// Name is the name of a single-output symbol's node.
func (s *Symbol) Name() string {
	if len(s.Outputs) != 1 {
		return ""
	}
	return s.Outputs[0].Node.Name
}

// Call applies the operator named op (a name or alias from nd's registry)
// to inputs, naming the node after the op (fullyconnected0, ...). attrs is
// the op's typed attribute struct, a map[string]string in MXNet's string
// form, or nil for MXNet's defaults. Each input must have one output; a
// multi-output op's result is indexed with Output.
//
// Missing trailing inputs that are parameters (FullyConnected's weight and
// bias, BatchNorm's gamma ... moving_var) are created as variables named
// "<name>_<input>", as mx.sym does. It panics with an *nd.Error on an
// unknown op or bad attributes.
func Call(op string, attrs any, inputs ...*Symbol) *Symbol {
	return CallNamed("", op, attrs, inputs...)
}

// CallNamed is Call with the node's name ("" picks a fresh one).
func CallNamed(name, op string, attrs any, inputs ...*Symbol) *Symbol {
	def, ok := nd.LookupOp(op)
	if !ok {
		panic(errorf("Call", "unknown operator %q", op))
	}
	a, err := coerceAttrs(def, attrs)
	if err != nil {
		panic(errorf("Call", "%v", err))
	}
	if name == "" {
		name = freshName(strings.ToLower(strings.TrimPrefix(def.Name, "_")))
	}
	n := &Node{Op: def, OpName: op, Name: name, Attrs: a}
	for i, in := range inputs {
		if in == nil || len(in.Outputs) != 1 {
			panic(errorf(op, "input %d must be a single-output symbol", i))
		}
		n.Inputs = append(n.Inputs, in.Outputs[0])
	}
	for _, pn := range missingParamInputs(n) {
		n.Inputs = append(n.Inputs, Entry{Node: &Node{Name: name + "_" + pn}})
	}
	out := &Symbol{}
	for i := 0; i < n.NumOutputs(); i++ {
		out.Outputs = append(out.Outputs, Entry{n, i})
	}
	if vis := visibleOutputs(n); vis < len(out.Outputs) {
		out.Outputs = out.Outputs[:vis]
	}
	return out
}

func coerceAttrs(def *nd.OpDef, attrs any) (any, error) {
	switch a := attrs.(type) {
	case nil:
		return DefaultAttrs(def), nil
	case map[string]string:
		return ParseAttrs(def, a)
	}
	if def.Attrs == nil || reflect.TypeOf(attrs) != reflect.TypeOf(def.Attrs) {
		return nil, fmt.Errorf("operator %s: attributes of type %T, want %T", def.Name, attrs, def.Attrs)
	}
	return attrs, nil
}

var nameCounter = map[string]int{}

// freshName returns prefix0, prefix1, ... like MXNet's NameManager. Names
// only need to be unique in a graph; the counter is global for simplicity.
func freshName(prefix string) string {
	nameMu.Lock()
	defer nameMu.Unlock()
	i := nameCounter[prefix]
	nameCounter[prefix] = i + 1
	return fmt.Sprintf("%s%d", prefix, i)
}

// Topo returns the nodes reachable from s in MXNet's order: a depth-first
// post-order over the outputs, inputs visited in order (the order of nodes
// in -symbol.json).
func (s *Symbol) Topo() []*Node {
	var order []*Node
	seen := map[*Node]bool{}
	type frame struct {
		n    *Node
		next int
	}
	for _, out := range s.Outputs {
		if seen[out.Node] {
			continue
		}
		stack := []frame{{n: out.Node}}
		seen[out.Node] = true
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			deps := len(top.n.ControlDeps)
			if top.next < deps+len(top.n.Inputs) {
				var c *Node
				if top.next < deps {
					c = top.n.ControlDeps[top.next]
				} else {
					c = top.n.Inputs[top.next-deps].Node
				}
				top.next++
				if !seen[c] {
					seen[c] = true
					stack = append(stack, frame{n: c})
				}
				continue
			}
			order = append(order, top.n)
			stack = stack[:len(stack)-1]
		}
	}
	return order
}

// auxVars returns the variables read as auxiliary states.
func (s *Symbol) auxVars() map[*Node]bool {
	aux := map[*Node]bool{}
	for _, n := range s.Topo() {
		if n.Op == nil {
			continue
		}
		for _, i := range auxInputs(n.Op.Name) {
			if i < len(n.Inputs) && n.Inputs[i].Node.IsVariable() {
				aux[n.Inputs[i].Node] = true
			}
		}
	}
	return aux
}

// ListArguments lists the names of variables that are not auxiliary states
// (inputs and learnable parameters), in graph order.
func (s *Symbol) ListArguments() []string {
	aux := s.auxVars()
	var names []string
	for _, n := range s.Topo() {
		if n.IsVariable() && !aux[n] {
			names = append(names, n.Name)
		}
	}
	return names
}

// ListAuxiliaryStates lists the names of auxiliary-state variables
// (BatchNorm's moving_mean and moving_var), in graph order.
func (s *Symbol) ListAuxiliaryStates() []string {
	aux := s.auxVars()
	var names []string
	for _, n := range s.Topo() {
		if aux[n] {
			names = append(names, n.Name)
		}
	}
	return names
}

// ListInputs lists every variable name in graph order.
func (s *Symbol) ListInputs() []string {
	var names []string
	for _, n := range s.Topo() {
		if n.IsVariable() {
			names = append(names, n.Name)
		}
	}
	return names
}

// ListOutputs names the outputs as MXNet does: "<node>_output" for a
// single-output node, "<node>_output<i>" or the op's output name otherwise.
func (s *Symbol) ListOutputs() []string {
	names := make([]string, len(s.Outputs))
	for i, e := range s.Outputs {
		names[i] = entryName(e)
	}
	return names
}

func entryName(e Entry) string {
	if e.Node.IsVariable() {
		return e.Node.Name
	}
	if on := outputNames(e.Node.Op.Name); e.Index < len(on) {
		return e.Node.Name + "_" + on[e.Index]
	}
	if e.Node.NumOutputs() == 1 {
		return e.Node.Name + "_output"
	}
	return fmt.Sprintf("%s_output%d", e.Node.Name, e.Index)
}

// Internals returns a symbol whose outputs are every output of every node
// (MXNet's get_internals), for picking a feature layer.
func (s *Symbol) Internals() *Symbol {
	g := &Symbol{}
	for _, n := range s.Topo() {
		k := 1
		if n.Op != nil {
			k = visibleOutputs(n)
		}
		for i := 0; i < k; i++ {
			g.Outputs = append(g.Outputs, Entry{n, i})
		}
	}
	return g
}

// Get returns the output of s.Internals() named name ("fc1_output"), or nil.
func (s *Symbol) Get(name string) *Symbol {
	for _, e := range s.Internals().Outputs {
		if entryName(e) == name {
			return &Symbol{Outputs: []Entry{e}}
		}
	}
	return nil
}

// ListLabels lists the variables read as labels by loss layers
// (SoftmaxOutput's label). Executors fill them with zeros when they are not
// given, so inference needs only the data.
func (s *Symbol) ListLabels() []string {
	var names []string
	seen := map[*Node]bool{}
	for _, n := range s.Topo() {
		if n.Op == nil {
			continue
		}
		for i, e := range n.Inputs {
			if e.Node.IsVariable() && isLabelInput(n.Op.Name, i) && !seen[e.Node] {
				seen[e.Node] = true
				names = append(names, e.Node.Name)
			}
		}
	}
	return names
}
