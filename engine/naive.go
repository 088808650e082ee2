package engine

import "sync"

// Naive runs every operation inline, in the pusher's goroutine. It is the
// engine for debugging (errors surface where the op was pushed) and for very
// small operations, where scheduling costs more than the work.
//
// Error semantics match the threaded engine's, panics included: a panic in
// Op.Run becomes a *PanicError on the op's writes rather than unwinding the
// pusher, so code behaves the same under both engines.
type Naive struct {
	mu   sync.Mutex
	errs []error
}

// NewNaive returns a synchronous engine.
func NewNaive() *Naive { return &Naive{} }

// Name returns "NaiveEngine".
func (*Naive) Name() string { return "NaiveEngine" }

// NewVar returns a fresh variable.
func (*Naive) NewVar() *Var { return newVar() }

// Push runs op now, unless one of its reads carries an error.
func (n *Naive) Push(op Op) {
	if err := runOp(&op); err != nil {
		n.mu.Lock()
		n.errs = append(n.errs, err)
		n.mu.Unlock()
	}
	finish(&op)
}

// WaitForVar returns the error carried on v; nothing is ever pending.
func (*Naive) WaitForVar(v *Var) error { return v.Err() }

// WaitAll returns the errors of the operations that failed since the
// previous WaitAll.
func (n *Naive) WaitAll() error {
	n.mu.Lock()
	errs := n.errs
	n.errs = nil
	n.mu.Unlock()
	return joinErrs(errs)
}

// Close does nothing: the naive engine owns no goroutines. It exists so
// that code can close any engine.
func (*Naive) Close() {}
