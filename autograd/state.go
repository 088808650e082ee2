package autograd

import (
	"sync/atomic"

	"github.com/mxgo/mxgo/internal/goid"
	"github.com/mxgo/mxgo/nd"
)

// mode is one goroutine's autograd state.
type mode struct {
	recording bool
	training  bool
}

// scopes counts goroutines inside any scope, so that code that never
// records pays one atomic load per op. Their modes are in gstate.go's table.
var scopes atomic.Int64

func current() mode {
	if scopes.Load() == 0 {
		return mode{}
	}
	if m, ok := lookupMode(goid.Current()); ok {
		return *m
	}
	return mode{}
}

// IsRecording reports whether ops called from this goroutine are recorded.
func IsRecording() bool { return current().recording }

// IsTraining reports whether this goroutine is in training mode (Dropout
// drops, BatchNorm uses batch statistics).
func IsTraining() bool { return current().training }

// Scope is an explicit recording or mode scope for code that cannot wrap
// its body in a function; always end it with defer s.End() in the same
// goroutine.
type Scope struct {
	g    uintptr
	prev *mode
	had  bool
	done bool
}

func enter(m mode) *Scope {
	s := enterScope(m)
	return &s
}

// enterScope is enter for scopes that live on the caller's stack (Record
// and friends), so that a training step's scopes allocate nothing.
func enterScope(m mode) Scope {
	g := goid.Current()
	s := Scope{g: g}
	if p, ok := lookupMode(g); ok {
		s.prev, s.had = p, true
	} else {
		scopes.Add(1)
	}
	storeMode(g, modeOf(m))
	return s
}

// End restores the state from before the scope. It panics if called from
// another goroutine than the one that began the scope.
func (s *Scope) End() {
	if s.done {
		return
	}
	if goid.Current() != s.g {
		panic("autograd: Scope.End called from another goroutine than its start")
	}
	s.done = true
	if s.had {
		storeMode(s.g, s.prev)
		return
	}
	storeMode(s.g, nil)
	scopes.Add(-1)
}

// StartRecording begins recording in training mode (or predict mode when
// train is false) for the calling goroutine: `defer autograd.StartRecording(true).End()`.
func StartRecording(train bool) *Scope { return enter(mode{recording: true, training: train}) }

// StartPause stops recording (and sets the given training mode) until End.
func StartPause(train bool) *Scope { return enter(mode{recording: false, training: train}) }

// Record runs f with recording on in training mode, like MXNet's
// `with autograd.record():`.
func Record(f func()) { within(mode{recording: true, training: true}, f) }

// RecordPredict runs f with recording on in predict mode
// (`autograd.record(train_mode=False)`).
func RecordPredict(f func()) { within(mode{recording: true, training: false}, f) }

// Pause runs f with recording off and predict mode (`autograd.pause()`).
func Pause(f func()) { within(mode{}, f) }

// TrainMode runs f in training mode without changing recording.
func TrainMode(f func()) { within(mode{recording: IsRecording(), training: true}, f) }

// PredictMode runs f in predict mode without changing recording.
func PredictMode(f func()) { within(mode{recording: IsRecording(), training: false}, f) }

// within runs f in mode m, with the scope on the stack (no allocation).
func within(m mode, f func()) {
	s := enterScope(m)
	defer s.End()
	f()
}

// recorder connects nd's op calls to the tape.
type recorder struct{}

func (recorder) Recording() bool { return scopes.Load() != 0 && current().recording }

// Record puts an op call on the tape. nd hands over in and out (fresh
// slices) and calls it only for differentiable ops with a tracked input.
func (recorder) Record(op *nd.OpDef, attrs any, in, out []*nd.NDArray) {
	if op.Grad == nil {
		return
	}
	recordOp(op, attrs, in, out)
}

func init() { nd.SetRecorder(recorder{}) }
