package nd_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

// BenchmarkNorm times the float32 norms as eager ops, dispatch included:
// fwd is the op, WaitToRead and the output handed back to the pool;
// fwd+bwd records the op, runs backward with a random head gradient and
// waits for the data gradient. bench/norm_torch.py times PyTorch on the
// same shapes. Besides the mean, each reports its fastest and median
// single call (min-ns/op, med-ns/op), which a machine shared with other
// work disturbs far less.
func BenchmarkNorm(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 4))
	type normCase struct {
		name  string
		shape []int
		c     int // gamma/beta size
		f     func(x, g, bt, mm, mv *nd.NDArray) *nd.NDArray
	}
	fg := false
	bn := nd.BatchNormAttrs{FixGamma: &fg, Train: true}
	cases := []normCase{
		{"layer-256x1024", []int{256, 1024}, 1024, func(x, g, bt, _, _ *nd.NDArray) *nd.NDArray {
			return nd.LayerNorm(x, g, bt, nd.LayerNormAttrs{})
		}},
		{"layer-1024x4096", []int{1024, 4096}, 4096, func(x, g, bt, _, _ *nd.NDArray) *nd.NDArray {
			return nd.LayerNorm(x, g, bt, nd.LayerNormAttrs{})
		}},
		{"batch-32x64x28x28", []int{32, 64, 28, 28}, 64, func(x, g, bt, mm, mv *nd.NDArray) *nd.NDArray {
			return nd.BatchNorm(x, g, bt, mm, mv, bn)
		}},
		{"batch-256x512", []int{256, 512}, 512, func(x, g, bt, mm, mv *nd.NDArray) *nd.NDArray {
			return nd.BatchNorm(x, g, bt, mm, mv, bn)
		}},
		{"group32-32x64x28x28", []int{32, 64, 28, 28}, 64, func(x, g, bt, _, _ *nd.NDArray) *nd.NDArray {
			return nd.GroupNorm(x, g, bt, nd.GroupNormAttrs{NumGroups: 32})
		}},
		{"instance-32x64x28x28", []int{32, 64, 28, 28}, 64, func(x, g, bt, _, _ *nd.NDArray) *nd.NDArray {
			return nd.InstanceNorm(x, g, bt, nd.InstanceNormAttrs{})
		}},
	}
	for _, c := range cases {
		var x, gy, gamma, beta, mm, mv *nd.NDArray
		// setup makes the inputs when a case runs (not for the filtered).
		setup := func() {
			if x == nil {
				x, gy = nnRand32(r, c.shape...), nnRand32(r, c.shape...)
				gamma, beta = nnRand32(r, c.c), nnRand32(r, c.c)
				mm, mv = nd.Zeros(nd.Shape{c.c}), nd.Ones(nd.Shape{c.c})
			}
		}
		bytes := int64(nd.Shape(c.shape).Size() * 4)
		b.Run(c.name+"/fwd", func(b *testing.B) {
			setup()
			b.SetBytes(bytes)
			b.ReportAllocs()
			var calls callTimes
			for b.Loop() {
				calls.start()
				out := c.f(x, gamma, beta, mm, mv)
				if err := out.WaitToRead(); err != nil {
					b.Fatal(err)
				}
				nd.ReleaseTemporaries([]*nd.NDArray{out}, nil)
				calls.stop()
			}
			calls.report(b)
		})
		b.Run(c.name+"/fwd+bwd", func(b *testing.B) {
			setup()
			b.SetBytes(bytes)
			b.ReportAllocs()
			x.AttachGrad()
			gamma.AttachGrad()
			beta.AttachGrad()
			heads, hg := make([]*nd.NDArray, 1), []*nd.NDArray{gy}
			var calls callTimes
			for b.Loop() {
				calls.start()
				autograd.Record(func() { heads[0] = c.f(x, gamma, beta, mm, mv) })
				if err := autograd.Backward(heads, hg, false); err != nil {
					b.Fatal(err)
				}
				if err := x.Grad().WaitToRead(); err != nil {
					b.Fatal(err)
				}
				nd.ReleaseTemporaries(heads, nil)
				calls.stop()
			}
			calls.report(b)
		})
	}
}

// callTimes collects the durations of single calls.
type callTimes struct {
	t0 time.Time
	ds []time.Duration
}

func (c *callTimes) start() { c.t0 = time.Now() }
func (c *callTimes) stop()  { c.ds = append(c.ds, time.Since(c.t0)) }

// report adds the fastest and the median call as metrics.
func (c *callTimes) report(b *testing.B) {
	if len(c.ds) == 0 {
		return
	}
	slices.Sort(c.ds)
	b.ReportMetric(float64(c.ds[0].Nanoseconds()), "min-ns/op")
	b.ReportMetric(float64(c.ds[len(c.ds)/2].Nanoseconds()), "med-ns/op")
}
