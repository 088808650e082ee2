package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd/kernels"
)

// convBatchGeom is one geometry the batched-path tests run.
type convBatchGeom struct {
	x, w                Shape
	stride, pad, dilate int
	group               int
}

// convBatchGeoms covers batches 1, 3 and 7, channels 1, 3 and 20, images
// 5×5, 12×12 and 28×28, kernels 3 and 5, stride 1 and 2, pad 0 and 1,
// dilation 2 and groups, plus 1-D and 3-D and LeNet's two layers.
func convBatchGeoms() []convBatchGeom {
	var gs []convBatchGeom
	for _, n := range []int{1, 3, 7} {
		for _, c := range []int{1, 3, 20} {
			for _, hw := range []int{5, 12, 28} {
				for _, k := range []int{3, 5} {
					if k > hw {
						continue
					}
					// Vary the rest with the loop indices so the list
					// stays short but every value appears with each size.
					s := 1 + (n+c+hw+k)%2
					p := (n + c + k) % 2
					d := 1
					if (n*c+hw)%3 == 0 && hw >= 2*k {
						d = 2
					}
					gs = append(gs, convBatchGeom{Shape{n, c, hw, hw}, Shape{4 + c%5, c, k, k}, s, p, d, 1})
				}
			}
		}
	}
	return append(gs,
		convBatchGeom{Shape{64, 1, 28, 28}, Shape{20, 1, 5, 5}, 1, 0, 1, 1},
		convBatchGeom{Shape{64, 20, 12, 12}, Shape{50, 20, 5, 5}, 1, 0, 1, 1},
		convBatchGeom{Shape{3, 6, 12, 12}, Shape{4, 3, 3, 3}, 1, 1, 1, 2},
		convBatchGeom{Shape{5, 6, 9, 11}, Shape{6, 2, 3, 2}, 2, 0, 2, 3},
		convBatchGeom{Shape{4, 4, 29}, Shape{3, 4, 5}, 3, 2, 1, 1},
		convBatchGeom{Shape{2, 3, 5, 6, 7}, Shape{2, 3, 3, 3, 2}, 2, 1, 1, 1},
		convBatchGeom{Shape{3, 3, 8, 8}, Shape{5, 3, 3, 3}, 1, 1, 1, 1},
	)
}

func (c convBatchGeom) geom(t testing.TB) convGeom {
	nsp := len(c.x) - 2
	tuple := func(v int) Shape {
		s := make(Shape, nsp)
		for i := range s {
			s[i] = v
		}
		return s
	}
	a := ConvolutionAttrs{Kernel: c.w[2:], Stride: tuple(c.stride), Pad: tuple(c.pad), Dilate: tuple(c.dilate), NumGroup: c.group, NoBias: true}
	geo, err := convGeomFor(a, c.x, c.w)
	if err != nil {
		t.Fatalf("%v * %v: %v", c.x, c.w, err)
	}
	return geo
}

// convAdjointRef is dx = convᵀ(dy, w) by the naive GEMM and the general
// col2im, one image and group at a time.
func convAdjointRef(dy, w []float64, geo *convGeom) []float64 {
	I, L, K := geo.inSize(), geo.outSize(), geo.kSize()
	cg, fg := geo.c/geo.group, geo.f/geo.group
	rows := cg * K
	dx := make([]float64, geo.n*geo.c*I)
	col := make([]float64, geo.c*K*L)
	for i := 0; i < geo.n; i++ {
		for g := 0; g < geo.group; g++ {
			kernels.DgemmNaive(true, false, rows, L, fg, 1, w[g*fg*rows:], rows, dy[(i*geo.f+g*fg)*L:], L, 0, col[g*rows*L:], L)
		}
		convCol2imGeneral(col, dx[i*geo.c*I:(i+1)*geo.c*I], geo)
	}
	return dx
}

// convWeightRef is dw = Σ dy·im2col(x)ᵀ by the naive GEMM.
func convWeightRef(x, dy []float64, geo *convGeom) []float64 {
	I, L, K := geo.inSize(), geo.outSize(), geo.kSize()
	cg, fg := geo.c/geo.group, geo.f/geo.group
	rows := cg * K
	dw := make([]float64, geo.f*rows)
	col := make([]float64, geo.c*K*L)
	for i := 0; i < geo.n; i++ {
		convIm2colGeneral(x[i*geo.c*I:], col, geo)
		for g := 0; g < geo.group; g++ {
			kernels.DgemmNaive(false, true, fg, rows, L, 1, dy[(i*geo.f+g*fg)*L:], L, col[g*rows*L:], L, 1, dw[g*fg*rows:], rows)
		}
	}
	return dw
}

func convRandF64(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.Float64() - 0.5
	}
	return v
}

func convToF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// convCheckClose fails unless got matches want to within tol relative to
// the largest |want| (float32 sums of a few hundred terms).
func convCheckClose[T nnFloat](t *testing.T, what string, got []T, want []float64, tol float64) {
	t.Helper()
	scale := 1.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol*scale) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// The batched forward (with and without bias), data gradient and weight
// gradient match the naive references in float64 and float32, on one
// thread and two, with the default blocking and with one image a block.
func TestConvBatchedMatchesReference(t *testing.T) {
	defer kernels.SetNumThreads(0)
	defer func(cols, flops int) { convBatchColFloats, convBatchParallelFlops = cols, flops }(convBatchColFloats, convBatchParallelFlops)
	r := rand.New(rand.NewPCG(21, 21))
	for gi, c := range convBatchGeoms() {
		geo := c.geom(t)
		x, w := convRandF64(r, c.x.Size()), convRandF64(r, c.w.Size())
		bias := convRandF64(r, geo.f)
		dy := convRandF64(r, geo.n*geo.f*geo.outSize())
		wantY := convForwardRef(x, w, &geo)
		wantYB := append([]float64(nil), wantY...)
		for j := range wantYB {
			wantYB[j] += bias[j/geo.outSize()%geo.f]
		}
		wantDX, wantDW := convAdjointRef(dy, w, &geo), convWeightRef(x, dy, &geo)
		for _, setting := range []struct {
			threads, cols, flops int
		}{{1, 1 << 17, 8 << 20}, {2, 1 << 17, 0}, {3, 1, 0}, {2, 1 << 17, 8 << 20}} {
			kernels.SetNumThreads(setting.threads)
			convBatchColFloats, convBatchParallelFlops = setting.cols, setting.flops
			name := fmt.Sprintf("geometry %d %v*%v threads %d cols %d", gi, c.x, c.w, setting.threads, setting.cols)
			if !convBatchOK(&geo) {
				if geo.c/geo.group*geo.kSize()*geo.outSize() <= convBatchMaxImageFloats && geo.outSize() <= convBatchMaxL {
					t.Fatalf("%s: batched path declined", name)
				}
				continue
			}
			y := make([]float64, len(wantY))
			convForwardBatched(x, w, nil, y, &geo)
			convCheckClose(t, name+" forward", y, wantY, 1e-12)
			convForwardBatched(x, w, bias, y, &geo)
			convCheckClose(t, name+" forward+bias", y, wantYB, 1e-12)
			dx := make([]float64, len(x))
			for j := range dx {
				dx[j] = math.NaN() // must be overwritten
			}
			convAdjointBatched(dy, w, dx, &geo)
			convCheckClose(t, name+" data", dx, wantDX, 1e-12)
			dw := make([]float64, len(w))
			convWeight(x, dy, dw, &geo) // clears dw, then the batched path
			convCheckClose(t, name+" weight", dw, wantDW, 1e-12)

			x32, w32, b32, dy32 := convToF32(x), convToF32(w), convToF32(bias), convToF32(dy)
			y32 := make([]float32, len(wantY))
			convForwardBatched(x32, w32, b32, y32, &geo)
			convCheckClose(t, name+" forward+bias f32", y32, wantYB, 1e-5)
			dx32 := make([]float32, len(x))
			convAdjointBatched(dy32, w32, dx32, &geo)
			convCheckClose(t, name+" data f32", dx32, wantDX, 1e-5)
			dw32 := make([]float32, len(w))
			convWeight(x32, dy32, dw32, &geo)
			convCheckClose(t, name+" weight f32", dw32, wantDW, 1e-5)
		}
	}
}

// The strided im2col and col2im match the per-image general ones for every
// column offset and channel range.
func TestConvIm2colLdMatchesGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 22))
	for gi, c := range convBatchGeoms() {
		geo := c.geom(t)
		K, L := geo.kSize(), geo.outSize()
		x := convRandF64(r, geo.c*geo.inSize())
		full := make([]float64, geo.c*K*L)
		convIm2colGeneral(x, full, &geo)
		c0, c1 := geo.c/3, geo.c
		ld, off := 3*L+5, L+2
		col := make([]float64, (c1-c0)*K*ld)
		for j := range col {
			col[j] = -7 // outside the written columns stays
		}
		convIm2colLd(x, col[off:], ld, &geo, c0, c1)
		for row := 0; row < (c1-c0)*K; row++ {
			for j := 0; j < ld; j++ {
				want := -7.0
				if j >= off && j < off+L {
					want = full[(c0*K+row)*L+j-off]
				}
				if got := col[row*ld+j]; got != want {
					t.Fatalf("geometry %d im2col: row %d col %d = %v, want %v", gi, row, j, got, want)
				}
			}
		}
		// col2im of the same rows: compare with the general one on a
		// full column matrix that is zero outside [c0, c1).
		fullCol := make([]float64, geo.c*K*L)
		for row := 0; row < (c1-c0)*K; row++ {
			copy(fullCol[(c0*K+row)*L:(c0*K+row+1)*L], col[row*ld+off:row*ld+off+L])
		}
		want := make([]float64, len(x))
		convCol2imGeneral(fullCol, want, &geo)
		got := make([]float64, len(x))
		for j := range got {
			got[j] = 3 // channels [c0, c1) are overwritten, the rest kept
		}
		convCol2imLd(col[off:], ld, got, &geo, c0, c1)
		for j := range got {
			w := want[j]
			if j < c0*geo.inSize() {
				w = 3
			}
			if d := math.Abs(got[j] - w); d > 1e-12 {
				t.Fatalf("geometry %d col2im: [%d] = %v, want %v", gi, j, got[j], w)
			}
		}
	}
}

// The op-level forward with bias equals the per-image path plus bias.
func TestConvBatchedOpMatchesPerImage(t *testing.T) {
	defer func(v bool) { convBatchEnabled = v }(convBatchEnabled)
	r := rand.New(rand.NewPCG(23, 23))
	x := ArrayOf(convToF32(convRandF64(r, 5*3*12*12)), Shape{5, 3, 12, 12})
	w := ArrayOf(convToF32(convRandF64(r, 7*3*5*5)), Shape{7, 3, 5, 5})
	b := ArrayOf(convToF32(convRandF64(r, 7)), Shape{7})
	a := ConvolutionAttrs{Kernel: Shape{5, 5}, NumFilter: 7}
	convBatchEnabled = true
	got := Convolution(x, w, b, a).Float32s()
	convBatchEnabled = false
	want := Convolution(x, w, b, a).Float32s()
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-5 {
			t.Fatalf("[%d] batched %v, per image %v", i, got[i], want[i])
		}
	}
}

// BenchmarkConvBatched compares the batched kernels with the per-image
// paths on LeNet's layers at several batch sizes.
func BenchmarkConvBatched(b *testing.B) {
	defer func(v bool) { convBatchEnabled = v }(convBatchEnabled)
	for _, c := range []struct {
		name string
		x, w Shape
	}{
		{"lenet1-b1", Shape{1, 1, 28, 28}, Shape{20, 1, 5, 5}},
		{"lenet2-b1", Shape{1, 20, 12, 12}, Shape{50, 20, 5, 5}},
		{"lenet1-b32", Shape{32, 1, 28, 28}, Shape{20, 1, 5, 5}},
		{"lenet2-b32", Shape{32, 20, 12, 12}, Shape{50, 20, 5, 5}},
		{"lenet1-b64", Shape{64, 1, 28, 28}, Shape{20, 1, 5, 5}},
		{"lenet2-b64", Shape{64, 20, 12, 12}, Shape{50, 20, 5, 5}},
	} {
		geo := convBatchGeom{c.x, c.w, 1, 0, 1, 1}.geom(b)
		r := rand.New(rand.NewPCG(1, 2))
		x, w := convToF32(convRandF64(r, c.x.Size())), convToF32(convRandF64(r, c.w.Size()))
		bias := convToF32(convRandF64(r, geo.f))
		y := make([]float32, geo.n*geo.f*geo.outSize())
		dx, dw := make([]float32, len(x)), make([]float32, len(w))
		flops := 2 * float64(geo.n*geo.f*geo.c*geo.kSize()*geo.outSize())
		for _, batched := range []bool{true, false} {
			for _, k := range []struct {
				name string
				run  func()
			}{
				{"fwd", func() {
					if convBatchEnabled {
						convForwardBatched(x, w, bias, y, &geo)
						return
					}
					convForward(x, w, y, &geo)
					convAddBias(y, bias, geo.n, geo.f, geo.outSize())
				}},
				{"data", func() { convAdjoint(y, w, dx, &geo) }},
				{"weight", func() { convWeight(x, y, dw, &geo) }},
			} {
				b.Run(fmt.Sprintf("%s/%s/batched=%v", c.name, k.name, batched), func(b *testing.B) {
					convBatchEnabled = batched
					b.ReportAllocs()
					for b.Loop() {
						k.run()
					}
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

// The batched weight gradient sums the same blocks in the same order
// whichever thread runs them, so repeated two-thread runs agree bit for bit
// (training is reproducible for a given seed and thread count).
func TestConvWeightBatchedDeterministic(t *testing.T) {
	defer kernels.SetNumThreads(0)
	kernels.SetNumThreads(2)
	xs, ws := Shape{64, 20, 12, 12}, Shape{50, 20, 5, 5}
	geo, err := convGeomFor(ConvolutionAttrs{Kernel: Shape{5, 5}, NumFilter: 50}, xs, ws)
	if err != nil {
		t.Fatal(err)
	}
	if !convBatchOK(&geo) {
		t.Fatal("LeNet's second convolution at batch 64 should take the batched path")
	}
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, xs.Size())
	dy := make([]float32, 64*50*8*8)
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	for i := range dy {
		dy[i] = r.Float32()*2 - 1
	}
	want := make([]float32, ws.Size())
	convWeightBatched(x, dy, want, &geo)
	got := make([]float32, ws.Size())
	for run := range 40 {
		convWeightBatched(x, dy, got, &geo)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("run %d: dw[%d] = %v, first run gave %v", run, i, got[i], want[i])
			}
		}
	}
}
