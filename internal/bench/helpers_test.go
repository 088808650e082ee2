package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func sizeName(prefix string, n int) string { return fmt.Sprintf("%s%d", prefix, n) }

func newRand() *rand.Rand { return rand.New(rand.NewPCG(9, 9)) }

// tinyConfig measures one step after one warm-up step.
func tinyConfig() Config { return Config{Rounds: 1, Warmup: 1, SampleTime: time.Nanosecond} }

// checkResults asserts that rs are, in order, the named results with the
// unit (GFLOP/s, ms or us; _cpu results may be 0 where the OS has no
// getrusage) and positive finite values.
func checkResults(t *testing.T, rs []Result, unit string, names ...string) {
	t.Helper()
	if len(rs) != len(names) {
		t.Fatalf("got %d results %+v, want %v", len(rs), rs, names)
	}
	for i, r := range rs {
		if r.Name != names[i] || r.Unit != unit {
			t.Errorf("result %d = %+v, want name %q unit %q", i, r, names[i], unit)
		}
		if !(r.Value > 0) || r.Value > 1e9 {
			if !(cpuTime() == 0 && r.Value == 0) {
				t.Errorf("result %+v: value not positive and finite", r)
			}
		}
	}
}
