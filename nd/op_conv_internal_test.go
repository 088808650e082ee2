package nd

import (
	"math/rand/v2"
	"testing"
)

// convBenchCases are LeNet's convolutions at batch 64 and a ResNet 3×3.
var convBenchCases = []struct {
	name string
	x, w Shape
	pad  int
}{
	{"lenet1-b64", Shape{64, 1, 28, 28}, Shape{20, 1, 5, 5}, 0},
	{"lenet2-b64", Shape{64, 20, 12, 12}, Shape{50, 20, 5, 5}, 0},
	{"resnet3x3-64c-56-b1", Shape{1, 64, 56, 56}, Shape{64, 64, 3, 3}, 1},
}

// BenchmarkConvKernels times the three convolution kernels into
// preallocated outputs (no array allocation, no engine).
func BenchmarkConvKernels(b *testing.B) {
	for _, c := range convBenchCases {
		a := ConvolutionAttrs{Kernel: c.w[2:], Pad: Shape{c.pad, c.pad}, NoBias: true}
		geo, err := convGeomFor(a, c.x, c.w)
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
		x, w := rnd(c.x.Size()), rnd(c.w.Size())
		y := rnd(geo.n * geo.f * geo.outSize())
		dx, dw := make([]float32, len(x)), make([]float32, len(w))
		flops := 2 * float64(geo.n*geo.f*geo.c*geo.kSize()*geo.outSize())
		for _, k := range []struct {
			name string
			run  func()
		}{
			{"fwd", func() { convForward(x, w, y, &geo) }},
			{"data", func() { convAdjoint(y, w, dx, &geo) }},
			{"weight", func() { convWeight(x, y, dw, &geo) }},
		} {
			b.Run(c.name+"/"+k.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					k.run()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// A convolution whose data carries no gradient skips the data gradient
// and still gives the weight the same gradient.
func TestConvSkipsDataGradOfConstants(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	rnd := func(s Shape) *NDArray {
		v := make([]float32, s.Size())
		for i := range v {
			v[i] = r.Float32() - 0.5
		}
		return ArrayOf(v, s)
	}
	x, w := rnd(Shape{2, 3, 6, 5}), rnd(Shape{4, 3, 3, 3})
	a := ConvolutionAttrs{Kernel: Shape{3, 3}, NoBias: true}
	if nnNeedsGrad(x) {
		t.Fatal("a fresh array needs no gradient")
	}
	y := Invoke1(opConvolution, a, x, w)
	gy := OnesLike(y)
	grads := opConvolution.Grad(&GradArgs{Attrs: a, Inputs: []*NDArray{x, w}, Outputs: []*NDArray{y}, OutGrads: []*NDArray{gy}})
	if grads[0] != nil {
		t.Fatal("data gradient computed for a constant input")
	}
	x.AttachGrad()
	if !nnNeedsGrad(x) {
		t.Fatal("an array with AttachGrad needs a gradient")
	}
	full := opConvolution.Grad(&GradArgs{Attrs: a, Inputs: []*NDArray{x, w}, Outputs: []*NDArray{y}, OutGrads: []*NDArray{gy}})
	if full[0] == nil {
		t.Fatal("data gradient missing for a tracked input")
	}
	got, want := grads[1].Float32s(), full[1].Float32s()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("weight gradient [%d]: %v != %v", i, got[i], want[i])
		}
	}
	x.AttachGrad(GradNull)
	if nnNeedsGrad(x) {
		t.Fatal("grad_req null needs no gradient")
	}
}

// The plain im2col must match the general one on geometries where both apply.
func TestConvIm2colPlainMatchesGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, c := range []struct{ x, w Shape }{
		{Shape{1, 3, 7, 9}, Shape{2, 3, 3, 2}},
		{Shape{1, 1, 28, 28}, Shape{20, 1, 5, 5}},
		{Shape{1, 2, 5, 5}, Shape{1, 2, 5, 5}},
		{Shape{1, 4, 17}, Shape{3, 4, 4}},
	} {
		geo, err := convGeomFor(ConvolutionAttrs{Kernel: c.w[2:], NoBias: true}, c.x, c.w)
		if err != nil {
			t.Fatal(err)
		}
		if !geo.im2colPlain() {
			t.Fatalf("%v * %v is not plain", c.x, c.w)
		}
		x := make([]float64, c.x.Size())
		for i := range x {
			x[i] = r.Float64()
		}
		n := geo.c * geo.kSize() * geo.outSize()
		got, want := make([]float64, n), make([]float64, n)
		convIm2colPlain(x, got, &geo)
		convIm2colGeneral(x, want, &geo)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%v * %v: [%d] got %v, want %v", c.x, c.w, i, got[i], want[i])
			}
		}
	}
}

// The plain col2im must match the general one.
func TestConvCol2imPlainMatchesGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, c := range []struct{ x, w Shape }{
		{Shape{1, 3, 7, 9}, Shape{2, 3, 3, 2}},
		{Shape{1, 20, 12, 12}, Shape{50, 20, 5, 5}},
		{Shape{1, 4, 17}, Shape{3, 4, 4}},
	} {
		geo, err := convGeomFor(ConvolutionAttrs{Kernel: c.w[2:], NoBias: true}, c.x, c.w)
		if err != nil {
			t.Fatal(err)
		}
		col := make([]float64, geo.c*geo.kSize()*geo.outSize())
		for i := range col {
			col[i] = r.Float64()
		}
		got, want := make([]float64, c.x.Size()), make([]float64, c.x.Size())
		for i := range got {
			got[i], want[i] = 7, 7 // both must overwrite
		}
		convCol2imPlain(col, got, &geo)
		convCol2imGeneral(col, want, &geo)
		for i := range want {
			if d := got[i] - want[i]; d > 1e-12 || d < -1e-12 {
				t.Fatalf("%v * %v: [%d] got %v, want %v", c.x, c.w, i, got[i], want[i])
			}
		}
	}
}
