package nn_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func hybridNets() map[string]func() *gluon.Sequential {
	return map[string]func() *gluon.Sequential{
		"mlp": func() *gluon.Sequential {
			return gluon.NewSequential(nn.NewDense(16, nn.DenseOptions{Activation: "relu"}), nn.NewDense(4))
		},
		"convnet": func() *gluon.Sequential {
			return gluon.NewSequential(
				nn.NewConv2D(4, []int{3, 3}, nn.ConvOptions{Activation: "relu"}),
				nn.NewBatchNorm(),
				nn.NewMaxPool2D(nn.PoolOptions{PoolSize: []int{2, 2}}),
				nn.NewFlatten(),
				nn.NewDense(3, nn.DenseOptions{Activation: "tanh"}))
		},
	}
}

// A hybridized Block gives the same outputs and gradients as eager.
func TestHybridizedMatchesEager(t *testing.T) {
	for name, mk := range hybridNets() {
		t.Run(name, func(t *testing.T) {
			nd.Seed(3)
			eager, hybrid := mk(), mk()
			x := nd.RandomUniform(-1, 1, nd.Shape{2, 1, 8, 8})
			gluon.Initialize(eager, initializer.Xavier{}, nil, false)
			gluon.Initialize(hybrid, initializer.Xavier{}, nil, false)
			gluon.Call(eager, x) // complete deferred shapes
			gluon.Call(hybrid, x)
			pe, ph := gluon.CollectParams(eager), gluon.CollectParams(hybrid)
			for i := range pe.Params {
				ph.Params[i].SetData(pe.Params[i].Data())
			}
			gluon.Hybridize(hybrid)
			for step := 0; step < 2; step++ { // the second step replays the cached graph
				var ye, yh *nd.NDArray
				autograd.Record(func() {
					ye = gluon.Call(eager, x).Sum()
					yh = gluon.Call(hybrid, x).Sum()
				})
				ndtest.AssertClose(t, yh, ye.Shape(), ye.Float64s(), 1e-5, 1e-5)
				if err := autograd.BackwardOne(ye); err != nil {
					t.Fatal(err)
				}
				if err := autograd.BackwardOne(yh); err != nil {
					t.Fatal(err)
				}
				for i, n := range pe.Names {
					if pe.Params[i].GradReq == nd.GradNull {
						ndtest.AssertClose(t, ph.Params[i].Data(), pe.Params[i].Shape(), pe.Params[i].Data().Float64s(), 1e-5, 1e-6)
						continue
					}
					g := pe.Params[i].Grad()
					if ok, msg := ndtest.Close(ph.Params[i].Grad().Float64s(), g.Float64s(), 1e-4, 1e-5); !ok {
						t.Fatalf("step %d: gradient of %s: %s", step, n, msg)
					}
				}
			}
			if err := gluon.Export(hybrid, filepath.Join(t.TempDir(), name), 0); err != nil {
				t.Fatalf("no traced graph after hybridized calls: %v", err)
			}
			// predict mode traces a second graph
			var pe2, ph2 *nd.NDArray
			autograd.Pause(func() { pe2, ph2 = gluon.Call(eager, x), gluon.Call(hybrid, x) })
			ndtest.AssertClose(t, ph2, pe2.Shape(), pe2.Float64s(), 1e-5, 1e-5)
		})
	}
}

type peeking struct {
	gluon.HybridBlockBase
	Out *nn.Dense
}

func (p *peeking) Forward(x *nd.NDArray) *nd.NDArray {
	if x.Sum().Scalar() > 0 { // branches on data: not hybridizable
		return gluon.Call(p.Out, x)
	}
	return x
}

func TestHybridizeReadingDataIsAClearError(t *testing.T) {
	b := &peeking{Out: nn.NewDense(2)}
	gluon.Initialize(b, nil, nil, false)
	gluon.Hybridize(b)
	err := nd.Try(func() { gluon.Call(b, nd.Ones(nd.Shape{1, 3})) })
	if err == nil || !strings.Contains(err.Error(), "peeking") || !strings.Contains(err.Error(), "hybrid_test.go") {
		t.Fatalf("err %v: want an error naming the Block and the line", err)
	}
	t.Log(err)
}

func TestExportThenImport(t *testing.T) {
	net := hybridNets()["convnet"]()
	gluon.Initialize(net, initializer.Xavier{}, nil, false)
	gluon.Hybridize(net)
	x := nd.RandomUniform(-1, 1, nd.Shape{2, 1, 8, 8})
	var want *nd.NDArray
	autograd.Pause(func() { want = gluon.Call(net, x) })
	prefix := filepath.Join(t.TempDir(), "convnet")
	if err := gluon.Export(net, prefix, 3); err != nil {
		t.Fatal(err)
	}
	sb, err := gluon.Imports(prefix+"-symbol.json", []string{"data"}, prefix+"-0003.params", nd.CPU())
	if err != nil {
		t.Fatal(err)
	}
	var got *nd.NDArray
	autograd.Pause(func() { got = gluon.Call(sb, x) })
	ndtest.AssertClose(t, got, want.Shape(), want.Float64s(), 1e-5, 1e-6)
}
