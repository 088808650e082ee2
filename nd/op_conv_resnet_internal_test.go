package nd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// convResNet18Layers are the distinct convolutions of ResNet-18 at 224².
var convResNet18Layers = []struct {
	c, f, hw, k, s, p int
}{
	{3, 64, 224, 7, 2, 3},
	{64, 64, 56, 3, 1, 1},
	{64, 128, 56, 3, 2, 1},
	{128, 128, 28, 3, 1, 1},
	{64, 128, 56, 1, 2, 0},
	{128, 256, 28, 3, 2, 1},
	{256, 256, 14, 3, 1, 1},
	{128, 256, 28, 1, 2, 0},
	{256, 512, 14, 3, 2, 1},
	{512, 512, 7, 3, 1, 1},
	{256, 512, 14, 1, 2, 0},
}

// BenchmarkConvResNet18 times convForward on each distinct ResNet-18
// layer at batch 1 (kernel only, no engine).
func BenchmarkConvResNet18(b *testing.B) {
	for _, l := range convResNet18Layers {
		xs, ws := Shape{1, l.c, l.hw, l.hw}, Shape{l.f, l.c, l.k, l.k}
		a := ConvolutionAttrs{Kernel: ws[2:], Stride: Shape{l.s, l.s}, Pad: Shape{l.p, l.p}, NoBias: true}
		geo, err := convGeomFor(a, xs, ws)
		if err != nil {
			b.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		rnd := func(n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = r.Float32() - 0.5
			}
			return v
		}
		x, w, y := rnd(xs.Size()), rnd(ws.Size()), make([]float32, geo.f*geo.outSize())
		flops := 2 * float64(geo.f*geo.c*geo.kSize()*geo.outSize())
		b.Run(fmt.Sprintf("%dx%d-%d-%d-s%d", l.k, l.k, l.c, l.f, l.s), func(b *testing.B) {
			for b.Loop() {
				convForward(x, w, y, &geo)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
