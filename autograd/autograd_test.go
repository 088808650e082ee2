package autograd_test

import (
	"math"
	"sync"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func TestBackwardMulAdd(t *testing.T) {
	x := nd.Array([]float32{1, 2, 3}).AttachGrad()
	w := nd.Array([]float32{4, 5, 6}).AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() { y = x.Mul(w).Add(x) })
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{3}, []float64{5, 6, 7}, 0, 0)
	ndtest.AssertClose(t, w.Grad(), nd.Shape{3}, []float64{1, 2, 3}, 0, 0)
}

func TestBroadcastGradSumsBack(t *testing.T) {
	x := nd.Array([]float32{1, 2, 3, 4, 5, 6}, 2, 3).AttachGrad()
	b := nd.Array([]float32{1, 1, 1}, 3).AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() { y = x.Mul(b) })
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, b.Grad(), nd.Shape{3}, []float64{5, 7, 9}, 0, 0)
}

func TestGradReqAddAccumulates(t *testing.T) {
	x := nd.Array([]float32{2}).AttachGrad(nd.GradAdd)
	for range 3 {
		var y *nd.NDArray
		autograd.Record(func() { y = x.Mul(x) })
		if err := autograd.BackwardOne(y); err != nil {
			t.Fatal(err)
		}
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{1}, []float64{12}, 0, 0)
}

func TestGraphFreedUnlessRetained(t *testing.T) {
	x := nd.Array([]float32{2}).AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() { y = x.Mul(x) })
	if err := autograd.Backward([]*nd.NDArray{y}, nil, true); err != nil {
		t.Fatal(err)
	}
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatalf("second backward after retain: %v", err)
	}
	if err := autograd.BackwardOne(y); err == nil {
		t.Fatal("third backward on a freed graph: no error")
	}
}

func TestNotRecordedIsError(t *testing.T) {
	x := nd.Array([]float32{2})
	if err := autograd.BackwardOne(x.Mul(x)); err == nil {
		t.Fatal("backward of an unrecorded array: no error")
	}
}

// Second derivatives through Grad(createGraph): d²/dx² of f at x.
func TestSecondOrder(t *testing.T) {
	cases := []struct {
		name string
		f    func(x *nd.NDArray) *nd.NDArray
		d2   func(x float64) float64
	}{
		{"exp", func(x *nd.NDArray) *nd.NDArray { return x.Exp() }, math.Exp},
		{"log", func(x *nd.NDArray) *nd.NDArray { return x.Log() }, func(x float64) float64 { return -1 / (x * x) }},
		{"cube", func(x *nd.NDArray) *nd.NDArray { return x.Mul(x).Mul(x) }, func(x float64) float64 { return 6 * x }},
		{"recip", func(x *nd.NDArray) *nd.NDArray { return x.RdivScalar(1) }, func(x float64) float64 { return 2 / (x * x * x) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			xs := []float64{0.5, 1.5, 2}
			x := nd.ArrayOf(xs, nd.Shape{3}, nd.OfType(nd.Float64)).AttachGrad()
			var dx *nd.NDArray
			autograd.Record(func() {
				y := c.f(x)
				g, err := autograd.Grad([]*nd.NDArray{y}, []*nd.NDArray{x}, nil, true, false)
				if err != nil {
					t.Fatal(err)
				}
				dx = g[0]
			})
			if err := autograd.BackwardOne(dx); err != nil {
				t.Fatal(err)
			}
			want := make([]float64, len(xs))
			for i, v := range xs {
				want[i] = c.d2(v)
			}
			ndtest.AssertClose(t, x.Grad(), nd.Shape{3}, want, 1e-9, 1e-12)
		})
	}
}

// Recording state belongs to the goroutine that entered the scope.
func TestRecordingIsPerGoroutine(t *testing.T) {
	inside := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		autograd.Record(func() {
			close(inside)
			<-release
		})
	}()
	<-inside
	if autograd.IsRecording() || autograd.IsTraining() {
		t.Error("this goroutine sees another goroutine's recording scope")
	}
	x := nd.Array([]float32{1}).AttachGrad()
	y := x.Mul(x)
	if y.AG() != nil {
		t.Error("op outside any scope was recorded")
	}
	close(release)
	wg.Wait()
	autograd.Record(func() {
		if !autograd.IsRecording() || !autograd.IsTraining() {
			t.Error("Record: not recording/training")
		}
		autograd.Pause(func() {
			if autograd.IsRecording() || autograd.IsTraining() {
				t.Error("Pause: still recording/training")
			}
		})
		if !autograd.IsRecording() {
			t.Error("recording not restored after Pause")
		}
	})
	if autograd.IsRecording() {
		t.Error("recording leaked out of Record")
	}
}

func TestScopeEndsAfterPanic(t *testing.T) {
	func() {
		defer func() { _ = recover() }()
		autograd.Record(func() { panic("boom") })
	}()
	if autograd.IsRecording() {
		t.Fatal("recording state leaked after a panic inside Record")
	}
}

// square is a custom Function: y = x², dy/dx = 2x.
type square struct{ x *nd.NDArray }

func (s *square) Forward(in ...*nd.NDArray) []*nd.NDArray {
	s.x = in[0]
	return []*nd.NDArray{in[0].Mul(in[0])}
}

func (s *square) Backward(g ...*nd.NDArray) []*nd.NDArray {
	return []*nd.NDArray{g[0].Mul(s.x).MulScalar(2)}
}

func TestCustomFunction(t *testing.T) {
	x := nd.Array([]float32{1, -2, 3}).AttachGrad()
	var y *nd.NDArray
	autograd.Record(func() { y = autograd.Apply(&square{}, x)[0].MulScalar(3) })
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, x.Grad(), nd.Shape{3}, []float64{6, -12, 18}, 0, 0)
}

func TestCheckGradBinary(t *testing.T) {
	a := nd.Array([]float32{0.5, 1.5, 2, 3, 1.2, 0.7}, 2, 3)
	b := nd.Array([]float32{1.1, 0.3, 2.5}, 3)
	for name, f := range map[string]func(in []*nd.NDArray) *nd.NDArray{
		"add": func(in []*nd.NDArray) *nd.NDArray { return in[0].Add(in[1]) },
		"sub": func(in []*nd.NDArray) *nd.NDArray { return in[0].Sub(in[1]) },
		"mul": func(in []*nd.NDArray) *nd.NDArray { return in[0].Mul(in[1]) },
		"div": func(in []*nd.NDArray) *nd.NDArray { return in[0].Div(in[1]) },
		"pow": func(in []*nd.NDArray) *nd.NDArray { return in[0].Pow(in[1]) },
		"max": func(in []*nd.NDArray) *nd.NDArray { return in[0].Maximum(in[1]) },
		"min": func(in []*nd.NDArray) *nd.NDArray { return in[0].Minimum(in[1]) },
	} {
		t.Run(name, func(t *testing.T) {
			ndtest.CheckGrad(t, f, []*nd.NDArray{a, b}, nil, 1e-6, 1e-6)
		})
	}
}
