package nd

import "fmt"

// Error is the panic value for programmer errors inside an op: a shape,
// dtype or device mistake. Use Try to turn it into an error at an API
// boundary.
type Error struct {
	Op  string // operator or function name, "" if none
	Msg string
}

func (e *Error) Error() string {
	if e.Op == "" {
		return "nd: " + e.Msg
	}
	return "nd: " + e.Op + ": " + e.Msg
}

// panicf panics with an *Error for op.
func panicf(op, format string, args ...any) {
	panic(&Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}

// Try runs f and returns the *Error it panicked with, if any. Other panics
// pass through unchanged.
func Try(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok {
				err = e
				return
			}
			panic(r)
		}
	}()
	f()
	return nil
}

// Must panics with an *Error wrapping err if err is not nil, for calls
// whose failure is a programmer error.
func must(op string, err error) {
	if err != nil {
		panic(&Error{Op: op, Msg: err.Error()})
	}
}
