package symbol

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/kernels"
)

// Elementwise fusion. A chain or tree of elementwise ops whose
// intermediate values have one reader each runs as one node of the
// _fused_elemwise op: its kernel walks the data in blocks of a few
// thousand elements and runs every member's own kernel on the block, the
// intermediates living in small scratch buffers that stay in cache. The
// arithmetic is the members' (results are bit-identical to running them
// one by one); what goes away is one full-size array and one pass over
// memory per intermediate.

// FusedStep is one member op of a fused node.
type FusedStep struct {
	// Op and OpName are the member's operator and its spelling in the graph.
	Op     *nd.OpDef
	OpName string
	// Name is the name the member's node had.
	Name  string
	Attrs any
	// Args are the step's operands: slot i < NumInputs is the fused node's
	// input i; slot NumInputs+j is the result of step j.
	Args []int
}

// FusedAttrs are the attributes of a _fused_elemwise node: the member ops
// in execution order; the last step's result is the node's output. They
// are built by FuseElementwise and are not serializable to MXNet's JSON.
type FusedAttrs struct {
	NumInputs int
	Steps     []FusedStep
	// bufs[j] is the scratch buffer that holds step j's result block
	// (unused for the last step, which writes the output); buffers are
	// reused once the step reading them has run.
	bufs  []int
	nbufs int
}

// String lists the members, e.g. "relu(mul_scalar(in0))".
func (a FusedAttrs) String() string {
	var expr func(slot int) string
	expr = func(slot int) string {
		if slot < a.NumInputs {
			return fmt.Sprintf("in%d", slot)
		}
		st := a.Steps[slot-a.NumInputs]
		args := make([]string, len(st.Args))
		for i, s := range st.Args {
			args[i] = expr(s)
		}
		return st.OpName + "(" + strings.Join(args, ", ") + ")"
	}
	if len(a.Steps) == 0 {
		return "()"
	}
	return expr(a.NumInputs + len(a.Steps) - 1)
}

// fusedOp is the operator of fused nodes. It is not in nd's registry:
// graphs holding it come only from FuseElementwise.
var fusedOp *nd.OpDef

func init() {
	fusedOp = &nd.OpDef{
		Name:       "_fused_elemwise",
		Attrs:      FusedAttrs{},
		NumInputs:  -1,
		InferShape: fusedInferShape,
		InferType:  fusedInferType,
		Kernels:    map[engine.DeviceType]nd.Kernel{engine.CPU: fusedKernel},
		Grad:       fusedGrad,
	}
}

// FusedOp returns the operator of the nodes FuseElementwise creates.
func FusedOp() *nd.OpDef { return fusedOp }

// fusibleOps is the allow-list: ops whose CPU kernels, given contiguous
// inputs that all have the output's shape and dtype, compute each output
// element from the same-position input elements only, so they may be run
// on any sub-range of the data. The function, when present, vets attrs.
var fusibleOps = map[string]func(attrs any, nin int) bool{}

func init() {
	for _, name := range []string{
		"negative", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "abs", "sign",
		"reciprocal", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "softrelu", "erf", "gelu",
		"floor", "ceil", "round", "clip", "_gelu_derivative", "Activation",
		"_plus_scalar", "_minus_scalar", "_rminus_scalar", "_mul_scalar", "_div_scalar", "_rdiv_scalar",
		"_power_scalar", "_rpower_scalar", "_mod_scalar", "_rmod_scalar", "_maximum_scalar", "_minimum_scalar",
		"_equal_scalar", "_not_equal_scalar", "_greater_scalar", "_greater_equal_scalar",
		"_lesser_scalar", "_lesser_equal_scalar",
		"broadcast_add", "broadcast_sub", "broadcast_mul", "broadcast_div", "broadcast_power",
		"broadcast_mod", "broadcast_maximum", "broadcast_minimum", "broadcast_equal",
		"broadcast_not_equal", "broadcast_greater", "broadcast_greater_equal", "broadcast_lesser",
		"broadcast_lesser_equal", "broadcast_logical_and", "broadcast_logical_or", "broadcast_logical_xor",
		"_relu_grad", "where",
	} {
		fusibleOps[name] = nil
	}
	// prelu reads a per-channel gamma: position-dependent.
	fusibleOps["LeakyReLU"] = func(attrs any, nin int) bool {
		a, ok := attrs.(nd.LeakyReLUAttrs)
		return ok && a.ActType != "prelu" && nin == 1
	}
}

// FuseElementwise replaces groups of elementwise ops by single
// _fused_elemwise nodes and returns the new graph (s is not changed).
// shapes and types give the graph inputs' shapes and dtypes, as for Infer;
// ops whose shapes stay unknown are not fused.
//
// A group is a tree of ops from an allow-list (unary math, Activation,
// LeakyReLU other than prelu, clip, the *_scalar ops, the binary
// broadcast_* / elemwise_* ops, _relu_grad and where) in which every
// member's inputs and output have one shape and one dtype (so a binary op
// that broadcasts is not fused) and every value passed between members has
// exactly one reader; a value read twice, or that is a graph output,
// stays a node output. Nodes in control dependencies are left alone. Only
// groups of two or more ops are fused; the fused node takes the root's
// name, so output names are kept.
//
// The fused op has a CPU kernel and a gradient (the members' gradients
// chained), so the graph runs in Executor, under autograd, and in any
// caller of nd.Invoke. Fused graphs cannot be written as MXNet JSON.
func FuseElementwise(s *Symbol, shapes map[string]nd.Shape, types map[string]nd.DType) (*Symbol, error) {
	info, err := s.InferPartial(shapes, types)
	if err != nil {
		return nil, fmt.Errorf("symbol: fuse elementwise: %w", err)
	}
	order := s.Topo()
	uses := consumerCounts(s)
	pinned := controlPinned(order)
	groupOf := map[*Node]*fuseGroup{}
	for _, n := range order {
		if !fusibleNode(n, info, pinned) {
			continue
		}
		g := &fuseGroup{root: n, members: []*Node{n}}
		for _, e := range n.Inputs {
			if m := groupOf[e.Node]; m != nil && m != g && uses[e] == 1 && e.Index == 0 {
				g.members = append(g.members, m.members...)
				for _, x := range m.members {
					groupOf[x] = g
				}
			}
		}
		groupOf[n] = g
	}
	pos := make(map[*Node]int, len(order))
	for i, n := range order {
		pos[n] = i
	}
	fused := map[*Node]FusedAttrs{} // by root
	ins := map[*Node][]Entry{}
	for root, g := range groupOf {
		if len(g.members) < 2 || g.root != root {
			continue
		}
		sort.Slice(g.members, func(i, j int) bool { return pos[g.members[i]] < pos[g.members[j]] })
		fused[root], ins[root] = buildFused(g.members)
	}
	if len(fused) == 0 {
		return rewriteMapped(s, nil), nil
	}
	return rewriteMapped(s, func(n, _ *Node, remap func(Entry) Entry) []Entry {
		a, ok := fused[n]
		if !ok {
			return nil
		}
		f := &Node{Op: fusedOp, OpName: fusedOp.Name, Name: n.Name, Attrs: a}
		for _, e := range ins[n] {
			f.Inputs = append(f.Inputs, remap(e))
		}
		return []Entry{{Node: f}}
	}), nil
}

// fuseGroup is a set of nodes to fuse; root is the one whose output
// leaves the group.
type fuseGroup struct {
	root    *Node
	members []*Node
}

func fusibleNode(n *Node, info *Info, pinned map[*Node]bool) bool {
	if n.Op == nil || pinned[n] || n.NumOutputs() != 1 {
		return false
	}
	vet, ok := fusibleOps[n.Op.Name]
	if !ok || (vet != nil && !vet(n.Attrs, len(n.Inputs))) || len(n.Inputs) == 0 {
		return false
	}
	out := Entry{n, 0}
	sh, t := info.EntryShape(out), info.EntryType(out)
	if sh == nil || t < 0 || t == nd.Float16 || t == nd.BFloat16 {
		return false
	}
	for _, e := range n.Inputs {
		if !info.EntryShape(e).Equal(sh) || info.EntryType(e) != t {
			return false
		}
	}
	return true
}

// buildFused numbers a group's operands and plans its scratch buffers.
// members are in graph order, the root last.
func buildFused(members []*Node) (FusedAttrs, []Entry) {
	step := make(map[*Node]int, len(members))
	for i, m := range members {
		step[m] = i
	}
	var ext []Entry
	extSlot := map[Entry]int{}
	var a FusedAttrs
	for _, m := range members {
		st := FusedStep{Op: m.Op, OpName: m.OpName, Name: m.Name, Attrs: m.Attrs}
		for _, e := range m.Inputs {
			if j, in := step[e.Node]; in {
				st.Args = append(st.Args, -1-j) // patched below, once NumInputs is known
				continue
			}
			k, seen := extSlot[e]
			if !seen {
				k = len(ext)
				extSlot[e] = k
				ext = append(ext, e)
			}
			st.Args = append(st.Args, k)
		}
		a.Steps = append(a.Steps, st)
	}
	a.NumInputs = len(ext)
	for i := range a.Steps {
		for k, s := range a.Steps[i].Args {
			if s < 0 {
				a.Steps[i].Args[k] = a.NumInputs + (-1 - s)
			}
		}
	}
	a.bufs, a.nbufs = planFusedBuffers(a)
	return a, ext
}

// planFusedBuffers gives each step but the last a scratch buffer. A step's
// result is read once, by a later step; its buffer is free again after that
// step ran (not before: a kernel must not write over its own input).
func planFusedBuffers(a FusedAttrs) ([]int, int) {
	bufs := make([]int, len(a.Steps))
	var free []int
	n := 0
	for j, st := range a.Steps {
		if j < len(a.Steps)-1 {
			if len(free) > 0 {
				bufs[j], free = free[len(free)-1], free[:len(free)-1]
			} else {
				bufs[j] = n
				n++
			}
		} else {
			bufs[j] = -1
		}
		for _, s := range st.Args {
			if s >= a.NumInputs {
				free = append(free, bufs[s-a.NumInputs])
			}
		}
	}
	return bufs, n
}

// fusedInferShape runs the members' shape rules; every member must keep
// the common shape (that is what makes blockwise execution valid).
func fusedInferShape(attrs any, in []nd.Shape) ([]nd.Shape, error) {
	a := attrs.(FusedAttrs)
	if len(in) != a.NumInputs || len(a.Steps) == 0 {
		return nil, fmt.Errorf("got %d inputs, want %d", len(in), a.NumInputs)
	}
	for _, s := range in[1:] {
		if !s.Equal(in[0]) {
			return nil, fmt.Errorf("input shapes %v differ", in)
		}
	}
	slots := slices.Clone(in)
	for _, st := range a.Steps {
		args := make([]nd.Shape, len(st.Args))
		for i, s := range st.Args {
			args[i] = slots[s]
		}
		out, err := st.Op.InferShape(st.Attrs, args)
		if err != nil {
			return nil, fmt.Errorf("member %s (%s): %w", st.Name, st.OpName, err)
		}
		if len(out) != 1 || !out[0].Equal(in[0]) {
			return nil, fmt.Errorf("member %s (%s) gives %v from %v", st.Name, st.OpName, out, in[0])
		}
		slots = append(slots, out[0])
	}
	return []nd.Shape{in[0].Clone()}, nil
}

// fusedInferType runs the members' type rules; all values share one dtype.
func fusedInferType(attrs any, in []nd.DType) ([]nd.DType, error) {
	a := attrs.(FusedAttrs)
	if len(in) != a.NumInputs || len(a.Steps) == 0 {
		return nil, fmt.Errorf("got %d input types, want %d", len(in), a.NumInputs)
	}
	for _, t := range in {
		if t != in[0] {
			return nil, fmt.Errorf("input dtypes %v differ", in)
		}
	}
	for _, st := range a.Steps {
		if st.Op.InferType == nil {
			continue
		}
		args := make([]nd.DType, len(st.Args))
		for i := range args {
			args[i] = in[0]
		}
		out, err := st.Op.InferType(st.Attrs, args)
		if err != nil {
			return nil, fmt.Errorf("member %s (%s): %w", st.Name, st.OpName, err)
		}
		if len(out) != 1 || out[0] != in[0] {
			return nil, fmt.Errorf("member %s (%s) gives %v from %v", st.Name, st.OpName, out, in[0])
		}
	}
	return []nd.DType{in[0]}, nil
}

const (
	// fusedBlockBytes is the block one member kernel call sees: 4096
	// float32s. A chain's operand blocks and scratch buffers then fit in
	// L1/L2 together, and a call is long enough to amortize its overhead.
	fusedBlockBytes = 16 << 10
	// fusedParallelMin is the size (in elements) from which blocks are
	// spread over the kernel threads.
	fusedParallelMin = 1 << 15
)

var fusedScratch = sync.Pool{New: func() any { return new([]byte) }}

// fusedKernel runs the members block by block, in parallel over blocks.
func fusedKernel(k *nd.KernelArgs) error {
	a := k.Attrs.(FusedAttrs)
	out := k.Out[0]
	es := out.DType.Size()
	n := out.Shape.Size()
	if n == 0 {
		return nil
	}
	if es == 0 {
		return fmt.Errorf("dtype %v has no element size", out.DType)
	}
	run := make([]nd.Kernel, len(a.Steps))
	for i, st := range a.Steps {
		if run[i] = st.Op.Kernels[engine.CPU]; run[i] == nil {
			return fmt.Errorf("member %s (%s) has no CPU kernel", st.Name, st.OpName)
		}
	}
	block := max(fusedBlockBytes/es, 1)
	nblocks := (n + block - 1) / block
	var failed atomic.Pointer[error]
	kernels.ParallelFor(nblocks, max(fusedParallelMin/block, 1), func(lo, hi int) {
		if err := fusedBlocks(k, a, run, block, lo, hi, n, es); err != nil {
			failed.CompareAndSwap(nil, &err)
		}
	})
	if p := failed.Load(); p != nil {
		return *p
	}
	return nil
}

// fusedBlocks runs blocks [lo, hi) of the fused computation.
func fusedBlocks(k *nd.KernelArgs, a FusedAttrs, run []nd.Kernel, block, lo, hi, n, es int) error {
	sp := fusedScratch.Get().(*[]byte)
	defer fusedScratch.Put(sp)
	need := a.nbufs * block * es
	if cap(*sp) < need {
		*sp = make([]byte, need)
	}
	scratch := (*sp)[:need]
	out := k.Out[0]
	// One argument set per step, reused for every block.
	args := make([]nd.KernelArgs, len(a.Steps))
	ins := make([]nd.Blob, 0, 3*len(a.Steps))
	for j, st := range a.Steps {
		args[j] = nd.KernelArgs{Attrs: st.Attrs, Dev: k.Dev, Out: make([]nd.Blob, 1)}
		start := len(ins)
		for range st.Args {
			ins = append(ins, nd.Blob{DType: out.DType, Dev: k.Dev})
		}
		args[j].In = ins[start:len(ins):len(ins)]
	}
	full := nd.Shape{block}
	for b := lo; b < hi; b++ {
		first := b * block
		m := min(block, n-first)
		shape := full
		if m != block {
			shape = nd.Shape{m}
		}
		lob, hib := first*es, (first+m)*es
		for j, st := range a.Steps {
			ka := &args[j]
			for i, s := range st.Args {
				blob := &ka.In[i]
				blob.Shape = shape
				if s < a.NumInputs {
					blob.Data = k.In[s].Data[lob:hib]
				} else {
					off := a.bufs[s-a.NumInputs] * block * es
					blob.Data = scratch[off : off+m*es]
				}
			}
			o := &ka.Out[0]
			*o = nd.Blob{Shape: shape, DType: out.DType, Dev: k.Dev}
			if a.bufs[j] < 0 {
				o.Data = out.Data[lob:hib]
			} else {
				off := a.bufs[j] * block * es
				o.Data = scratch[off : off+m*es]
			}
			if err := run[j](ka); err != nil {
				return fmt.Errorf("member %s (%s): %w", st.Name, st.OpName, err)
			}
		}
	}
	return nil
}

// fusedGrad chains the members' gradients: it recomputes the intermediate
// values with the members' ops, then walks the steps backwards, each
// member's Grad turning its output gradient into gradients of its operands
// (summed where an input feeds several members). Members without a Grad
// pass no gradient, as they would unfused.
func fusedGrad(g *nd.GradArgs) []*nd.NDArray {
	a := g.Attrs.(FusedAttrs)
	slots := slices.Clone(g.Inputs)
	for j, st := range a.Steps {
		if j == len(a.Steps)-1 {
			slots = append(slots, g.Outputs[0])
			break
		}
		args := make([]*nd.NDArray, len(st.Args))
		for i, s := range st.Args {
			args[i] = slots[s]
		}
		slots = append(slots, nd.Invoke(st.Op, st.Attrs, args...)[0])
	}
	grads := make([]*nd.NDArray, len(slots))
	grads[len(slots)-1] = g.OutGrads[0]
	for j := len(a.Steps) - 1; j >= 0; j-- {
		st := a.Steps[j]
		og := grads[a.NumInputs+j]
		if og == nil || st.Op.Grad == nil {
			continue
		}
		args := make([]*nd.NDArray, len(st.Args))
		for i, s := range st.Args {
			args[i] = slots[s]
		}
		gs := st.Op.Grad(&nd.GradArgs{Attrs: st.Attrs, Inputs: args, Outputs: []*nd.NDArray{slots[a.NumInputs+j]}, OutGrads: []*nd.NDArray{og}})
		for i, s := range st.Args {
			if i >= len(gs) || gs[i] == nil {
				continue
			}
			if grads[s] == nil {
				grads[s] = gs[i]
			} else {
				grads[s] = nd.Add(grads[s], gs[i])
			}
		}
	}
	return grads[:a.NumInputs]
}
