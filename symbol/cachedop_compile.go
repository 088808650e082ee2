package symbol

import (
	"fmt"
	"reflect"
	"sort"
	"sync"

	"github.com/mxgo/mxgo/nd"
)

// cachedPlan is a CachedOp compiled for one signature.
type cachedPlan struct {
	sig      signature
	fallback bool
	name     string
	dev      nd.Device

	fwd, bwd  *program
	fwdSegs   []segment // fwd cut where a new input is first read
	bwdSegs   []segment // bwd cut after each completed gradient
	outShapes []nd.Shape
	outTypes  []nd.DType
	// gradInputs are the inputs that get a gradient (the push's writes,
	// in order); noGrad marks those no gradient reaches (left nil).
	gradInputs []int
	noGrad     []bool
	consts     []*nd.NDArray // gradient constants, read by backward
	mutated    []int         // inputs a training BatchNorm updates
	stateBytes int

	mu               sync.Mutex
	pushMu           sync.Mutex // held while a pass pushes its segments
	fwdWork, bwdWork *nd.NDArray
	states           []*nd.NDArray // free state buffers
	stateAllocs      int
}

// compile builds the programs for one signature.
func (c *CachedOp) compile(in []*nd.NDArray, train bool, mask []bool) (*cachedPlan, error) {
	dev := in[0].Device()
	g := specialize(c.sym, train)
	shapes, types := map[string]nd.Shape{}, map[string]nd.DType{}
	index := map[string]int{}
	for i, x := range in {
		shapes[c.inputs[i]], types[c.inputs[i]] = x.Shape(), x.DType()
		index[c.inputs[i]] = i
	}
	info, err := g.Infer(shapes, types)
	if err != nil {
		return nil, err
	}
	var vars map[string]*Node // the variables of the graph compiled
	p := &cachedPlan{name: "cached graph", dev: dev, outShapes: info.OutShapes, outTypes: info.OutTypes}
	if len(g.Outputs) == 1 {
		p.name = "cached graph " + g.Outputs[0].Node.Name
	}
	var wrt []string
	for i, m := range mask {
		if m {
			wrt = append(wrt, c.inputs[i])
			p.gradInputs = append(p.gradInputs, i)
		}
	}
	var grad *Gradient
	if len(wrt) > 0 {
		if grad, err = DeriveGradient(g, wrt, info, dev); err != nil {
			return nil, err
		}
		for i, v := range grad.HeadGrads {
			shapes[v.Name], types[v.Name] = info.OutShapes[i], info.OutTypes[i]
		}
		for name, v := range grad.Consts {
			shapes[name], types[name] = v.Shape(), v.DType()
		}
	}

	if g, grad, info, err = fuseForPlan(g, grad, shapes, types); err != nil {
		return nil, err
	}
	vars = map[string]*Node{}
	for _, n := range g.Topo() {
		if _, isInput := index[n.Name]; isInput && n.IsVariable() {
			vars[n.Name] = n
		}
	}

	fwdNodes, fwdSet := opNodes(g.Topo(), nil)
	heads := map[Entry]int{}
	for i, e := range g.Outputs {
		if _, dup := heads[e]; !dup && !e.Node.IsVariable() {
			heads[e] = i
		}
	}
	nIn, nOut := len(in), len(g.Outputs)

	// The forward push reads the inputs and writes the outputs, the
	// state (if backward needs one), the workspace and the moving
	// statistics a training BatchNorm updates.
	fb := &progBuilder{dev: dev, info: info, ext: map[Entry]ref{}, train: train, auxWrite: map[*Node]ref{}}
	for name, v := range vars {
		fb.ext[Entry{Node: v}] = ref{index[name], 0, in[index[name]].Shape().Size() * in[index[name]].DType().Size()}
	}
	for e, i := range heads {
		sz, err := fb.size(e)
		if err != nil {
			return nil, err
		}
		fb.ext[e] = ref{nIn + i, 0, sz}
	}
	nWrites := nOut
	var bwdNodes []*Node
	stateBlob := -1
	var saved []Entry
	if grad != nil {
		var roots []Entry
		for _, e := range grad.Grads {
			if e.Node != nil {
				roots = append(roots, e)
			}
		}
		bwdNodes, _ = opNodes((&Symbol{Outputs: earliestFirst(roots, fwdSet)}).Topo(), fwdSet)
		saved = savedEntries(bwdNodes, roots, fwdSet, heads)
		stateBlob = nIn + nWrites
		nWrites++
		off := 0
		for _, e := range saved {
			sz, err := fb.size(e)
			if err != nil {
				return nil, err
			}
			fb.ext[e] = ref{stateBlob, off, sz}
			off += alignUp(sz)
		}
		p.stateBytes = max(off, planAlign)
	}
	fb.workBlob = nIn + nWrites
	nWrites++
	if train {
		for _, n := range fwdNodes {
			if a, ok := n.Attrs.(nd.BatchNormAttrs); ok && n.Op.Name == "BatchNorm" && !a.UseGlobalStats && len(n.Inputs) == 5 {
				for _, e := range n.Inputs[3:] {
					i, isInput := index[e.Node.Name]
					if !e.Node.IsVariable() || !isInput {
						return nil, fmt.Errorf("%s: the moving statistics must be graph inputs", n.Name)
					}
					if _, done := fb.auxWrite[e.Node]; !done {
						fb.auxWrite[e.Node] = ref{nIn + nWrites, 0, fb.ext[e].n}
						nWrites++
						p.mutated = append(p.mutated, i)
					}
				}
			}
		}
	}
	fb.prog.nreads = nIn
	if err := fb.addNodes(fwdNodes); err != nil {
		return nil, err
	}
	for i, e := range g.Outputs {
		if heads[e] != i || e.Node.IsVariable() {
			sz, err := fb.size(e)
			if err != nil {
				return nil, err
			}
			if err := fb.addCopy(e, ref{nIn + i, 0, sz}); err != nil {
				return nil, err
			}
		}
	}
	p.fwd = fb.finish()
	seen := map[int]bool{}
	p.fwdSegs = splitSegments(p.fwd, fb.workBlob, func(s *step, i int) bool {
		fresh := false
		for _, r := range s.in {
			if r.blob < nIn && !seen[r.blob] {
				seen[r.blob], fresh = true, i > 0
			}
		}
		return fresh
	}, func(*step, int) bool { return false })
	if grad == nil {
		return p, nil
	}

	// The backward push reads the output gradients, the inputs, the
	// outputs, the state and the gradient constants, and writes the
	// input gradients and its workspace.
	bb := &progBuilder{dev: dev, info: info, ext: map[Entry]ref{}}
	size := func(e Entry) int { sz, _ := fb.size(e); return sz }
	for i, v := range grad.HeadGrads {
		bb.ext[Entry{Node: v}] = ref{i, 0, size(Entry{Node: v})}
	}
	for name, v := range vars {
		bb.ext[Entry{Node: v}] = ref{nOut + index[name], 0, size(Entry{Node: v})}
	}
	for e, i := range heads {
		bb.ext[e] = ref{nOut + nIn + i, 0, size(e)}
	}
	nReads := nOut + nIn + nOut
	bState := nReads
	nReads++
	for _, e := range saved {
		r := fb.ext[e]
		bb.ext[e] = ref{bState, r.off, r.n}
	}
	for name, v := range grad.Consts {
		node := constNode(bwdNodes, grad.Grads, name)
		if node == nil {
			continue // captured by gradient code that was pruned
		}
		bb.ext[Entry{Node: node}] = ref{nReads, 0, v.Shape().Size() * v.DType().Size()}
		p.consts = append(p.consts, v)
		nReads++
	}
	bb.prog.nreads = nReads
	claimed := map[Entry]bool{}
	var copies []int
	p.noGrad = make([]bool, len(grad.Grads))
	for k, e := range grad.Grads {
		switch {
		case e.Node == nil:
			p.noGrad[k] = true
		case !claimed[e] && !e.Node.IsVariable() && !fwdSet[e.Node]:
			claimed[e] = true
			bb.ext[e] = ref{nReads + k, 0, size(e)}
		default:
			copies = append(copies, k)
		}
	}
	bb.workBlob = nReads + len(grad.Grads)
	if err := bb.addNodes(bwdNodes); err != nil {
		return nil, err
	}
	for _, k := range copies {
		e := grad.Grads[k]
		if err := bb.addCopy(e, ref{nReads + k, 0, size(e)}); err != nil {
			return nil, err
		}
	}
	p.bwd = bb.finish()
	isGrad := func(b int) bool { return b >= nReads && b < nReads+len(grad.Grads) }
	p.bwdSegs = splitSegments(p.bwd, bb.workBlob, func(*step, int) bool { return false }, func(s *step, _ int) bool {
		for _, r := range s.out {
			if isGrad(r.blob) {
				return true
			}
		}
		return false
	})
	return p, nil
}

// opNodes returns the op nodes of order that are not in skip, and them
// as a set.
func opNodes(order []*Node, skip map[*Node]bool) ([]*Node, map[*Node]bool) {
	var nodes []*Node
	set := map[*Node]bool{}
	for _, n := range order {
		if !n.IsVariable() && !skip[n] {
			nodes = append(nodes, n)
			set[n] = true
		}
	}
	return nodes, set
}

// savedEntries lists the forward op outputs the backward pass reads
// (other than the outputs, which the caller keeps), in a fixed order.
func savedEntries(bwd []*Node, roots []Entry, fwd map[*Node]bool, heads map[Entry]int) []Entry {
	var saved []Entry
	seen := map[Entry]bool{}
	add := func(e Entry) {
		if fwd[e.Node] && !seen[e] {
			if _, isHead := heads[e]; !isHead {
				saved = append(saved, e)
			}
			seen[e] = true
		}
	}
	for _, n := range bwd {
		for _, e := range n.Inputs {
			add(e)
		}
	}
	for _, e := range roots {
		add(e)
	}
	return saved
}

// constNode finds the variable named name among the backward nodes'
// inputs and the gradients.
func constNode(bwd []*Node, grads []Entry, name string) *Node {
	for _, e := range grads {
		if e.Node != nil && e.Node.IsVariable() && e.Node.Name == name {
			return e.Node
		}
	}
	for _, n := range bwd {
		for _, e := range n.Inputs {
			if e.Node.IsVariable() && e.Node.Name == name {
				return e.Node
			}
		}
	}
	return nil
}

// specialize copies s with every op's training flag set to train.
func specialize(s *Symbol, train bool) *Symbol {
	return rewrite(s, func(n *Node) []Entry {
		if n.Op == nil {
			return nil
		}
		if fi := trainFieldIndex(n.Attrs); fi >= 0 {
			v := reflect.New(reflect.TypeOf(n.Attrs)).Elem()
			v.Set(reflect.ValueOf(n.Attrs))
			v.Field(fi).SetBool(train)
			n.Attrs = v.Interface()
		}
		return nil
	})
}

// fuseForPlan runs elementwise fusion over the forward and backward graph
// together (so a forward value the backward pass reads keeps its node) and
// returns the fused forward graph, the gradient entries in it, and the
// shapes and types of every entry.
func fuseForPlan(g *Symbol, grad *Gradient, shapes map[string]nd.Shape, types map[string]nd.DType) (*Symbol, *Gradient, *Info, error) {
	nOut := len(g.Outputs)
	all := &Symbol{Outputs: append([]Entry(nil), g.Outputs...)}
	var gradAt []int // where each gradient is among all's outputs; -1 for none
	if grad != nil {
		for _, e := range grad.Grads {
			if e.Node == nil {
				gradAt = append(gradAt, -1)
				continue
			}
			gradAt = append(gradAt, len(all.Outputs))
			all.Outputs = append(all.Outputs, e)
		}
	}
	fused, err := FuseElementwise(all, shapes, types)
	if err != nil {
		return nil, nil, nil, err
	}
	info, err := fused.Infer(shapes, types)
	if err != nil {
		return nil, nil, nil, err
	}
	g = &Symbol{Outputs: fused.Outputs[:nOut:nOut]}
	if grad == nil {
		return g, nil, info, nil
	}
	byName := map[string]*Node{}
	for _, n := range fused.Topo() {
		if n.IsVariable() {
			byName[n.Name] = n
		}
	}
	fg := *grad
	fg.Grads = make([]Entry, len(gradAt))
	for k, at := range gradAt {
		if at >= 0 {
			fg.Grads[k] = fused.Outputs[at]
		}
	}
	fg.HeadGrads = nil
	for _, v := range grad.HeadGrads {
		if n := byName[v.Name]; n != nil {
			fg.HeadGrads = append(fg.HeadGrads, n)
		} else {
			fg.HeadGrads = append(fg.HeadGrads, v) // read by nothing
		}
	}
	return g, &fg, info, nil
}

// earliestFirst orders gradient entries by how many backward nodes each
// needs, fewest first, so that the backward pass completes the gradients
// of the last layers first and their updates can start while it runs.
func earliestFirst(roots []Entry, fwd map[*Node]bool) []Entry {
	cost := map[Entry]int{}
	for _, e := range roots {
		n := 0
		for _, m := range (&Symbol{Outputs: []Entry{e}}).Topo() {
			if !m.IsVariable() && !fwd[m] {
				n++
			}
		}
		cost[e] = n
	}
	out := append([]Entry(nil), roots...)
	sort.SliceStable(out, func(i, j int) bool { return cost[out[i]] < cost[out[j]] })
	return out
}
