package kernels

import "fmt"

// Error is the panic value for misuse of a kernel (bad dimensions or short
// slices): programmer errors, as in the nd package.
type Error struct {
	Op  string // kernel name, e.g. "sgemm"
	Msg string
}

func (e *Error) Error() string { return "kernels: " + e.Op + ": " + e.Msg }

func panicf(op, format string, args ...any) {
	panic(&Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}
