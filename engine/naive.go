package engine

import "sync"

// Naive runs every operation inline, in the pusher's goroutine. It is the
// engine for debugging (errors surface where the op was pushed) and for very
// small operations, where scheduling costs more than the work.
type Naive struct {
	mu   sync.Mutex
	errs []error
}

// NewNaive returns a synchronous engine.
func NewNaive() *Naive { return &Naive{} }

func (*Naive) Name() string { return "NaiveEngine" }

func (*Naive) NewVar() *Var { return newVar() }

func (n *Naive) Push(op Op) {
	if err := upstreamError(op); err != nil {
		setErr(op.Writes, err)
		return
	}
	if err := op.Run(); err != nil {
		oe := &OpError{Op: op.Name, Err: err}
		setErr(op.Writes, oe)
		n.mu.Lock()
		n.errs = append(n.errs, oe)
		n.mu.Unlock()
		return
	}
	clearErr(op.Writes)
}

func (*Naive) WaitForVar(v *Var) error { return v.Err() }

func (n *Naive) WaitAll() error {
	n.mu.Lock()
	errs := n.errs
	n.errs = nil
	n.mu.Unlock()
	return joinErrs(errs)
}
