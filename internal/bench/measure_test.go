package bench

import (
	"runtime"
	"testing"
	"time"
)

func TestMeasureMedianPerStep(t *testing.T) {
	steps := 0
	tm := measure(Config{Rounds: 3, Warmup: 2, SampleTime: 6 * time.Millisecond}, func() {
		steps++
		time.Sleep(2 * time.Millisecond)
	})
	// 2 warm-up steps, then 3 samples of about 6ms/2ms = 3 steps.
	if steps < 2+3 || steps > 2+3*3 {
		t.Errorf("ran %d steps, want 2 warm-up + 3 samples of 1 to 3", steps)
	}
	if tm.Wall < 2*time.Millisecond || tm.Wall > 50*time.Millisecond {
		t.Errorf("wall %v per step, want about 2ms", tm.Wall)
	}
	// CPU time is the whole process's (the collector and other goroutines
	// count too), so it can exceed a sleeping step's wall time, but not by
	// more than the number of threads that can run at once.
	if tm.CPU < 0 || tm.CPU > time.Duration(runtime.GOMAXPROCS(0))*tm.Wall {
		t.Errorf("CPU %v per sleeping step, wall %v", tm.CPU, tm.Wall)
	}
}

func TestResultsUnitsAndRounding(t *testing.T) {
	tm := Timing{Wall: 1500 * time.Microsecond, CPU: 3 * time.Millisecond}
	rs := msResults(Config{CPU: true}, "x", tm)
	if len(rs) != 2 || rs[0] != (Result{"x", 1.5, "ms"}) || rs[1] != (Result{"x_cpu", 3, "ms"}) {
		t.Errorf("msResults = %+v", rs)
	}
	rs = usResults(Config{CPU: true}, "u", tm)
	if len(rs) != 2 || rs[0] != (Result{"u", 1500, "us"}) || rs[1] != (Result{"u_cpu", 3000, "us"}) {
		t.Errorf("usResults = %+v", rs)
	}
	rs = rateResults(Config{}, "g", 3e9, tm)
	if len(rs) != 1 || rs[0] != (Result{"g", 2000, "GFLOP/s"}) {
		t.Errorf("rateResults = %+v", rs)
	}
	if got := round(2.0/3, 4); got != 0.6667 {
		t.Errorf("round(2/3, 4) = %v", got)
	}
	if got := gflops(1, 0); got != 0 {
		t.Errorf("gflops over 0s = %v, want 0", got)
	}
}
