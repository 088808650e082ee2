package nd

import (
	"strconv"
	"strings"
)

// Shape lists the size of each dimension. A scalar has an empty shape.
type Shape []int

// Size is the number of elements (1 for a scalar).
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Equal reports whether s and o have the same dimensions.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy that does not share memory with s.
func (s Shape) Clone() Shape {
	if s == nil {
		return nil
	}
	return append(Shape{}, s...) // a scalar's () stays non-nil
}

// String prints MXNet's tuple form: (2, 3), (5,), ().
func (s Shape) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(s) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// Strides returns the C-order element strides of s.
func (s Shape) Strides() []int {
	st := make([]int, len(s))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = acc
		acc *= s[i]
	}
	return st
}

// normAxis maps a possibly negative axis into [0, ndim) or reports false.
func normAxis(axis, ndim int) (int, bool) {
	if axis < 0 {
		axis += ndim
	}
	return axis, axis >= 0 && axis < ndim
}
