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

	mu     sync.Mutex
	pushMu sync.Mutex // held while a pass pushes its segments
	// Scratch lists reused by every push under pushMu, so that a call
	// allocates only its outputs and its tape node.
	passArrays, segReads, segWrites []*nd.NDArray
	fwdWork, bwdWork                *nd.NDArray
	bwdName                         string          // name of the backward pushes, set with bwdWork
	states                          []*nd.NDArray   // free state buffers
	gradFree                        [][]*nd.NDArray // per gradient input: recycled gradient arrays
	stateAllocs                     int
	// With ReuseOutputs, reused are the outputs calls write while
	// reusedBusy is false: no call holds them on a tape that backward has
	// not freed yet.
	reuse      bool
	reused     []*nd.NDArray
	reusedBusy bool
}

// compilation is the state shared by the passes of one compile.
type compilation struct {
	p        *cachedPlan
	dev      nd.Device
	train    bool
	g        *Symbol   // the forward graph, specialized and fused
	grad     *Gradient // nil without gradients
	info     *Info
	index    map[string]int   // input name -> position
	vars     map[string]*Node // the graph's input variables
	heads    map[Entry]int    // op outputs that are graph outputs -> first position
	nIn      int
	fwdNodes []*Node
	fwdSet   map[*Node]bool
	bwdNodes []*Node
	saved    []Entry // forward values the backward pass reads, in the state
	fb       *progBuilder
}

// compile builds the programs for one signature.
func (c *CachedOp) compile(in []*nd.NDArray, train bool, mask []bool) (*cachedPlan, error) {
	cc := &compilation{dev: in[0].Device(), train: train, g: specialize(c.sym, train), index: map[string]int{}, nIn: len(in)}
	shapes, types := map[string]nd.Shape{}, map[string]nd.DType{}
	for i, x := range in {
		shapes[c.inputs[i]], types[c.inputs[i]] = x.Shape(), x.DType()
		cc.index[c.inputs[i]] = i
	}
	info, err := cc.g.Infer(shapes, types)
	if err != nil {
		return nil, err
	}
	p := &cachedPlan{name: "cached graph", dev: cc.dev, outShapes: info.OutShapes, outTypes: info.OutTypes, reuse: c.opts.ReuseOutputs}
	cc.p = p
	if len(cc.g.Outputs) == 1 {
		p.name = "cached graph " + cc.g.Outputs[0].Node.Name
	}
	var wrt []string
	for i, m := range mask {
		if m {
			wrt = append(wrt, c.inputs[i])
			p.gradInputs = append(p.gradInputs, i)
		}
	}
	if len(wrt) > 0 {
		if cc.grad, err = DeriveGradient(cc.g, wrt, info, cc.dev); err != nil {
			return nil, err
		}
		for i, v := range cc.grad.HeadGrads {
			shapes[v.Name], types[v.Name] = info.OutShapes[i], info.OutTypes[i]
		}
		for name, v := range cc.grad.Consts {
			shapes[name], types[name] = v.Shape(), v.DType()
		}
	}
	if cc.g, cc.grad, cc.info, err = fuseForPlan(cc.g, cc.grad, shapes, types); err != nil {
		return nil, err
	}
	cc.vars = map[string]*Node{}
	for _, n := range cc.g.Topo() {
		if _, isInput := cc.index[n.Name]; isInput && n.IsVariable() {
			cc.vars[n.Name] = n
		}
	}
	cc.fwdNodes, cc.fwdSet = opNodes(cc.g.Topo(), nil)
	cc.heads = map[Entry]int{}
	for i, e := range cc.g.Outputs {
		if _, dup := cc.heads[e]; !dup && !e.Node.IsVariable() {
			cc.heads[e] = i
		}
	}
	if err := cc.forward(); err != nil {
		return nil, err
	}
	if cc.grad != nil {
		if err := cc.backward(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// forward builds the forward program. Its push reads the inputs and
// writes the outputs, the state (if backward needs one), the workspace and
// the moving statistics a training BatchNorm updates.
func (cc *compilation) forward() error {
	p, nIn, nOut := cc.p, cc.nIn, len(cc.g.Outputs)
	fb := &progBuilder{dev: cc.dev, info: cc.info, ext: map[Entry]ref{}, train: cc.train, auxWrite: map[*Node]ref{}}
	cc.fb = fb
	for name, v := range cc.vars {
		sz, err := fb.size(Entry{Node: v})
		if err != nil {
			return err
		}
		fb.ext[Entry{Node: v}] = ref{cc.index[name], 0, sz}
	}
	for e, i := range cc.heads {
		sz, err := fb.size(e)
		if err != nil {
			return err
		}
		fb.ext[e] = ref{nIn + i, 0, sz}
	}
	nWrites := nOut
	if cc.grad != nil {
		var roots []Entry
		for _, e := range cc.grad.Grads {
			if e.Node != nil {
				roots = append(roots, e)
			}
		}
		cc.bwdNodes, _ = opNodes((&Symbol{Outputs: earliestFirst(roots, cc.fwdSet)}).Topo(), cc.fwdSet)
		cc.saved = savedEntries(cc.bwdNodes, roots, cc.fwdSet, cc.heads)
		stateBlob := nIn + nWrites
		nWrites++
		off := 0
		for _, e := range cc.saved {
			sz, err := fb.size(e)
			if err != nil {
				return err
			}
			fb.ext[e] = ref{stateBlob, off, sz}
			off += alignUp(sz)
		}
		p.stateBytes = max(off, planAlign)
	}
	fb.workBlob = nIn + nWrites
	nWrites++
	if cc.train {
		for _, n := range cc.fwdNodes {
			if a, ok := n.Attrs.(nd.BatchNormAttrs); ok && n.Op.Name == "BatchNorm" && !a.UseGlobalStats && len(n.Inputs) == 5 {
				for _, e := range n.Inputs[3:] {
					i, isInput := cc.index[e.Node.Name]
					if !e.Node.IsVariable() || !isInput {
						return fmt.Errorf("%s: the moving statistics must be graph inputs", n.Name)
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
	if err := fb.addNodes(cc.fwdNodes); err != nil {
		return err
	}
	for i, e := range cc.g.Outputs {
		if cc.heads[e] != i || e.Node.IsVariable() {
			sz, err := fb.size(e)
			if err != nil {
				return err
			}
			if err := fb.addCopy(e, ref{nIn + i, 0, sz}); err != nil {
				return err
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
	return nil
}

// backward builds the backward program. Its push reads the output
// gradients, the inputs, the outputs, the state and the gradient
// constants, and writes the input gradients and its workspace.
func (cc *compilation) backward() error {
	p, grad, nIn, nOut := cc.p, cc.grad, cc.nIn, len(cc.g.Outputs)
	bb := &progBuilder{dev: cc.dev, info: cc.info, ext: map[Entry]ref{}}
	size := func(e Entry) int { sz, _ := bb.size(e); return sz }
	for i, v := range grad.HeadGrads {
		bb.ext[Entry{Node: v}] = ref{i, 0, size(Entry{Node: v})}
	}
	for name, v := range cc.vars {
		bb.ext[Entry{Node: v}] = ref{nOut + cc.index[name], 0, size(Entry{Node: v})}
	}
	for e, i := range cc.heads {
		bb.ext[e] = ref{nOut + nIn + i, 0, size(e)}
	}
	nReads := nOut + nIn + nOut
	bState := nReads
	nReads++
	for _, e := range cc.saved {
		r := cc.fb.ext[e]
		bb.ext[e] = ref{bState, r.off, r.n}
	}
	for name, v := range grad.Consts {
		node := constNode(cc.bwdNodes, grad.Grads, name)
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
		case !claimed[e] && !e.Node.IsVariable() && !cc.fwdSet[e.Node]:
			claimed[e] = true
			bb.ext[e] = ref{nReads + k, 0, size(e)}
		default:
			copies = append(copies, k)
		}
	}
	bb.workBlob = nReads + len(grad.Grads)
	if err := bb.addNodes(cc.bwdNodes); err != nil {
		return err
	}
	for _, k := range copies {
		e := grad.Grads[k]
		if err := bb.addCopy(e, ref{nReads + k, 0, size(e)}); err != nil {
			return err
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
	return nil
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
