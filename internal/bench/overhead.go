package bench

import (
	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd"
)

// Overhead measures the fixed cost of one eager op: microseconds per Add
// of two 10-element float32 arrays, with the naive engine, with the
// threaded engine (ops pushed back to back, one wait at the end of each
// round, as asynchronous code runs), and with autograd recording.
func Overhead() []Result {
	const inner = 20000
	measure := func(e engine.Engine, record bool) float64 {
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
		var d float64
		if record {
			autograd.Record(func() { d = Micros(Median(15, inner, body)) })
		} else {
			d = Micros(Median(15, inner, body))
		}
		return d
	}
	threaded := engine.NewThreaded(engine.ThreadedOptions{})
	defer func() {
		if c, ok := threaded.(interface{ Close() }); ok {
			c.Close()
		}
	}()
	return []Result{
		{Name: "add10_naive", Value: measure(engine.NewNaive(), false), Unit: "us"},
		{Name: "add10_threaded", Value: measure(threaded, false), Unit: "us"},
		{Name: "add10_naive_record", Value: measure(engine.NewNaive(), true), Unit: "us"},
	}
}
