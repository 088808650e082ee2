package gluon

import (
	"fmt"
	"strings"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

// SymbolBlock runs a symbolic graph as a Block (Gluon's SymbolBlock): the
// graph's variables other than its inputs become Parameters named after
// the variables, so they can be trained, saved and loaded like any Block's.
// Auxiliary states (BatchNorm's moving statistics) have grad_req null.
// Labels of loss layers (SoftmaxOutput's) are neither inputs nor
// parameters: they are zeros at inference.
type SymbolBlock struct {
	HybridBlockBase
	sym    *symbol.Symbol
	exec   *symbol.Executor // op by op, when traced into a parent's graph
	cached *symbol.CachedOp // otherwise
	labels map[string][]*nd.NDArray
	inputs []string
	names  []string // parameter names, arguments then auxiliary states
	params map[string]*Parameter
	// unranked marks parameters whose rank was unknown when the block was
	// made: they hold the placeholder shape (0,) until inference tells.
	unranked map[string]bool
}

// NewSymbolBlock wraps outputs as a Block whose inputs are the variables
// named in inputNames. Parameter shapes come from the variables'
// __shape__ attributes where complete, and are otherwise inferred at the
// first forward; call Initialize or load values before running it.
func NewSymbolBlock(outputs *symbol.Symbol, inputNames []string) (*SymbolBlock, error) {
	b := &SymbolBlock{sym: outputs, exec: symbol.NewExecutor(outputs), inputs: append([]string(nil), inputNames...), params: map[string]*Parameter{}, unranked: map[string]bool{}}
	vars := map[string]bool{}
	for _, n := range outputs.ListInputs() {
		vars[n] = true
	}
	skip := map[string]bool{}
	for _, n := range inputNames {
		if !vars[n] {
			return nil, fmt.Errorf("gluon: symbol block: input %q is not a variable of the graph (variables: %s)", n, strings.Join(outputs.ListInputs(), ", "))
		}
		skip[n] = true
	}
	for _, n := range outputs.ListLabels() {
		skip[n] = true
	}
	// Partial shapes from __shape__ hints ("(5, 0, 5, 5)": 0 is unknown).
	hints := map[string]nd.Shape{}
	for _, n := range outputs.Topo() {
		if n.IsVariable() {
			hints[n.Name] = shapeHint(n.Extra["__shape__"])
		}
	}
	add := func(name string, aux bool) {
		if skip[name] {
			return
		}
		var opts []ParamOption
		if aux {
			opts = append(opts, Differentiable(false))
		}
		shape := hints[name]
		if len(shape) == 0 {
			// A Parameter defers initialization only on a 0 dimension.
			shape = nd.Shape{0}
			b.unranked[name] = true
		}
		p := NewParameter(name, shape, opts...)
		b.params[name] = p
		b.names = append(b.names, name)
		b.RegisterParameter(name, p)
	}
	for _, n := range outputs.ListArguments() {
		add(n, false)
	}
	for _, n := range outputs.ListAuxiliaryStates() {
		add(n, true)
	}
	return b, nil
}

func shapeHint(s string) nd.Shape {
	if s == "" {
		return nil
	}
	s = strings.Trim(strings.TrimSpace(s), "()[]")
	var out nd.Shape
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var d int
		if _, err := fmt.Sscanf(f, "%d", &d); err != nil || d < 0 {
			return nil
		}
		out = append(out, d)
	}
	return out
}

// Imports loads a graph exported by MXNet or by Export (path-symbol.json)
// and its parameters (path-NNNN.params, keys "arg:NAME"/"aux:NAME" or
// bare names; MXNet 2 .npz files too) onto dev (Gluon's
// SymbolBlock.imports). paramFile "" leaves the parameters uninitialized.
// Every parameter of the graph must be in the file, and every array of the
// file must belong to the graph.
func Imports(symbolFile string, inputNames []string, paramFile string, dev nd.Device) (*SymbolBlock, error) {
	sym, err := symbol.Load(symbolFile)
	if err != nil {
		return nil, fmt.Errorf("gluon: imports: %w", err)
	}
	b, err := NewSymbolBlock(sym, inputNames)
	if err != nil {
		return nil, err
	}
	if paramFile == "" {
		return b, nil
	}
	if err := b.loadParams(paramFile, dev); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *SymbolBlock) loadParams(path string, dev nd.Device) error {
	loaded, err := nd.Load(path)
	if err != nil {
		return fmt.Errorf("gluon: imports: %w", err)
	}
	if loaded.Names == nil {
		return fmt.Errorf("gluon: imports %s: the file holds an unnamed list of arrays, not named parameters", path)
	}
	seen := map[string]bool{}
	var extra []string
	for i, key := range loaded.Names {
		name := strings.TrimPrefix(strings.TrimPrefix(key, "arg:"), "aux:")
		p := b.params[name]
		if p == nil {
			extra = append(extra, key)
			continue
		}
		arr := loaded.Arrays[i]
		if arr == nil {
			return fmt.Errorf("gluon: imports %s: parameter %s has no shape in the file", path, key)
		}
		if !b.unranked[name] && !shapeCompatible(p.shape, arr.Shape()) {
			return fmt.Errorf("gluon: imports %s: parameter %s: file shape %v does not match the graph's %v", path, name, arr.Shape(), p.shape)
		}
		p.shape = arr.Shape().Clone()
		p.DType = arr.DType()
		p.deferred = nil
		p.setCopies(arr.AsIn(dev), []nd.Device{dev})
		seen[name] = true
	}
	if len(extra) > 0 {
		return fmt.Errorf("gluon: imports %s: arrays %s are not parameters of the graph", path, strings.Join(extra, ", "))
	}
	var missing []string
	for _, n := range b.names {
		if !seen[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("gluon: imports %s: parameters %s are missing from the file", path, strings.Join(missing, ", "))
	}
	return nil
}

// Symbol returns the graph the block runs.
func (b *SymbolBlock) Symbol() *symbol.Symbol { return b.sym }

// Forward runs the graph on x (the first input) and returns its first
// output. It panics with an *nd.Error if the block has several inputs, if
// a parameter is not initialized, or if an op rejects its inputs.
func (b *SymbolBlock) Forward(x *nd.NDArray) *nd.NDArray {
	if len(b.inputs) != 1 {
		panic(&nd.Error{Op: "SymbolBlock", Msg: fmt.Sprintf("Forward takes one input, the block has %d (%s): use ForwardMulti", len(b.inputs), strings.Join(b.inputs, ", "))})
	}
	return b.ForwardMulti(x)[0]
}

// ForwardMulti runs the graph on one array per input name and returns
// every output, in the order of the graph's heads.
func (b *SymbolBlock) ForwardMulti(inputs ...*nd.NDArray) []*nd.NDArray {
	if len(inputs) != len(b.inputs) {
		panic(&nd.Error{Op: "SymbolBlock", Msg: fmt.Sprintf("got %d inputs, want %d (%s)", len(inputs), len(b.inputs), strings.Join(b.inputs, ", "))})
	}
	args := make(map[string]*nd.NDArray, len(b.inputs)+len(b.names))
	for i, n := range b.inputs {
		args[n] = inputs[i]
	}
	b.completeShapes(args)
	dev := inputs[0].Device()
	for _, n := range b.names {
		args[n] = b.params[n].Data(dev)
	}
	var out []*nd.NDArray
	var err error
	if symbol.Tracing() {
		// Inside a hybridized parent: the ops become part of its graph.
		out, err = b.exec.Forward(args)
	} else {
		out, err = b.runCached(args)
	}
	if err != nil {
		panic(&nd.Error{Op: "SymbolBlock", Msg: err.Error()})
	}
	return out
}

// runCached runs the graph as a CachedOp (one compiled plan per input
// signature, static memory). Loss layers' labels are zeros of the
// inferred shape, as at inference in MXNet.
func (b *SymbolBlock) runCached(args map[string]*nd.NDArray) ([]*nd.NDArray, error) {
	labels := b.sym.ListLabels()
	if b.cached == nil {
		op, err := symbol.NewCachedOp(b.sym, append(append(append([]string(nil), b.inputs...), b.names...), labels...))
		if err != nil {
			return nil, err
		}
		b.cached = op
	}
	in := make([]*nd.NDArray, 0, len(b.inputs)+len(b.names)+len(labels))
	for _, n := range b.inputs {
		in = append(in, args[n])
	}
	for _, n := range b.names {
		in = append(in, args[n])
	}
	if len(labels) > 0 {
		zeros, err := b.labelZeros(args, labels)
		if err != nil {
			return nil, err
		}
		in = append(in, zeros...)
	}
	return b.cached.Call(in)
}

// labelZeros returns zero labels shaped for these inputs, cached per
// input shapes.
func (b *SymbolBlock) labelZeros(args map[string]*nd.NDArray, labels []string) ([]*nd.NDArray, error) {
	var key strings.Builder
	for _, n := range b.inputs {
		fmt.Fprint(&key, args[n].Shape(), args[n].DType(), args[n].Device(), ";")
	}
	if z, ok := b.labels[key.String()]; ok {
		return z, nil
	}
	shapes, types := map[string]nd.Shape{}, map[string]nd.DType{}
	for n, a := range args {
		shapes[n], types[n] = a.Shape(), a.DType()
	}
	info, err := b.sym.InferPartial(shapes, types)
	if err != nil {
		return nil, err
	}
	var zeros []*nd.NDArray
	dev := args[b.inputs[0]].Device()
	for _, l := range labels {
		s := info.Shapes[l]
		if s == nil {
			return nil, fmt.Errorf("cannot infer the shape of label %s", l)
		}
		t := info.Types[l]
		if t < 0 {
			t = nd.Float32
		}
		zeros = append(zeros, nd.Zeros(s, nd.OfType(t), nd.On(dev)))
	}
	if b.labels == nil {
		b.labels = map[string][]*nd.NDArray{}
	}
	b.labels[key.String()] = zeros
	return zeros, nil
}

// completeShapes infers the shapes of parameters that are still deferred
// from the inputs, which completes their deferred initialization.
func (b *SymbolBlock) completeShapes(inputs map[string]*nd.NDArray) {
	var pending []string
	for _, n := range b.names {
		if !b.params[n].IsInitialized() {
			pending = append(pending, n)
		}
	}
	if len(pending) == 0 {
		return
	}
	shapes := map[string]nd.Shape{}
	types := map[string]nd.DType{}
	for n, a := range inputs {
		shapes[n], types[n] = a.Shape(), a.DType()
	}
	for _, n := range b.names {
		if p := b.params[n]; p.IsInitialized() {
			shapes[n], types[n] = p.shape, p.DType
		}
	}
	info, err := b.sym.InferPartial(shapes, types)
	if err != nil {
		panic(&nd.Error{Op: "SymbolBlock", Msg: err.Error()})
	}
	for _, n := range pending {
		p := b.params[n]
		if s := info.Shapes[n]; s != nil {
			if len(p.shape) != len(s) && b.unranked[n] {
				p.shape = make(nd.Shape, len(s))
			}
			p.SetShape(s)
		}
	}
}

// Export writes the graph to path-symbol.json and the parameters to
// path-%04d.params with MXNet's "arg:"/"aux:" keys, so MXNet's
// SymbolBlock.imports (or Imports) reads them back.
func (b *SymbolBlock) Export(path string, epoch int) error {
	if err := b.sym.Save(path + "-symbol.json"); err != nil {
		return fmt.Errorf("gluon: export: %w", err)
	}
	aux := map[string]bool{}
	for _, n := range b.sym.ListAuxiliaryStates() {
		aux[n] = true
	}
	m := map[string]*nd.NDArray{}
	for _, n := range b.names {
		p := b.params[n]
		if !p.IsInitialized() {
			return fmt.Errorf("gluon: export %s: parameter %s is not initialized", path, n)
		}
		key := "arg:" + n
		if aux[n] {
			key = "aux:" + n
		}
		m[key] = p.Data()
	}
	file := fmt.Sprintf("%s-%04d.params", path, epoch)
	if err := nd.Save(file, m); err != nil {
		return fmt.Errorf("gluon: export: %w", err)
	}
	return nil
}

func (b *SymbolBlock) String() string {
	return fmt.Sprintf("SymbolBlock(inputs=%v, outputs=%v)", b.inputs, b.sym.ListOutputs())
}
