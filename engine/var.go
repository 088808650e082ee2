package engine

import (
	"errors"
	"fmt"
	"sync"
)

// Var is the unit of dependency tracking: one per storage chunk (and one per
// resource such as a device's RNG stream).
type Var struct {
	mu  sync.Mutex
	err error // error of the last operation that wrote this variable
	// Scheduling state of the threaded engine lives in q.
	q varQueue
}

func newVar() *Var { return &Var{} }

// Err returns the error carried on v without waiting.
func (v *Var) Err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.err
}

func upstreamError(op Op) error {
	for _, v := range op.Reads {
		if err := v.Err(); err != nil {
			return fmt.Errorf("engine: op %s: %w: %w", op.Name, ErrUpstream, err)
		}
	}
	return nil
}

func setErr(vs []*Var, err error) {
	for _, v := range vs {
		v.mu.Lock()
		v.err = err
		v.mu.Unlock()
	}
}

func clearErr(vs []*Var) {
	for _, v := range vs {
		v.mu.Lock()
		v.err = nil
		v.mu.Unlock()
	}
}

func joinErrs(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}
