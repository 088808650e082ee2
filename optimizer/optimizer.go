package optimizer

import (
	"fmt"
	"maps"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/mxgo/mxgo/nd"
)

// Optimizer updates parameters in place from their gradients. Parameters
// are identified by an index (the Trainer's parameter order); state is
// created once per parameter (and device) and passed back on every update.
// An Optimizer is not safe for concurrent use.
type Optimizer interface {
	// CreateState returns the state for the parameter at index whose
	// current value is weight (momentum buffers, ..., and a float32 master
	// copy for float16 weights with multi-precision).
	CreateState(index int, weight *nd.NDArray) *State
	// Update applies one step to weight in place. grad is read only.
	Update(index int, weight, grad *nd.NDArray, state *State)
	// LearningRate is the current learning rate (the scheduler's when set).
	LearningRate() float64
	// SetLearningRate sets the learning rate (the scheduler's base rate
	// when one is set).
	SetLearningRate(lr float64)
	// Common returns the hyperparameters every optimizer shares.
	Common() *Base
}

// State is an optimizer's per-parameter state.
type State struct {
	// Arrays hold the rule's buffers (momentum, mean, variance, ...), in
	// the dtype of the array being updated (the master copy if any).
	Arrays []*nd.NDArray
	// Master is the float32 copy that a float16 weight is updated through
	// when MultiPrecision is set; nil otherwise.
	Master *nd.NDArray
}

// Rule is the part of an optimizer that differs between algorithms: its
// state buffers and one in-place step. Base does the rest (learning rate,
// schedules, multipliers, update counts, multi-precision).
type Rule interface {
	// NewState allocates the buffers for weight (float32 or float64).
	NewState(weight *nd.NDArray) []*nd.NDArray
	// Apply updates s.Weight and s.State in place.
	Apply(s *StepArgs)
}

// StepArgs is one update as a Rule sees it: learning rate and weight decay
// already scaled by the parameter's multipliers and scheduler, T the
// number of updates of this parameter including this one. Base reuses one
// StepArgs for every update, so Apply must not keep s.
type StepArgs struct {
	Index        int
	T            int
	Weight, Grad *nd.NDArray
	State        []*nd.NDArray
	LR, WD       float64
}

// Base holds the hyperparameters shared by every optimizer, with MXNet's
// names in the mx tags (the keys Create accepts).
type Base struct {
	// LR is the learning rate (MXNet's learning_rate); read it with
	// LearningRate, which applies the scheduler.
	LR float64 `mx:"learning_rate"`
	// WD is the weight decay (L2 penalty) coefficient.
	WD float64 `mx:"wd"`
	// RescaleGrad multiplies every gradient first (the Trainer sets it to
	// 1/batch size).
	RescaleGrad float64 `mx:"rescale_grad"`
	// ClipGradient clips rescaled gradients to [-c, c]; <= 0 means none.
	ClipGradient float64 `mx:"clip_gradient"`
	// Scheduler, if set, gives the learning rate for each update count.
	Scheduler LRScheduler `mx:"lr_scheduler"`
	// MultiPrecision updates float16 weights through a float32 master copy.
	MultiPrecision bool `mx:"multi_precision"`
	// BeginNumUpdate is the update count to start from.
	BeginNumUpdate int `mx:"begin_num_update"`
	// AggregateNum is how many parameters an optimizer that implements
	// MultiUpdater (SGD) updates with one fused op; < 2 updates them one
	// by one. Default: env MXNET_OPTIMIZER_AGGREGATION_SIZE, else 4.
	AggregateNum int `mx:"aggregate_num"`
	// LrMult and WdMult scale the learning rate and weight decay per
	// parameter index (a missing index means 1).
	LrMult, WdMult map[int]float64
	// Names maps parameter indices to their names, for rules that treat
	// some parameters differently (LARS skips biases and norms' gamma/beta).
	Names map[int]string

	counts    map[countKey]int
	numUpdate int
	device    int
	step      StepArgs // UpdateWith's, reused (Apply keeps no reference)
}

type countKey struct{ device, index int }

func newBase(lr float64) Base {
	return Base{LR: lr, RescaleGrad: 1, AggregateNum: defaultAggregateNum()}
}

// defaultAggregateNum is MXNet's: MXNET_OPTIMIZER_AGGREGATION_SIZE, else 4
// (also when the variable is not an integer).
func defaultAggregateNum() int {
	if n, err := strconv.Atoi(os.Getenv("MXNET_OPTIMIZER_AGGREGATION_SIZE")); err == nil {
		return n
	}
	return 4
}

// Common returns b itself.
func (b *Base) Common() *Base { return b }

// LearningRate is the scheduler's rate at the current update count, or LR.
func (b *Base) LearningRate() float64 {
	if b.Scheduler != nil {
		return b.Scheduler.LR(b.numUpdate)
	}
	return b.LR
}

// SetLearningRate sets LR and, with a scheduler, its base rate.
func (b *Base) SetLearningRate(lr float64) {
	b.LR = lr
	if b.Scheduler != nil {
		b.Scheduler.SetBaseLR(lr)
	}
}

// NumUpdate is the largest update count of any parameter (what schedulers see).
func (b *Base) NumUpdate() int { return b.numUpdate }

// UpdateCount is how many updates the parameter at index has had on the
// current device slot.
func (b *Base) UpdateCount(index int) int {
	if n, ok := b.counts[countKey{b.device, index}]; ok {
		return n
	}
	return b.BeginNumUpdate
}

// SetUpdateCount restores the count of index (loading a checkpoint).
func (b *Base) SetUpdateCount(index, n int) {
	if b.counts == nil {
		b.counts = map[countKey]int{}
	}
	b.counts[countKey{b.device, index}] = n
	b.numUpdate = max(b.numUpdate, n)
}

// SetCurrentDevice selects which device slot's update counts the following
// updates use: a Trainer with copies on several devices updates each copy
// once per step, and each must see the same count (MXNet's
// _set_current_context).
func (b *Base) SetCurrentDevice(slot int) { b.device = slot }

// Prepare counts one update of index and returns its learning rate, weight
// decay and update count. Custom optimizers call it once per Update.
func (b *Base) Prepare(index int) (lr, wd float64, t int) {
	t = b.countUpdate(index)
	lr, wd = b.rates(index)
	return lr, wd, t
}

// countUpdate counts one update of index and returns its count.
func (b *Base) countUpdate(index int) int {
	t := b.UpdateCount(index) + 1
	b.SetUpdateCount(index, t)
	return t
}

// rates is the learning rate and weight decay of index at the current
// update count, scaled by its multipliers.
func (b *Base) rates(index int) (lr, wd float64) {
	lr, wd = b.LearningRate(), b.WD
	if m, ok := b.LrMult[index]; ok {
		lr *= m
	}
	if m, ok := b.WdMult[index]; ok {
		wd *= m
	}
	return lr, wd
}

func (b *Base) rescale() float64 {
	if b.RescaleGrad == 0 {
		return 1
	}
	return b.RescaleGrad
}

// CreateStateFor builds the state of r for weight, with a float32 master
// copy when weight is float16 and MultiPrecision is set.
func (b *Base) CreateStateFor(r Rule, weight *nd.NDArray) *State {
	if weight.DType() == nd.Float16 && b.MultiPrecision {
		master := weight.AsType(nd.Float32)
		return &State{Arrays: r.NewState(master), Master: master}
	}
	return &State{Arrays: r.NewState(weight)}
}

// UpdateWith runs one update of r on weight (MXNet's update /
// update_multi_precision). It panics if weight is not float32/float64
// and has no master copy.
func (b *Base) UpdateWith(r Rule, index int, weight, grad *nd.NDArray, state *State) {
	if state == nil {
		panic(&nd.Error{Op: "optimizer.Update", Msg: fmt.Sprintf("parameter %d: nil state (call CreateState first)", index)})
	}
	if !weight.Shape().Equal(grad.Shape()) {
		panic(&nd.Error{Op: "optimizer.Update", Msg: fmt.Sprintf("parameter %d: weight shape %v, grad shape %v", index, weight.Shape(), grad.Shape())})
	}
	lr, wd, t := b.Prepare(index)
	s := &b.step
	*s = StepArgs{Index: index, T: t, Weight: weight, Grad: grad, State: state.Arrays, LR: lr, WD: wd}
	defer func() { *s = StepArgs{} }() // keep no array alive
	if state.Master != nil {
		s.Weight = state.Master
		if grad.DType() != nd.Float32 {
			s.Grad = grad.AsType(nd.Float32)
		}
		r.Apply(s)
		weight.CopyFrom(state.Master)
		return
	}
	if dt := weight.DType(); dt != nd.Float32 && dt != nd.Float64 {
		panic(&nd.Error{Op: "optimizer.Update", Msg: fmt.Sprintf("parameter %d is %v: updates need float32/float64 (set multi_precision for float16)", index, dt)})
	}
	if grad.DType() != weight.DType() {
		s.Grad = grad.AsType(weight.DType())
	}
	r.Apply(s)
}

// zerosLike allocates n zero buffers shaped like w.
func zerosLike(w *nd.NDArray, n int) []*nd.NDArray {
	out := make([]*nd.NDArray, n)
	for i := range out {
		out[i] = nd.ZerosLike(w)
	}
	return out
}

var (
	registryMu sync.RWMutex
	registry   = map[string]func() Optimizer{}
)

// Register makes an optimizer available to Create under name
// (case-insensitive). newOpt returns one with default hyperparameters.
// Registering a name twice panics.
func Register(name string, newOpt func() Optimizer) {
	registryMu.Lock()
	defer registryMu.Unlock()
	key := strings.ToLower(name)
	if _, dup := registry[key]; dup {
		panic("optimizer: Register: " + name + " registered twice")
	}
	registry[key] = newOpt
}

// Names lists the registered optimizer names, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return slices.Sorted(maps.Keys(registry))
}

// Create returns the optimizer registered as name (case-insensitive, like
// mx.optimizer.create) with opts applied by MXNet's argument names:
//
//	opt, err := optimizer.Create("sgd", map[string]any{"learning_rate": 0.1, "momentum": 0.9, "wd": 1e-4})
//
// Values may be float64, int or bool as the field needs, and an
// LRScheduler for "lr_scheduler". When both learning_rate and lr_scheduler
// are given, the scheduler's base rate becomes learning_rate (MXNet's rule).
func Create(name string, opts map[string]any) (Optimizer, error) {
	registryMu.RLock()
	newOpt := registry[strings.ToLower(name)]
	registryMu.RUnlock()
	if newOpt == nil {
		return nil, fmt.Errorf("optimizer: unknown optimizer %q (have %s)", name, strings.Join(Names(), ", "))
	}
	opt := newOpt()
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		if err := setOption(opt, k, opts[k]); err != nil {
			return nil, fmt.Errorf("optimizer: %s: %w", name, err)
		}
	}
	if b := opt.Common(); b.Scheduler != nil {
		if _, ok := opts["learning_rate"]; ok {
			b.Scheduler.SetBaseLR(b.LR)
		}
	}
	return opt, nil
}

// MustCreate is Create for names and options known to be valid; it panics
// with an *nd.Error otherwise.
func MustCreate(name string, opts map[string]any) Optimizer {
	opt, err := Create(name, opts)
	if err != nil {
		panic(&nd.Error{Op: "optimizer.Create", Msg: err.Error()})
	}
	return opt
}

var schedulerType = reflect.TypeFor[LRScheduler]()

// setOption sets the field of opt (or its embedded Base) tagged mx:key.
func setOption(opt Optimizer, key string, val any) error {
	f, ok := findField(reflect.ValueOf(opt).Elem(), key)
	if !ok {
		return fmt.Errorf("unknown option %q", key)
	}
	bad := func() error { return fmt.Errorf("option %s: cannot use %v (%T) as %v", key, val, val, f.Type()) }
	switch f.Kind() {
	case reflect.Float64:
		switch v := val.(type) {
		case float64:
			f.SetFloat(v)
		case float32:
			f.SetFloat(float64(v))
		case int:
			f.SetFloat(float64(v))
		default:
			return bad()
		}
		if math.IsNaN(f.Float()) || math.IsInf(f.Float(), 0) {
			return fmt.Errorf("option %s: %v is not finite", key, val)
		}
	case reflect.Int:
		switch v := val.(type) {
		case int:
			f.SetInt(int64(v))
		case float64:
			if v != math.Trunc(v) {
				return bad()
			}
			f.SetInt(int64(v))
		default:
			return bad()
		}
	case reflect.Bool:
		v, ok := val.(bool)
		if !ok {
			return bad()
		}
		f.SetBool(v)
	case reflect.Interface:
		if f.Type() != schedulerType {
			return bad()
		}
		v, ok := val.(LRScheduler)
		if !ok {
			return bad()
		}
		f.Set(reflect.ValueOf(v))
	default:
		return bad()
	}
	return nil
}

func findField(v reflect.Value, key string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			if f, ok := findField(v.Field(i), key); ok {
				return f, true
			}
			continue
		}
		if sf.IsExported() && sf.Tag.Get("mx") == key {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}
