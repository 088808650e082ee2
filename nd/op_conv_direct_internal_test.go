package nd

import (
	"testing"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Layers with few taps (LeNet's first) take the direct path and give the
// GEMM path's outputs, with and without bias, at batch 1 and larger;
// wider tap counts, strides, padding and narrow outputs do not take it.
func TestConvDirectPath(t *testing.T) {
	if !kernels.ConvDirectAvailable() {
		t.Skip("the direct path needs AVX-512")
	}
	for _, c := range []struct {
		x, w   Shape
		noBias bool
	}{
		{Shape{64, 1, 28, 28}, Shape{20, 1, 5, 5}, false},
		{Shape{1, 1, 28, 28}, Shape{20, 1, 5, 5}, false},
		{Shape{3, 2, 21, 40}, Shape{13, 2, 3, 3}, true},
		{Shape{2, 3, 18, 18}, Shape{8, 3, 3, 3}, false},
	} {
		x, w, b := RandomUniform(-1, 1, c.x), RandomUniform(-1, 1, c.w), RandomUniform(-1, 1, Shape{c.w[0]})
		attrs := ConvolutionAttrs{Kernel: c.w[2:].Clone(), NumFilter: c.w[0], NoBias: c.noBias}
		geo, err := convGeomFor(attrs, c.x, c.w)
		if err != nil {
			t.Fatal(err)
		}
		if !convDirectOK(&geo) {
			t.Fatalf("x %v w %v: not on the direct path", c.x, c.w)
		}
		bias := b
		if c.noBias {
			bias = nil
		}
		got := Convolution(x, w, bias, attrs)
		if err := got.WaitToRead(); err != nil { // computed before the switch below
			t.Fatal(err)
		}
		convDirectEnabled = false
		want := Convolution(x, w, bias, attrs)
		want.WaitToRead()
		convDirectEnabled = true
		convCheckClose(t, "direct", got.Float64s(), want.Float64s(), 1e-5)
	}
	for _, c := range []struct {
		x, w        Shape
		stride, pad int
	}{
		{Shape{2, 20, 12, 12}, Shape{50, 20, 5, 5}, 1, 0}, // 500 taps
		{Shape{2, 1, 28, 28}, Shape{8, 1, 5, 5}, 2, 0},    // strided
		{Shape{2, 1, 28, 28}, Shape{8, 1, 5, 5}, 1, 2},    // padded
		{Shape{2, 1, 12, 12}, Shape{8, 1, 5, 5}, 1, 0},    // 8 columns
	} {
		attrs := ConvolutionAttrs{Kernel: c.w[2:].Clone(), NumFilter: c.w[0], Stride: Shape{c.stride, c.stride}, Pad: Shape{c.pad, c.pad}}
		geo, err := convGeomFor(attrs, c.x, c.w)
		if err != nil {
			t.Fatal(err)
		}
		if convDirectOK(&geo) {
			t.Errorf("x %v w %v stride %d pad %d: on the direct path", c.x, c.w, c.stride, c.pad)
		}
	}
}

// BenchmarkConvLeNet1 times LeNet's first layer at batch 64 (1→20, 5×5
// on 28×28, bias) into a reused output, direct and through im2col and
// the GEMM.
func BenchmarkConvLeNet1(b *testing.B) {
	x := RandomUniform(-1, 1, Shape{64, 1, 28, 28}).Float32s()
	w := RandomUniform(-1, 1, Shape{20, 1, 5, 5}).Float32s()
	bias := RandomUniform(-1, 1, Shape{20}).Float32s()
	y := make([]float32, 64*20*24*24)
	geo, err := convGeomFor(ConvolutionAttrs{Kernel: Shape{5, 5}, NumFilter: 20}, Shape{64, 1, 28, 28}, Shape{20, 1, 5, 5})
	if err != nil {
		b.Fatal(err)
	}
	flops := 2 * 64 * 20 * 25 * 24 * 24.0
	b.Run("direct", func(b *testing.B) {
		if !kernels.ConvDirectAvailable() {
			b.Skip("needs AVX-512")
		}
		for b.Loop() {
			convTryDirect(x, w, bias, y, &geo)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("gemm", func(b *testing.B) {
		for b.Loop() {
			convForwardBatched(x, w, bias, y, &geo)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}
