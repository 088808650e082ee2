package nn

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mxgo/mxgo/nd"
)

// nnPanic reports a programmer error in a layer's configuration or input.
func nnPanic(layer, format string, args ...any) {
	panic(&nd.Error{Op: layer, Msg: fmt.Sprintf(format, args...)})
}

// optionsOf returns the single options struct of a constructor call (the
// zero value when none was given).
func optionsOf[T any](layer string, opts []T) T {
	var zero T
	switch len(opts) {
	case 0:
		return zero
	case 1:
		return opts[0]
	}
	nnPanic(layer, "at most one options struct may be given, got %d", len(opts))
	return zero
}

// spatialTuple expands a Gluon int-or-tuple argument to n values: nil gives
// def everywhere, one value is repeated, n values are taken as they are.
func spatialTuple(layer, name string, v []int, n, def, minVal int) nd.Shape {
	out := make(nd.Shape, n)
	switch len(v) {
	case 0:
		for i := range out {
			out[i] = def
		}
	case 1:
		for i := range out {
			out[i] = v[0]
		}
	case n:
		copy(out, v)
	default:
		nnPanic(layer, "%s %v must have 1 or %d values", name, v, n)
	}
	for _, d := range out {
		if d < minVal {
			nnPanic(layer, "%s %v: values must be >= %d", name, v, minVal)
		}
	}
	return out
}

// pyFloat formats v as Python's repr does (0.9, 1.0, 1e-05).
func pyFloat(v float64) string {
	a := math.Abs(v)
	if a == 0 || (a >= 1e-4 && a < 1e16) {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.ContainsAny(s, ".") {
			s += ".0"
		}
		return s
	}
	return strconv.FormatFloat(v, 'e', -1, 64)
}

// pyBool formats b as Python does.
func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// pyDim formats a possibly deferred dimension: 0 prints as None.
func pyDim(d int) string {
	if d == 0 {
		return "None"
	}
	return strconv.Itoa(d)
}

// pyTuple formats ints as a Python tuple: (), (1,), (1, 2).
func pyTuple(v []int) string { return nd.Shape(v).String() }
