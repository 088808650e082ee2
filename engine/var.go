package engine

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Var is the unit of dependency tracking: one per storage chunk (and one per
// resource such as a device's RNG stream).
//
// Besides the error of the last operation that wrote it, a Var holds the
// threaded engine's queue of operations waiting for it. Readers granted
// access run together; a writer runs alone, after every earlier reader and
// writer. The queue is engine-agnostic: a granted operation is handed to the
// engine that pushed it.
type Var struct {
	err atomic.Pointer[errBox] // outcome of the last write; nil when it succeeded

	mu      sync.Mutex
	head    *depNode // oldest operation not yet granted access
	tail    *depNode
	readers int32 // granted reads not yet complete
	writing bool  // a granted write is not yet complete
}

// errBox lets Var.err be one atomic pointer: the naive engine's hot path
// then costs a load per variable instead of a lock.
type errBox struct{ err error }

func newVar() *Var { return &Var{} }

// Err returns the error carried on v without waiting.
func (v *Var) Err() error {
	if b := v.err.Load(); b != nil {
		return b.err
	}
	return nil
}

func (v *Var) setErr(err error) { v.err.Store(&errBox{err: err}) }

// clearErr stores only when needed so that successful writes do not keep
// dirtying a cache line shared with readers.
func (v *Var) clearErr() {
	if v.err.Load() != nil {
		v.err.Store(nil)
	}
}

// depNode is one operation's place in one variable's queue.
type depNode struct {
	op    *opr
	v     *Var
	next  *depNode
	write bool
}

// idle reports whether no operation holds or waits for v.
func (v *Var) idle() bool {
	v.mu.Lock()
	idle := v.head == nil && !v.writing && v.readers == 0
	v.mu.Unlock()
	return idle
}

// appendDep queues n and reports whether it was granted at once.
func (v *Var) appendDep(n *depNode) bool {
	v.mu.Lock()
	if v.head == nil && !v.writing && (!n.write || v.readers == 0) {
		if n.write {
			v.writing = true
		} else {
			v.readers++
		}
		v.mu.Unlock()
		return true
	}
	n.next = nil
	if v.tail == nil {
		v.head = n
	} else {
		v.tail.next = n
	}
	v.tail = n
	v.mu.Unlock()
	return false
}

// complete ends a granted read or write and grants what may run next: the
// oldest write once no reader remains, or the run of reads in front of the
// next write. Granted operations are notified after the lock is released,
// because a notification may complete other variables (wait operations).
//
// Invariant: while no write is granted, the queue head is nil or a write.
func (v *Var) complete(write bool) {
	v.mu.Lock()
	if write {
		v.writing = false
	} else {
		v.readers--
	}
	var granted *depNode
	if h := v.head; h != nil && !v.writing {
		if h.write {
			if v.readers == 0 {
				v.head = h.next
				h.next = nil
				v.writing = true
				granted = h
			}
		} else {
			last := h
			v.readers++
			for last.next != nil && !last.next.write {
				last = last.next
				v.readers++
			}
			v.head = last.next
			last.next = nil
			granted = h
		}
		if v.head == nil {
			v.tail = nil
		}
	}
	v.mu.Unlock()
	for n := granted; n != nil; {
		next := n.next // n's op may finish and be reused once notified
		n.op.depReady()
		n = next
	}
}

// upstreamError returns the wrapped error of op's first failed input.
func upstreamError(op *Op) error {
	for _, v := range op.Reads {
		if v == nil {
			continue
		}
		if err := v.Err(); err != nil {
			return fmt.Errorf("engine: op %s: %w: %w", op.Name, ErrUpstream, err)
		}
	}
	return nil
}

func setErr(vs []*Var, err error) {
	for _, v := range vs {
		if v != nil {
			v.setErr(err)
		}
	}
}

func clearErr(vs []*Var) {
	for _, v := range vs {
		if v != nil {
			v.clearErr()
		}
	}
}

// runOp runs op unless one of its inputs failed, records the outcome on its
// writes and returns op's own failure (nil for success and for skipped ops,
// whose root cause was reported when it happened).
func runOp(op *Op) error {
	if err := upstreamError(op); err != nil {
		setErr(op.Writes, err)
		return nil
	}
	if err := safeRun(op); err != nil {
		oe := &OpError{Op: op.Name, Err: err}
		setErr(op.Writes, oe)
		return oe
	}
	clearErr(op.Writes)
	return nil
}

// safeRun turns a panic in run into a *PanicError so that a bad kernel
// fails its op instead of the process or a worker.
func safeRun(op *Op) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(r)
		}
	}()
	if op.Run != nil {
		return op.Run()
	}
	return op.Task.Run()
}
