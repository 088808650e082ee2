package gluon

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/optimizer"
)

// KVStore is how a Trainer sums gradients across devices (and machines).
// Package kvstore implements it; without one the Trainer sums the copies
// of each gradient on the first device and copies the sum back.
type KVStore interface {
	// Init declares key (the parameter's index) with its initial value.
	Init(key int, value *nd.NDArray) error
	// PushPull sums values (one per device copy) and writes the sum into
	// every array of outs.
	PushPull(key int, values, outs []*nd.NDArray) error
}

// Trainer applies an optimizer to a set of parameters (Gluon's Trainer).
// After a backward pass, Step(batchSize) sums each gradient across the
// parameter's devices and updates every copy in place. Parameters with
// grad_req null are skipped. A Trainer is not safe for concurrent use.
//
// With an optimizer that implements optimizer.MultiUpdater (SGD), the
// copies on each device are updated in groups of the optimizer's
// aggregate_num parameters of one dtype, one fused op per group (MXNet's
// aggregated updates); the results are the same as one by one. Parameters
// that cannot be fused (float16 with multi_precision) are updated alone.
// For SGD with or without momentum on one device, a Step allocates nothing
// once the first has created the optimizer state, as long as the learning
// rates do not change (a new rate costs a few small allocations).
type Trainer struct {
	names  []string
	params []*Parameter
	opt    optimizer.Optimizer
	kv     KVStore
	kvInit []bool
	scale  float64
	states [][]*optimizer.State // per parameter, per device copy
	addOp  *nd.OpDef
	groups [2]updateGroup // aggregated updates being gathered: float32, float64
}

// updateGroup gathers parameters for one MultiUpdater call; its lists are
// reused from step to step.
type updateGroup struct {
	indices []int
	weights []*nd.NDArray
	grads   []*nd.NDArray
	states  []*optimizer.State
}

func (g *updateGroup) add(i int, w, grad *nd.NDArray, s *optimizer.State) {
	g.indices = append(g.indices, i)
	g.weights = append(g.weights, w)
	g.grads = append(g.grads, grad)
	g.states = append(g.states, s)
}

// flush updates the gathered parameters, if any, and empties the group
// (also when the update panics).
func (g *updateGroup) flush(m optimizer.MultiUpdater) {
	if len(g.indices) == 0 {
		return
	}
	defer g.reset()
	m.UpdateMulti(g.indices, g.weights, g.grads, g.states)
}

func (g *updateGroup) reset() {
	clear(g.weights)
	clear(g.grads)
	clear(g.states)
	g.indices, g.weights, g.grads, g.states = g.indices[:0], g.weights[:0], g.grads[:0], g.states[:0]
}

// TrainerOption configures a Trainer.
type TrainerOption func(*Trainer)

// WithKVStore makes the Trainer sum gradients through kv.
func WithKVStore(kv KVStore) TrainerOption { return func(t *Trainer) { t.kv = kv } }

// NewTrainer returns a Trainer updating params with opt. The optimizer's
// rescale_grad at this point is the scale that Step divides by the batch
// size (Gluon's rule). It panics if params or opt is nil.
func NewTrainer(params *ParameterDict, opt optimizer.Optimizer, opts ...TrainerOption) *Trainer {
	if params == nil || opt == nil {
		panic(&nd.Error{Op: "Trainer", Msg: "nil parameters or optimizer"})
	}
	add, ok := nd.LookupOp("elemwise_add")
	if !ok {
		panic(&nd.Error{Op: "Trainer", Msg: "elemwise_add is not registered"})
	}
	t := &Trainer{
		names:  append([]string(nil), params.Names...),
		params: append([]*Parameter(nil), params.Params...),
		opt:    opt,
		scale:  opt.Common().RescaleGrad,
		addOp:  add,
	}
	if t.scale == 0 {
		t.scale = 1
	}
	t.kvInit = make([]bool, len(t.params))
	t.states = make([][]*optimizer.State, len(t.params))
	for _, o := range opts {
		o(t)
	}
	t.syncMultipliers()
	return t
}

// NewTrainerByName is NewTrainer with an optimizer made by
// optimizer.Create(name, optOpts), e.g. ("sgd", {"learning_rate": 0.1}).
func NewTrainerByName(params *ParameterDict, name string, optOpts map[string]any, opts ...TrainerOption) (*Trainer, error) {
	opt, err := optimizer.Create(name, optOpts)
	if err != nil {
		return nil, fmt.Errorf("gluon: trainer: %w", err)
	}
	return NewTrainer(params, opt, opts...), nil
}

// Optimizer returns the Trainer's optimizer.
func (t *Trainer) Optimizer() optimizer.Optimizer { return t.opt }

// LearningRate is the optimizer's current learning rate.
func (t *Trainer) LearningRate() float64 { return t.opt.LearningRate() }

// SetLearningRate sets the optimizer's learning rate.
func (t *Trainer) SetLearningRate(lr float64) { t.opt.SetLearningRate(lr) }

// syncMultipliers copies each parameter's lr_mult, wd_mult and name into
// the optimizer (read at every step, as Gluon reads param_dict).
func (t *Trainer) syncMultipliers() {
	b := t.opt.Common()
	if b.LrMult == nil {
		b.LrMult, b.WdMult, b.Names = map[int]float64{}, map[int]float64{}, map[int]string{}
	}
	for i, p := range t.params {
		b.LrMult[i], b.WdMult[i], b.Names[i] = p.LrMult, p.WdMult, t.names[i]
	}
}

// Step sums gradients across devices, then updates every parameter with
// rescale_grad = scale/batchSize (Gluon's trainer.step). It returns the
// KVStore's error if aggregation fails, and panics (*nd.Error) if a
// parameter is not initialized.
func (t *Trainer) Step(batchSize int) error {
	if err := t.AllreduceGrads(); err != nil {
		return err
	}
	t.update(batchSize)
	return nil
}

// AllreduceGrads sums each parameter's gradient over its device copies and
// writes the sum into every copy (for use with Update, e.g. to clip the
// summed gradients in between).
func (t *Trainer) AllreduceGrads() error {
	for i, p := range t.params {
		if p.GradReq == nd.GradNull {
			continue
		}
		if t.kv == nil && len(p.data) < 2 {
			continue // one copy: nothing to sum, and nothing to allocate
		}
		grads := p.ListGrad()
		if t.kv != nil {
			if !t.kvInit[i] {
				if err := t.kv.Init(i, p.ListData()[0]); err != nil {
					return fmt.Errorf("gluon: trainer: kvstore init %s: %w", t.names[i], err)
				}
				t.kvInit[i] = true
			}
			if err := t.kv.PushPull(i, grads, grads); err != nil {
				return fmt.Errorf("gluon: trainer: kvstore pushpull %s: %w", t.names[i], err)
			}
			continue
		}
		if len(grads) < 2 {
			continue
		}
		sum := grads[0]
		if dt := sum.DType(); dt == nd.Float16 || dt == nd.BFloat16 {
			// Storage-only dtypes: sum in float32, round once.
			sum = sum.AsType(nd.Float32)
		}
		for _, g := range grads[1:] {
			g = g.AsIn(sum.Device())
			if g.DType() != sum.DType() {
				g = g.AsType(sum.DType())
			}
			nd.InvokeInto(t.addOp, nil, []*nd.NDArray{sum, g}, []*nd.NDArray{sum})
		}
		for _, g := range grads {
			if g != sum {
				g.CopyFrom(sum)
			}
		}
	}
	return nil
}

// Update applies the optimizer to every copy of every parameter with
// rescale_grad = scale/batchSize, without summing gradients first (call
// AllreduceGrads before it). It panics if a parameter is not initialized.
func (t *Trainer) Update(batchSize int) { t.update(batchSize) }

func (t *Trainer) update(batchSize int) {
	if batchSize <= 0 {
		panic(&nd.Error{Op: "Trainer.Step", Msg: fmt.Sprintf("batch size %d: must be positive", batchSize)})
	}
	b := t.opt.Common()
	b.RescaleGrad = t.scale / float64(batchSize)
	t.syncMultipliers()
	defer b.SetCurrentDevice(0)
	if m, ok := t.opt.(optimizer.MultiUpdater); ok && b.AggregateNum > 1 {
		t.updateAggregated(m, b.AggregateNum)
		return
	}
	for i, p := range t.params {
		if p.GradReq == nd.GradNull {
			continue
		}
		data := p.ListData()
		st := t.stateOf(i, data)
		for j, w := range data {
			b.SetCurrentDevice(j)
			t.opt.Update(i, w, w.Grad(), st[j])
		}
	}
}

// updateAggregated is update for a MultiUpdater: per device slot (MXNet's
// per-device updaters), parameters in order, grouped by dtype into calls of
// up to size parameters.
func (t *Trainer) updateAggregated(m optimizer.MultiUpdater, size int) {
	b := t.opt.Common()
	for k := range t.groups {
		t.groups[k].reset() // a panic in the last step may have left some
	}
	for j := 0; ; j++ {
		b.SetCurrentDevice(j)
		more := false
		for i, p := range t.params {
			if p.GradReq == nd.GradNull {
				continue
			}
			data := p.ListData()
			st := t.stateOf(i, data)
			if j >= len(data) {
				continue
			}
			more = true
			w := data[j]
			g, s := w.Grad(), st[j]
			if !optimizer.Aggregatable(w, g, s) {
				t.opt.Update(i, w, g, s)
				continue
			}
			grp := &t.groups[0]
			if w.DType() == nd.Float64 {
				grp = &t.groups[1]
			}
			grp.add(i, w, g, s)
			if len(grp.indices) >= size {
				grp.flush(m)
			}
		}
		for k := range t.groups {
			t.groups[k].flush(m)
		}
		if !more {
			return
		}
	}
}

// stateOf returns (creating on first use) the optimizer state of every
// device copy of parameter i.
func (t *Trainer) stateOf(i int, data []*nd.NDArray) []*optimizer.State {
	if len(t.states[i]) != len(data) {
		t.states[i] = make([]*optimizer.State, len(data))
		for j, w := range data {
			t.states[i][j] = t.opt.CreateState(i, w)
		}
	}
	return t.states[i]
}

// SaveStates writes the optimizer state atomically to path as an MXNet
// .params (NDArray list) file. Keys, per parameter name N (its structural
// name): "state:N:K" for the K-th state array, "master:N" for a float32
// master copy, and "count:N" (int64, shape (1,)) for its update count.
// Only the first device's copy is saved; LoadStates gives every device the
// same values (as Gluon does).
func (t *Trainer) SaveStates(path string) error {
	arrays := map[string]*nd.NDArray{}
	b := t.opt.Common()
	for i, st := range t.states {
		if len(st) == 0 {
			continue
		}
		n := t.names[i]
		for k, a := range st[0].Arrays {
			arrays["state:"+n+":"+strconv.Itoa(k)] = a
		}
		if st[0].Master != nil {
			arrays["master:"+n] = st[0].Master
		}
		arrays["count:"+n] = nd.ArrayOf([]int64{int64(b.UpdateCount(i))}, nd.Shape{1})
	}
	if err := nd.Save(path, arrays); err != nil {
		return fmt.Errorf("gluon: save trainer states: %w", err)
	}
	return nil
}

// LoadStates reads states written by SaveStates into this Trainer, whose
// parameters must be initialized and match the saved shapes. Parameters
// absent from the file keep their state.
func (t *Trainer) LoadStates(path string) error {
	l, err := nd.Load(path)
	if err != nil {
		return fmt.Errorf("gluon: load trainer states: %w", err)
	}
	m := l.Map()
	index := map[string]int{}
	for i, n := range t.names {
		index[n] = i
	}
	type saved struct {
		arrays map[int]*nd.NDArray
		master *nd.NDArray
		count  *nd.NDArray
	}
	byParam := map[int]*saved{}
	for key, a := range m {
		kind, rest, _ := strings.Cut(key, ":")
		name, k := rest, -1
		if kind == "state" {
			j := strings.LastIndex(rest, ":")
			if j < 0 {
				return fmt.Errorf("gluon: load trainer states %s: bad key %q", path, key)
			}
			name = rest[:j]
			if k, err = strconv.Atoi(rest[j+1:]); err != nil || k < 0 {
				return fmt.Errorf("gluon: load trainer states %s: bad key %q", path, key)
			}
		}
		i, ok := index[name]
		if !ok {
			return fmt.Errorf("gluon: load trainer states %s: key %q names no parameter of this trainer", path, key)
		}
		s := byParam[i]
		if s == nil {
			s = &saved{arrays: map[int]*nd.NDArray{}}
			byParam[i] = s
		}
		switch kind {
		case "state":
			s.arrays[k] = a
		case "master":
			s.master = a
		case "count":
			s.count = a
		default:
			return fmt.Errorf("gluon: load trainer states %s: unknown key %q", path, key)
		}
	}
	b := t.opt.Common()
	defer b.SetCurrentDevice(0)
	for i, s := range byParam {
		p := t.params[i]
		if !p.IsInitialized() {
			return fmt.Errorf("gluon: load trainer states %s: parameter %s is not initialized", path, t.names[i])
		}
		st := t.stateOf(i, p.ListData())
		for j, dst := range st {
			if err := loadState(dst, s.arrays, s.master); err != nil {
				return fmt.Errorf("gluon: load trainer states %s: parameter %s: %w", path, t.names[i], err)
			}
			if s.count != nil {
				if s.count.Size() != 1 {
					return fmt.Errorf("gluon: load trainer states %s: count of %s has %d values", path, t.names[i], s.count.Size())
				}
				b.SetCurrentDevice(j)
				b.SetUpdateCount(i, int(s.count.Int64s()[0]))
			}
		}
	}
	return nil
}

func loadState(dst *optimizer.State, arrays map[int]*nd.NDArray, master *nd.NDArray) error {
	if len(arrays) != len(dst.Arrays) {
		return fmt.Errorf("%d state arrays saved, optimizer has %d", len(arrays), len(dst.Arrays))
	}
	for k, d := range dst.Arrays {
		a, ok := arrays[k]
		if !ok {
			return fmt.Errorf("state array %d missing", k)
		}
		if !a.Shape().Equal(d.Shape()) {
			return fmt.Errorf("state array %d has shape %v, want %v", k, a.Shape(), d.Shape())
		}
		d.CopyFrom(a)
	}
	if (master == nil) != (dst.Master == nil) {
		return fmt.Errorf("master copy saved: %v, needed: %v", master != nil, dst.Master != nil)
	}
	if master != nil {
		if !master.Shape().Equal(dst.Master.Shape()) {
			return fmt.Errorf("master copy has shape %v, want %v", master.Shape(), dst.Master.Shape())
		}
		dst.Master.CopyFrom(master)
	}
	return nil
}
