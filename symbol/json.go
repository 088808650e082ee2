package symbol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mxgo/mxgo/nd"
)

// MXNetVersion is the version written to attrs.mxnet_version (1.9.1): files
// we write read in MXNet 1.x without its legacy upgrade passes.
const MXNetVersion = 10901

// legacyVersion is the first version with NNVM's JSON (0.9.0); older files
// use "param", "attr" and "backward_source_id".
const legacyVersion = 900

type jsonGraph struct {
	Nodes      []jsonNode                 `json:"nodes"`
	ArgNodes   []int                      `json:"arg_nodes"`
	NodeRowPtr []int                      `json:"node_row_ptr,omitempty"`
	Heads      [][]int                    `json:"heads"`
	Attrs      map[string]json.RawMessage `json:"attrs,omitempty"`
}

type jsonNode struct {
	Op               string            `json:"op"`
	Name             string            `json:"name"`
	Attrs            map[string]string `json:"attrs,omitempty"`
	Attr             map[string]string `json:"attr,omitempty"`
	Param            map[string]string `json:"param,omitempty"`
	Inputs           [][]int           `json:"inputs"`
	ControlDeps      []int             `json:"control_deps,omitempty"`
	BackwardSourceID *int              `json:"backward_source_id,omitempty"`
	Subgraphs        json.RawMessage   `json:"subgraphs,omitempty"`
}

// Load reads a -symbol.json file written by MXNet (NNVM form, or the
// pre-NNVM form of MXNet ≤ 0.8) or by Save.
func Load(path string) (*Symbol, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("symbol: load: %w", err)
	}
	s, err := FromJSON(b)
	if err != nil {
		return nil, fmt.Errorf("symbol: load %s: %w", path, err)
	}
	return s, nil
}

// FromJSON parses a symbol graph from MXNet's JSON.
func FromJSON(b []byte) (*Symbol, error) {
	var g jsonGraph
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("symbol json: %w", err)
	}
	version, err := graphVersion(g.Attrs)
	if err != nil {
		return nil, err
	}
	nodes := make([]*Node, len(g.Nodes))
	for i, jn := range g.Nodes {
		n, err := buildNode(jn, i, nodes, version)
		if err != nil {
			name := jn.Name
			if name == "" {
				name = fmt.Sprintf("#%d", i)
			}
			return nil, fmt.Errorf("symbol json: node %s: %w", name, err)
		}
		nodes[i] = n
	}
	for _, id := range g.ArgNodes {
		if id < 0 || id >= len(nodes) || !nodes[id].IsVariable() {
			return nil, fmt.Errorf("symbol json: arg_nodes entry %d is not a variable node", id)
		}
	}
	if len(g.Heads) == 0 {
		return nil, fmt.Errorf("symbol json: no heads")
	}
	s := &Symbol{}
	for _, h := range g.Heads {
		e, err := entryOf(h, len(nodes), nodes)
		if err != nil {
			return nil, fmt.Errorf("symbol json: head %v: %w", h, err)
		}
		s.Outputs = append(s.Outputs, e)
	}
	return s, nil
}

// graphVersion reads attrs.mxnet_version (["int", 10600]); a file without
// it is pre-NNVM.
func graphVersion(attrs map[string]json.RawMessage) (int, error) {
	raw, ok := attrs["mxnet_version"]
	if !ok {
		return 800, nil
	}
	var pair []json.RawMessage
	if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 {
		return 0, fmt.Errorf("symbol json: attrs.mxnet_version is not [type, value]")
	}
	var v int
	if err := json.Unmarshal(pair[1], &v); err != nil {
		return 0, fmt.Errorf("symbol json: attrs.mxnet_version value: %w", err)
	}
	return v, nil
}

func entryOf(e []int, limit int, nodes []*Node) (Entry, error) {
	if len(e) < 2 || len(e) > 3 {
		return Entry{}, fmt.Errorf("entry must be [node, output] or [node, output, version]")
	}
	if e[0] < 0 || e[0] >= limit {
		return Entry{}, fmt.Errorf("node id %d out of range (must refer to an earlier node)", e[0])
	}
	n := nodes[e[0]]
	if e[1] < 0 || e[1] >= n.NumOutputs() {
		return Entry{}, fmt.Errorf("output %d of node %s out of range (%d outputs)", e[1], n.Name, n.NumOutputs())
	}
	return Entry{n, e[1]}, nil
}

func buildNode(jn jsonNode, id int, nodes []*Node, version int) (*Node, error) {
	if len(jn.Subgraphs) > 0 && string(jn.Subgraphs) != "null" && string(jn.Subgraphs) != "[]" {
		return nil, fmt.Errorf("subgraphs (control flow, partitioned ops) are not supported")
	}
	n := &Node{Name: jn.Name}
	// Attribute maps, oldest spelling first so that newer ones win.
	params := map[string]string{}
	hidden := map[string]string{}
	for k, v := range jn.Param {
		params[k] = v
	}
	for k, v := range jn.Attr {
		if version < legacyVersion && !isHidden(k) {
			// Pre-NNVM "attr" held only hidden attributes, spelled bare.
			hidden["__"+k+"__"] = v
			continue
		}
		params[k] = v
	}
	for k, v := range jn.Attrs {
		params[k] = v
	}
	if jn.Op == "null" || jn.Op == "" {
		if len(jn.Inputs) > 0 {
			return nil, fmt.Errorf("variable has inputs")
		}
		for k, v := range params {
			hidden[k] = v
		}
		if len(hidden) > 0 {
			n.Extra = hidden
		}
		return n, nil
	}
	op, ok := nd.LookupOp(jn.Op)
	if !ok {
		return nil, fmt.Errorf("unknown operator %q", jn.Op)
	}
	n.Op, n.OpName = op, jn.Op
	opParams := map[string]string{}
	for k, v := range params {
		if isHidden(k) || isIgnoredAttr(op.Name, k) {
			hidden[k] = v
		} else {
			opParams[k] = v
		}
	}
	if len(hidden) > 0 {
		n.Extra = hidden
	}
	attrs, err := ParseAttrs(op, opParams)
	if err != nil {
		return nil, err
	}
	n.Attrs = attrs
	for _, in := range jn.Inputs {
		e, err := entryOf(in, id, nodes)
		if err != nil {
			return nil, fmt.Errorf("input %v: %w", in, err)
		}
		n.Inputs = append(n.Inputs, e)
	}
	if op.NumInputs >= 0 && len(n.Inputs) != op.NumInputs {
		return nil, fmt.Errorf("operator %s takes %d inputs, got %d", op.Name, op.NumInputs, len(n.Inputs))
	}
	for _, d := range jn.ControlDeps {
		if d < 0 || d >= id {
			return nil, fmt.Errorf("control dependency %d out of range", d)
		}
		n.ControlDeps = append(n.ControlDeps, nodes[d])
	}
	return n, nil
}

func isHidden(k string) bool {
	return len(k) > 4 && strings.HasPrefix(k, "__") && strings.HasSuffix(k, "__")
}

// ToJSON writes s in MXNet's -symbol.json form (NNVM, mxnet_version
// MXNetVersion): nodes in depth-first post-order, arg_nodes, node_row_ptr,
// heads. Operator attributes at MXNet's default are left out.
func (s *Symbol) ToJSON() ([]byte, error) {
	order := s.Topo()
	ids := make(map[*Node]int, len(order))
	g := jsonGraph{NodeRowPtr: []int{0}, ArgNodes: []int{}}
	names := map[string]*Node{}
	for i, n := range order {
		if other, dup := names[n.Name]; dup && other != n {
			return nil, fmt.Errorf("symbol: to json: two nodes are named %q", n.Name)
		}
		names[n.Name] = n
		ids[n] = i
		jn := jsonNode{Op: "null", Name: n.Name, Inputs: [][]int{}}
		attrs := map[string]string{}
		if n.Op != nil {
			jn.Op = n.OpName
			if jn.Op == "" {
				jn.Op = n.Op.Name
			}
			for k, v := range FormatAttrs(n.Op, n.Attrs) {
				attrs[k] = v
			}
		} else {
			g.ArgNodes = append(g.ArgNodes, i)
		}
		for k, v := range n.Extra {
			attrs[k] = v
		}
		if len(attrs) > 0 {
			jn.Attrs = attrs
		}
		for _, e := range n.Inputs {
			jn.Inputs = append(jn.Inputs, []int{ids[e.Node], e.Index, 0})
		}
		for _, d := range n.ControlDeps {
			jn.ControlDeps = append(jn.ControlDeps, ids[d])
		}
		g.Nodes = append(g.Nodes, jn)
		g.NodeRowPtr = append(g.NodeRowPtr, g.NodeRowPtr[i]+n.NumOutputs())
	}
	for _, e := range s.Outputs {
		g.Heads = append(g.Heads, []int{ids[e.Node], e.Index, 0})
	}
	g.Attrs = map[string]json.RawMessage{"mxnet_version": json.RawMessage(fmt.Sprintf(`["int", %d]`, MXNetVersion))}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(g); err != nil {
		return nil, fmt.Errorf("symbol: to json: %w", err)
	}
	return buf.Bytes(), nil
}

// Save writes s to path as -symbol.json, atomically (temp file + rename).
func (s *Symbol) Save(path string) error {
	b, err := s.ToJSON()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
}

func writeFileAtomic(path string, b []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("symbol: save %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(b); err != nil {
		return fmt.Errorf("symbol: save %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("symbol: save %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("symbol: save %s: %w", path, err)
	}
	return nil
}
