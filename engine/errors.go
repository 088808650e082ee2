package engine

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// OpError is the error carried on the variables a failed operation wrote.
type OpError struct {
	Op  string
	Err error
}

func (e *OpError) Error() string { return "engine: op " + e.Op + ": " + e.Err.Error() }
func (e *OpError) Unwrap() error { return e.Err }

// ErrUpstream wraps errors passed on from a failed input.
var ErrUpstream = errors.New("input failed")

// PanicError is the error of an operation whose Run panicked. When the
// panic value is an error (such as a typed shape error), Unwrap returns it,
// so errors.As finds it through the OpError.
type PanicError struct {
	Value any
	Stack []byte // the panicking goroutine's stack, for debugging
}

func newPanicError(v any) *PanicError { return &PanicError{Value: v, Stack: debug.Stack()} }

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
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
