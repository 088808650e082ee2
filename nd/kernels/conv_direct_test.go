package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// convDirectNaive is the reference: float64 sums of the taps plus bias.
func convDirectNaive(y, x, w, bias []float32, c, h, wd, f, kh, kw int) {
	oh, ow := h-kh+1, wd-kw+1
	for fi := range f {
		for oy := range oh {
			for ox := range ow {
				s := 0.0
				if bias != nil {
					s = float64(bias[fi])
				}
				for ci := range c {
					for ky := range kh {
						for kx := range kw {
							s += float64(w[((fi*c+ci)*kh+ky)*kw+kx]) * float64(x[(ci*h+oy+ky)*wd+ox+kx])
						}
					}
				}
				y[(fi*oh+oy)*ow+ox] = float32(s)
			}
		}
	}
}

// ConvDirect matches the naive convolution across channel counts, kernel
// sizes, filter counts around the groups of 10 and widths around the
// segments of 32 (with and without bias, assembly or Go), and writes
// nothing past its output.
func TestConvDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	var d ConvDirect
	for _, c := range []int{1, 2, 3} {
		for _, k := range [][2]int{{1, 1}, {3, 3}, {5, 5}, {2, 4}} {
			for _, f := range []int{1, 9, 10, 11, 20, 23} {
				for _, hw := range [][2]int{{5, 5}, {7, 20}, {28, 28}, {9, 40}, {6, 70}} {
					h, w := hw[0], hw[1]
					if k[0] > h || k[1] > w {
						continue
					}
					for _, withBias := range []bool{false, true} {
						name := fmt.Sprintf("c%d_k%dx%d_f%d_%dx%d_bias%v", c, k[0], k[1], f, h, w, withBias)
						x, wt := randSlice(r, c*h*w), randSlice(r, f*c*k[0]*k[1])
						var bias []float32
						if withBias {
							bias = randSlice(r, f)
						}
						oh, ow := h-k[0]+1, w-k[1]+1
						want := make([]float32, f*oh*ow)
						convDirectNaive(want, x, wt, bias, c, h, w, f, k[0], k[1])
						got := make([]float32, f*oh*ow+1)
						got[len(got)-1] = 12345
						d.Prepare(c, h, w, f, k[0], k[1], wt, bias)
						d.Image(got[:len(want)], x)
						if got[len(want)] != 12345 {
							t.Fatalf("%s: wrote past the output", name)
						}
						tol := 1e-5 * float64(c*k[0]*k[1]+1)
						for i := range want {
							if math.Abs(float64(got[i]-want[i])) > tol {
								t.Fatalf("%s: y[%d] = %v, want %v", name, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}

func TestConvDirectPanics(t *testing.T) {
	var d ConvDirect
	mustPanic(t, "kernel larger than the image", func() { d.Prepare(1, 4, 4, 2, 5, 5, make([]float32, 50), nil) })
	mustPanic(t, "short weights", func() { d.Prepare(1, 8, 8, 2, 3, 3, make([]float32, 17), nil) })
	mustPanic(t, "short bias", func() { d.Prepare(1, 8, 8, 2, 3, 3, make([]float32, 18), make([]float32, 1)) })
	d.Prepare(1, 8, 8, 2, 3, 3, make([]float32, 18), nil)
	mustPanic(t, "short input", func() { d.Image(make([]float32, 72), make([]float32, 63)) })
	mustPanic(t, "short output", func() { d.Image(make([]float32, 71), make([]float32, 64)) })
}

// BenchmarkConvDirect runs LeNet's first layer (1→20, 5×5 on 28×28) on
// one image.
func BenchmarkConvDirect(b *testing.B) {
	r := rand.New(rand.NewPCG(33, 34))
	x, w, bias := randSlice(r, 28*28), randSlice(r, 20*25), randSlice(r, 20)
	y := make([]float32, 20*24*24)
	var d ConvDirect
	d.Prepare(1, 28, 28, 20, 5, 5, w, bias)
	for b.Loop() {
		d.Image(y, x)
	}
	b.ReportMetric(2*20*25*24*24*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
