package recordio

import (
	"errors"
	"fmt"
)

// ErrCorrupt is wrapped by every error about malformed RecordIO, .idx or
// image-header bytes, so callers can tell bad data from I/O failures with
// errors.Is.
var ErrCorrupt = errors.New("corrupt data")

// FormatError reports malformed input at a byte offset (and a line, for the
// text formats). It wraps ErrCorrupt, and Err when a lower-level cause such as
// io.ErrUnexpectedEOF exists.
type FormatError struct {
	File   string // file name, when the input was opened from a path
	Offset int64  // byte offset of the bad record or field; -1 if unknown
	Line   int    // 1-based line number for .idx and .lst input; 0 otherwise
	Msg    string
	Err    error
}

func (e *FormatError) Error() string {
	s := "recordio: "
	if e.File != "" {
		s += e.File + ": "
	}
	if e.Line > 0 {
		s += fmt.Sprintf("line %d: ", e.Line)
	} else if e.Offset >= 0 {
		s += fmt.Sprintf("offset %d: ", e.Offset)
	}
	s += e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap lets errors.Is match both ErrCorrupt and the underlying cause.
func (e *FormatError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrCorrupt, e.Err}
	}
	return []error{ErrCorrupt}
}

func corruptf(off int64, cause error, format string, args ...any) *FormatError {
	return &FormatError{Offset: off, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// withFile names the file in a FormatError, leaving other errors wrapped as
// "recordio: FILE: ...".
func withFile(err error, file string) error {
	if err == nil {
		return nil
	}
	if fe, ok := err.(*FormatError); ok {
		if fe.File == "" {
			cp := *fe
			cp.File = file
			return &cp
		}
		return err
	}
	return fmt.Errorf("recordio: %s: %w", file, err)
}
