package symbol

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/mxgo/mxgo/nd"
)

// String prints MXNet's repr: <Symbol name> or <Symbol group [a, b]>.
func (s *Symbol) String() string {
	if len(s.Outputs) == 1 {
		return "<Symbol " + s.Outputs[0].Node.Name + ">"
	}
	names := make([]string, len(s.Outputs))
	for i, e := range s.Outputs {
		names[i] = e.Node.Name
	}
	return "<Symbol group [" + strings.Join(names, ", ") + "]>"
}

// Summary writes a table of the graph's operator nodes in order, like
// mx.viz.print_summary: name (type), output shape, parameter count and the
// nodes it reads. shapes gives the input shapes (nil prints no shapes).
func (s *Symbol) Summary(w io.Writer, shapes map[string]nd.Shape) error {
	var info *Info
	if shapes != nil {
		var err error
		if info, err = s.InferPartial(shapes, nil); err != nil {
			return err
		}
	}
	bw := bufio.NewWriter(w)
	rows := [][4]string{{"Layer (type)", "Output Shape", "Param #", "Previous Layer"}}
	total := 0
	aux := s.auxVars()
	for _, n := range s.Topo() {
		if n.IsVariable() {
			continue
		}
		params := 0
		var prev []string
		for i, e := range n.Inputs {
			if e.Node.IsVariable() && (isParamName(e.Node.Name) || aux[e.Node]) {
				if info != nil && !isLabelInput(n.Op.Name, i) {
					if sh := info.EntryShape(e); sh != nil {
						params += sh.Size()
					}
				}
				continue
			}
			prev = append(prev, e.Node.Name)
		}
		total += params
		out := "?"
		if info != nil {
			if sh := info.EntryShape(Entry{n, 0}); sh != nil {
				out = sh.String()
			}
		}
		rows = append(rows, [4]string{n.Name + " (" + n.OpName + ")", out, fmt.Sprint(params), strings.Join(prev, ", ")})
	}
	var width [4]int
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	line := strings.Repeat("=", width[0]+width[1]+width[2]+width[3]+6)
	fmt.Fprintln(bw, line)
	for i, r := range rows {
		fmt.Fprintf(bw, "%-*s  %-*s  %*s  %s\n", width[0], r[0], width[1], r[1], width[2], r[2], r[3])
		if i == 0 {
			fmt.Fprintln(bw, line)
		}
	}
	fmt.Fprintln(bw, line)
	if info != nil {
		fmt.Fprintf(bw, "Total params: %d\n", total)
	}
	return bw.Flush()
}

// paramSuffixes are the variable names mx.viz treats as weights.
var paramSuffixes = []string{"_weight", "_bias", "_gamma", "_beta", "_moving_mean", "_moving_var", "_running_mean", "_running_var", "_label"}

func isParamName(name string) bool {
	for _, s := range paramSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// Dot writes the graph in Graphviz's dot language, like
// mx.viz.plot_network: operators as boxes labelled with their main
// attributes, data variables as ovals, weights hidden. Render with
// `dot -Tsvg`.
func Dot(w io.Writer, s *Symbol) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph plot {")
	fmt.Fprintln(bw, `  node [fontsize=10, shape=box, style="rounded,filled", fillcolor="#8dd3c7"];`)
	ids := map[*Node]string{}
	for i, n := range s.Topo() {
		id := fmt.Sprintf("n%d", i)
		ids[n] = id
		if n.IsVariable() {
			if !isParamName(n.Name) {
				fmt.Fprintf(bw, "  %s [label=%s, shape=oval, fillcolor=\"#fdb462\"];\n", id, dotQuote(n.Name))
			}
			continue
		}
		label := n.OpName
		if d := dotDetail(n); d != "" {
			label += "\n" + d
		}
		fmt.Fprintf(bw, "  %s [label=%s, tooltip=%s, fillcolor=%q];\n", id, dotQuote(label), dotQuote(n.Name), dotColor(n.Op.Name))
		for _, e := range n.Inputs {
			if e.Node.IsVariable() && isParamName(e.Node.Name) {
				continue
			}
			fmt.Fprintf(bw, "  %s -> %s;\n", ids[e.Node], id)
		}
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// dotDetail is the second label line: the op's key attributes.
func dotDetail(n *Node) string {
	switch a := n.Attrs.(type) {
	case nd.ConvolutionAttrs:
		return fmt.Sprintf("%s/%s, %d", dims(a.Kernel), dims(a.Stride), a.NumFilter)
	case nd.FullyConnectedAttrs:
		return fmt.Sprint(a.NumHidden)
	case nd.PoolingAttrs:
		if a.GlobalPool {
			return a.PoolType + ", global"
		}
		return fmt.Sprintf("%s, %s/%s", a.PoolType, dims(a.Kernel), dims(a.Stride))
	case nd.ActivationAttrs:
		return a.ActType
	case nd.LeakyReLUAttrs:
		return a.ActType
	}
	return ""
}

func dims(s nd.Shape) string {
	if len(s) == 0 {
		return "1"
	}
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = fmt.Sprint(d)
	}
	return strings.Join(p, "x")
}

func dotColor(op string) string {
	switch op {
	case "Convolution", "Deconvolution", "FullyConnected":
		return "#fb8072"
	case "BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm":
		return "#bebada"
	case "Activation", "LeakyReLU", "relu", "sigmoid", "tanh":
		return "#ffffb3"
	case "Pooling":
		return "#80b1d3"
	case "Concat", "Flatten", "Reshape":
		return "#fdb462"
	case "SoftmaxOutput", "SoftmaxActivation", "softmax":
		return "#b3de69"
	}
	return "#fccde5"
}

// dotQuote makes a dot string literal.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")
	return `"` + r.Replace(s) + `"`
}
