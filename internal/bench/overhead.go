package bench

import (
	"sort"
	"time"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd"
)

// Overhead measures the fixed cost of one eager op: microseconds per Add
// of two 10-element float32 arrays, with the naive engine, with the
// threaded engine (ops pushed back to back, one wait at the end of each
// round, as asynchronous code runs), and with autograd recording.
func Overhead() []Result { return overhead(false) }

// OverheadCPU is Overhead plus "<name>_cpu" results: the process's
// user+system CPU time per op, which a busy machine inflates far less than
// wall time (it includes the collector's work on other threads).
func OverheadCPU() []Result { return overhead(true) }

func overhead(withCPU bool) []Result {
	const inner, rounds = 20000, 15
	measure := func(e engine.Engine, record bool) (wall, cpu float64) {
		old := engine.SetDefault(e)
		defer engine.SetDefault(old)
		a := nd.Array([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
		b := nd.Array([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
		if record {
			a.AttachGrad()
		}
		body := func() {
			var c *nd.NDArray
			for i := 0; i < inner; i++ {
				c = nd.Add(a, b)
			}
			_ = c.WaitToRead()
		}
		run := func() {
			body() // warm-up
			walls := make([]time.Duration, rounds)
			cpus := make([]time.Duration, rounds)
			for i := range walls {
				c0, t0 := cpuTime(), time.Now()
				body()
				walls[i] = time.Since(t0) / inner
				cpus[i] = (cpuTime() - c0) / inner
			}
			wall, cpu = Micros(medianOf(walls)), Micros(medianOf(cpus))
		}
		if record {
			autograd.Record(run)
		} else {
			run()
		}
		return wall, cpu
	}
	threaded := engine.NewThreaded(engine.ThreadedOptions{})
	defer func() {
		if c, ok := threaded.(interface{ Close() }); ok {
			c.Close()
		}
	}()
	var rs []Result
	add := func(name string, wall, cpu float64) {
		rs = append(rs, Result{Name: name, Value: wall, Unit: "us"})
		if withCPU {
			rs = append(rs, Result{Name: name + "_cpu", Value: cpu, Unit: "us"})
		}
	}
	w, c := measure(engine.NewNaive(), false)
	add("add10_naive", w, c)
	w, c = measure(threaded, false)
	add("add10_threaded", w, c)
	w, c = measure(engine.NewNaive(), true)
	add("add10_naive_record", w, c)
	return rs
}

func medianOf(ds []time.Duration) time.Duration {
	ds = append([]time.Duration(nil), ds...)
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}
