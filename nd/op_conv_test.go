package nd_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// nnGoldenPath holds PyTorch reference values from testdata/gen_nn.py.
const nnGoldenPath = "testdata/golden_nn.json"

// nnAttrInts reads a tuple attribute of a golden case.
func nnAttrInts(c ndtest.Golden, key string) nd.Shape {
	v, ok := c.Attrs[key].([]any)
	if !ok {
		return nil
	}
	s := make(nd.Shape, len(v))
	for i, x := range v {
		s[i] = int(x.(float64))
	}
	return s
}

func nnAttrFloat(c ndtest.Golden, key string, def float64) float64 {
	if v, ok := c.Attrs[key].(float64); ok {
		return v
	}
	return def
}

func nnAttrBool(c ndtest.Golden, key string) bool {
	v, _ := c.Attrs[key].(bool)
	return v
}

func nnAttrString(c ndtest.Golden, key string) string {
	v, _ := c.Attrs[key].(string)
	return v
}

// nnCheckGolden runs f on the case's op inputs (all but the last, which is
// the head gradient), compares its outputs (the first len(outputs) of the
// case) and, under autograd, the gradients of sum(out[0]·head) with respect
// to the inputs listed in gradIdx, in the given dtype.
func nnCheckGolden(t *testing.T, c ndtest.Golden, dt nd.DType, gradIdx []int, rtol, atol float64, f func(in []*nd.NDArray) []*nd.NDArray) {
	t.Helper()
	n := len(c.Inputs) - 1
	in := make([]*nd.NDArray, n)
	for i := range in {
		in[i] = c.Inputs[i].NDArray().AsType(dt)
	}
	for _, i := range gradIdx {
		in[i].AttachGrad()
	}
	var outs []*nd.NDArray
	autograd.Record(func() { outs = f(in) })
	for i, o := range outs {
		if i >= len(c.Outputs) {
			break
		}
		if o == nil {
			continue
		}
		want := c.Outputs[i]
		t.Run(fmt.Sprintf("out%d", i), func(t *testing.T) {
			ndtest.AssertClose(t, o, nd.Shape(want.Shape), want.Values, rtol, atol)
		})
	}
	if len(gradIdx) == 0 {
		return
	}
	head := c.Inputs[n].NDArray().AsType(dt)
	if err := autograd.Backward([]*nd.NDArray{outs[0]}, []*nd.NDArray{head}, false); err != nil {
		t.Fatalf("backward: %v", err)
	}
	for j, i := range gradIdx {
		want := c.Grads[j]
		t.Run(fmt.Sprintf("grad%d", i), func(t *testing.T) {
			ndtest.AssertClose(t, in[i].Grad(), nd.Shape(want.Shape), want.Values, rtol, atol)
		})
	}
}

var nnDTypes = []struct {
	dt         nd.DType
	rtol, atol float64
}{{nd.Float32, 1e-4, 1e-4}, {nd.Float64, 1e-6, 1e-6}}

func convAttrsOf(c ndtest.Golden) nd.ConvolutionAttrs {
	return nd.ConvolutionAttrs{
		Kernel: nnAttrInts(c, "kernel"), Stride: nnAttrInts(c, "stride"), Pad: nnAttrInts(c, "pad"),
		Dilate: nnAttrInts(c, "dilate"), NumFilter: int(nnAttrFloat(c, "num_filter", 0)),
		NumGroup: int(nnAttrFloat(c, "num_group", 1)), NoBias: nnAttrBool(c, "no_bias"),
	}
}

func deconvAttrsOf(c ndtest.Golden) nd.DeconvolutionAttrs {
	return nd.DeconvolutionAttrs{
		Kernel: nnAttrInts(c, "kernel"), Stride: nnAttrInts(c, "stride"), Pad: nnAttrInts(c, "pad"),
		Adj: nnAttrInts(c, "adj"), TargetShape: nnAttrInts(c, "target_shape"),
		Dilate: nnAttrInts(c, "dilate"), NumFilter: int(nnAttrFloat(c, "num_filter", 0)),
		NumGroup: int(nnAttrFloat(c, "num_group", 1)), NoBias: nnAttrBool(c, "no_bias"),
	}
}

func nnOptional(in []*nd.NDArray, i int) *nd.NDArray {
	if i < len(in) {
		return in[i]
	}
	return nil
}

func TestConvolutionGolden(t *testing.T) {
	golden := ndtest.LoadGolden(t, nnGoldenPath)
	for _, name := range []string{"conv1d", "conv2d_group", "conv2d_1x1", "conv2d_depthwise", "conv2d_depthwise_dil", "conv2d_odd", "conv3d"} {
		c := golden[name]
		for _, d := range nnDTypes {
			t.Run(name+"/"+d.dt.String(), func(t *testing.T) {
				idx := []int{0, 1}
				if !nnAttrBool(c, "no_bias") {
					idx = append(idx, 2)
				}
				nnCheckGolden(t, c, d.dt, idx, d.rtol, d.atol, func(in []*nd.NDArray) []*nd.NDArray {
					return []*nd.NDArray{nd.Convolution(in[0], in[1], nnOptional(in, 2), convAttrsOf(c))}
				})
			})
		}
	}
}

func TestDeconvolutionGolden(t *testing.T) {
	golden := ndtest.LoadGolden(t, nnGoldenPath)
	for _, name := range []string{"deconv2d", "deconv2d_group", "deconv1d", "deconv3d", "deconv2d_target"} {
		c := golden[name]
		for _, d := range nnDTypes {
			t.Run(name+"/"+d.dt.String(), func(t *testing.T) {
				idx := []int{0, 1}
				if !nnAttrBool(c, "no_bias") {
					idx = append(idx, 2)
				}
				nnCheckGolden(t, c, d.dt, idx, d.rtol, d.atol, func(in []*nd.NDArray) []*nd.NDArray {
					return []*nd.NDArray{nd.Deconvolution(in[0], in[1], nnOptional(in, 2), deconvAttrsOf(c))}
				})
			})
		}
	}
}

func nnRand(r *rand.Rand, shape ...int) *nd.NDArray {
	v := make([]float64, nd.Shape(shape).Size())
	for i := range v {
		v[i] = r.Float64()*2 - 1
	}
	return nd.ArrayOf(v, nd.Shape(shape), nd.OfType(nd.Float64))
}

// Finite differences through every input, including the backward ops'
// own gradients (second order for the data gradient).
func TestConvolutionCheckGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name    string
		x, w, b *nd.NDArray
		a       nd.ConvolutionAttrs
	}{
		{"2d", nnRand(r, 2, 2, 5, 4), nnRand(r, 3, 2, 3, 2), nnRand(r, 3), nd.ConvolutionAttrs{Stride: nd.Shape{2, 1}, Pad: nd.Shape{1, 1}}},
		{"grouped-dilated", nnRand(r, 1, 4, 6, 5), nnRand(r, 2, 2, 2, 2), nil, nd.ConvolutionAttrs{NumGroup: 2, Dilate: nd.Shape{2, 1}}},
		{"depthwise", nnRand(r, 2, 3, 4, 4), nnRand(r, 3, 1, 3, 3), nil, nd.ConvolutionAttrs{NumGroup: 3, Pad: nd.Shape{1, 1}, Stride: nd.Shape{2, 2}}},
		{"1d", nnRand(r, 2, 2, 7), nnRand(r, 3, 2, 3), nnRand(r, 3), nd.ConvolutionAttrs{Stride: nd.Shape{2}}},
		{"3d-1x1", nnRand(r, 1, 3, 2, 2, 3), nnRand(r, 2, 3, 1, 1, 1), nil, nd.ConvolutionAttrs{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := []*nd.NDArray{tc.x, tc.w}
			if tc.b != nil {
				in = append(in, tc.b)
			}
			ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
				return nd.Convolution(in[0], in[1], nnOptional(in, 2), tc.a)
			}, in, nil, 1e-5, 1e-6)
			// Second order: the data gradient (a Deconvolution) and the
			// weight gradient (_conv_backward_weight) are differentiable
			// in both their inputs.
			ndtest.CheckGrad(t, nnSecondOrder(t, 2, func(in []*nd.NDArray) *nd.NDArray {
				return nd.Convolution(in[0], in[1], nil, tc.a)
			}), []*nd.NDArray{tc.x, tc.w}, nil, 1e-4, 1e-6)
		})
	}
}

// nnSecondOrder turns f into Σ_i Σ (d Σf / d in[i])² over its first nvars
// inputs, computed with autograd.Grad(createGraph), so that CheckGrad on
// the result checks the gradients of f's gradient ops.
func nnSecondOrder(t *testing.T, nvars int, f func(in []*nd.NDArray) *nd.NDArray) func(in []*nd.NDArray) *nd.NDArray {
	return func(in []*nd.NDArray) *nd.NDArray {
		for _, x := range in[:nvars] {
			if x.AG() == nil { // finite-difference pass: a fresh array
				x.AttachGrad()
			}
		}
		var y *nd.NDArray
		autograd.Record(func() { y = f(in) })
		g, err := autograd.Grad([]*nd.NDArray{y}, in[:nvars], nil, true, true)
		if err != nil {
			t.Fatal(err)
		}
		one := make(nd.Shape, in[0].Ndim())
		for i := range one {
			one[i] = 1
		}
		var total *nd.NDArray
		for _, gi := range g {
			s := nd.SumTo(gi.Mul(gi), one) // every var has in[0]'s rank
			if total == nil {
				total = s
			} else {
				total = total.Add(s)
			}
		}
		return total
	}
}
