package gluon_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// scale is a toy layer: out = x*Weight + Bias, with Weight's shape deferred
// to the input's last dimension.
type scale struct {
	gluon.HybridBlockBase
	Weight, Bias *gluon.Parameter
}

func newScale() *scale {
	return &scale{
		Weight: gluon.NewParameter("weight", nd.Shape{0}),
		Bias:   gluon.NewParameter("bias", nd.Shape{0}),
	}
}

func (s *scale) Forward(x *nd.NDArray) *nd.NDArray {
	last := x.Shape()[x.Ndim()-1]
	s.Weight.SetShape(nd.Shape{last})
	s.Bias.SetShape(nd.Shape{last})
	return x.Mul(s.Weight.Data()).Add(s.Bias.Data())
}

type twoLayer struct {
	gluon.BlockBase
	Features *gluon.Sequential
	Output   *scale
	Extra    []*scale
	skipped  *scale //nolint:unused // unexported fields are not children
}

func TestStructuralNames(t *testing.T) {
	net := &twoLayer{
		Features: gluon.NewSequential(newScale(), newScale()),
		Output:   newScale(),
		Extra:    []*scale{newScale()},
	}
	got := strings.Join(gluon.CollectParams(net).Names, " ")
	want := "features.0.weight features.0.bias features.1.weight features.1.bias output.weight output.bias extra.0.weight extra.0.bias"
	if got != want {
		t.Fatalf("names\n got %s\nwant %s", got, want)
	}
	sel := gluon.CollectParams(net, ".*weight")
	if sel.Len() != 4 || sel.Names[0] != "features.0.weight" {
		t.Fatalf("select .*weight gave %v", sel.Names)
	}
}

func (t *twoLayer) Forward(x *nd.NDArray) *nd.NDArray {
	return gluon.Call(t.Output, gluon.Call(t.Features, x))
}

func TestDeferredInitAndTraining(t *testing.T) {
	net := &twoLayer{Features: gluon.NewSequential(newScale()), Output: newScale()}
	gluon.Initialize(net, initializer.Constant{Value: 2}, nil, false)
	p := gluon.CollectParams(net)
	if p.Get("output.weight").IsInitialized() {
		t.Fatal("deferred parameter initialized before its shape was known")
	}
	err := nd.Try(func() { p.Get("output.weight").Data() })
	if err == nil || !strings.Contains(err.Error(), "deferred") {
		t.Fatalf("Data before forward: err %v, want a deferred-initialization error", err)
	}
	x := nd.Array([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	var y *nd.NDArray
	autograd.Record(func() { y = net.Forward(x) })
	// weights 2, biases 0: y = 4x
	ndtest.AssertClose(t, y, nd.Shape{2, 3}, []float64{4, 8, 12, 16, 20, 24}, 0, 0)
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	// dy/d output.bias = 1 summed over the batch
	ndtest.AssertClose(t, p.Get("output.bias").Grad(), nd.Shape{3}, []float64{2, 2, 2}, 0, 0)
	// dy/d features.0.weight = x * output.weight summed over the batch
	ndtest.AssertClose(t, p.Get("features.0.weight").Grad(), nd.Shape{3}, []float64{10, 14, 18}, 0, 0)
}

func TestHooksAndSummary(t *testing.T) {
	net := gluon.NewSequential(newScale(), newScale())
	gluon.Initialize(net, initializer.One{}, nil, false)
	calls := 0
	net.At(0).(*scale).RegisterForwardHook(func(b gluon.Block, in, out *nd.NDArray) { calls++ })
	var buf bytes.Buffer
	if err := gluon.Summary(&buf, net, nd.Ones(nd.Shape{4, 5})); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("forward hook ran %d times, want 1", calls)
	}
	s := buf.String()
	for _, want := range []string{"scale-1", "scale-2", "(4, 5)", "Total params: 20"} {
		if !strings.Contains(s, want) {
			t.Fatalf("summary lacks %q:\n%s", want, s)
		}
	}
	// Summary removes its own hooks.
	gluon.Call(net, nd.Ones(nd.Shape{4, 5}))
	if calls != 2 {
		t.Fatalf("hook count after summary: %d, want 2", calls)
	}
}

func TestParameterErrors(t *testing.T) {
	p := gluon.NewParameter("w", nd.Shape{2, 3})
	if err := nd.Try(func() { p.Data() }); err == nil {
		t.Fatal("Data of an uninitialized parameter: no error")
	}
	p.Initialize(initializer.Zero{}, nil, false)
	if err := nd.Try(func() { p.SetShape(nd.Shape{2, 4}) }); err == nil {
		t.Fatal("conflicting SetShape: no error")
	}
	if err := nd.Try(func() { p.SetData(nd.Ones(nd.Shape{3, 3})) }); err == nil {
		t.Fatal("SetData with a wrong shape: no error")
	}
	p.SetData(nd.Ones(nd.Shape{2, 3}))
	ndtest.AssertClose(t, p.Data(), nd.Shape{2, 3}, []float64{1, 1, 1, 1, 1, 1}, 0, 0)
	c := gluon.NewConstant("c", nd.Array([]float32{1, 2}))
	c.Initialize(nil, nil, false)
	ndtest.AssertClose(t, c.Data(), nd.Shape{2}, []float64{1, 2}, 0, 0)
	if err := nd.Try(func() { c.Grad() }); err == nil {
		t.Fatal("Grad of a constant: no error")
	}
}

type bn struct {
	gluon.BlockBase
	RunningMean *gluon.Parameter
	IFWeight    *gluon.Parameter
	Tagged      *gluon.Parameter `gluon:"h2h_weight"`
}

func (*bn) Forward(x *nd.NDArray) *nd.NDArray { return x }

func TestSnakeCaseNames(t *testing.T) {
	b := &bn{RunningMean: gluon.NewParameter("running_mean", nd.Shape{1}), IFWeight: gluon.NewParameter("x", nd.Shape{1}), Tagged: gluon.NewParameter("y", nd.Shape{1})}
	got := strings.Join(gluon.CollectParams(b).Names, " ")
	if got != "running_mean if_weight h2h_weight" {
		t.Fatalf("names %q", got)
	}
}
