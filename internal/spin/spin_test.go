package spin

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestUntilSeesAnotherGoroutine(t *testing.T) {
	if runtime.GOMAXPROCS(0) == 1 {
		t.Skip("needs GOMAXPROCS > 1: with one P, Until does not spin")
	}
	var flag atomic.Bool
	go func() {
		time.Sleep(50 * time.Microsecond)
		flag.Store(true)
	}()
	// A generous limit: the OS-yield check may still give up early on a
	// busy machine, in which case the flag is simply not yet set.
	if Until(5*time.Second, flag.Load) != flag.Load() {
		t.Fatal("Until's result disagrees with the condition")
	}
}

func TestUntilGivesUp(t *testing.T) {
	calls := 0
	start := time.Now()
	if Until(200*time.Microsecond, func() bool { calls++; return false }) {
		t.Fatal("Until reported a condition that never held")
	}
	if calls < 1 {
		t.Fatal("ready never called")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Until(200µs) took %v", d)
	}
}

func TestUntilNoSpin(t *testing.T) {
	calls := 0
	if Until(0, func() bool { calls++; return false }) || calls != 1 {
		t.Fatalf("Until(0) polled %d times, want exactly once", calls)
	}
	if !Until(-1, func() bool { return true }) {
		t.Fatal("Until must report a condition that already holds")
	}
}

func TestEnvDuration(t *testing.T) {
	for _, c := range []struct {
		v    string
		want time.Duration
	}{{"", 7}, {"100us", 100 * time.Microsecond}, {"0", 0}, {"-1ms", 7}, {"fast", 7}} {
		t.Setenv("MXGO_SPIN_TEST", c.v)
		if got := EnvDuration("MXGO_SPIN_TEST", 7); got != c.want {
			t.Errorf("EnvDuration(%q) = %v, want %v", c.v, got, c.want)
		}
	}
}
