package bench

import (
	"sort"
	"strconv"
	"time"
)

// Config says how long to measure. The zero value means the defaults of
// `mxgo bench`: 15 timed samples of about 200ms each after 3 warm-up
// steps.
type Config struct {
	// Rounds is the number of timed samples; the median is reported.
	Rounds int
	// Warmup is the number of untimed steps run first (buffers, pools,
	// page faults, the tape's first allocations).
	Warmup int
	// SampleTime is how long one sample should last: the number of steps
	// per sample is calibrated from the warm-up so that short steps are
	// not dominated by clock resolution.
	SampleTime time.Duration
	// CPU adds a "<name>_cpu" result per workload: the process's user+system
	// CPU time per step (getrusage), which a busy machine inflates far less
	// than wall time when the workload runs on one thread.
	CPU bool
}

func (c Config) withDefaults() Config {
	if c.Rounds <= 0 {
		c.Rounds = 15
	}
	if c.Warmup <= 0 {
		c.Warmup = 3
	}
	if c.SampleTime <= 0 {
		c.SampleTime = 200 * time.Millisecond
	}
	return c
}

// Timing is the median wall and CPU time of one step.
type Timing struct {
	Wall, CPU time.Duration
}

// measure runs step cfg.Warmup times, then cfg.Rounds samples of a
// calibrated number of steps each, and returns the medians per step. step
// must finish its work (wait for its outputs) before returning.
func measure(cfg Config, step func()) Timing {
	cfg = cfg.withDefaults()
	start := time.Now()
	for range cfg.Warmup {
		step()
	}
	perStep := time.Since(start) / time.Duration(cfg.Warmup)
	inner := 1
	if perStep > 0 && perStep < cfg.SampleTime {
		inner = int(cfg.SampleTime / perStep)
	}
	walls := make([]time.Duration, cfg.Rounds)
	cpus := make([]time.Duration, cfg.Rounds)
	for i := range walls {
		c0 := cpuTime()
		t0 := time.Now()
		for range inner {
			step()
		}
		walls[i] = time.Since(t0) / time.Duration(inner)
		cpus[i] = (cpuTime() - c0) / time.Duration(inner)
	}
	return Timing{Wall: median(walls), CPU: median(cpus)}
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

// msResults turns a timing into a "name" result in milliseconds, plus
// "name_cpu" when cfg.CPU is set.
func msResults(cfg Config, name string, t Timing) []Result {
	rs := []Result{{Name: name, Value: millis(t.Wall), Unit: "ms"}}
	if cfg.CPU {
		rs = append(rs, Result{Name: name + "_cpu", Value: millis(t.CPU), Unit: "ms"})
	}
	return rs
}

// rateResults turns a timing of flops floating-point operations into a
// "name" result in GFLOP/s, plus "name_cpu" (GFLOP per CPU second) when
// cfg.CPU is set.
func rateResults(cfg Config, name string, flops float64, t Timing) []Result {
	rs := []Result{{Name: name, Value: gflops(flops, t.Wall), Unit: "GFLOP/s"}}
	if cfg.CPU {
		rs = append(rs, Result{Name: name + "_cpu", Value: gflops(flops, t.CPU), Unit: "GFLOP/s"})
	}
	return rs
}

// usResults is msResults in microseconds, for single ops.
func usResults(cfg Config, name string, t Timing) []Result {
	rs := []Result{{Name: name, Value: round(Micros(t.Wall), 4), Unit: "us"}}
	if cfg.CPU {
		rs = append(rs, Result{Name: name + "_cpu", Value: round(Micros(t.CPU), 4), Unit: "us"})
	}
	return rs
}

func millis(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 4) }

func gflops(flops float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return round(flops/d.Seconds()/1e9, 4)
}

// round keeps sig significant digits so the JSON lines stay short.
func round(v float64, sig int) float64 {
	if v == 0 {
		return 0
	}
	s := strconv.FormatFloat(v, 'g', sig, 64)
	r, _ := strconv.ParseFloat(s, 64)
	return r
}
