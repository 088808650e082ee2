package train

import (
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/loss"
	"github.com/mxgo/mxgo/nd"
)

func benchStep(b *testing.B, net *gluon.Sequential, x *nd.NDArray) {
	gluon.Initialize(net, initializer.Xavier{}, nil, false)
	y := nd.ArrayOf(make([]float32, x.Shape()[0]), nd.Shape{x.Shape()[0]})
	tr, err := gluon.NewTrainerByName(gluon.CollectParams(net), "sgd", map[string]any{"learning_rate": 0.01})
	if err != nil {
		b.Fatal(err)
	}
	lf := loss.NewSoftmaxCrossEntropyLoss()
	step := func() {
		var l *nd.NDArray
		autograd.Record(func() { l = lf.Forward(gluon.Call(net, x), y) })
		if err := autograd.BackwardOne(l); err != nil {
			b.Fatal(err)
		}
		if err := tr.Step(x.Shape()[0]); err != nil {
			b.Fatal(err)
		}
		_ = l.WaitToRead()
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
}

func BenchmarkLeNetStep64(b *testing.B) {
	benchStep(b, LeNet(), nd.RandomUniform(0, 1, nd.Shape{64, 1, 28, 28}))
}

func BenchmarkMLPStep64(b *testing.B) {
	benchStep(b, MLP(), nd.RandomUniform(0, 1, nd.Shape{64, 784}))
}
