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

func TestUntilRunsHelper(t *testing.T) {
	if runtime.GOMAXPROCS(0) == 1 {
		t.Skip("needs GOMAXPROCS > 1: with one P, Until does not spin")
	}
	var calls atomic.Int32
	SetHelper(func() bool { return calls.Add(1) <= 3 })
	defer SetHelper(nil)
	// The helper's work is what makes the condition true: the waiter
	// computes its own result.
	if !Until(time.Second, func() bool { return calls.Load() >= 3 }) {
		t.Fatal("Until gave up although the helper's work made the condition true")
	}
	if calls.Load() < 3 {
		t.Fatalf("helper called %d times", calls.Load())
	}
	SetHelper(nil)
	before := calls.Load()
	Until(50*time.Microsecond, func() bool { return false })
	if calls.Load() != before {
		t.Fatal("a removed helper was called")
	}
}
