package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// poolSameValues reports whether a and b are equal element by element,
// NaN matching NaN.
func poolSameValues[T nnFloat](a, b []T) (int, bool) {
	for i := range a {
		if a[i] != b[i] && !(a[i] != a[i] && b[i] != b[i]) {
			return i, false
		}
	}
	return 0, true
}

// The direct 2-D loops must match the generic window walk exactly, on odd
// sizes, ties (values from a small set) and NaNs.
func TestPool2DMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	full, valid := "full", ""
	no := false
	type geo struct {
		in            []int
		k, s, p       []int
		conv          string
		excludePadAvg bool
	}
	geos := []geo{
		{[]int{3, 5, 28, 28}, []int{2, 2}, []int{2, 2}, []int{0, 0}, valid, false},
		{[]int{2, 3, 7, 9}, []int{2, 2}, []int{2, 2}, []int{0, 0}, valid, false},
		{[]int{2, 3, 7, 9}, []int{2, 2}, []int{2, 2}, []int{0, 0}, full, false},
		{[]int{1, 2, 17, 17}, []int{3, 3}, []int{2, 2}, []int{1, 1}, valid, false},
		{[]int{1, 2, 17, 17}, []int{3, 3}, []int{2, 2}, []int{1, 1}, valid, true},
		{[]int{2, 1, 15, 13}, []int{3, 3}, []int{2, 2}, []int{0, 0}, full, true},
		{[]int{1, 3, 6, 5}, []int{2, 3}, []int{1, 2}, []int{1, 1}, full, false},
		{[]int{1, 1, 1, 1}, []int{1, 1}, []int{1, 1}, []int{0, 0}, valid, false},
		{[]int{1, 3, 23, 21}, []int{3, 3}, []int{2, 2}, []int{1, 1}, valid, false}, // ResNet's stem pool, odd sizes
		{[]int{1, 2, 75, 71}, []int{3, 3}, []int{2, 2}, []int{1, 1}, valid, false}, // wide enough for the vector rows
		{[]int{2, 3, 40, 41}, []int{2, 2}, []int{2, 2}, []int{0, 0}, valid, false},
		{[]int{2, 5, 10, 9}, []int{3, 2}, []int{3, 1}, []int{1, 1}, full, false},
		{[]int{1, 2, 9, 8}, []int{4, 4}, []int{3, 3}, []int{2, 2}, full, false}, // windows past the input
		{[]int{3, 2, 11}, []int{3}, []int{2}, []int{1}, full, true},
		{[]int{2, 2, 7}, []int{2}, []int{2}, []int{0}, valid, false},
	}
	for _, c := range geos {
		for _, mode := range []string{"max", "avg", "sum"} {
			a := PoolingAttrs{Kernel: Shape(c.k), Stride: Shape(c.s), Pad: Shape(c.p), PoolType: mode, PoolingConvention: c.conv}
			if c.excludePadAvg {
				a.CountIncludePad = &no
			}
			g, err := poolGeomFor(a, Shape(c.in))
			if err != nil {
				t.Fatalf("%+v: %v", c, err)
			}
			if !g.planar() {
				t.Fatalf("%+v is not planar", c)
			}
			name := fmt.Sprintf("%v-k%v-s%v-p%v-%s%s", c.in, c.k, c.s, c.p, mode, c.conv)
			t.Run(name+"/f32", func(t *testing.T) { poolCompare[float32](t, r, g) })
			t.Run(name+"/f64", func(t *testing.T) { poolCompare[float64](t, r, g) })
		}
	}
}

func poolCompare[T nnFloat](t *testing.T, r *rand.Rand, g *poolGeom) {
	n := g.planes * g.inSz
	x := make([]T, n)
	for i := range x {
		x[i] = T(r.IntN(5)) - 2 // many ties
		if r.IntN(50) == 0 {
			x[i] = T(math.NaN())
		}
	}
	m := g.planes * g.outSz
	dy := make([]T, m)
	for i := range dy {
		dy[i] = T(r.Float64()*2 - 1)
	}
	want, got := make([]T, m), make([]T, m)
	poolForwardGeneric(x, want, g)
	for i := range got {
		got[i] = 123 // every output must be written
	}
	pool2DForward(x, got, g)
	if i, ok := poolSameValues(want, got); !ok {
		t.Fatalf("forward [%d]: got %v, want %v", i, got[i], want[i])
	}
	dxWant, dxGot := make([]T, n), make([]T, n)
	for i := range dxGot {
		dxGot[i] = 123
	}
	poolBackwardGeneric(dy, x, want, dxWant, g)
	pool2DBackward(dy, x, want, dxGot, g)
	for i := range dxWant {
		if d := math.Abs(float64(dxWant[i] - dxGot[i])); d > 1e-6 || dxGot[i] != dxGot[i] {
			t.Fatalf("backward [%d]: got %v, want %v", i, dxGot[i], dxWant[i])
		}
	}
}

// BenchmarkPool2D times the direct loops against the generic walk on
// LeNet's and ResNet's pooling shapes (forward and backward into
// preallocated buffers).
func BenchmarkPool2D(b *testing.B) {
	for _, c := range []struct {
		name    string
		in      Shape
		k, s, p Shape
		mode    string
	}{
		{"max2x2s2-64x20x24x24", Shape{64, 20, 24, 24}, Shape{2, 2}, Shape{2, 2}, Shape{0, 0}, "max"},
		{"max2x2s2-64x50x8x8", Shape{64, 50, 8, 8}, Shape{2, 2}, Shape{2, 2}, Shape{0, 0}, "max"},
		{"avg2x2s2-64x20x24x24", Shape{64, 20, 24, 24}, Shape{2, 2}, Shape{2, 2}, Shape{0, 0}, "avg"},
		{"max3x3s2p1-16x64x56x56", Shape{16, 64, 56, 56}, Shape{3, 3}, Shape{2, 2}, Shape{1, 1}, "max"},
		{"max3x3s2p1-1x64x112x112", Shape{1, 64, 112, 112}, Shape{3, 3}, Shape{2, 2}, Shape{1, 1}, "max"},
	} {
		g, err := poolGeomFor(PoolingAttrs{Kernel: c.k, Stride: c.s, Pad: c.p, PoolType: c.mode}, c.in)
		if err != nil {
			b.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		x, dx := make([]float32, g.planes*g.inSz), make([]float32, g.planes*g.inSz)
		y, dy := make([]float32, g.planes*g.outSz), make([]float32, g.planes*g.outSz)
		for i := range x {
			x[i] = r.Float32()
		}
		for i := range dy {
			dy[i] = r.Float32()
		}
		for _, impl := range []struct {
			name     string
			fwd, bwd func()
		}{
			{"direct", func() { pool2DForward(x, y, g) }, func() { pool2DBackward(dy, x, y, dx, g) }},
			{"generic", func() { poolForwardGeneric(x, y, g) }, func() { poolBackwardGeneric(dy, x, y, dx, g) }},
		} {
			b.Run(c.name+"/fwd/"+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(x) * 4))
				for b.Loop() {
					impl.fwd()
				}
			})
			b.Run(c.name+"/bwd/"+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(x) * 4))
				for b.Loop() {
					impl.bwd()
				}
			})
		}
	}
}
