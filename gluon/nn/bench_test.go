package nn_test

import (
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/nd"
)

// BenchmarkLayerStep times one training-mode forward and backward through
// each elementwise layer on a (64, 1024) batch, so that the cost of the
// ops a layer is built from (and their count) shows per layer.
func BenchmarkLayerStep(b *testing.B) {
	layers := []struct {
		name  string
		layer func() gluon.Block
	}{
		{"relu", func() gluon.Block { return nn.NewActivation("relu") }},
		{"softsign", func() gluon.Block { return nn.NewActivation("softsign") }},
		{"leakyrelu", func() gluon.Block { return nn.NewLeakyReLU(0.1) }},
		{"prelu", func() gluon.Block { return nn.NewPReLU(nn.PReLUOptions{InChannels: 1024}) }},
		{"elu", func() gluon.Block { return nn.NewELU() }},
		{"selu", func() gluon.Block { return nn.NewSELU() }},
		{"gelu", func() gluon.Block { return nn.NewGELU() }},
		{"swish", func() gluon.Block { return nn.NewSwish() }},
		{"dropout", func() gluon.Block { return nn.NewDropout(0.5) }},
	}
	nd.Seed(1)
	x := nd.RandomUniform(-1, 1, nd.Shape{64, 1024})
	x.AttachGrad()
	for _, l := range layers {
		b.Run(l.name, func(b *testing.B) {
			layer := l.layer()
			gluon.Initialize(layer, nil, nil, false)
			b.ReportAllocs()
			for b.Loop() {
				benchStep(b, layer, x)
			}
		})
	}
	b.Run("embedding", func(b *testing.B) {
		e := nn.NewEmbedding(10000, 256)
		gluon.Initialize(e, nil, nil, false)
		idx := nd.RandomUniform(0, 10000, nd.Shape{32, 35}).Floor()
		b.ReportAllocs()
		for b.Loop() {
			benchStep(b, e, idx)
		}
	})
}

func benchStep(b *testing.B, layer gluon.Block, x *nd.NDArray) {
	var y *nd.NDArray
	autograd.Record(func() { y = gluon.Call(layer, x) })
	if err := autograd.BackwardOne(y); err != nil {
		b.Fatal(err)
	}
	if err := nd.WaitAll(); err != nil {
		b.Fatal(err)
	}
}
