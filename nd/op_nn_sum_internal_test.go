package nd

import (
	"math"
	"testing"
)

func TestNNSumMatchesSequential(t *testing.T) {
	for n := range 41 {
		x := make([]float64, n)
		want := 0.0
		for i := range x {
			x[i] = math.Sin(float64(i)*1.7) * float64(i+1)
			want += x[i]
		}
		if got := nnSum(x); math.Abs(got-want) > 1e-12*float64(n+1)*10 {
			t.Errorf("n=%d: nnSum = %v, want %v", n, got, want)
		}
	}
}

func BenchmarkNNChannelSum(b *testing.B) {
	s := Shape{64, 20, 24, 24}
	x := make([]float32, s.Size())
	out := make([]float32, 20)
	for b.Loop() {
		nnChannelSum(x, out, s, 1)
	}
}
