package symbol

import (
	"fmt"
	"math/rand/v2"

	"github.com/mxgo/mxgo/nd"
)

// A program is one pass of a cached graph (forward or backward) compiled
// for one input signature: the kernels to call in order, each with its
// blobs placed in the arrays of one bulk push — the pass's inputs and
// outputs, saved state, and a workspace for everything else.

// ref places a value: bytes [off, off+n) of blob `blob`, counted over the
// push's reads and then its writes.
type ref struct{ blob, off, n int }

type step struct {
	label   string // node name, for errors
	op      string
	rng     bool
	kernel  nd.Kernel
	args    nd.KernelArgs // reused by every run: runs of a program are serialized
	in, out []ref
}

type program struct {
	steps     []step
	nreads    int
	workBytes int
	rng       bool
}

// run calls every kernel in order on the push's blobs.
func (p *program) run(reads, writes []nd.Blob, rng *rand.Rand) error {
	for i := range p.steps {
		s := &p.steps[i]
		for j, r := range s.in {
			p.bind(&s.args.In[j], r, reads, writes)
		}
		for j, r := range s.out {
			p.bind(&s.args.Out[j], r, reads, writes)
		}
		s.args.RNG = rng
		if err := s.kernel(&s.args); err != nil {
			return fmt.Errorf("node %s: %w", s.label, err)
		}
	}
	return nil
}

func (p *program) bind(b *nd.Blob, r ref, reads, writes []nd.Blob) {
	var src *nd.Blob
	if r.blob < p.nreads {
		src = &reads[r.blob]
	} else {
		src = &writes[r.blob-p.nreads]
	}
	b.Chunk, b.Offset = src.Chunk, src.Offset+r.off
	if src.Data != nil {
		b.Data = src.Data[r.off : r.off+r.n : r.off+r.n]
	}
}

// progBuilder compiles a list of graph nodes into a program. Values in ext
// live in given arrays; the rest get workspace offsets, reused once their
// last reader has run.
type progBuilder struct {
	dev      nd.Device
	info     *Info
	ext      map[Entry]ref
	workBlob int
	// auxWrite places the variables a training BatchNorm updates in place.
	auxWrite map[*Node]ref
	train    bool

	prog   program
	arena  arena
	placed map[Entry]ref
}

func (b *progBuilder) size(e Entry) (int, error) {
	s, t := b.info.EntryShape(e), b.info.EntryType(e)
	if s == nil || t < 0 {
		return 0, fmt.Errorf("the shape of %s is unknown", entryName(e))
	}
	return s.Size() * t.Size(), nil
}

func (b *progBuilder) lookup(e Entry) (ref, error) {
	if r, ok := b.ext[e]; ok {
		return r, nil
	}
	if r, ok := b.placed[e]; ok {
		return r, nil
	}
	return ref{}, fmt.Errorf("%s is read before it is computed", entryName(e))
}

// addNodes appends a step per node, in order.
func (b *progBuilder) addNodes(nodes []*Node) error {
	if b.placed == nil {
		b.placed = map[Entry]ref{}
	}
	last := map[Entry]int{}
	for k, n := range nodes {
		for _, e := range n.Inputs {
			last[e] = k
		}
	}
	for k, n := range nodes {
		in := make([]ref, len(n.Inputs))
		for i, e := range n.Inputs {
			r, err := b.lookup(e)
			if err != nil {
				return err
			}
			in[i] = r
		}
		out := make([]ref, n.NumOutputs())
		for j := range out {
			e := Entry{n, j}
			if r, ok := b.ext[e]; ok {
				out[j] = r
				continue
			}
			sz, err := b.size(e)
			if err != nil {
				return err
			}
			if in0, ok := b.inPlace(n, e, sz, last, k); ok {
				// The output takes over its dying first input's bytes.
				out[j] = b.placed[in0]
				delete(b.placed, in0)
			} else {
				out[j] = ref{b.workBlob, b.arena.alloc(sz), sz}
			}
			b.placed[e] = out[j]
		}
		if err := b.addStep(n, n.Attrs, n.Inputs, in, outEntries(n), out); err != nil {
			return err
		}
		if err := b.addMovingAverage(n, in, out); err != nil {
			return err
		}
		// Workspace values whose last reader ran here (or that nobody
		// reads) give their bytes back.
		for _, e := range append(append([]Entry(nil), n.Inputs...), outEntries(n)...) {
			r, ok := b.placed[e]
			if l, used := last[e]; ok && (!used || l == k) {
				b.arena.release(r.off, r.n)
				delete(b.placed, e)
			}
		}
	}
	return nil
}

// inPlace reports whether n's output e may be written over n's first
// input (returned): an elementwise op (the fusion allow-list, whose kernels
// read each element before writing it), one output, the input a workspace
// value of the same size and dtype read only here and for the last time.
func (b *progBuilder) inPlace(n *Node, e Entry, size int, last map[Entry]int, k int) (Entry, bool) {
	if len(n.Inputs) == 0 || n.NumOutputs() != 1 || !inPlaceOp(n) {
		return Entry{}, false
	}
	in0 := n.Inputs[0]
	r, placed := b.placed[in0]
	if !placed || r.n != size || last[in0] != k || b.info.EntryType(in0) != b.info.EntryType(e) {
		return Entry{}, false
	}
	for _, x := range n.Inputs[1:] {
		if x == in0 {
			return Entry{}, false
		}
	}
	return in0, true
}

func inPlaceOp(n *Node) bool {
	if n.Op == fusedOp {
		return true
	}
	vet, ok := fusibleOps[n.Op.Name]
	return ok && (vet == nil || vet(n.Attrs, len(n.Inputs)))
}

func outEntries(n *Node) []Entry {
	es := make([]Entry, n.NumOutputs())
	for j := range es {
		es[j] = Entry{n, j}
	}
	return es
}

func (b *progBuilder) addStep(n *Node, attrs any, inE []Entry, in []ref, outE []Entry, out []ref) error {
	k, err := nd.KernelFor(n.Op, b.dev)
	if err != nil {
		return err
	}
	s := step{label: n.Name, op: n.Op.Name, rng: n.Op.RNG, kernel: k, in: in, out: out}
	s.args = nd.KernelArgs{Attrs: attrs, Dev: b.dev, In: make([]nd.Blob, len(in)), Out: make([]nd.Blob, len(out))}
	for i, e := range inE {
		s.args.In[i] = nd.Blob{Shape: b.info.EntryShape(e), DType: b.info.EntryType(e), Dev: b.dev}
	}
	for i, e := range outE {
		s.args.Out[i] = nd.Blob{Shape: b.info.EntryShape(e), DType: b.info.EntryType(e), Dev: b.dev}
	}
	b.prog.rng = b.prog.rng || n.Op.RNG
	b.prog.steps = append(b.prog.steps, s)
	return nil
}

// addMovingAverage follows a training BatchNorm with the update of its
// moving mean and variance, in place, as nd.BatchNormMeanVar does eagerly.
func (b *progBuilder) addMovingAverage(n *Node, in, out []ref) error {
	a, ok := n.Attrs.(nd.BatchNormAttrs)
	if !ok || n.Op.Name != "BatchNorm" || !b.train || a.UseGlobalStats || len(n.Inputs) != 5 {
		return nil
	}
	op, ok := nd.LookupOp("_moving_average")
	if !ok {
		return fmt.Errorf("op _moving_average is not registered")
	}
	m := 0.9
	if a.Momentum != nil {
		m = *a.Momentum
	}
	for i := 0; i < 2; i++ {
		aux := n.Inputs[3+i]
		w, ok := b.auxWrite[aux.Node]
		if !ok {
			return fmt.Errorf("%s: the moving statistics must be graph variables", n.Name)
		}
		stat := Entry{n, 1 + i}
		avg := &Node{Op: op, OpName: op.Name, Name: n.Name + "_moving_average"}
		if err := b.addStep(avg, nd.MovingAverageAttrs{Momentum: m}, []Entry{aux, stat}, []ref{in[3+i], out[1+i]}, []Entry{aux}, []ref{w}); err != nil {
			return err
		}
	}
	return nil
}

// addCopy appends a copy of the value at from into to (an output that
// repeats another, or that is a variable).
func (b *progBuilder) addCopy(e Entry, to ref) error {
	from, err := b.lookup(e)
	if err != nil {
		return err
	}
	op, ok := nd.LookupOp("_copy")
	if !ok {
		return fmt.Errorf("op _copy is not registered")
	}
	cp := &Node{Op: op, OpName: op.Name, Name: entryName(e) + "_copy"}
	return b.addStep(cp, nil, []Entry{e}, []ref{from}, []Entry{e}, []ref{to})
}

// finish returns the program with its workspace size.
func (b *progBuilder) finish() *program {
	p := b.prog
	p.workBytes = b.arena.size
	return &p
}

// segment is a run of a program's steps pushed on its own, reading and
// writing only the arrays those steps use: MXNet's bulk segments. Forward
// segments start where a new input is first read, so a layer need not wait
// for the optimizer's update of a later layer's weights; backward segments
// end where a gradient is complete, so its update can start while the
// rest of the pass runs. Segments of a pass all write its workspace, which
// keeps them in order. A segment's refs are renumbered over its own push.
type segment struct {
	prog *program
	run  func(r, w []nd.Blob, rng *rand.Rand) error // prog.run, made once
	// reads and writes are the blobs of the segment's push, as indices
	// into the pass's blobs (its reads, then its writes).
	reads, writes []int
}

// splitSegments cuts p before every step for which cutBefore reports true
// and after every step for which cutAfter does; work is the pass's
// workspace blob.
func splitSegments(p *program, work int, cutBefore, cutAfter func(s *step, i int) bool) []segment {
	var segs []segment
	start := 0
	for i := range p.steps {
		// cutBefore sees every step (it may track what came before).
		if cut := cutBefore(&p.steps[i], i); cut && i > start {
			segs = append(segs, makeSegment(p, p.steps[start:i], work))
			start = i
		}
		if cutAfter(&p.steps[i], i) || i == len(p.steps)-1 {
			segs = append(segs, makeSegment(p, p.steps[start:i+1], work))
			start = i + 1
		}
	}
	return segs
}

func makeSegment(p *program, steps []step, work int) segment {
	used, written := map[int]bool{}, map[int]bool{work: true}
	last := work
	for _, s := range steps {
		for _, r := range s.in {
			used[r.blob] = true
			last = max(last, r.blob)
		}
		for _, r := range s.out {
			written[r.blob] = true
			last = max(last, r.blob)
		}
	}
	// The push reads the pass's reads the steps use and the write blobs
	// they only read (filled by earlier segments); it writes the rest.
	var sg segment
	at := map[int]int{}
	for b := 0; b <= last; b++ {
		if used[b] && !written[b] {
			at[b] = len(sg.reads)
			sg.reads = append(sg.reads, b)
		}
	}
	for b := p.nreads; b <= last; b++ {
		if written[b] {
			sg.writes = append(sg.writes, b)
		}
	}
	for i, b := range sg.writes {
		at[b] = len(sg.reads) + i
	}
	sp := &program{nreads: len(sg.reads), workBytes: p.workBytes}
	for _, s := range steps {
		c := s
		c.args.In = append([]nd.Blob(nil), s.args.In...)
		c.args.Out = append([]nd.Blob(nil), s.args.Out...)
		c.in, c.out = make([]ref, len(s.in)), make([]ref, len(s.out))
		for i, r := range s.in {
			c.in[i] = ref{at[r.blob], r.off, r.n}
		}
		for i, r := range s.out {
			c.out[i] = ref{at[r.blob], r.off, r.n}
		}
		sp.rng = sp.rng || s.rng
		sp.steps = append(sp.steps, c)
	}
	sg.prog, sg.run = sp, sp.run
	return sg
}
