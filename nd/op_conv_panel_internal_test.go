package nd

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd/kernels"
)

// convOddGeoms are geometries with odd sizes, strides, pads, dilations and
// channel counts that are not multiples of 8, in 1, 2 and 3 spatial dims.
var convOddGeoms = []struct {
	x, w                Shape
	stride, pad, dilate Shape
	group               int
}{
	{Shape{1, 3, 11, 13}, Shape{5, 3, 3, 3}, Shape{1, 1}, Shape{1, 1}, Shape{1, 1}, 1},
	{Shape{2, 7, 15, 9}, Shape{9, 7, 1, 1}, Shape{2, 2}, Shape{0, 0}, Shape{1, 1}, 1},
	{Shape{1, 5, 17, 17}, Shape{6, 5, 7, 7}, Shape{2, 2}, Shape{3, 3}, Shape{1, 1}, 1},
	{Shape{3, 6, 10, 12}, Shape{4, 3, 3, 2}, Shape{3, 2}, Shape{2, 1}, Shape{2, 1}, 2},
	{Shape{1, 4, 29}, Shape{3, 4, 5}, Shape{3}, Shape{2}, Shape{1}, 1},
	{Shape{1, 3, 5, 6, 7}, Shape{2, 3, 3, 3, 2}, Shape{2, 1, 3}, Shape{1, 1, 1}, Shape{1, 2, 1}, 1},
	{Shape{1, 9, 8, 8}, Shape{11, 9, 3, 3}, Shape{1, 1}, Shape{4, 4}, Shape{1, 1}, 1}, // pad wider than the image
	// Large enough for several panels, rows split between them.
	{Shape{1, 5, 47, 45}, Shape{7, 5, 3, 3}, Shape{1, 1}, Shape{1, 1}, Shape{1, 1}, 1},
	{Shape{1, 3, 61, 59}, Shape{10, 3, 7, 7}, Shape{2, 2}, Shape{3, 3}, Shape{1, 1}, 1},
	{Shape{2, 7, 49, 47}, Shape{9, 7, 1, 1}, Shape{2, 2}, Shape{0, 0}, Shape{1, 1}, 1},
	{Shape{1, 6, 40, 41}, Shape{4, 3, 3, 3}, Shape{1, 1}, Shape{1, 1}, Shape{1, 1}, 2},
}

func convOddGeom(t *testing.T, i int) convGeom {
	c := convOddGeoms[i]
	a := ConvolutionAttrs{Kernel: c.w[2:], Stride: c.stride, Pad: c.pad, Dilate: c.dilate, NumGroup: c.group, NoBias: true}
	geo, err := convGeomFor(a, c.x, c.w)
	if err != nil {
		t.Fatal(err)
	}
	return geo
}

// Any column block of the blocked im2col must equal those columns of the
// full im2col, for every channel range.
func TestConvIm2colBlockMatchesGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for i := range convOddGeoms {
		geo := convOddGeom(t, i)
		x := make([]float32, geo.c*geo.inSize())
		for j := range x {
			x[j] = r.Float32()
		}
		K, L := geo.kSize(), geo.outSize()
		full := make([]float32, geo.c*K*L)
		convIm2colGeneral(x, full, &geo)
		for _, nb := range []int{1, 3, 7, L/2 + 1, L} {
			for j0 := 0; j0 < L; j0 += nb {
				j1 := min(j0+nb, L)
				c0, c1 := geo.c/3, geo.c
				got := make([]float32, (c1-c0)*K*(j1-j0))
				for j := range got {
					got[j] = -1 // must be overwritten, padding included
				}
				convIm2colBlock(x, got, &geo, c0, c1, j0, j1)
				for row := 0; row < (c1-c0)*K; row++ {
					for j := j0; j < j1; j++ {
						if g, w := got[row*(j1-j0)+j-j0], full[(c0*K+row)*L+j]; g != w {
							t.Fatalf("geometry %d, block [%d,%d): row %d col %d: got %v, want %v", i, j0, j1, row, j, g, w)
						}
					}
				}
			}
		}
	}
}

// convForwardRef is the forward convolution by full im2col and the naive
// GEMM, one image and group at a time.
func convForwardRef(x, w []float64, geo *convGeom) []float64 {
	I, L, K := geo.inSize(), geo.outSize(), geo.kSize()
	cg, fg := geo.c/geo.group, geo.f/geo.group
	rows := cg * K
	y := make([]float64, geo.n*geo.f*L)
	col := make([]float64, geo.c*K*L)
	for i := 0; i < geo.n; i++ {
		convIm2colGeneral(x[i*geo.c*I:], col, geo)
		for g := 0; g < geo.group; g++ {
			kernels.DgemmNaive(false, false, fg, L, rows, 1, w[g*fg*rows:], rows, col[g*rows*L:], L, 0, y[(i*geo.f+g*fg)*L:], L)
		}
	}
	return y
}

// The panel-blocked forward must match the reference with tiny panels
// (many blocks, rows split across them), default settings (one whole
// panel for these small images), one thread and several.
func TestConvForwardPanelsMatchReference(t *testing.T) {
	defer kernels.SetNumThreads(0)
	defer func(v, full int) { convPanelFloats, convFullIm2colFloats = v, full }(convPanelFloats, convFullIm2colFloats)
	full := convFullIm2colFloats
	r := rand.New(rand.NewPCG(9, 9))
	for i := range convOddGeoms {
		geo := convOddGeom(t, i)
		c := convOddGeoms[i]
		x := make([]float64, c.x.Size())
		w := make([]float64, c.w.Size())
		for j := range x {
			x[j] = r.Float64() - 0.5
		}
		for j := range w {
			w[j] = r.Float64() - 0.5
		}
		want := convForwardRef(x, w, &geo)
		for _, panel := range []int{1, 200, 1 << 16} {
			convPanelFloats, convFullIm2colFloats = panel, 0
			if panel == 1<<16 {
				convFullIm2colFloats = full
			}
			if L := geo.outSize(); panel == 1 && L >= 512 && convPanelWidth(geo.c/geo.group*geo.kSize(), L) == L {
				t.Fatalf("geometry %d: output of %d positions should need several panels", i, L)
			}
			for _, threads := range []int{1, 2, 3} {
				kernels.SetNumThreads(threads)
				y := make([]float64, len(want))
				for j := range y {
					y[j] = math.NaN()
				}
				convForward(x, w, y, &geo)
				for j := range want {
					if d := math.Abs(y[j] - want[j]); !(d <= 1e-12) {
						t.Fatalf("geometry %d, panel %d, %d threads: y[%d] = %v, want %v", i, panel, threads, j, y[j], want[j])
					}
				}
			}
		}
	}
}
