package nd_test

import (
	"testing"

	"github.com/mxgo/mxgo/nd"
)

// Large unary ops without a vector loop split the work over threads; a
// range the parallel loop runs inline must not split again (it recursed
// without end and overflowed the stack).
func TestUnaryLargeFloat64(t *testing.T) {
	for _, n := range []int{1 << 16, 1 << 17, 3<<16 + 5} {
		got := nd.Ones(nd.Shape{n}, nd.OfType(nd.Float64)).Sin().Sum().Scalar()
		want := float64(n) * 0.8414709848078965
		if d := got - want; d > 1e-6*want || d < -1e-6*want {
			t.Fatalf("n=%d: sum of sin(1) = %v, want %v", n, got, want)
		}
	}
}
