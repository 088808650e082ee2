package nd_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func nnF64(v float64) *float64 { return &v }

func TestActivationGolden(t *testing.T) {
	golden := ndtest.LoadGolden(t, nnGoldenPath)
	for name, c := range golden {
		if !strings.HasPrefix(name, "act_") && !strings.HasPrefix(name, "leaky_") {
			continue
		}
		act := nnAttrString(c, "act_type")
		for _, d := range nnDTypes {
			t.Run(name+"/"+d.dt.String(), func(t *testing.T) {
				idx := []int{0}
				if act == "prelu" {
					idx = []int{0, 1}
				}
				nnCheckGolden(t, c, d.dt, idx, d.rtol, d.atol, func(in []*nd.NDArray) []*nd.NDArray {
					if strings.HasPrefix(name, "act_") {
						return []*nd.NDArray{nd.Activation(in[0], act)}
					}
					a := nd.LeakyReLUAttrs{ActType: act}
					if s, ok := c.Attrs["slope"].(float64); ok {
						a.Slope = &s
					}
					return []*nd.NDArray{nd.LeakyReLU(in[0], nnOptional(in, 1), a)}
				})
			})
		}
	}
}

func TestNNLayersGolden(t *testing.T) {
	golden := ndtest.LoadGolden(t, nnGoldenPath)
	cases := map[string]struct {
		idx []int
		f   func(in []*nd.NDArray) *nd.NDArray
	}{
		"softmax_act_instance": {[]int{0}, func(in []*nd.NDArray) *nd.NDArray { return nd.SoftmaxActivation(in[0], "instance") }},
		"softmax_act_channel":  {[]int{0}, func(in []*nd.NDArray) *nd.NDArray { return nd.SoftmaxActivation(in[0], "channel") }},
		"embedding": {[]int{1}, func(in []*nd.NDArray) *nd.NDArray {
			return nd.Embedding(in[0], in[1], nd.EmbeddingAttrs{InputDim: 4, OutputDim: 5})
		}},
		"upsampling_nearest": {[]int{0}, func(in []*nd.NDArray) *nd.NDArray { return nd.UpSampling(in[0], 2) }},
	}
	for name, tc := range cases {
		c := golden[name]
		for _, d := range nnDTypes {
			t.Run(name+"/"+d.dt.String(), func(t *testing.T) {
				nnCheckGolden(t, c, d.dt, tc.idx, d.rtol, d.atol, func(in []*nd.NDArray) []*nd.NDArray { return []*nd.NDArray{tc.f(in)} })
			})
		}
	}
}

func TestActivationCheckGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x := nnRand(r, 2, 3, 4).MulScalar(2)
	for _, act := range []string{"relu", "sigmoid", "tanh", "softrelu", "softsign"} {
		t.Run(act, func(t *testing.T) {
			f := func(in []*nd.NDArray) *nd.NDArray { return nd.Activation(in[0], act) }
			ndtest.CheckGrad(t, f, []*nd.NDArray{x}, nil, 1e-5, 1e-7)
			if act != "relu" {
				ndtest.CheckGrad(t, nnSecondOrder(t, 1, f), []*nd.NDArray{x}, nil, 1e-4, 1e-6)
			}
		})
	}
	for _, act := range []string{"leaky", "elu", "selu", "gelu"} {
		t.Run(act, func(t *testing.T) {
			f := func(in []*nd.NDArray) *nd.NDArray {
				return nd.LeakyReLU(in[0], nil, nd.LeakyReLUAttrs{ActType: act, Slope: nnF64(0.3)})
			}
			ndtest.CheckGrad(t, f, []*nd.NDArray{x}, nil, 1e-5, 1e-7)
			if act == "gelu" {
				ndtest.CheckGrad(t, nnSecondOrder(t, 1, f), []*nd.NDArray{x}, nil, 1e-4, 1e-6)
			}
		})
	}
	for _, g := range []*nd.NDArray{nnRand(r, 3), nnRand(r, 1)} {
		ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
			return nd.LeakyReLU(in[0], in[1], nd.LeakyReLUAttrs{ActType: "prelu"})
		}, []*nd.NDArray{x, g}, nil, 1e-5, 1e-7)
	}
}

func TestActivationErrors(t *testing.T) {
	x := nd.Ones(nd.Shape{2, 3})
	for name, f := range map[string]func(){
		"act":        func() { nd.Activation(x, "swish") },
		"leaky":      func() { nd.LeakyReLU(x, nil, nd.LeakyReLUAttrs{ActType: "rrelu2"}) },
		"prelu":      func() { nd.LeakyReLU(x, nil, nd.LeakyReLUAttrs{ActType: "prelu"}) },
		"prelu-gam":  func() { nd.LeakyReLU(x, nd.Ones(nd.Shape{2}), nd.LeakyReLUAttrs{ActType: "prelu"}) },
		"int":        func() { nd.Activation(x.AsType(nd.Int32), "relu") },
		"dropout-p":  func() { nd.Dropout(x, nd.DropoutAttrs{P: nnF64(1.5)}) },
		"emb-weight": func() { nd.Embedding(x, nd.Ones(nd.Shape{4}), nd.EmbeddingAttrs{}) },
		"upsample":   func() { nd.UpSampling(x, 2) },
		"smo-label":  func() { nd.SoftmaxOutput(x, nd.Ones(nd.Shape{3}), nd.SoftmaxOutputAttrs{}) },
	} {
		if err := nd.Try(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDropout(t *testing.T) {
	x := nd.Ones(nd.Shape{200, 50})
	// Inference: identity with a mask of ones.
	y, m := nd.Dropout(x, nd.DropoutAttrs{P: nnF64(0.3)})
	ndtest.AssertClose(t, y, x.Shape(), x.Float64s(), 0, 0)
	ndtest.AssertClose(t, m, x.Shape(), x.Float64s(), 0, 0)

	x.AttachGrad()
	var out, mask *nd.NDArray
	autograd.Record(func() { out, mask = nd.Dropout(x, nd.DropoutAttrs{P: nnF64(0.3), Train: true}) })
	if err := autograd.BackwardOne(out); err != nil {
		t.Fatal(err)
	}
	mv := mask.Float64s()
	zeros := 0
	for _, v := range mv {
		switch {
		case v == 0:
			zeros++
		case math.Abs(v-1/0.7) > 1e-6:
			t.Fatalf("mask value %v, want 0 or %v", v, 1/0.7)
		}
	}
	if frac := float64(zeros) / float64(len(mv)); math.Abs(frac-0.3) > 0.03 {
		t.Errorf("dropped fraction %v, want about 0.3", frac)
	}
	// dx = g·mask, and out = x·mask.
	ndtest.AssertClose(t, x.Grad(), x.Shape(), mv, 1e-6, 0)
	ndtest.AssertClose(t, out, x.Shape(), mv, 1e-6, 0)

	// Shared axes: one mask value per row.
	_, m2 := nd.Dropout(nd.Ones(nd.Shape{30, 8}), nd.DropoutAttrs{Mode: "always", Axes: nd.Shape{1}})
	v := m2.Float64s()
	for i := 0; i < 30; i++ {
		for j := 1; j < 8; j++ {
			if v[i*8+j] != v[i*8] {
				t.Fatalf("row %d: mask not shared along axis 1: %v", i, v[i*8:i*8+8])
			}
		}
	}
}

func TestSoftmaxOutput(t *testing.T) {
	data := nd.Array([]float32{1, 2, 3, 1, 1, 1}, 2, 3)
	label := nd.Array([]float32{2, 0}, 2)
	data.AttachGrad()
	var y *nd.NDArray
	a := nd.SoftmaxOutputAttrs{GradScale: 2, Normalization: "batch"}
	autograd.Record(func() { y = nd.SoftmaxOutput(data, label, a) })
	e := []float64{math.Exp(1), math.Exp(2), math.Exp(3)}
	s := e[0] + e[1] + e[2]
	p := []float64{e[0] / s, e[1] / s, e[2] / s, 1.0 / 3, 1.0 / 3, 1.0 / 3}
	ndtest.AssertClose(t, y, nd.Shape{2, 3}, p, 1e-6, 1e-7)
	// The head gradient is ignored: dx = (p - onehot)·2/2.
	if err := autograd.Backward([]*nd.NDArray{y}, []*nd.NDArray{nd.FullLike(y, 7)}, false); err != nil {
		t.Fatal(err)
	}
	want := []float64{p[0], p[1], p[2] - 1, p[3] - 1, p[4], p[5]}
	ndtest.AssertClose(t, data.Grad(), nd.Shape{2, 3}, want, 1e-6, 1e-7)

	// Ignored labels give zero rows; "valid" divides by the others' count.
	data2 := nd.Array([]float32{1, 2, 3, 1, 1, 1}, 2, 3).AttachGrad()
	b := nd.SoftmaxOutputAttrs{UseIgnore: true, IgnoreLabel: nnF64(0), Normalization: "valid"}
	autograd.Record(func() { y = nd.SoftmaxOutput(data2, label, b) })
	if err := autograd.BackwardOne(y); err != nil {
		t.Fatal(err)
	}
	ndtest.AssertClose(t, data2.Grad(), nd.Shape{2, 3}, []float64{p[0], p[1], p[2] - 1, 0, 0, 0}, 1e-6, 1e-7)
}

func TestNNLayersCheckGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	x := nnRand(r, 2, 3, 2, 2)
	for _, mode := range []string{"instance", "channel"} {
		f := func(in []*nd.NDArray) *nd.NDArray { return nd.SoftmaxActivation(in[0], mode) }
		ndtest.CheckGrad(t, f, []*nd.NDArray{x}, nil, 1e-5, 1e-7)
		ndtest.CheckGrad(t, nnSecondOrder(t, 1, f), []*nd.NDArray{x}, nil, 1e-4, 1e-6)
	}
	up := func(in []*nd.NDArray) *nd.NDArray { u := nd.UpSampling(in[0], 3); return u.Mul(u) }
	ndtest.CheckGrad(t, up, []*nd.NDArray{x}, nil, 1e-5, 1e-7)
	ndtest.CheckGrad(t, nnSecondOrder(t, 1, up), []*nd.NDArray{x}, nil, 1e-4, 1e-6)
	idx := nd.Array([]float32{0, 2, 2, 1}, 2, 2)
	w := nnRand(r, 3, 4)
	emb := func(in []*nd.NDArray) *nd.NDArray {
		e := nd.Embedding(idx, in[0], nd.EmbeddingAttrs{})
		return e.Mul(e)
	}
	ndtest.CheckGrad(t, emb, []*nd.NDArray{w}, nil, 1e-5, 1e-7)
	ndtest.CheckGrad(t, nnSecondOrder(t, 1, emb), []*nd.NDArray{w}, nil, 1e-4, 1e-6)
	drop := func(in []*nd.NDArray) *nd.NDArray {
		y, _ := nd.Dropout(in[0], nd.DropoutAttrs{P: nnF64(0.5), Train: false})
		return y.Mul(y)
	}
	ndtest.CheckGrad(t, drop, []*nd.NDArray{x}, nil, 1e-5, 1e-7)
}

func TestEmbeddingClipsAndDType(t *testing.T) {
	w := nd.ArrayOf([]int32{1, 2, 3, 4, 5, 6}, nd.Shape{3, 2})
	e := nd.Embedding(nd.Array([]float32{-1, 7, 1}, 3), w, nd.EmbeddingAttrs{})
	if e.DType() != nd.Int32 {
		t.Fatalf("dtype %v, want int32", e.DType())
	}
	ndtest.AssertClose(t, e, nd.Shape{3, 2}, []float64{1, 2, 5, 6, 3, 4}, 0, 0)
}
