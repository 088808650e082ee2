package symbol

import (
	"github.com/mxgo/mxgo/nd"
)

// cachedCall is one call of a compiled CachedOp; as an autograd.Function
// it is the call's node on the tape.
type cachedCall struct {
	plan     *cachedPlan
	inputs   []*nd.NDArray
	outputs  []*nd.NDArray
	state    *nd.NDArray
	released bool
}

func bytesArray(n int, dev nd.Device) *nd.NDArray {
	return nd.Empty(nd.Shape{max(n, planAlign)}, nd.OfType(nd.Uint8), nd.On(dev))
}

// Forward pushes the forward program (autograd.Function).
func (k *cachedCall) Forward(in ...*nd.NDArray) []*nd.NDArray {
	p := k.plan
	k.outputs = make([]*nd.NDArray, len(p.outShapes))
	for i := range k.outputs {
		k.outputs[i] = nd.Empty(p.outShapes[i], nd.OfType(p.outTypes[i]), nd.On(p.dev))
	}
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

// Backward pushes the backward program (autograd.Function).
func (k *cachedCall) Backward(outGrads ...*nd.NDArray) []*nd.NDArray {
	return k.BackwardInto(outGrads, nil)
}

// BackwardInto is Backward writing the gradient of input i into into[i]
// where that is not nil (autograd.BackwardIntoer).
func (k *cachedCall) BackwardInto(outGrads, into []*nd.NDArray) []*nd.NDArray {
	p := k.plan
	grads := make([]*nd.NDArray, len(k.inputs))
	p.mu.Lock()
	if p.bwdWork == nil {
		p.bwdWork = bytesArray(p.bwd.workBytes, p.dev)
	}
	p.mu.Unlock()
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
	for j, i := range p.gradInputs {
		x := k.inputs[i]
		var g *nd.NDArray
		if i < len(into) && into[i] != nil && !p.noGrad[j] {
			g = into[i]
		} else {
			g = nd.Empty(x.Shape(), nd.OfType(x.DType()), nd.On(p.dev))
		}
		arrays = append(arrays, g)
		if !p.noGrad[j] {
			grads[i] = g
		}
	}
	arrays = append(arrays, p.bwdWork)
	p.passArrays = arrays
	p.pushSegments(p.name+" backward", p.bwdSegs, arrays)
	return grads
}

// Release gives the state buffer back for the next call once autograd
// has freed the tape (autograd calls it after a backward pass that does
// not retain the graph). Pushes are ordered by the buffer's variable, so
// the next forward waits for this backward to finish reading it.
func (k *cachedCall) Release() {
	if k.released || k.state == nil {
		return
	}
	k.released = true
	p := k.plan
	p.mu.Lock()
	p.states = append(p.states, k.state)
	p.mu.Unlock()
	k.state = nil
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
