package symbol

import (
	"fmt"
	"slices"
	"sync"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

// Call runs the graph on in (one array per input name) and returns its
// outputs. Under autograd.Record, gradients flow to the inputs that
// autograd tracks.
func (c *CachedOp) Call(in []*nd.NDArray) ([]*nd.NDArray, error) { return c.CallInto(nil, in) }

// CallInto is Call appending the outputs to dst, which may be a buffer
// on the caller's stack: a steady-state call then allocates only its
// output arrays. On error it returns nil.
func (c *CachedOp) CallInto(dst, in []*nd.NDArray) ([]*nd.NDArray, error) {
	if len(in) != len(c.inputs) {
		return nil, fmt.Errorf("symbol: cached op: got %d inputs, want %d (%v)", len(in), len(c.inputs), c.inputs)
	}
	for i, x := range in {
		if x == nil {
			return nil, fmt.Errorf("symbol: cached op: input %s is nil", c.inputs[i])
		}
	}
	train, rec := autograd.IsTraining(), autograd.IsRecording()
	var maskBuf [32]bool
	mask := maskBuf[:0]
	anyGrad := false
	for i, x := range in {
		m := false
		if rec {
			if _, isVar := c.vars[c.inputs[i]]; isVar && x.AG().Tracked() {
				m, anyGrad = true, true
			}
		}
		mask = append(mask, m)
	}
	p := c.plan(in, train, mask)
	if p.fallback {
		out, err := c.runOpByOp(in)
		if err != nil {
			return nil, err
		}
		return append(dst, out...), nil
	}
	err := nd.Try(func() {
		k := newCachedCall(p, in)
		if anyGrad {
			dst = append(dst, autograd.Apply(k, k.inputs...)...)
			return
		}
		dst = append(dst, k.Forward(k.inputs...)...)
		k.releaseOutputs() // unrecorded: the next call may overwrite them
		k.recycle()
	})
	if err != nil {
		return nil, err
	}
	return dst, nil
}

// cachedCall is one call of a compiled CachedOp; as an autograd.Function
// it is the call's node on the tape. Calls are pooled: one goes back once
// its outputs are handed over (unrecorded) or autograd has released it.
type cachedCall struct {
	plan     *cachedPlan
	inputs   []*nd.NDArray // contiguous inputs, owned by the call
	outputs  []*nd.NDArray
	state    *nd.NDArray
	released bool
	// ownsReused marks a call that writes its plan's reused outputs.
	ownsReused bool
}

var callPool = sync.Pool{New: func() any { return new(cachedCall) }}

// newCachedCall returns a call of p on in, with contiguous copies of the
// inputs that are not contiguous.
func newCachedCall(p *cachedPlan, in []*nd.NDArray) *cachedCall {
	k := callPool.Get().(*cachedCall)
	k.plan = p
	k.inputs = append(k.inputs[:0], in...)
	for i, x := range k.inputs {
		if !x.IsContiguous() {
			k.inputs[i] = x.Copy()
		}
	}
	return k
}

// recycle returns k to the pool; nothing may refer to k any more.
func (k *cachedCall) recycle() {
	clear(k.inputs[:cap(k.inputs)])
	clear(k.outputs[:cap(k.outputs)])
	*k = cachedCall{inputs: k.inputs[:0], outputs: k.outputs[:0]}
	callPool.Put(k)
}

func bytesArray(n int, dev nd.Device) *nd.NDArray {
	return nd.Empty(nd.Shape{max(n, planAlign)}, nd.OfType(nd.Uint8), nd.On(dev))
}

// Forward pushes the forward program (autograd.Function). The returned
// list is k's: callers copy it.
func (k *cachedCall) Forward(in ...*nd.NDArray) []*nd.NDArray {
	p := k.plan
	outs := k.outputs[:0]
	if p.reuse && p.takeReused(in) {
		outs, k.ownsReused = append(outs, p.reused...), true
	} else {
		for i := range p.outShapes {
			outs = append(outs, nd.Empty(p.outShapes[i], nd.OfType(p.outTypes[i]), nd.On(p.dev)))
		}
	}
	k.outputs = outs
	p.mu.Lock()
	if p.bwd != nil {
		if n := len(p.states); n > 0 {
			k.state, p.states = p.states[n-1], p.states[:n-1]
		} else {
			k.state = bytesArray(p.stateBytes, p.dev)
			p.stateAllocs++
		}
	}
	if p.fwdWork == nil {
		p.fwdWork = bytesArray(p.fwd.workBytes, p.dev)
	}
	p.mu.Unlock()
	p.pushMu.Lock()
	defer p.pushMu.Unlock()
	// The pass's blobs: its reads (the inputs), then its writes (outputs,
	// state, workspace, inputs a BatchNorm updates).
	arrays := append(append(p.passArrays[:0], in...), k.outputs...)
	if k.state != nil {
		arrays = append(arrays, k.state)
	}
	arrays = append(arrays, p.fwdWork)
	for _, i := range p.mutated {
		arrays = append(arrays, in[i])
	}
	p.passArrays = arrays
	p.pushSegments(p.name, p.fwdSegs, arrays)
	return k.outputs
}

// takeReused reports whether a call reading in may write p's reused
// outputs (making them on first use), and marks them taken.
func (p *cachedPlan) takeReused(in []*nd.NDArray) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reusedBusy {
		return false
	}
	if p.reused == nil {
		for i := range p.outShapes {
			p.reused = append(p.reused, nd.Empty(p.outShapes[i], nd.OfType(p.outTypes[i]), nd.On(p.dev)))
		}
	}
	for _, x := range in {
		for _, o := range p.reused {
			if x.SharesStorage(o) {
				return false
			}
		}
	}
	p.reusedBusy = true
	return true
}

// releaseOutputs lets later calls write the reused outputs k holds, once
// nothing records them as k's any more.
func (k *cachedCall) releaseOutputs() {
	if !k.ownsReused {
		return
	}
	k.ownsReused = false
	p := k.plan
	p.mu.Lock()
	p.reusedBusy = false
	p.mu.Unlock()
}

// Backward pushes the backward program (autograd.Function).
func (k *cachedCall) Backward(outGrads ...*nd.NDArray) []*nd.NDArray {
	return k.BackwardInto(outGrads, nil)
}

// BackwardInto is Backward writing the gradient of input i into into[i]
// where that is not nil (autograd.BackwardIntoer). With one entry of into
// per input it returns into holding the gradients. Other gradients come
// from the plan's recycled ones (RecycleGradient) when it has some.
func (k *cachedCall) BackwardInto(outGrads, into []*nd.NDArray) []*nd.NDArray {
	p := k.plan
	grads := into
	if len(into) != len(k.inputs) {
		grads = make([]*nd.NDArray, len(k.inputs))
	}
	// Pick each gradient's array: into[i], a recycled one or a new one.
	// gradInputs is ascending: walk it beside the inputs. grads may be
	// into, so into[i] is read before grads[i] is written.
	p.mu.Lock()
	if p.bwdWork == nil {
		p.bwdWork = bytesArray(p.bwd.workBytes, p.dev)
		p.bwdName = p.name + " backward"
		p.gradFree = make([][]*nd.NDArray, len(p.gradInputs))
	}
	j := 0
	for i := range k.inputs {
		if j == len(p.gradInputs) || p.gradInputs[j] != i {
			grads[i] = nil
			continue
		}
		var g *nd.NDArray
		if i < len(into) && into[i] != nil && !p.noGrad[j] {
			g = into[i]
		} else if free := p.gradFree[j]; len(free) > 0 {
			g = free[len(free)-1]
			free[len(free)-1] = nil
			p.gradFree[j] = free[:len(free)-1]
		}
		grads[i] = g
		j++
	}
	p.mu.Unlock()
	for _, i := range p.gradInputs {
		if grads[i] == nil {
			x := k.inputs[i]
			grads[i] = nd.Empty(x.Shape(), nd.OfType(x.DType()), nd.On(p.dev))
		}
	}
	k.pushBackward(outGrads, grads)
	// What no gradient reaches is scratch the program writes: it goes
	// back to the free list now (later writes queue behind this push).
	for j, i := range p.gradInputs {
		if p.noGrad[j] {
			k.RecycleGradient(i, grads[i])
			grads[i] = nil
		}
	}
	return grads
}

// pushBackward pushes the backward program writing the gradients in grads.
func (k *cachedCall) pushBackward(outGrads, grads []*nd.NDArray) {
	p := k.plan
	p.pushMu.Lock()
	defer p.pushMu.Unlock()
	// The pass's reads: output gradients, inputs, outputs, state and
	// gradient constants; then its writes: the gradients and workspace.
	arrays := p.passArrays[:0]
	for _, g := range outGrads {
		if !g.IsContiguous() {
			g = g.Copy()
		}
		arrays = append(arrays, g)
	}
	arrays = append(arrays, k.inputs...)
	arrays = append(arrays, k.outputs...)
	arrays = append(arrays, k.state)
	arrays = append(arrays, p.consts...)
	for _, i := range p.gradInputs {
		arrays = append(arrays, grads[i])
	}
	arrays = append(arrays, p.bwdWork)
	p.passArrays = arrays
	p.pushSegments(p.bwdName, p.bwdSegs, arrays)
}

// RecycleGradient takes back gradient g of input i, which this call's
// BackwardInto returned and autograd no longer uses, for a later call of
// the plan to write into (autograd.GradRecycler). Pushes are ordered by
// g's variable, so that write waits for every pending read of g.
func (k *cachedCall) RecycleGradient(i int, g *nd.NDArray) {
	p := k.plan
	j, ok := slices.BinarySearch(p.gradInputs, i)
	x := k.inputs[i]
	if !ok || g == nil || !g.IsContiguous() || g.DType() != x.DType() || !g.Shape().Equal(x.Shape()) {
		return
	}
	p.mu.Lock()
	p.gradFree[j] = append(p.gradFree[j], g)
	p.mu.Unlock()
}

// Release gives the state buffer and the reused outputs back for the
// next call once autograd has freed the tape (autograd calls it after a
// backward pass that does not retain the graph, once it has detached the
// outputs from k's node), and k to the pool: autograd no longer refers to
// it. Pushes are ordered by the arrays' variables, so the next forward
// waits for this backward to finish reading them.
func (k *cachedCall) Release() {
	if k.released {
		return
	}
	k.released = true
	k.releaseOutputs()
	p := k.plan
	if k.state != nil {
		p.mu.Lock()
		p.states = append(p.states, k.state)
		p.mu.Unlock()
	}
	k.recycle()
}

// pushSegments pushes each segment with its arrays, picked from the
// pass's arrays (its reads, then its writes). The caller holds pushMu:
// one call's segments must follow each other in the workspace's queue, or
// another call's segment could overwrite values in between; the lock also
// guards the scratch lists (PushBulk keeps none of them).
func (p *cachedPlan) pushSegments(name string, segs []segment, arrays []*nd.NDArray) {
	for i := range segs {
		sg := &segs[i]
		p.segReads = pick(p.segReads[:0], arrays, sg.reads)
		p.segWrites = pick(p.segWrites[:0], arrays, sg.writes)
		nd.PushBulk(nd.Bulk{Name: name, Reads: p.segReads, Writes: p.segWrites, RNG: sg.prog.rng, Run: sg.run})
	}
	// Drop the scratch lists' references so that they keep no array alive.
	clear(p.segReads)
	clear(p.segWrites)
	clear(p.passArrays[:cap(p.passArrays)])
}

func pick(dst, arrays []*nd.NDArray, idx []int) []*nd.NDArray {
	for _, j := range idx {
		dst = append(dst, arrays[j])
	}
	return dst
}
