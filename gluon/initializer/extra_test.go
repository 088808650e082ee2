package initializer_test

import (
	"testing"

	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// gram returns a·aᵀ for a rows×cols row-major matrix (or aᵀ·a with cols).
func gram(a []float64, rows, cols int, byCols bool) []float64 {
	n, l := rows, cols
	at := func(v, i int) float64 { return a[v*cols+i] }
	if byCols {
		n, l = cols, rows
		at = func(v, i int) float64 { return a[i*cols+v] }
	}
	g := make([]float64, n*n)
	for u := 0; u < n; u++ {
		for v := 0; v < n; v++ {
			for i := 0; i < l; i++ {
				g[u*n+v] += at(u, i) * at(v, i)
			}
		}
	}
	return g
}

func eye(n int, s float64) []float64 {
	e := make([]float64, n*n)
	for i := 0; i < n; i++ {
		e[i*n+i] = s
	}
	return e
}

func TestOrthogonal(t *testing.T) {
	nd.Seed(1)
	for _, c := range []struct {
		shape nd.Shape
		init  initializer.Orthogonal
	}{
		{nd.Shape{3, 8}, initializer.Orthogonal{}},                                // orthonormal rows
		{nd.Shape{6, 2, 2}, initializer.Orthogonal{Scale: 1, RandType: "normal"}}, // orthonormal columns
		{nd.Shape{5, 5}, initializer.Orthogonal{Scale: 2}},
	} {
		arr := nd.Empty(c.shape)
		c.init.Init("w", arr)
		rows := c.shape[0]
		cols := c.shape.Size() / rows
		scale := c.init.Scale
		if scale == 0 {
			scale = 1.414
		}
		byCols := rows > cols
		n := min(rows, cols)
		g := gram(arr.Float64s(), rows, cols, byCols)
		if ok, msg := ndtest.Close(g, eye(n, scale*scale), 1e-5, 1e-5); !ok {
			t.Fatalf("%v: gram matrix is not scale²·I: %s\n%v", c.shape, msg, g)
		}
	}
	if err := nd.Try(func() { initializer.Orthogonal{RandType: "cauchy"}.Init("w", nd.Empty(nd.Shape{2, 2})) }); err == nil {
		t.Fatal("unknown rand_type: no error")
	}
	if err := nd.Try(func() { initializer.Orthogonal{}.Init("w", nd.Empty(nd.Shape{4})) }); err == nil {
		t.Fatal("1-D weight: no error")
	}
}

func TestBilinear(t *testing.T) {
	arr := nd.Empty(nd.Shape{1, 2, 4, 4})
	initializer.Bilinear{}.Init("up.weight", arr)
	// f = 2, c = 0.75: the 1-D profile is 1-|x/2-0.75| = 0.25, 0.75, 0.75, 0.25.
	p := []float64{0.25, 0.75, 0.75, 0.25}
	want := make([]float64, 0, 32)
	for plane := 0; plane < 2; plane++ {
		for y := 0; y < 4; y++ {
			for x := 0; x < 4; x++ {
				want = append(want, p[y]*p[x])
			}
		}
	}
	ndtest.AssertClose(t, arr, nd.Shape{1, 2, 4, 4}, want, 1e-6, 0)
	odd := nd.Empty(nd.Shape{1, 1, 3, 3})
	initializer.Bilinear{}.Init("w", odd)
	// MXNet's formula for an odd size: f = 2, c = 0.75, profile 0.25, 0.75, 0.75
	// (values checked against MXNet's Python loop).
	ndtest.AssertClose(t, odd, nd.Shape{1, 1, 3, 3}, []float64{0.0625, 0.1875, 0.1875, 0.1875, 0.5625, 0.5625, 0.1875, 0.5625, 0.5625}, 1e-6, 0)
}

func TestLSTMBias(t *testing.T) {
	arr := nd.Empty(nd.Shape{8})
	initializer.LSTMBias{}.Init("i2h_bias", arr)
	ndtest.AssertClose(t, arr, nd.Shape{8}, []float64{0, 0, 1, 1, 0, 0, 0, 0}, 0, 0)
	initializer.LSTMBias{ForgetBias: 2.5}.Init("i2h_bias", arr)
	ndtest.AssertClose(t, arr, nd.Shape{8}, []float64{0, 0, 2.5, 2.5, 0, 0, 0, 0}, 0, 0)
	if err := nd.Try(func() { initializer.LSTMBias{}.Init("b", nd.Empty(nd.Shape{6})) }); err == nil {
		t.Fatal("bias of 6: no error")
	}
}
