package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Error bounds of the Winograd path, as the largest |y - y_ref| over the
// largest |y_ref| of the output (y_ref the float64 direct sum), for inputs
// and weights uniform in [-0.5, 0.5). Measured maxima on the geometries
// below are about 5e-7 for F(2×2) and 6e-6 for F(4×4); the bounds leave room
// for other data.
const (
	convWinoTol2 = 1e-5
	convWinoTol4 = 1e-4
)

// convWinoGeom is one test convolution: batch, channels, filters, input
// size and padding.
type convWinoGeom struct{ n, c, f, h, w, p int }

// convWinoGeoms covers odd and even sizes, sizes that are no multiple of
// either tile, padding 0-2, 16-128 channels and batch 1 and 3.
var convWinoGeoms = []convWinoGeom{
	{1, 16, 16, 8, 8, 1},
	{1, 17, 16, 9, 11, 0},
	{3, 16, 17, 13, 7, 2},
	{1, 64, 64, 15, 15, 1},
	{3, 17, 64, 10, 12, 1},
	{1, 128, 17, 11, 9, 0},
	{1, 64, 128, 7, 14, 2},
	{3, 128, 128, 6, 6, 1},
	{2, 16, 16, 3, 4, 1}, // a one-tile output, narrower than a tile
	{1, 3, 5, 9, 9, 1},   // few channels (forced path only)
}

func (g convWinoGeom) geo(t testing.TB) convGeom {
	a := ConvolutionAttrs{Kernel: Shape{3, 3}, Pad: Shape{g.p, g.p}, NoBias: true}
	geo, err := convGeomFor(a, Shape{g.n, g.c, g.h, g.w}, Shape{g.f, g.c, 3, 3})
	if err != nil {
		t.Fatal(err)
	}
	return geo
}

// convWinoErr is max |got - want| / max |want|.
func convWinoErr(got []float32, want []float64) float64 {
	var d, scale float64
	for i, w := range want {
		d = max(d, math.Abs(float64(got[i])-w))
		scale = max(scale, math.Abs(w))
	}
	if math.IsNaN(d) {
		return math.Inf(1)
	}
	return d / scale
}

// withWinoChunkBytes runs f with the chunk target set to b.
func withWinoChunkBytes(b int, f func()) {
	defer func(v int) { convWinoChunkBytes = v }(convWinoChunkBytes)
	convWinoChunkBytes = b
	f()
}

// Both tile sizes match the float64 reference (plus bias) within their
// bounds on every geometry, on one to three threads, with the default
// chunking, tiny chunks (chunks that split tile rows and cross images) and
// one chunk; and they agree with the direct float32 path.
func TestConvWinogradMatchesReference(t *testing.T) {
	defer kernels.SetNumThreads(0)
	r := rand.New(rand.NewPCG(7, 11))
	worst := map[int]float64{}
	for gi, g := range convWinoGeoms {
		geo := g.geo(t)
		x64, w64, b64 := convRandF64(r, geo.n*geo.c*geo.inSize()), convRandF64(r, geo.f*geo.c*9), convRandF64(r, geo.f)
		want := convForwardRef(x64, w64, &geo)
		L := geo.outSize()
		for i := range want {
			want[i] += b64[i/L%geo.f]
		}
		x, w, b := convToF32(x64), convToF32(w64), convToF32(b64)
		direct := make([]float32, len(want))
		convForward(x, w, direct, &geo)
		convAddBias(direct, b, geo.n, geo.f, L)
		for _, v := range convWinoVariants() {
			m := v.m
			tol := map[int]float64{2: convWinoTol2, 4: convWinoTol4}[m]
			for _, chunk := range []int{convWinoChunkBytes, 1, 1 << 30} {
				for _, threads := range []int{1, 2, 3} {
					name := fmt.Sprintf("g%d_%s_chunk%d_t%d", gi, v.name, chunk, threads)
					kernels.SetNumThreads(threads)
					y := make([]float32, len(want))
					for i := range y {
						y[i] = float32(math.NaN())
					}
					v.run(func() {
						withWinoChunkBytes(chunk, func() { convForwardWinograd(x, w, b, y, &geo, m) })
					})
					e := convWinoErr(y, want)
					worst[m] = max(worst[m], e)
					if !(e <= tol) {
						t.Fatalf("%s %+v: error %.3g relative to max |y|, bound %g", name, g, e, tol)
					}
					if e := convWinoErr(y, convF32To64(direct)); !(e <= tol) {
						t.Fatalf("%s %+v: differs from the direct path by %.3g", name, g, e)
					}
				}
			}
		}
	}
	t.Logf("largest error relative to max |y|: F(2x2) %.3g, F(4x4) %.3g", worst[2], worst[4])
}

// The data gradient through Winograd (the transposed, turned filters
// convolved with dy at padding 2-p) matches the float64 adjoint within the
// forward's bounds on every geometry, both tile sizes, one to three
// threads, and agrees with the direct path; with Winograd off the direct
// path runs (the adjoint reports false).
func TestConvWinogradAdjointMatchesReference(t *testing.T) {
	defer kernels.SetNumThreads(0)
	defer func(v int) { convWinoMode = v }(convWinoMode)
	r := rand.New(rand.NewPCG(9, 13))
	for gi, g := range convWinoGeoms {
		geo := g.geo(t)
		dy64, w64 := convRandF64(r, geo.n*geo.f*geo.outSize()), convRandF64(r, geo.f*geo.c*9)
		want := convAdjointRef(dy64, w64, &geo)
		dy, w := convToF32(dy64), convToF32(w64)
		convWinoMode = 0
		direct := make([]float32, len(want))
		if convTryWinogradAdjoint(dy, w, direct, &geo) {
			t.Fatalf("g%d: the Winograd adjoint ran with Winograd off", gi)
		}
		convAdjoint(dy, w, direct, &geo)
		for _, v := range convWinoVariants() {
			convWinoMode = v.m
			tol := map[int]float64{2: convWinoTol2, 4: convWinoTol4}[v.m]
			for _, threads := range []int{1, 2, 3} {
				kernels.SetNumThreads(threads)
				dx := make([]float32, len(want))
				for i := range dx {
					dx[i] = float32(math.NaN())
				}
				var ran bool
				v.run(func() { ran = convTryWinogradAdjoint(dy, w, dx, &geo) })
				if !ran {
					t.Fatalf("g%d %+v: the forced Winograd adjoint did not run", gi, g)
				}
				if e := convWinoErr(dx, want); !(e <= tol) {
					t.Fatalf("g%d %s t%d %+v: error %.3g relative to max |dx|, bound %g", gi, v.name, threads, g, e, tol)
				}
				if e := convWinoErr(dx, convF32To64(direct)); !(e <= tol) {
					t.Fatalf("g%d %s t%d %+v: differs from the direct path by %.3g", gi, v.name, threads, g, e)
				}
			}
		}
	}
}

// convWinoVariant is one tile size with the Go or the assembly
// transforms.
type convWinoVariant struct {
	name string
	m    int
	asm  bool
}

// convWinoVariants lists F(2×2) and F(4×4) with the Go transforms, and
// F(2×2) with the assembly ones where the CPU has them.
func convWinoVariants() []convWinoVariant {
	vs := []convWinoVariant{{"F2go", 2, false}, {"F4go", 4, false}}
	if convWinoAVX512 {
		vs = append(vs, convWinoVariant{"F2asm", 2, true})
	}
	return vs
}

// run calls f with the variant's transforms selected.
func (v convWinoVariant) run(f func()) {
	defer func(a bool) { convWinoAVX512 = a }(convWinoAVX512)
	convWinoAVX512 = v.asm
	f()
}

func convF32To64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// Large values and a filter concentrated on one tap stay within the
// bounds: the error scales with the data, not with fixed constants.
func TestConvWinogradScaledData(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	geo := convWinoGeom{1, 32, 32, 12, 12, 1}.geo(t)
	x64 := convRandF64(r, geo.c*geo.inSize())
	w64 := make([]float64, geo.f*geo.c*9)
	for i := range x64 {
		x64[i] *= 1e4
	}
	for i := range w64 {
		if i%9 == 4 {
			w64[i] = r.Float64() - 0.5
		} else {
			w64[i] = 1e-3 * (r.Float64() - 0.5)
		}
	}
	want := convForwardRef(x64, w64, &geo)
	for m, tol := range map[int]float64{2: convWinoTol2, 4: convWinoTol4} {
		y := make([]float32, len(want))
		convForwardWinograd(convToF32(x64), convToF32(w64), nil, y, &geo, m)
		if e := convWinoErr(y, want); !(e <= tol) {
			t.Errorf("F(%d): error %.3g relative to max |y|, bound %g", m, e, tol)
		}
	}
}

// TestConvWinogradChoice checks which convolutions take the path, and
// that MXGO_CONV_WINOGRAD's values parse.
func TestConvWinogradChoice(t *testing.T) {
	defer func(v int) { convWinoMode = v }(convWinoMode)
	convWinoMode = 1
	for _, c := range []struct {
		x, w           Shape
		stride, dilate int
		group          int
		want           int
	}{
		{Shape{1, 64, 56, 56}, Shape{64, 64, 3, 3}, 1, 1, 1, 2},
		{Shape{16, 16, 9, 9}, Shape{16, 16, 3, 3}, 1, 1, 1, 2},
		{Shape{2, 128, 28, 28}, Shape{128, 128, 3, 3}, 1, 1, 1, 2},
		{Shape{1, 128, 28, 28}, Shape{128, 128, 3, 3}, 1, 1, 1, 2},  // 196 tiles
		{Shape{16, 256, 14, 14}, Shape{256, 256, 3, 3}, 1, 1, 1, 2}, // 784 tiles
		{Shape{1, 256, 14, 14}, Shape{256, 256, 3, 3}, 1, 1, 1, 0},  // few tiles for its channels
		{Shape{4, 256, 14, 14}, Shape{256, 256, 3, 3}, 1, 1, 1, 0},
		{Shape{16, 512, 7, 7}, Shape{512, 512, 3, 3}, 1, 1, 1, 0},
		{Shape{1, 32, 12, 12}, Shape{32, 32, 3, 3}, 1, 1, 1, 0},        // 36 tiles: below convWinoMinTiles
		{Shape{1, 64, 56, 56}, Shape{128, 64, 3, 3}, 2, 1, 1, 0},       // stride 2
		{Shape{1, 64, 56, 56}, Shape{64, 64, 3, 3}, 1, 2, 1, 0},        // dilated
		{Shape{1, 64, 56, 56}, Shape{64, 32, 3, 3}, 1, 1, 2, 0},        // grouped
		{Shape{1, 64, 56, 56}, Shape{64, 64, 1, 1}, 1, 1, 1, 0},        // 1×1
		{Shape{1, 8, 56, 56}, Shape{64, 8, 3, 3}, 1, 1, 1, 0},          // few channels
		{Shape{1, 64, 5, 5}, Shape{64, 64, 3, 3}, 1, 1, 1, 0},          // tiny output
		{Shape{1, 64, 30, 30, 30}, Shape{64, 64, 3, 3, 3}, 1, 1, 1, 0}, // 3-D
		{Shape{1, 64, 300}, Shape{64, 64, 3}, 1, 1, 1, 0},              // 1-D
	} {
		nsp := len(c.x) - 2
		a := ConvolutionAttrs{
			Kernel: c.w[2:], Stride: nnRepeat(c.stride, nsp), Dilate: nnRepeat(c.dilate, nsp), Pad: nnRepeat(1, nsp),
			NumGroup: c.group, NoBias: true,
		}
		geo, err := convGeomFor(a, c.x, c.w)
		if err != nil {
			t.Fatal(err)
		}
		if got := convWinoTile(&geo); got != c.want {
			t.Errorf("%v * %v stride %d dilate %d group %d: tile %d, want %d", c.x, c.w, c.stride, c.dilate, c.group, got, c.want)
		}
	}
	for v, want := range map[string]int{"": 1, "1": 1, "0": 0, "off": 0, "2": 2, "4": 4, "junk": 1} {
		if got := convWinoModeFromEnv(v); got != want {
			t.Errorf("MXGO_CONV_WINOGRAD=%q: mode %d, want %d", v, got, want)
		}
	}
	convWinoMode = 0
	geo := convWinoGeom{1, 64, 64, 56, 56, 1}.geo(t)
	if m := convWinoTile(&geo); m != 0 {
		t.Errorf("disabled: tile %d, want 0", m)
	}
}

func nnRepeat(v, n int) Shape {
	s := make(Shape, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// Through the operator (Convolution with bias, batch 3), the Winograd
// result matches the path it replaces when switched off, and float64
// convolutions keep the direct path.
func TestConvWinogradOperator(t *testing.T) {
	defer func(v int) { convWinoMode = v }(convWinoMode)
	x := RandomUniform(-1, 1, Shape{3, 32, 17, 19})
	w := RandomUniform(-1, 1, Shape{48, 32, 3, 3})
	b := RandomUniform(-1, 1, Shape{48})
	attrs := ConvolutionAttrs{Kernel: Shape{3, 3}, Pad: Shape{1, 1}, NumFilter: 48}
	run := func(mode int, x, w, b *NDArray) []float64 {
		convWinoMode = mode
		return Convolution(x, w, b, attrs).AsType(Float64).Float64s()
	}
	off := run(0, x, w, b)
	for _, mode := range []int{1, 2, 4} {
		on := run(mode, x, w, b)
		got := make([]float32, len(on))
		for i, v := range on {
			got[i] = float32(v)
		}
		tol := convWinoTol2
		if mode == 4 {
			tol = convWinoTol4
		}
		if e := convWinoErr(got, off); !(e <= tol) {
			t.Errorf("mode %d: differs from the direct path by %.3g relative to max |y|", mode, e)
		}
	}
	// float64 is exact to the direct path whatever the mode.
	x64, w64, b64 := x.AsType(Float64), w.AsType(Float64), b.AsType(Float64)
	want := run(0, x64, w64, b64)
	got := run(2, x64, w64, b64)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("float64 [%d] = %v with Winograd on, %v off", i, got[i], want[i])
		}
	}
}

// A warm Winograd convolution allocates nothing, on one thread and two,
// in chunked and one-chunk mode.
func TestConvWinogradNoAlloc(t *testing.T) {
	if kernelAllocsRace {
		t.Skip("the race detector allocates")
	}
	defer kernels.SetNumThreads(0)
	defer func(v int) { convWinoMode = v }(convWinoMode)
	defer func(v int) { convWinoChunkBytes = v }(convWinoChunkBytes)
	convWinoMode = 2
	convWinoChunkBytes = 1 << 16 // 56×56: 784 tiles in chunks of 32
	for _, hw := range []int{56, 9} {
		c := kernelAllocCase{
			name: "winograd", op: opConvolution,
			attrs: ConvolutionAttrs{Kernel: Shape{3, 3}, Pad: Shape{1, 1}, NumFilter: 32},
			in:    []*NDArray{RandomUniform(-1, 1, Shape{1, 32, hw, hw}), RandomUniform(-1, 1, Shape{32, 32, 3, 3}), RandomUniform(-1, 1, Shape{32})},
		}
		for _, threads := range []int{1, 2} {
			kernels.SetNumThreads(threads)
			if n := kernelAllocsPerRun(t, c); n != 0 {
				t.Errorf("%dx%d on %d threads: %v allocations per call", hw, hw, threads, n)
			}
		}
	}
}

// BenchmarkConvWinograd times the ResNet-18 3×3 stride-1 layers at batch 1
// through Winograd F(2×2) and F(4×4) and through the direct path.
func BenchmarkConvWinograd(b *testing.B) {
	for _, l := range []convWinoGeom{
		{1, 64, 64, 56, 56, 1}, {1, 128, 128, 28, 28, 1}, {1, 256, 256, 14, 14, 1}, {1, 512, 512, 7, 7, 1}, {8, 64, 64, 56, 56, 1},
		{4, 256, 256, 14, 14, 1}, {16, 128, 128, 28, 28, 1}, {16, 256, 256, 14, 14, 1}, {16, 512, 512, 7, 7, 1},
	} {
		geo := l.geo(b)
		r := rand.New(rand.NewPCG(1, 2))
		x := convToF32(convRandF64(r, geo.n*geo.c*geo.inSize()))
		w := convToF32(convRandF64(r, geo.f*geo.c*9))
		y := make([]float32, geo.n*geo.f*geo.outSize())
		flops := 2 * float64(geo.n*geo.f*geo.c*9*geo.outSize())
		for _, m := range []int{0, 2, 4, -2} { // -2: F(2×2) as one chunk
			name := fmt.Sprintf("n%d-%d-%dx%d/F%d", l.n, l.c, l.h, l.w, m)
			if m < 0 {
				name = fmt.Sprintf("n%d-%d-%dx%d/F%d-one", l.n, l.c, l.h, l.w, -m)
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					switch {
					case m == 0:
						convForward(x, w, y, &geo)
					case m < 0:
						withWinoChunkBytes(1<<40, func() { convForwardWinograd(x, w, nil, y, &geo, -m) })
					default:
						convForwardWinograd(x, w, nil, y, &geo, m)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// convWinoFilterU runs the filter transform of a task with F filters and C
// channels over channels [c0, c1) into a NaN-filled U.
func convWinoFilterU(m, F, C, c0, c1 int, w []float32, asm bool) []float32 {
	defer func(a bool) { convWinoAVX512 = a }(convWinoAVX512)
	convWinoAVX512 = asm
	t := &convWinoTask{m: m, a: m + 2, aa: (m + 2) * (m + 2), w: w}
	t.geo.c, t.geo.f = C, F
	t.uStride = convWinoStride(F * C)
	t.u = make([]float32, t.aa*t.uStride)
	for i := range t.u {
		t.u[i] = float32(math.NaN())
	}
	t.filters(c0, c1)
	return t.u
}

// The assembly filter transforms equal the Go ones bit for bit, for
// filter counts that are no multiple of 16 and a partial channel range
// (the rest of U stays untouched).
func TestConvWinogradFilterAsm(t *testing.T) {
	if !convWinoAVX512 {
		t.Skip("no AVX-512 filter transform on this CPU or build")
	}
	r := rand.New(rand.NewPCG(5, 9))
	for _, m := range []int{2} {
		for _, fc := range [][2]int{{1, 1}, {16, 3}, {17, 5}, {40, 33}, {64, 64}} {
			F, C := fc[0], fc[1]
			w := convToF32(convRandF64(r, F*C*9))
			for _, cr := range [][2]int{{0, C}, {C / 3, C - C/4}} {
				if cr[0] >= cr[1] {
					continue
				}
				want := convWinoFilterU(m, F, C, cr[0], cr[1], w, false)
				got := convWinoFilterU(m, F, C, cr[0], cr[1], w, true)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("F(%d) %d filters %d channels [%d, %d): u[%d] = %v, Go %v", m, F, C, cr[0], cr[1], i, got[i], want[i])
					}
				}
			}
		}
	}
}

// BenchmarkConvWinogradFilters times the filter transform of a 128×128
// layer on one thread.
func BenchmarkConvWinogradFilters(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const F, C = 128, 128
	w := convToF32(convRandF64(r, F*C*9))
	for _, v := range convWinoVariants() {
		b.Run(v.name, func(b *testing.B) {
			t := &convWinoTask{m: v.m, a: v.m + 2, aa: (v.m + 2) * (v.m + 2), w: w}
			t.geo.c, t.geo.f = C, F
			t.uStride = convWinoStride(F * C)
			t.u = make([]float32, t.aa*t.uStride)
			v.run(func() {
				for b.Loop() {
					t.filters(0, C)
				}
			})
		})
	}
}
