package symbol

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

// Executor runs a graph forward, node by node, through nd.Invoke: the same
// kernels as eager calls, and under autograd.Record the calls are recorded,
// so training through a graph works like training eager code. The node
// order and each node's input slots are worked out once.
type Executor struct {
	sym   *Symbol
	order []*Node
	slot  map[Entry]int // where each node output lives in the values table
	nvals int
	// trainField is the index of each op's `mx:"__is_train__"` field, or -1.
	trainField map[*Node]int
}

// NewExecutor prepares s for running.
func NewExecutor(s *Symbol) *Executor {
	x := &Executor{sym: s, order: s.Topo(), slot: map[Entry]int{}, trainField: map[*Node]int{}}
	for _, n := range x.order {
		for i := 0; i < n.NumOutputs(); i++ {
			x.slot[Entry{n, i}] = x.nvals
			x.nvals++
		}
		if n.Op != nil {
			x.trainField[n] = trainFieldIndex(n.Attrs)
		}
	}
	return x
}

// Symbol returns the graph the executor runs.
func (x *Executor) Symbol() *Symbol { return x.sym }

func trainFieldIndex(attrs any) int {
	if attrs == nil {
		return -1
	}
	t := reflect.TypeOf(attrs)
	if t.Kind() != reflect.Struct {
		return -1
	}
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("mx") == "__is_train__" && t.Field(i).Type.Kind() == reflect.Bool {
			return i
		}
	}
	return -1
}

// Eval runs s once with the given variable values (see Executor.Forward).
func (s *Symbol) Eval(args map[string]*nd.NDArray) ([]*nd.NDArray, error) {
	return NewExecutor(s).Forward(args)
}

// Forward computes the graph's outputs from args, which maps variable names
// (inputs, parameters and auxiliary states) to arrays on one device. Label
// inputs of loss layers (SoftmaxOutput's label) that are not given are
// zeros of the inferred shape: at inference they do not change the output.
// Ops with a training flag (Dropout, BatchNorm) follow
// autograd.IsTraining(); in training BatchNorm updates its moving_mean and
// moving_var arrays in place, as MXNet does. Errors name the failing node.
func (x *Executor) Forward(args map[string]*nd.NDArray) ([]*nd.NDArray, error) {
	vals := make([]*nd.NDArray, x.nvals)
	var missing []string
	for _, n := range x.order {
		if !n.IsVariable() {
			continue
		}
		if v := args[n.Name]; v != nil {
			vals[x.slot[Entry{n, 0}]] = v
		} else {
			missing = append(missing, n.Name)
		}
	}
	if len(missing) > 0 {
		if err := x.fillLabels(args, vals, missing); err != nil {
			return nil, err
		}
	}
	train := autograd.IsTraining()
	for _, n := range x.order {
		if n.IsVariable() {
			continue
		}
		in := make([]*nd.NDArray, len(n.Inputs))
		for i, e := range n.Inputs {
			in[i] = vals[x.slot[e]]
		}
		var out []*nd.NDArray
		err := nd.Try(func() { out = x.runNode(n, in, train) })
		if err != nil {
			return nil, &NodeError{Node: n.Name, Op: n.OpName, Err: err}
		}
		for i, o := range out {
			vals[x.slot[Entry{n, i}]] = o
		}
	}
	res := make([]*nd.NDArray, len(x.sym.Outputs))
	for i, e := range x.sym.Outputs {
		res[i] = vals[x.slot[e]]
		if res[i] == nil {
			return nil, fmt.Errorf("symbol: output %s was not computed", entryName(e))
		}
	}
	return res, nil
}

// fillLabels supplies zero labels for missing label inputs and fails on any
// other missing variable.
func (x *Executor) fillLabels(args map[string]*nd.NDArray, vals []*nd.NDArray, missing []string) error {
	labels := map[*Node]bool{}
	for _, n := range x.order {
		if n.Op == nil {
			continue
		}
		for i, e := range n.Inputs {
			if e.Node.IsVariable() && isLabelInput(n.Op.Name, i) {
				labels[e.Node] = true
			}
		}
	}
	var bad []string
	for _, name := range missing {
		ok := false
		for l := range labels {
			ok = ok || l.Name == name
		}
		if !ok {
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("symbol: forward: no value for %s (have %s)", strings.Join(bad, ", "), strings.Join(sortedKeys(args), ", "))
	}
	shapes := map[string]nd.Shape{}
	types := map[string]nd.DType{}
	dev := nd.DefaultDevice()
	for _, k := range sortedKeys(args) {
		shapes[k], types[k] = args[k].Shape(), args[k].DType()
		dev = args[k].Device()
	}
	info, err := x.sym.InferPartial(shapes, types)
	if err != nil {
		return err
	}
	for l := range labels {
		if args[l.Name] != nil {
			continue
		}
		s := info.Shapes[l.Name]
		if s == nil {
			return fmt.Errorf("symbol: forward: cannot infer the shape of label %s", l.Name)
		}
		vals[x.slot[Entry{l, 0}]] = nd.Zeros(s, nd.On(dev))
	}
	return nil
}

// runNode invokes one op. Training flags are set from the autograd mode;
// BatchNorm in training goes through nd.BatchNormMeanVar so that the moving
// statistics are updated.
func (x *Executor) runNode(n *Node, in []*nd.NDArray, train bool) []*nd.NDArray {
	attrs := n.Attrs
	if fi := x.trainField[n]; fi >= 0 {
		v := reflect.New(reflect.TypeOf(attrs)).Elem()
		v.Set(reflect.ValueOf(attrs))
		v.Field(fi).SetBool(train)
		attrs = v.Interface()
	}
	if a, ok := attrs.(nd.BatchNormAttrs); ok && n.Op.Name == "BatchNorm" && len(in) == 5 {
		o, m, v := nd.BatchNormMeanVar(in[0], in[1], in[2], in[3], in[4], a)
		return []*nd.NDArray{o, m, v}
	}
	return nd.Invoke(n.Op, attrs, in...)
}
