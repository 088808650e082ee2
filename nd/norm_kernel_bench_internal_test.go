package nd

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkKernelNorm times the float32 norm kernels alone (no dispatch,
// the same arrays every call), on the float32 path and (/generic) on the
// generic one it replaced, with the fastest and median call as
// BenchmarkNorm reports them.
func BenchmarkKernelNorm(b *testing.B) {
	f32 := func(s ...int) *NDArray { return RandomUniform(-1, 1, Shape(s)) }
	pos := func(s ...int) *NDArray { return RandomUniform(0.5, 1, Shape(s)) }
	fg := false
	train := BatchNormAttrs{FixGamma: &fg, Train: true}
	cases := []kernelAllocCase{
		{"layer-256x1024", opLayerNorm, LayerNormAttrs{}, []*NDArray{f32(256, 1024), f32(1024), f32(1024)}},
		{"layer-256x1024-bwd", opNormBackward, LayerNormAttrs{}.backward(),
			[]*NDArray{f32(256, 1024), f32(256, 1024), f32(1024), f32(256, 1), pos(256, 1), f32(256, 1), f32(256, 1)}},
		{"layer-1024x4096", opLayerNorm, LayerNormAttrs{}, []*NDArray{f32(1024, 4096), f32(4096), f32(4096)}},
		{"layer-1024x4096-bwd", opNormBackward, LayerNormAttrs{}.backward(),
			[]*NDArray{f32(1024, 4096), f32(1024, 4096), f32(4096), f32(1024, 1), pos(1024, 1), f32(1024, 1), f32(1024, 1)}},
		{"batch-256x512", opBatchNorm, train, []*NDArray{f32(256, 512), f32(512), f32(512), f32(512), pos(512)}},
		{"batch-256x512-bwd", opNormBackward, train.backward(),
			[]*NDArray{f32(256, 512), f32(256, 512), f32(512), f32(512), pos(512), f32(512), f32(512)}},
		{"batch-32x64x28x28", opBatchNorm, train, []*NDArray{f32(32, 64, 28, 28), f32(64), f32(64), f32(64), pos(64)}},
		{"batch-32x64x28x28-bwd", opNormBackward, train.backward(),
			[]*NDArray{f32(32, 64, 28, 28), f32(32, 64, 28, 28), f32(64), f32(64), pos(64), f32(64), f32(64)}},
		{"group32-32x64x28x28", opGroupNorm, GroupNormAttrs{NumGroups: 32}, []*NDArray{f32(32, 64, 28, 28), f32(64), f32(64)}},
		{"group32-32x64x28x28-bwd", opNormBackward, GroupNormAttrs{NumGroups: 32}.backward(),
			[]*NDArray{f32(32, 64, 28, 28), f32(32, 64, 28, 28), f32(64), f32(32, 32), pos(32, 32), f32(32, 32), f32(32, 32)}},
	}
	for _, c := range cases {
		for _, fast := range []bool{true, false} {
			name := c.name
			if !fast {
				name += "/generic"
			}
			b.Run(name, func(b *testing.B) {
				normGenericOnly.Store(!fast)
				defer normGenericOnly.Store(false)
				shapes := make([]Shape, len(c.in))
				k := &KernelArgs{Attrs: c.attrs, Dev: CPU()}
				for i, a := range c.in {
					_ = a.WaitToRead()
					shapes[i] = a.shape
					k.In = append(k.In, a.blob())
				}
				outs, _ := c.op.InferShape(c.attrs, shapes)
				for _, s := range outs {
					o := Zeros(s)
					_ = o.WaitToRead()
					k.Out = append(k.Out, o.blob())
				}
				kern := c.op.Kernels[CPU().Type]
				var ds []time.Duration
				for b.Loop() {
					t0 := time.Now()
					_ = kern(k)
					ds = append(ds, time.Since(t0))
				}
				slices.Sort(ds)
				b.ReportMetric(float64(ds[0].Nanoseconds()), "min-ns/op")
				b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds()), "med-ns/op")
			})
		}
	}
}
