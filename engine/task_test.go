package engine

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mxgo/mxgo/internal/goid"
)

// recycleTask counts its runs and recycles and records what the op's
// write variable carried when Recycle came.
type recycleTask struct {
	run      func() error
	v        *Var
	runs     atomic.Int32
	recycles atomic.Int32
	errAtEnd atomic.Pointer[error]
}

func (r *recycleTask) Run() error { r.runs.Add(1); return r.run() }

func (r *recycleTask) Recycle() {
	r.recycles.Add(1)
	err := r.v.Err()
	r.errAtEnd.Store(&err)
}

// Recycle comes exactly once per op, whatever its outcome, and only after
// the outcome is on the op's variables.
func TestRecycleOncePerOp(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		bad := errors.New("bad")
		failed, skipped := e.NewVar(), e.NewVar()
		tasks := []*recycleTask{
			{run: func() error { return nil }, v: e.NewVar()},
			{run: func() error { return bad }, v: failed},
			{run: func() error { panic("boom") }, v: e.NewVar()},
			{run: func() error { return nil }, v: skipped}, // reads failed: skipped
		}
		for i, task := range tasks {
			op := Op{Name: "t", Writes: []*Var{task.v}, Task: task}
			if i == 3 {
				op.Reads = []*Var{failed}
			}
			e.Push(op)
		}
		_ = e.WaitAll()
		for i, task := range tasks {
			wantRuns := int32(1)
			if i == 3 {
				wantRuns = 0
			}
			if got := task.runs.Load(); got != wantRuns {
				t.Errorf("task %d ran %d times, want %d", i, got, wantRuns)
			}
			if got := task.recycles.Load(); got != 1 {
				t.Errorf("task %d recycled %d times, want 1", i, got)
			}
			errp := task.errAtEnd.Load()
			if errp == nil {
				continue
			}
			if failedOp := i > 0; (*errp != nil) != failedOp {
				t.Errorf("task %d: variable error at Recycle = %v, want failure %v", i, *errp, failedOp)
			}
		}
	})
}

// smallProbe is a SmallTask that records the goroutine it ran on.
type smallProbe struct {
	small bool
	gate  chan struct{} // Run waits for it when non-nil
	ranOn atomic.Uintptr
}

func (p *smallProbe) Run() error {
	if p.gate != nil {
		<-p.gate
	}
	p.ranOn.Store(goid.Current())
	return nil
}

func (p *smallProbe) Small() bool { return p.small }

func TestSmallTaskRunsInPusherWhenReady(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 2})
	defer e.Close()
	p := &smallProbe{small: true}
	e.Push(Op{Name: "small", Reads: []*Var{e.NewVar()}, Writes: []*Var{e.NewVar()}, Task: p})
	// Run inline: done by the time Push returns, on this goroutine.
	if got := p.ranOn.Load(); got != goid.Current() {
		t.Fatalf("small ready op ran on goroutine %#x, want the pusher %#x", got, goid.Current())
	}
	if err := e.WaitAll(); err != nil {
		t.Fatal(err)
	}
}

func TestSmallTaskWaitsForDependencies(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 2})
	defer e.Close()
	v := e.NewVar()
	gate := make(chan struct{})
	var blockerDone atomic.Bool
	e.Push(Op{Name: "blocker", Writes: []*Var{v}, Run: func() error {
		<-gate
		blockerDone.Store(true)
		return nil
	}})
	p := &smallProbe{small: true}
	done := make(chan struct{})
	go func() {
		e.Push(Op{Name: "small", Reads: []*Var{v}, Writes: []*Var{e.NewVar()}, Task: p})
		close(done)
	}()
	select {
	case <-done: // queued behind the blocker, not run
	case <-time.After(rendezvousTimeout):
		t.Fatal("Push of a small op blocked on a pending dependency")
	}
	if p.ranOn.Load() != 0 {
		t.Fatal("small op ran before the op it depends on")
	}
	close(gate)
	if err := e.WaitForVar(v); err != nil {
		t.Fatal(err)
	}
	if err := e.WaitAll(); err != nil {
		t.Fatal(err)
	}
	if !blockerDone.Load() || p.ranOn.Load() == 0 {
		t.Fatalf("blocker done %v, small op ran %v", blockerDone.Load(), p.ranOn.Load() != 0)
	}
}

func TestTaskNotSmallRunsOnWorker(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 2})
	defer e.Close()
	p := &smallProbe{small: false, gate: make(chan struct{})}
	e.Push(Op{Name: "big", Writes: []*Var{e.NewVar()}, Task: p}) // would deadlock if run here
	close(p.gate)
	if err := e.WaitAll(); err != nil {
		t.Fatal(err)
	}
	if got := p.ranOn.Load(); got == 0 || got == goid.Current() {
		t.Fatalf("op ran on %#x, want a worker (pusher is %#x)", got, goid.Current())
	}
}
