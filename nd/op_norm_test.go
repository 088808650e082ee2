package nd_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func nnFalse() *bool { f := false; return &f }

func TestBatchNormGolden(t *testing.T) {
	golden := ndtest.LoadGolden(t, nnGoldenPath)
	for _, name := range []string{"batchnorm_train", "batchnorm_train_axis-1", "batchnorm_global"} {
		c := golden[name]
		m := nnAttrFloat(c, "momentum", 0.9)
		a := nd.BatchNormAttrs{
			Eps: nnAttrFloat(c, "eps", 0), Momentum: &m, FixGamma: nnFalse(), Axis: int(nnAttrFloat(c, "axis", 0)),
			UseGlobalStats: nnAttrBool(c, "use_global_stats"), Train: nnAttrBool(c, "__is_train__"),
		}
		for _, d := range nnDTypes {
			t.Run(name+"/"+d.dt.String(), func(t *testing.T) {
				nnCheckGolden(t, c, d.dt, []int{0, 1, 2}, d.rtol, d.atol, func(in []*nd.NDArray) []*nd.NDArray {
					out, mean, v := nd.BatchNormMeanVar(in[0], in[1], in[2], in[3], in[4], a)
					if !a.Train {
						return []*nd.NDArray{out}
					}
					return []*nd.NDArray{out, mean, v, in[3], in[4]}
				})
			})
		}
	}
}

func TestNormGolden(t *testing.T) {
	golden := ndtest.LoadGolden(t, nnGoldenPath)
	cases := map[string]func(c ndtest.Golden, in []*nd.NDArray) *nd.NDArray{
		"layernorm": func(c ndtest.Golden, in []*nd.NDArray) *nd.NDArray {
			return nd.LayerNorm(in[0], in[1], in[2], nd.LayerNormAttrs{Axis: -1, Eps: nnAttrFloat(c, "eps", 0)})
		},
		"groupnorm": func(c ndtest.Golden, in []*nd.NDArray) *nd.NDArray {
			return nd.GroupNorm(in[0], in[1], in[2], nd.GroupNormAttrs{NumGroups: int(nnAttrFloat(c, "num_groups", 1)), Eps: nnAttrFloat(c, "eps", 0)})
		},
		"instancenorm": func(c ndtest.Golden, in []*nd.NDArray) *nd.NDArray {
			return nd.InstanceNorm(in[0], in[1], in[2], nd.InstanceNormAttrs{Eps: nnAttrFloat(c, "eps", 0)})
		},
	}
	for name, f := range cases {
		c := golden[name]
		for _, d := range nnDTypes {
			t.Run(name+"/"+d.dt.String(), func(t *testing.T) {
				nnCheckGolden(t, c, d.dt, []int{0, 1, 2}, d.rtol, d.atol, func(in []*nd.NDArray) []*nd.NDArray {
					return []*nd.NDArray{f(c, in)}
				})
			})
		}
	}
}

func TestBatchNormDefaults(t *testing.T) {
	// fix_gamma defaults to true: gamma is ignored and gets a zero gradient;
	// inference (Train false) uses the moving statistics with eps 1e-3.
	x := nd.Array([]float32{1, 2, 3, 4}, 2, 2)
	gamma, beta := nd.Array([]float32{5, 5}), nd.Array([]float32{0, 1})
	mm, mv := nd.Array([]float32{1, 2}), nd.Array([]float32{1, 4})
	y := nd.BatchNorm(x, gamma, beta, mm, mv, nd.BatchNormAttrs{})
	want := []float64{0, 1, 2 / 1.0004999, 1 + 2/2.00024999}
	ndtest.AssertClose(t, y, nd.Shape{2, 2}, want, 1e-5, 1e-6)
	ndtest.AssertClose(t, mm, nd.Shape{2}, []float64{1, 2}, 0, 0) // not updated in inference
}

func TestNormCheckGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	train := nd.BatchNormAttrs{FixGamma: nnFalse(), Train: true}
	ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
		return nd.BatchNorm(in[0], in[1], in[2], in[3], in[4], train)
	}, []*nd.NDArray{nnRand(r, 3, 2, 2, 3), nnRand(r, 2), nnRand(r, 2), nnRand(r, 2), nnRand(r, 2).AddScalar(2)},
		[]bool{true, true, true, false, false}, 1e-4, 1e-6)
	// Gradients that reach the mean and variance outputs (axis = last).
	ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
		out, mean, v := nd.BatchNormMeanVar(in[0], in[1], in[2], in[3], in[4], train)
		return out.Add(mean.Mul(v))
	}, []*nd.NDArray{nnRand(r, 5, 3), nnRand(r, 3), nnRand(r, 3), nnRand(r, 3), nnRand(r, 3).AddScalar(2)},
		[]bool{true, true, true, false, false}, 1e-4, 1e-6)
	global := nd.BatchNormAttrs{FixGamma: nnFalse(), UseGlobalStats: true, Train: true}
	ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
		return nd.BatchNorm(in[0], in[1], in[2], in[3], in[4], global)
	}, []*nd.NDArray{nnRand(r, 2, 3, 2), nnRand(r, 3), nnRand(r, 3), nnRand(r, 3), nnRand(r, 3).AddScalar(2)},
		[]bool{true, true, true, false, false}, 1e-4, 1e-6)
	ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
		out, mean, std := nd.LayerNormMeanStd(in[0], in[1], in[2], nd.LayerNormAttrs{Axis: 1})
		return out.Add(mean.Mul(std))
	}, []*nd.NDArray{nnRand(r, 2, 4, 3), nnRand(r, 4), nnRand(r, 4)}, nil, 1e-4, 1e-6)
	ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
		return nd.GroupNorm(in[0], in[1], in[2], nd.GroupNormAttrs{NumGroups: 2})
	}, []*nd.NDArray{nnRand(r, 2, 4, 3), nnRand(r, 4), nnRand(r, 4)}, nil, 1e-4, 1e-6)
	ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray {
		return nd.InstanceNorm(in[0], in[1], in[2], nd.InstanceNormAttrs{})
	}, []*nd.NDArray{nnRand(r, 2, 3, 4), nnRand(r, 3), nnRand(r, 3)}, nil, 1e-4, 1e-6)
}

func TestNormErrors(t *testing.T) {
	x := nd.Ones(nd.Shape{2, 4, 3})
	for name, f := range map[string]func(){
		"gamma shape": func() { nd.LayerNorm(x, nd.Ones(nd.Shape{4}), nd.Ones(nd.Shape{3}), nd.LayerNormAttrs{}) },
		"groups":      func() { nd.GroupNorm(x, nd.Ones(nd.Shape{4}), nd.Ones(nd.Shape{4}), nd.GroupNormAttrs{NumGroups: 3}) },
		"axis":        func() { nd.LayerNorm(x, nd.Ones(nd.Shape{3}), nd.Ones(nd.Shape{3}), nd.LayerNormAttrs{Axis: 5}) },
		"moving shape": func() {
			nd.BatchNorm(x, nd.Ones(nd.Shape{4}), nd.Ones(nd.Shape{4}), nd.Ones(nd.Shape{4}), nd.Ones(nd.Shape{3}), nd.BatchNormAttrs{})
		},
		"int dtype": func() {
			nd.InstanceNorm(x.AsType(nd.Int32), nd.Ones(nd.Shape{4}), nd.Ones(nd.Shape{4}), nd.InstanceNormAttrs{})
		},
	} {
		if err := nd.Try(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// Backward into the leaves' buffers (GradArgs.Into, all or some of data,
// gamma and beta attached) gives the gradients autograd.Grad returns
// without buffers.
func TestNormGradIntoLeafBuffers(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	fg := false
	train := nd.BatchNormAttrs{FixGamma: &fg, Train: true}
	for name, f := range map[string]func(in []*nd.NDArray) *nd.NDArray{
		"layer": func(in []*nd.NDArray) *nd.NDArray { return nd.LayerNorm(in[0], in[1], in[2], nd.LayerNormAttrs{}) },
		"batch": func(in []*nd.NDArray) *nd.NDArray {
			return nd.BatchNorm(in[0], in[1], in[2], nd.Zeros(nd.Shape{6}), nd.Ones(nd.Shape{6}), train)
		},
		"group": func(in []*nd.NDArray) *nd.NDArray {
			return nd.GroupNorm(in[0], in[1], in[2], nd.GroupNormAttrs{NumGroups: 3})
		},
	} {
		for _, attached := range [][3]bool{{true, true, true}, {true, false, false}, {false, true, true}, {false, false, true}} {
			t.Run(fmt.Sprintf("%s/%v", name, attached), func(t *testing.T) {
				x, gamma, beta := nnRand32(r, 4, 6, 5), nnRand32(r, 6), nnRand32(r, 6)
				if name == "layer" {
					gamma, beta = nnRand32(r, 5), nnRand32(r, 5)
				}
				in := []*nd.NDArray{x, gamma, beta}
				gy := nnRand32(r, 4, 6, 5)
				var vars []*nd.NDArray
				for i, a := range in {
					if attached[i] {
						a.AttachGrad()
						vars = append(vars, a)
					}
				}
				var y *nd.NDArray
				autograd.Record(func() { y = f(in) })
				want, err := autograd.Grad([]*nd.NDArray{y}, vars, []*nd.NDArray{gy}, false, true)
				if err != nil {
					t.Fatal(err)
				}
				if err := autograd.Backward([]*nd.NDArray{y}, []*nd.NDArray{gy}, false); err != nil {
					t.Fatal(err)
				}
				for i, v := range vars {
					ndtest.AssertClose(t, v.Grad(), v.Shape(), want[i].Float64s(), 0, 0)
				}
			})
		}
	}
}
