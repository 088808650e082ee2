package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd/kernels"
)

// convOffsetGeoms add to convOddGeoms the shapes the offset path splits
// differently: stride phases with dilation, groups with strides, a batch
// larger than the threads, plane rows as wide as output rows (no dropped
// columns), and filters spanning several row tiles.
var convOffsetGeoms = []struct {
	x, w                Shape
	stride, pad, dilate Shape
	group               int
}{
	{Shape{1, 4, 19, 23}, Shape{6, 4, 3, 3}, Shape{2, 3}, Shape{1, 2}, Shape{2, 2}, 1},
	{Shape{5, 6, 13, 11}, Shape{9, 2, 3, 3}, Shape{2, 2}, Shape{1, 1}, Shape{1, 1}, 3},
	{Shape{4, 8, 16, 16}, Shape{40, 8, 1, 1}, Shape{2, 2}, Shape{0, 0}, Shape{1, 1}, 1},
	{Shape{1, 33, 9, 9}, Shape{31, 33, 3, 3}, Shape{1, 1}, Shape{1, 1}, Shape{1, 1}, 1},
	{Shape{2, 3, 40}, Shape{5, 3, 4}, Shape{2}, Shape{3}, Shape{3}, 1},
	{Shape{1, 64, 14, 14}, Shape{70, 64, 3, 3}, Shape{1, 1}, Shape{1, 1}, Shape{1, 1}, 1}, // row-major split
}

// TestConvOffsetChoice checks which layers take the offset path (on two
// threads): every ResNet-18 layer but the 1×1 stride-1 ones and, at batch
// 1, the strided ones with large outputs (the stem, the first 3×3/2);
// neither LeNet layer.
func TestConvOffsetChoice(t *testing.T) {
	defer kernels.SetNumThreads(0)
	kernels.SetNumThreads(2)
	for _, c := range []struct {
		x, w Shape
		s, p int
		want bool
	}{
		{Shape{1, 3, 224, 224}, Shape{64, 3, 7, 7}, 2, 3, false},
		{Shape{16, 3, 224, 224}, Shape{64, 3, 7, 7}, 2, 3, true},
		{Shape{1, 64, 56, 56}, Shape{128, 64, 3, 3}, 2, 1, false},
		{Shape{1, 128, 28, 28}, Shape{256, 128, 3, 3}, 2, 1, true},
		{Shape{1, 64, 56, 56}, Shape{128, 64, 1, 1}, 2, 0, true},
		{Shape{1, 512, 7, 7}, Shape{512, 512, 3, 3}, 1, 1, true},
		{Shape{1, 256, 14, 14}, Shape{512, 256, 1, 1}, 2, 0, true},
		{Shape{1, 64, 56, 56}, Shape{64, 64, 1, 1}, 1, 0, false},
		{Shape{64, 1, 28, 28}, Shape{20, 1, 5, 5}, 1, 0, false},
		{Shape{64, 20, 12, 12}, Shape{50, 20, 5, 5}, 1, 0, false},
	} {
		a := ConvolutionAttrs{Kernel: c.w[2:], Stride: Shape{c.s, c.s}, Pad: Shape{c.p, c.p}, NoBias: true}
		geo, err := convGeomFor(a, c.x, c.w)
		if err != nil {
			t.Fatal(err)
		}
		if got := convOffsetOK(&geo); got != c.want {
			t.Errorf("%v * %v: convOffsetOK = %v, want %v", c.x, c.w, got, c.want)
		}
	}
}

func TestConvForwardOffsetMatchesReference(t *testing.T) {
	defer kernels.SetNumThreads(0)
	type geom = struct {
		x, w                Shape
		stride, pad, dilate Shape
		group               int
	}
	all := append(append([]geom(nil), convOddGeoms...), convOffsetGeoms...)
	r := rand.New(rand.NewPCG(4, 4))
	for i, c := range all {
		a := ConvolutionAttrs{Kernel: c.w[2:], Stride: c.stride, Pad: c.pad, Dilate: c.dilate, NumGroup: c.group, NoBias: true}
		geo, err := convGeomFor(a, c.x, c.w)
		if err != nil {
			t.Fatal(err)
		}
		if geo.nsp > 2 || geo.direct() {
			if convOffsetOK(&geo) {
				t.Fatalf("geometry %d: convOffsetOK for a 3-D or 1×1 convolution", i)
			}
			continue
		}
		// Force the path (its size heuristics would skip the small cases).
		convOffsetForce = true
		defer func() { convOffsetForce = false }()
		if !convOffsetOK(&geo) {
			t.Fatalf("geometry %d: no offset path", i)
		}
		x32, w32 := make([]float32, c.x.Size()), make([]float32, c.w.Size())
		x64, w64 := make([]float64, len(x32)), make([]float64, len(w32))
		for j := range x32 {
			x32[j] = r.Float32() - 0.5
			x64[j] = float64(x32[j])
		}
		for j := range w32 {
			w32[j] = r.Float32() - 0.5
			w64[j] = float64(w32[j])
		}
		want := convForwardRef(x64, w64, &geo)
		tol := 1e-6 * float64(geo.c/geo.group*geo.kSize()+1)
		for _, threads := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("geo%d_t%d", i, threads), func(t *testing.T) {
				kernels.SetNumThreads(threads)
				y := make([]float32, len(want))
				for j := range y {
					y[j] = float32(math.NaN())
				}
				convForward(x32, w32, y, &geo)
				for j := range want {
					if d := math.Abs(float64(y[j]) - want[j]); !(d <= tol) {
						t.Fatalf("%v * %v stride %v pad %v dilate %v group %d: y[%d] = %v, want %v",
							c.x, c.w, c.stride, c.pad, c.dilate, c.group, j, y[j], want[j])
					}
				}
			})
		}
	}
}
