package optimizer

import (
	"fmt"
	"slices"

	"github.com/mxgo/mxgo/nd"
)

// The SGD family's updates call nd.InvokeInto directly so that a training
// step allocates nothing: the operand lists live here and are reused, and
// the attributes, which must be boxed in an interface for the op, are
// boxed once and reused while they do not change. A box is never written
// after it is made, since a pending kernel may still be reading it; new
// values get a new box.

var (
	opSGDUpdate         = mustOp("sgd_update")
	opSGDMomUpdate      = mustOp("sgd_mom_update")
	opNAGMomUpdate      = mustOp("nag_mom_update")
	opSignSGDUpdate     = mustOp("signsgd_update")
	opSignumUpdate      = mustOp("signum_update")
	opMultiSGDUpdate    = mustOp("multi_sgd_update")
	opMultiSGDMomUpdate = mustOp("multi_sgd_mom_update")
)

func mustOp(name string) *nd.OpDef {
	op, ok := nd.LookupOp(name)
	if !ok {
		panic("optimizer: operator " + name + " is not registered")
	}
	return op
}

// boxedSGD is an nd.SGDAttrs and the interface value holding it.
type boxedSGD struct {
	a nd.SGDAttrs
	v any
}

// fusedSGD runs per-parameter SGD-family ops.
type fusedSGD struct {
	boxes   map[countKey]boxedSGD // by device slot and parameter index
	in, out [3]*nd.NDArray
}

// attrs returns a boxed, reusable on repeated calls for key.
func (f *fusedSGD) attrs(key countKey, a nd.SGDAttrs) any {
	if b, ok := f.boxes[key]; ok && b.a == a {
		return b.v
	}
	if f.boxes == nil {
		f.boxes = map[countKey]boxedSGD{}
	}
	v := any(a)
	f.boxes[key] = boxedSGD{a: a, v: v}
	return v
}

// run applies plain (no state) or withState (one state array) to s in
// place with attributes a.
func (f *fusedSGD) run(b *Base, plain, withState *nd.OpDef, s *StepArgs, a nd.SGDAttrs) {
	v := f.attrs(countKey{b.device, s.Index}, a)
	if len(s.State) == 0 {
		f.in[0], f.in[1], f.out[0] = s.Weight, s.Grad, s.Weight
		nd.InvokeInto(plain, v, f.in[:2], f.out[:1])
	} else {
		f.in[0], f.in[1], f.in[2] = s.Weight, s.Grad, s.State[0]
		f.out[0], f.out[1] = s.Weight, s.State[0]
		nd.InvokeInto(withState, v, f.in[:3], f.out[:2])
	}
	f.in, f.out = [3]*nd.NDArray{}, [3]*nd.NDArray{} // keep no array alive
}

// MultiUpdater is an Optimizer that can update several parameters with one
// fused op, as MXNet's aggregated updates do (SGD: multi_sgd_update and
// multi_sgd_mom_update). The Trainer hands it parameters of one device slot
// and dtype in groups of up to Common().AggregateNum.
type MultiUpdater interface {
	Optimizer
	// UpdateMulti is Update for several parameters: weights[k], with
	// index indices[k], from grads[k] and states[k]. The result equals
	// Update on each in turn, except that all counts are taken before the
	// learning rates are read (MXNet's order; the same rates unless the
	// counts differ). Groups that cannot be fused (see Aggregatable) are
	// updated one by one. It panics if the lists differ in length.
	UpdateMulti(indices []int, weights, grads []*nd.NDArray, states []*State)
}

// Aggregatable reports whether a parameter can be updated in a fused group:
// a float32 or float64 weight without a master copy, and a gradient of the
// same dtype, shape and device. Others (float16 with multi_precision) are
// updated one by one.
func Aggregatable(weight, grad *nd.NDArray, state *State) bool {
	if weight == nil || grad == nil || state == nil || state.Master != nil {
		return false
	}
	dt := weight.DType()
	return (dt == nd.Float32 || dt == nd.Float64) && grad.DType() == dt &&
		grad.Device() == weight.Device() && grad.Shape().Equal(weight.Shape())
}

// multiGroup is the reusable call of one aggregated group.
type multiGroup struct {
	indices  []int
	lrs, wds []float64 // the values inside v: never written after boxing
	a        nd.MultiSGDMomAttrs
	withMom  bool
	v        any
	in, out  []*nd.NDArray
}

// multiSGD runs multi_sgd_update / multi_sgd_mom_update for SGD.
type multiSGD struct {
	groups   map[countKey]*multiGroup // by device slot and first index
	lrs, wds []float64                // this call's rates
}

// update fuses one group, or returns false (having changed nothing) when
// it cannot: a parameter is not Aggregatable, or only some have momentum.
func (m *multiSGD) update(b *Base, momentum float64, indices []int, weights, grads []*nd.NDArray, states []*State) bool {
	if len(weights) != len(indices) || len(grads) != len(indices) || len(states) != len(indices) {
		panic(&nd.Error{Op: "optimizer.UpdateMulti", Msg: fmt.Sprintf("%d indices, %d weights, %d grads, %d states", len(indices), len(weights), len(grads), len(states))})
	}
	if len(indices) == 0 {
		return true
	}
	withMom := len(states[0].Arrays) > 0
	for k, w := range weights {
		if !Aggregatable(w, grads[k], states[k]) || (len(states[k].Arrays) > 0) != withMom || w.DType() != weights[0].DType() {
			return false
		}
	}
	for _, i := range indices {
		b.countUpdate(i)
	}
	m.lrs, m.wds = m.lrs[:0], m.wds[:0]
	for _, i := range indices {
		lr, wd := b.rates(i)
		m.lrs, m.wds = append(m.lrs, lr), append(m.wds, wd)
	}
	g := m.group(countKey{b.device, indices[0]}, indices)
	a := nd.MultiSGDMomAttrs{Momentum: momentum, RescaleGrad: b.rescale(), ClipGradient: b.ClipGradient, NumWeights: len(indices)}
	v := g.attrs(a, withMom, m.lrs, m.wds)
	g.in, g.out = g.in[:0], g.out[:0]
	for k, w := range weights {
		g.in = append(g.in, w, grads[k])
		if withMom {
			g.in = append(g.in, states[k].Arrays[0])
		}
	}
	g.out = append(g.out, weights...)
	op := opMultiSGDUpdate
	if withMom {
		op = opMultiSGDMomUpdate
		for _, s := range states {
			g.out = append(g.out, s.Arrays[0])
		}
	}
	nd.InvokeInto(op, v, g.in, g.out)
	clear(g.in)
	clear(g.out)
	return true
}

func (m *multiSGD) group(key countKey, indices []int) *multiGroup {
	g := m.groups[key]
	if g == nil || !slices.Equal(g.indices, indices) {
		if m.groups == nil {
			m.groups = map[countKey]*multiGroup{}
		}
		g = &multiGroup{indices: slices.Clone(indices)}
		m.groups[key] = g
	}
	return g
}

// attrs returns the boxed attributes for a with the given rates, reusing
// the last box when nothing changed.
func (g *multiGroup) attrs(a nd.MultiSGDMomAttrs, withMom bool, lrs, wds []float64) any {
	if g.v != nil && g.withMom == withMom && g.a.Momentum == a.Momentum && g.a.RescaleGrad == a.RescaleGrad &&
		g.a.ClipGradient == a.ClipGradient && g.a.NumWeights == a.NumWeights && slices.Equal(g.lrs, lrs) && slices.Equal(g.wds, wds) {
		return g.v
	}
	g.lrs, g.wds = slices.Clone(lrs), slices.Clone(wds)
	a.LRs, a.WDs = g.lrs, g.wds
	g.a, g.withMom = a, withMom
	if withMom {
		g.v = a
	} else {
		g.v = nd.MultiSGDAttrs{LRs: a.LRs, WDs: a.WDs, RescaleGrad: a.RescaleGrad, ClipGradient: a.ClipGradient, NumWeights: a.NumWeights}
	}
	return g.v
}
