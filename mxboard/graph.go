package mxboard

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

// Graph describes a computation graph for TensorBoard's graph dashboard,
// in the shape of an MXNet symbol graph: nodes in topological order, with
// variables (inputs and parameters) as nodes whose Op is "null".
type Graph struct {
	Nodes []GraphNode
	// Inputs names the data variables. They stay at the top level; every
	// other variable read by a single operator is folded into that
	// operator's scope. Nil means the first node, when it is a variable, as
	// mxboard assumes.
	Inputs []string
}

// GraphNode is one operator or variable.
type GraphNode struct {
	Name         string
	Op           string            // MXNet operator name; "null" for a variable
	Inputs       []GraphInput      // operands, by node name and output index
	Attrs        map[string]string // operator attributes, MXNet spellings
	OutputShapes [][]int           // optional: shapes shown on the outgoing edges
}

// GraphInput names one output of a node.
type GraphInput struct {
	Node   string
	Output int
}

// AddGraph logs g as a GraphDef in the graph_def field of an event.
func (w *SummaryWriter) AddGraph(g *Graph) error {
	gd, err := g.GraphDef()
	if err != nil {
		return err
	}
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(gd)
	if err != nil {
		return fmt.Errorf("mxboard: add graph: %w", err)
	}
	return w.addEvent("", &tbproto.Event{WallTime: wallTime(), What: &tbproto.Event_GraphDef{GraphDef: data}})
}

// GraphDef converts g with mxboard's mapping (FORMATS.md 4.8): an operator
// X becomes "X/X", a variable used by one operator X only becomes "X/var",
// so parameters fold into their operator's scope in the dashboard, and the
// attributes go into one string attr "param" holding their JSON with quotes
// turned into spaces. Output shapes, when given, go into "_output_shapes".
func (g *Graph) GraphDef() (*tbproto.GraphDef, error) {
	index := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		if n.Name == "" {
			return nil, fmt.Errorf("mxboard: add graph: node %d has no name", i)
		}
		if _, dup := index[n.Name]; dup {
			return nil, fmt.Errorf("mxboard: add graph: node name %q is used twice", n.Name)
		}
		index[n.Name] = i
	}
	isInput := map[string]bool{}
	if g.Inputs == nil && len(g.Nodes) > 0 && g.Nodes[0].Op == "null" {
		isInput[g.Nodes[0].Name] = true
	}
	for _, in := range g.Inputs {
		isInput[in] = true
	}
	// consumers[v] lists the operators that read variable v.
	consumers := map[string][]string{}
	for _, n := range g.Nodes {
		if n.Op == "null" {
			if len(n.Inputs) > 0 {
				return nil, fmt.Errorf("mxboard: add graph: variable %q has inputs", n.Name)
			}
			continue
		}
		for _, in := range n.Inputs {
			j, ok := index[in.Node]
			if !ok {
				return nil, fmt.Errorf("mxboard: add graph: node %q reads unknown node %q", n.Name, in.Node)
			}
			if v := g.Nodes[j]; v.Op == "null" && !isInput[v.Name] && !contains(consumers[v.Name], n.Name) {
				consumers[v.Name] = append(consumers[v.Name], n.Name)
			}
		}
	}
	scoped := func(name string) string {
		n := g.Nodes[index[name]]
		if n.Op != "null" {
			return name + "/" + name
		}
		if c := consumers[name]; len(c) == 1 {
			return c[0] + "/" + name
		}
		return name
	}
	gd := &tbproto.GraphDef{Versions: &tbproto.VersionDef{Producer: 100}}
	for _, n := range g.Nodes {
		nd := &tbproto.NodeDef{Name: scoped(n.Name), Op: n.Op}
		for _, in := range n.Inputs {
			ref := scoped(in.Node)
			if in.Output > 0 {
				ref = fmt.Sprintf("%s:%d", ref, in.Output)
			}
			nd.Input = append(nd.Input, ref)
		}
		if len(n.Attrs) > 0 || len(n.OutputShapes) > 0 {
			nd.Attr = map[string]*tbproto.AttrValue{}
		}
		if len(n.Attrs) > 0 {
			nd.Attr["param"] = &tbproto.AttrValue{Value: &tbproto.AttrValue_S{S: []byte(paramString(n.Attrs))}}
		}
		if len(n.OutputShapes) > 0 {
			list := &tbproto.AttrValue_ListValue{}
			for _, s := range n.OutputShapes {
				list.Shape = append(list.Shape, shapeProto(s))
			}
			nd.Attr["_output_shapes"] = &tbproto.AttrValue{Value: &tbproto.AttrValue_List{List: list}}
		}
		gd.Node = append(gd.Node, nd)
	}
	return gd, nil
}

// paramString is the attrs as sorted JSON with the quotes replaced by
// spaces, because TensorBoard shows escaped quotes literally.
func paramString(attrs map[string]string) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(jsonString(k))
		b.WriteString(": ")
		b.WriteString(jsonString(attrs[k]))
	}
	b.WriteByte('}')
	return strings.ReplaceAll(b.String(), `"`, " ")
}

// jsonString quotes s as JSON without escaping <, > and &, as Python's
// json.dumps does.
func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	return strings.TrimSuffix(b.String(), "\n")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
