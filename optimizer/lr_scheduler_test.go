package optimizer_test

import (
	"math"
	"testing"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/optimizer"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// Expected rates are MXNet's lr_scheduler.py run by hand (the schedulers
// there are stateful; these are the values they return for increasing
// counts).
func TestSchedulers(t *testing.T) {
	factor := optimizer.NewFactorScheduler(3, 0.5)
	factor.BaseLR = 1
	factor.StopFactorLR = 0.2
	poly := optimizer.NewPolyScheduler(10, 2)
	poly.BaseLR, poly.FinalLR = 1, 0.1
	poly.Warmup = optimizer.Warmup{Steps: 2, BeginLR: 0.5}
	cos := optimizer.NewCosineScheduler(8)
	cos.BaseLR = 1
	cos.Warmup = optimizer.Warmup{Steps: 4, BeginLR: 0.1, Mode: "constant"}
	multi := optimizer.NewMultiFactorScheduler([]int{2, 5}, 0.1)
	multi.BaseLR = 1
	for _, tc := range []struct {
		name string
		s    optimizer.LRScheduler
		want map[int]float64
	}{
		// decays when n exceeds 3, 6, 9: 1, .5, .25, then clamped at .2
		{"factor", factor, map[int]float64{0: 1, 1: 1, 3: 1, 4: 0.5, 6: 0.5, 7: 0.25, 10: 0.2, 100: 0.2}},
		{"multifactor", multi, map[int]float64{0: 1, 2: 1, 3: 0.1, 5: 0.1, 6: 0.01, 50: 0.01}},
		// warmup 0.5 -> 1 over 2 updates, then (1-(n-2)/8)^2 from 1 to 0.1
		{"poly", poly, map[int]float64{0: 0.5, 1: 0.75, 2: 1, 6: 0.1 + 0.9*0.25, 10: 0.1, 11: 0.1}},
		{"cosine", cos, map[int]float64{0: 0.1, 3: 0.1, 4: 1, 6: 0.5, 8: 0, 9: 0}},
	} {
		for n, want := range tc.want {
			if got := tc.s.LR(n); !near(got, want) {
				t.Errorf("%s: LR(%d) = %v, want %v", tc.name, n, got, want)
			}
		}
	}
}

func TestSchedulerPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"factor step":        func() { optimizer.NewFactorScheduler(0, 0.5) },
		"factor > 1":         func() { optimizer.NewFactorScheduler(1, 2) },
		"multi not increase": func() { optimizer.NewMultiFactorScheduler([]int{3, 3}, 0.5) },
		"poly max":           func() { optimizer.NewPolyScheduler(0, 2) },
		"cosine max":         func() { optimizer.NewCosineScheduler(0) },
		"warmup above base": func() {
			s := optimizer.NewCosineScheduler(5)
			s.Warmup = optimizer.Warmup{Steps: 2, BeginLR: 1}
			s.LR(0)
		},
		"warmup mode": func() {
			s := optimizer.NewCosineScheduler(5)
			s.Warmup = optimizer.Warmup{Steps: 2, Mode: "cubic"}
			s.LR(0)
		},
	} {
		if err := nd.Try(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
