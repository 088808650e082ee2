package nd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func poolAttrsOf(c ndtest.Golden) nd.PoolingAttrs {
	inc := nnAttrBool(c, "count_include_pad")
	return nd.PoolingAttrs{
		Kernel: nnAttrInts(c, "kernel"), Stride: nnAttrInts(c, "stride"), Pad: nnAttrInts(c, "pad"),
		PoolType: nnAttrString(c, "pool_type"), GlobalPool: nnAttrBool(c, "global_pool"),
		PoolingConvention: nnAttrString(c, "pooling_convention"), CountIncludePad: &inc,
		PValue: int(nnAttrFloat(c, "p_value", 0)),
	}
}

func TestPoolingGolden(t *testing.T) {
	golden := ndtest.LoadGolden(t, nnGoldenPath)
	for _, name := range []string{"maxpool2d", "maxpool2d_full", "avgpool2d_incl", "avgpool2d_excl", "avgpool2d_full_excl",
		"sumpool2d", "maxpool1d", "avgpool1d", "maxpool3d", "avgpool3d", "globalmax2d", "globalavg2d", "lppool2d", "lppool1d_p3"} {
		c := golden[name]
		for _, d := range nnDTypes {
			t.Run(name+"/"+d.dt.String(), func(t *testing.T) {
				nnCheckGolden(t, c, d.dt, []int{0}, d.rtol, d.atol, func(in []*nd.NDArray) []*nd.NDArray {
					return []*nd.NDArray{nd.Pooling(in[0], poolAttrsOf(c))}
				})
			})
		}
	}
}

func TestPoolingDefaults(t *testing.T) {
	// count_include_pad unset means true (MXNet's default): the corner
	// window of a 3x3 avg pool with pad 1 over ones holds 4 ones of 9.
	x := nd.Ones(nd.Shape{1, 1, 3, 3})
	y := nd.Pooling(x, nd.PoolingAttrs{PoolType: "avg", Kernel: nd.Shape{3, 3}, Pad: nd.Shape{1, 1}, Stride: nd.Shape{2, 2}})
	ndtest.AssertClose(t, y, nd.Shape{1, 1, 2, 2}, []float64{4.0 / 9, 4.0 / 9, 4.0 / 9, 4.0 / 9}, 1e-6, 0)
	// pool_type defaults to max, stride to 1.
	z := nd.Pooling(nd.Array([]float32{1, 5, 2, 4}, 1, 1, 4), nd.PoolingAttrs{Kernel: nd.Shape{2}})
	ndtest.AssertClose(t, z, nd.Shape{1, 1, 3}, []float64{5, 5, 4}, 0, 0)
}

func TestPoolingErrors(t *testing.T) {
	x := nd.Ones(nd.Shape{1, 1, 3, 3})
	for _, a := range []nd.PoolingAttrs{
		{Kernel: nd.Shape{4, 4}},
		{Kernel: nd.Shape{2}},
		{Kernel: nd.Shape{2, 2}, PoolType: "median"},
		{Kernel: nd.Shape{2, 2}, PoolingConvention: "same"},
		{Kernel: nd.Shape{2, 2}, Layout: "NHWC"},
	} {
		if err := nd.Try(func() { nd.Pooling(x, a) }); err == nil {
			t.Errorf("Pooling(%+v) did not fail", a)
		}
	}
}

func TestPoolingCheckGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, a := range []nd.PoolingAttrs{
		{Kernel: nd.Shape{2, 3}, Stride: nd.Shape{2, 1}, Pad: nd.Shape{1, 1}},
		{PoolType: "avg", Kernel: nd.Shape{3, 2}, Stride: nd.Shape{2, 2}, Pad: nd.Shape{1, 0}, PoolingConvention: "full"},
		{PoolType: "sum", Kernel: nd.Shape{2, 2}},
		{PoolType: "avg", GlobalPool: true},
	} {
		x := nnRand(r, 2, 2, 5, 4)
		ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray { return nd.Pooling(in[0], a) }, []*nd.NDArray{x}, nil, 1e-5, 1e-6)
		if a.PoolType != "" {
			// avg/sum pooling is linear: second order is exercised through
			// the square of its gradient.
			ndtest.CheckGrad(t, nnSecondOrder(t, 1, func(in []*nd.NDArray) *nd.NDArray {
				y := nd.Pooling(in[0], a)
				return y.Mul(y)
			}), []*nd.NDArray{x}, nil, 1e-4, 1e-6)
		}
	}
	lp := nd.PoolingAttrs{PoolType: "lp", PValue: 3, Kernel: nd.Shape{2}, Stride: nd.Shape{1}}
	x := nnRand(r, 1, 2, 5).AddScalar(2)
	ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray { return nd.Pooling(in[0], lp) }, []*nd.NDArray{x}, nil, 1e-5, 1e-6)
}

// Max pooling's second order: d/dy of Σ(dx)² for dx = scatter(y²'s grad)
// goes through _pool_max_gather.
func TestPoolingMaxSecondOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	a := nd.PoolingAttrs{Kernel: nd.Shape{2, 2}, Stride: nd.Shape{1, 1}}
	x := nnRand(r, 1, 2, 4, 3)
	ndtest.CheckGrad(t, nnSecondOrder(t, 1, func(in []*nd.NDArray) *nd.NDArray {
		y := nd.Pooling(in[0], a)
		return y.Mul(y).Mul(y)
	}), []*nd.NDArray{x}, nil, 1e-4, 1e-6)
}
