package engine

import (
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
)

// DeviceType numbers devices as MXNet's Context does (and as .params files store them).
type DeviceType int32

// Device types. The numbers are MXNet's dev_type codes.
const (
	CPU       DeviceType = 1
	GPU       DeviceType = 2
	CPUPinned DeviceType = 3
	CPUShared DeviceType = 5
)

// Device names one compute device: a type and an ordinal.
type Device struct {
	Type DeviceType
	ID   int
}

func (d Device) String() string {
	switch d.Type {
	case CPU:
		return fmt.Sprintf("cpu(%d)", d.ID)
	case GPU:
		return fmt.Sprintf("gpu(%d)", d.ID)
	case CPUPinned:
		return fmt.Sprintf("cpu_pinned(%d)", d.ID)
	case CPUShared:
		return fmt.Sprintf("cpu_shared(%d)", d.ID)
	}
	return fmt.Sprintf("device(%d,%d)", d.Type, d.ID)
}

// Op is one unit of work pushed to an engine: it runs once every earlier
// operation that writes one of Reads, or reads or writes one of Writes, is done.
type Op struct {
	Name   string // shown in errors: "engine: op add: ..."
	Device Device
	Reads  []*Var
	Writes []*Var
	Run    func() error
	// Task is used when Run is nil: pushing a pointer that implements
	// Task costs no closure allocation, which matters for tiny ops.
	Task Task
}

// Task is work that can run as an op.
type Task interface {
	Run() error
}

// Recycler is an optional interface of a Task: both engines call Recycle
// once they are done with the op, after Run and after its outcome is
// recorded on its variables, so the task may reuse its memory (including
// the arrays its Op's Reads and Writes point into) for a later push.
type Recycler interface {
	Recycle()
}

// SmallTask is an optional interface of a Task whose Run is short and never
// waits on anything. When Small reports true and every variable of the op
// is free at push time, the threaded engine runs the op in the pusher's
// goroutine: for tiny ops, handing work to a worker costs more than doing it.
type SmallTask interface {
	Small() bool
}

// finish calls op's Recycle hook, if its task has one.
func finish(op *Op) {
	if op.Run == nil {
		if r, ok := op.Task.(Recycler); ok {
			r.Recycle()
		}
	}
}

// Engine schedules operations by their data dependencies.
//
// A failed operation's error is attached to every variable it writes; an
// operation that reads a failed variable does not run and passes the error on
// to its own writes, so dependents never wait forever. The error surfaces at
// the next WaitForVar on any of those variables and at WaitAll.
type Engine interface {
	// NewVar returns a fresh variable with no pending operations.
	NewVar() *Var
	// Push schedules op. It may block while the engine's queues are full.
	Push(op Op)
	// WaitForVar blocks until every operation pushed so far that reads or
	// writes v is done and returns the error carried on v, if any.
	WaitForVar(v *Var) error
	// WaitAll blocks until every pushed operation is done and returns the
	// errors of all operations that failed since the previous WaitAll.
	WaitAll() error
	// Name is "NaiveEngine" or "ThreadedEngine".
	Name() string
}

var (
	defaultMu     sync.Mutex // serializes creation and replacement
	defaultEngine atomic.Pointer[engineBox]
)

// engineBox lets the process engine (an interface) sit behind one atomic
// pointer: every array creation reads it.
type engineBox struct{ e Engine }

// Default returns the process engine, creating it on first use: the naive
// engine when MXNET_ENGINE_TYPE is NaiveEngine, the threaded engine otherwise.
func Default() Engine {
	if b := defaultEngine.Load(); b != nil {
		return b.e
	}
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if b := defaultEngine.Load(); b != nil {
		return b.e
	}
	e := FromEnv()
	defaultEngine.Store(&engineBox{e})
	return e
}

// FromEnv builds the engine named by MXNET_ENGINE_TYPE: NaiveEngine, or
// ThreadedEngine / ThreadedEnginePerDevice (the default). An unknown name
// logs a warning and selects the threaded engine.
func FromEnv() Engine {
	switch name := os.Getenv("MXNET_ENGINE_TYPE"); name {
	case "NaiveEngine":
		return NewNaive()
	case "", "ThreadedEngine", "ThreadedEnginePerDevice":
	default:
		slog.Warn("engine: unknown MXNET_ENGINE_TYPE, using ThreadedEngine", "MXNET_ENGINE_TYPE", name)
	}
	return NewThreaded(ThreadedOptions{})
}

// SetDefault replaces the process engine and returns the previous one after
// waiting for its pending work.
func SetDefault(e Engine) (old Engine) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if b := defaultEngine.Load(); b != nil {
		old = b.e
		_ = old.WaitAll()
	}
	if e == nil {
		defaultEngine.Store(nil)
	} else {
		defaultEngine.Store(&engineBox{e})
	}
	return old
}
