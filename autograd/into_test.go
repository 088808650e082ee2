package autograd_test

import (
	"math"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

// FullyConnected's gradient writes the weight and bias gradients straight
// into their Grad buffers when autograd offers them; they must equal the
// gradients computed the ordinary way (through Grad, which offers no
// buffers), also when a weight feeds two layers (two gradients to sum) and
// with grad_req add.
func TestGradientsWrittenIntoLeafBuffers(t *testing.T) {
	x := nd.RandomUniform(-1, 1, nd.Shape{4, 6})
	for _, c := range []struct {
		name   string
		twice  bool
		noBias bool
		req    nd.GradReq
	}{{"write", false, false, nd.GradWrite}, {"nobias", false, true, nd.GradWrite}, {"shared weight", true, false, nd.GradWrite}, {"add", false, false, nd.GradAdd}} {
		t.Run(c.name, func(t *testing.T) {
			w := nd.RandomUniform(-1, 1, nd.Shape{6, 6})
			b := nd.RandomUniform(-1, 1, nd.Shape{6})
			params := []*nd.NDArray{w, b}
			if c.noBias {
				params = params[:1]
			}
			forward := func() *nd.NDArray {
				var bias *nd.NDArray
				if !c.noBias {
					bias = b
				}
				a := nd.FullyConnectedAttrs{NumHidden: 6, NoBias: c.noBias}
				h := nd.FullyConnected(x, w, bias, a).Tanh()
				if c.twice {
					h = nd.FullyConnected(h, w, bias, a)
				}
				return h.Square().Sum()
			}
			for _, p := range params {
				p.AttachGrad(c.req)
			}
			var y *nd.NDArray
			autograd.Record(func() { y = forward() })
			want, err := autograd.Grad([]*nd.NDArray{y}, params, nil, false, false)
			if err != nil {
				t.Fatal(err)
			}
			buffers := make([]*nd.NDArray, len(params))
			for i, p := range params {
				buffers[i] = p.Grad()
				if c.req == nd.GradAdd {
					buffers[i].CopyFrom(nd.OnesLike(p)) // add must keep what is there
				}
			}
			autograd.Record(func() { y = forward() })
			if err := autograd.BackwardOne(y); err != nil {
				t.Fatal(err)
			}
			offset := float32(0)
			if c.req == nd.GradAdd {
				offset = 1
			}
			checkGradBuffers(t, params, buffers, want, offset, 1e-5)
		})
	}
}

// Convolution writes its weight and bias gradients into the offered
// buffers too.
func TestConvolutionGradientsIntoLeafBuffers(t *testing.T) {
	x := nd.RandomUniform(-1, 1, nd.Shape{2, 3, 7, 7})
	w := nd.RandomUniform(-1, 1, nd.Shape{4, 3, 3, 3})
	b := nd.RandomUniform(-1, 1, nd.Shape{4})
	params := []*nd.NDArray{w, b}
	for _, p := range params {
		p.AttachGrad()
	}
	forward := func() *nd.NDArray {
		a := nd.ConvolutionAttrs{Kernel: nd.Shape{3, 3}, NumFilter: 4, Pad: nd.Shape{1, 1}}
		return nd.Convolution(x, w, b, a).Square().Sum()
	}
	var y *nd.NDArray
	autograd.Record(func() { y = forward() })
	want, err := autograd.Grad([]*nd.NDArray{y}, params, nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	buffers := []*nd.NDArray{w.Grad(), b.Grad()}
	autograd.Record(func() { y = forward() })
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	checkGradBuffers(t, params, buffers, want, 0, 1e-4)
}

// checkGradBuffers checks that each parameter's Grad is still the buffer
// it had and holds want (plus offset, what grad_req add kept) within tol.
func checkGradBuffers(t *testing.T, params, buffers, want []*nd.NDArray, offset float32, tol float64) {
	t.Helper()
	for i, p := range params {
		if p.Grad() != buffers[i] {
			t.Fatalf("param %d: Grad() is a new array", i)
		}
		got, exp := p.Grad().Float32s(), want[i].Float32s()
		for j := range got {
			if math.Abs(float64(got[j]-exp[j]-offset)) > tol {
				t.Fatalf("param %d grad[%d] = %v, want %v", i, j, got[j], exp[j]+offset)
			}
		}
	}
}
