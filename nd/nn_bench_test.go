package nd_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

func nnRand32(r *rand.Rand, shape ...int) *nd.NDArray {
	v := make([]float32, nd.Shape(shape).Size())
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return nd.ArrayOf(v, nd.Shape(shape))
}

// BenchmarkConv2D times forward and forward+backward (data and weight
// gradients) and reports GFLOP/s counting 2·N·F·C/G·k·out multiply-adds per
// pass (backward does two such passes).
func BenchmarkConv2D(b *testing.B) {
	for _, c := range []struct {
		name                string
		n, c, h, w, f, k, p int
	}{
		{"lenet1-b64", 64, 1, 28, 28, 20, 5, 0},
		{"lenet2-b64", 64, 20, 12, 12, 50, 5, 0},
		{"resnet3x3-64c-56-b1", 1, 64, 56, 56, 64, 3, 1},
		{"resnet1x1-64c-56-b1", 1, 64, 56, 56, 256, 1, 0},
	} {
		r := rand.New(rand.NewPCG(1, 1))
		x, w := nnRand32(r, c.n, c.c, c.h, c.w), nnRand32(r, c.f, c.c, c.k, c.k)
		a := nd.ConvolutionAttrs{Kernel: nd.Shape{c.k, c.k}, Pad: nd.Shape{c.p, c.p}, NumFilter: c.f, NoBias: true}
		oh, ow := c.h+2*c.p-c.k+1, c.w+2*c.p-c.k+1
		flops := 2.0 * float64(c.n*c.f*c.c*c.k*c.k*oh*ow)
		b.Run(c.name+"/fwd", func(b *testing.B) {
			for b.Loop() {
				if err := nd.Convolution(x, w, nil, a).WaitToRead(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(c.name+"/fwd+bwd", func(b *testing.B) {
			x.AttachGrad()
			w.AttachGrad()
			for b.Loop() {
				var y *nd.NDArray
				autograd.Record(func() { y = nd.Convolution(x, w, nil, a) })
				if err := autograd.BackwardOne(y); err != nil {
					b.Fatal(err)
				}
				if err := x.Grad().WaitToRead(); err != nil {
					b.Fatal(err)
				}
				if err := w.Grad().WaitToRead(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(3*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func BenchmarkPool(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	x := nnRand32(r, 16, 64, 56, 56)
	for _, a := range []nd.PoolingAttrs{
		{Kernel: nd.Shape{3, 3}, Stride: nd.Shape{2, 2}, Pad: nd.Shape{1, 1}},
		{PoolType: "avg", Kernel: nd.Shape{2, 2}, Stride: nd.Shape{2, 2}},
	} {
		name := fmt.Sprintf("%s%v-16x64x56x56", map[string]string{"": "max"}[a.PoolType]+a.PoolType, a.Kernel)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(x.Size() * 4))
			for b.Loop() {
				if err := nd.Pooling(x, a).WaitToRead(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBatchNorm(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	x := nnRand32(r, 16, 64, 28, 28)
	gamma, beta := nd.Ones(nd.Shape{64}), nd.Zeros(nd.Shape{64})
	mm, mv := nd.Zeros(nd.Shape{64}), nd.Ones(nd.Shape{64})
	f := false
	a := nd.BatchNormAttrs{FixGamma: &f, Train: true}
	b.Run("fwd-16x64x28x28", func(b *testing.B) {
		b.SetBytes(int64(x.Size() * 4))
		for b.Loop() {
			if err := nd.BatchNorm(x, gamma, beta, mm, mv, a).WaitToRead(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fwd+bwd-16x64x28x28", func(b *testing.B) {
		b.SetBytes(int64(x.Size() * 4))
		x.AttachGrad()
		gamma.AttachGrad()
		for b.Loop() {
			var y *nd.NDArray
			autograd.Record(func() { y = nd.BatchNorm(x, gamma, beta, mm, mv, a) })
			if err := autograd.BackwardOne(y); err != nil {
				b.Fatal(err)
			}
			if err := x.Grad().WaitToRead(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
