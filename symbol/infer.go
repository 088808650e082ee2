package symbol

import (
	"errors"
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

// Info is the result of shape and type inference over a graph.
type Info struct {
	// Shapes and Types of every variable, by name (nil shape / -1 type
	// where inference could not tell).
	Shapes map[string]nd.Shape
	Types  map[string]nd.DType
	// OutShapes and OutTypes follow the symbol's outputs.
	OutShapes []nd.Shape
	OutTypes  []nd.DType
	// entries maps every node output to its shape and type.
	entryShapes map[Entry]nd.Shape
	entryTypes  map[Entry]nd.DType
}

// EntryShape returns the inferred shape of one node output (nil if unknown).
func (in *Info) EntryShape(e Entry) nd.Shape { return in.entryShapes[e] }

// EntryType returns the inferred type of one node output (-1 if unknown).
func (in *Info) EntryType(e Entry) nd.DType {
	if t, ok := in.entryTypes[e]; ok {
		return t
	}
	return -1
}

// ErrIncomplete is wrapped by Infer when some shapes stay unknown.
var ErrIncomplete = errors.New("shapes not fully inferred")

// Infer runs shape and dtype inference from the shapes and types given for
// some variables (usually the data inputs). Parameter shapes that are not
// given are derived from the data they meet, as MXNet does: a
// FullyConnected weight from num_hidden and the data's width, a
// Convolution weight from num_filter, the kernel and the data's channels,
// BatchNorm's gamma ... moving_var from the channel axis, and so on.
// Variables' __shape__ / __dtype__ attributes count as given when complete.
// Types not given default to the type of the data the variable meets
// (float32 if none). The error wraps ErrIncomplete when a shape is left
// unknown, or is a *NodeError when an op rejects its input shapes.
func (s *Symbol) Infer(shapes map[string]nd.Shape, types map[string]nd.DType) (*Info, error) {
	info, err := s.InferPartial(shapes, types)
	if err != nil {
		return info, err
	}
	for _, n := range s.Topo() {
		for i := 0; i < n.NumOutputs(); i++ {
			if info.entryShapes[Entry{n, i}] == nil {
				what := "variable " + n.Name
				if n.Op != nil {
					what = fmt.Sprintf("output %d of %s (%s)", i, n.Name, n.OpName)
				}
				return info, fmt.Errorf("symbol: %s: %w (give the shapes of the graph inputs)", what, ErrIncomplete)
			}
		}
	}
	return info, nil
}

// InferPartial is Infer that leaves unknown shapes nil instead of failing.
// It still fails when an op rejects shapes it was given.
func (s *Symbol) InferPartial(shapes map[string]nd.Shape, types map[string]nd.DType) (*Info, error) {
	info := &Info{
		Shapes: map[string]nd.Shape{}, Types: map[string]nd.DType{},
		entryShapes: map[Entry]nd.Shape{}, entryTypes: map[Entry]nd.DType{},
	}
	order := s.Topo()
	for _, n := range order {
		if !n.IsVariable() {
			continue
		}
		e := Entry{n, 0}
		if sh, ok := shapes[n.Name]; ok {
			info.entryShapes[e] = sh.Clone()
		} else if sh, ok := hintShape(n); ok {
			info.entryShapes[e] = sh
		}
		if t, ok := types[n.Name]; ok {
			info.entryTypes[e] = t
		} else if t, ok := hintType(n); ok {
			info.entryTypes[e] = t
		}
	}
	for pass := 0; ; pass++ {
		progress, err := inferPass(order, info)
		if err != nil {
			return info, err
		}
		if !progress || pass > len(order) {
			break
		}
	}
	for _, n := range order {
		if n.IsVariable() {
			e := Entry{n, 0}
			info.Shapes[n.Name] = info.entryShapes[e]
			info.Types[n.Name] = info.EntryType(e)
		}
	}
	for _, e := range s.Outputs {
		info.OutShapes = append(info.OutShapes, info.entryShapes[e])
		info.OutTypes = append(info.OutTypes, info.EntryType(e))
	}
	return info, nil
}

// inferPass visits each op node once; it reports whether anything new was
// learned.
func inferPass(order []*Node, info *Info) (bool, error) {
	progress := false
	for _, n := range order {
		if n.IsVariable() {
			continue
		}
		nout := n.NumOutputs()
		if info.entryShapes[Entry{n, 0}] != nil && info.EntryType(Entry{n, 0}) >= 0 {
			continue
		}
		in := make([]nd.Shape, len(n.Inputs))
		types := make([]nd.DType, len(n.Inputs))
		for i, e := range n.Inputs {
			in[i] = info.entryShapes[e]
			types[i] = info.EntryType(e)
		}
		if err := fillInputShapes(n, in); err != nil {
			return progress, &NodeError{Node: n.Name, Op: n.OpName, Err: err}
		}
		fillInputTypes(n, types)
		for i, e := range n.Inputs {
			if info.entryShapes[e] == nil && in[i] != nil {
				info.entryShapes[e] = in[i]
				progress = true
			}
			if _, ok := info.entryTypes[e]; !ok && types[i] >= 0 {
				info.entryTypes[e] = types[i]
				progress = true
			}
		}
		if allKnown(in) {
			out, err := safeInferShape(n, in)
			if err != nil {
				return progress, &NodeError{Node: n.Name, Op: n.OpName, Err: fmt.Errorf("input shapes %v: %w", in, err)}
			}
			for i := 0; i < nout && i < len(out); i++ {
				info.entryShapes[Entry{n, i}] = out[i]
			}
			progress = true
		}
		if allTypesKnown(types) {
			out, err := safeInferType(n, types)
			if err != nil {
				return progress, &NodeError{Node: n.Name, Op: n.OpName, Err: err}
			}
			for i := 0; i < nout && i < len(out); i++ {
				info.entryTypes[Entry{n, i}] = out[i]
			}
		}
	}
	return progress, nil
}

func allKnown(s []nd.Shape) bool {
	for _, x := range s {
		if x == nil {
			return false
		}
	}
	return true
}

func allTypesKnown(t []nd.DType) bool {
	for _, x := range t {
		if x < 0 {
			return false
		}
	}
	return true
}

// safeInferShape calls the op's rule, turning a panic into an error.
func safeInferShape(n *Node, in []nd.Shape) (out []nd.Shape, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("shape rule failed: %v", r)
		}
	}()
	if n.Op.NumInputs >= 0 && len(in) != n.Op.NumInputs {
		return nil, fmt.Errorf("got %d inputs, want %d", len(in), n.Op.NumInputs)
	}
	return n.Op.InferShape(n.Attrs, in)
}

func safeInferType(n *Node, in []nd.DType) (out []nd.DType, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("type rule failed: %v", r)
		}
	}()
	if n.Op.InferType == nil {
		out = make([]nd.DType, n.NumOutputs())
		for i := range out {
			out[i] = nd.Float32
			if len(in) > 0 {
				out[i] = in[0]
			}
		}
		return out, nil
	}
	return n.Op.InferType(n.Attrs, in)
}

// fillInputTypes gives unknown inputs the type of the first known one
// (parameters take the data's type); labels and inputs of ops with no
// typed input are float32.
func fillInputTypes(n *Node, t []nd.DType) {
	first := nd.DType(-1)
	for _, x := range t {
		if x >= 0 {
			first = x
			break
		}
	}
	for i := range t {
		if t[i] >= 0 {
			continue
		}
		switch {
		case isLabelInput(n.Op.Name, i), first < 0:
			t[i] = nd.Float32
		default:
			t[i] = first
		}
	}
}

// hintShape reads a variable's complete __shape__.
func hintShape(n *Node) (nd.Shape, bool) {
	s, ok := n.Extra["__shape__"]
	if !ok {
		return nil, false
	}
	t, err := parseTuple(s)
	if err != nil {
		return nil, false
	}
	for _, d := range t {
		if d <= 0 {
			return nil, false
		}
	}
	return nd.Shape(t), true
}

// hintType reads a variable's __dtype__ (MXNet's type flag).
func hintType(n *Node) (nd.DType, bool) {
	s, ok := n.Extra["__dtype__"]
	if !ok {
		return 0, false
	}
	v, err := parseInt(s)
	if err != nil || !nd.DType(v).Valid() {
		return 0, false
	}
	return nd.DType(v), true
}
