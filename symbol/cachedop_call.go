package symbol

import (
	"math/rand/v2"

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
	writes := append([]*nd.NDArray(nil), k.outputs...)
	p.mu.Lock()
	if p.bwd != nil {
		if n := len(p.states); n > 0 {
			k.state, p.states = p.states[n-1], p.states[:n-1]
		} else {
			k.state = bytesArray(p.stateBytes, p.dev)
			p.stateAllocs++
		}
		writes = append(writes, k.state)
	}
	if p.fwdWork == nil {
		p.fwdWork = bytesArray(p.fwd.workBytes, p.dev)
	}
	writes = append(writes, p.fwdWork)
	p.mu.Unlock()
	for _, i := range p.mutated {
		writes = append(writes, in[i])
	}
	p.pushMu.Lock()
	defer p.pushMu.Unlock()
	pushSegments(p.name, p.fwdSegs, append(append([]*nd.NDArray(nil), in...), writes...))
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
	reads := make([]*nd.NDArray, 0, 2*len(k.outputs)+len(k.inputs)+1+len(p.consts))
	for _, g := range outGrads {
		if !g.IsContiguous() {
			g = g.Copy()
		}
		reads = append(reads, g)
	}
	reads = append(reads, k.inputs...)
	reads = append(reads, k.outputs...)
	reads = append(reads, k.state)
	reads = append(reads, p.consts...)
	grads := make([]*nd.NDArray, len(k.inputs))
	writes := make([]*nd.NDArray, 0, len(p.gradInputs)+1)
	for j, i := range p.gradInputs {
		x := k.inputs[i]
		var g *nd.NDArray
		if i < len(into) && into[i] != nil && !p.noGrad[j] {
			g = into[i]
		} else {
			g = nd.Empty(x.Shape(), nd.OfType(x.DType()), nd.On(p.dev))
		}
		writes = append(writes, g)
		if !p.noGrad[j] {
			grads[i] = g
		}
	}
	p.mu.Lock()
	if p.bwdWork == nil {
		p.bwdWork = bytesArray(p.bwd.workBytes, p.dev)
	}
	writes = append(writes, p.bwdWork)
	p.mu.Unlock()
	p.pushMu.Lock()
	defer p.pushMu.Unlock()
	pushSegments(p.name+" backward", p.bwdSegs, append(reads, writes...))
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
// pass's arrays (its reads, then its writes). The caller holds the plan's
// pushMu: one call's segments must follow each other in the workspace's
// queue, or another call's segment could overwrite values in between.
func pushSegments(name string, segs []segment, arrays []*nd.NDArray) {
	for _, sg := range segs {
		prog := sg.prog
		nd.PushBulk(nd.Bulk{Name: name, Reads: pick(arrays, sg.reads), Writes: pick(arrays, sg.writes), RNG: prog.rng,
			Run: func(r, w []nd.Blob, rng *rand.Rand) error { return prog.run(r, w, rng) }})
	}
}

func pick(arrays []*nd.NDArray, idx []int) []*nd.NDArray {
	out := make([]*nd.NDArray, len(idx))
	for i, j := range idx {
		out[i] = arrays[j]
	}
	return out
}
