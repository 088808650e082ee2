package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

// ConvCase is one 2-D convolution: batch N, C input channels of H×W, F
// filters of K×K, stride 1, padding P, no bias.
type ConvCase struct {
	Name                string
	N, C, H, W, F, K, P int
}

// ConvCases are the convolutions `mxgo bench conv` measures: LeNet's two
// convolutions at batch 64 and a ResNet 3×3 64→64 layer on 56×56 at
// batch 1 and 16 (bench/models_torch.py mirrors them).
var ConvCases = []ConvCase{
	{"conv_lenet1_b64", 64, 1, 28, 28, 20, 5, 0},
	{"conv_lenet2_b64", 64, 20, 12, 12, 50, 5, 0},
	{"conv_resnet3x3_b1", 1, 64, 56, 56, 64, 3, 1},
	{"conv_resnet3x3_b16", 16, 64, 56, 56, 64, 3, 1},
}

// flops is 2·N·F·C·K²·OH·OW, the multiply-adds of one forward pass.
func (c ConvCase) flops() float64 {
	oh, ow := c.H+2*c.P-c.K+1, c.W+2*c.P-c.K+1
	return 2 * float64(c.N*c.F*c.C*c.K*c.K*oh*ow)
}

// Conv measures each case forward ("<name>_fwd") and forward plus both
// backward passes, data and weight ("<name>_fwdbwd", counted as three
// forward passes), through nd.Convolution and autograd, in GFLOP/s.
func Conv(cfg Config, cases []ConvCase) ([]Result, error) {
	var rs []Result
	for _, c := range cases {
		r := rand.New(rand.NewPCG(3, uint64(c.N)))
		x := randArray(r, c.N, c.C, c.H, c.W)
		w := randArray(r, c.F, c.C, c.K, c.K)
		attrs := nd.ConvolutionAttrs{Kernel: nd.Shape{c.K, c.K}, Pad: nd.Shape{c.P, c.P}, NumFilter: c.F, NoBias: true}
		var err error
		fwd := measure(cfg, func() {
			if err != nil {
				return
			}
			err = waitFor(func() *nd.NDArray { return nd.Convolution(x, w, nil, attrs) })
		})
		if err != nil {
			return nil, fmt.Errorf("bench %s: %w", c.Name, err)
		}
		x.AttachGrad()
		w.AttachGrad()
		bwd := measure(cfg, func() {
			if err != nil {
				return
			}
			var y *nd.NDArray
			if err = nd.Try(func() { autograd.Record(func() { y = nd.Convolution(x, w, nil, attrs) }) }); err != nil {
				return
			}
			if err = autograd.BackwardOne(y); err == nil {
				err = errors.Join(x.Grad().WaitToRead(), w.Grad().WaitToRead())
			}
		})
		if err != nil {
			return nil, fmt.Errorf("bench %s: %w", c.Name, err)
		}
		rs = append(rs, rateResults(cfg, c.Name+"_fwd", c.flops(), fwd)...)
		rs = append(rs, rateResults(cfg, c.Name+"_fwdbwd", 3*c.flops(), bwd)...)
	}
	return rs, nil
}

// randArray is a float32 array of the shape, uniform in [-1, 1).
func randArray(r *rand.Rand, shape ...int) *nd.NDArray {
	return nd.ArrayOf(randFloats(r, nd.Shape(shape).Size()), nd.Shape(shape))
}

// waitFor calls f, turning an op's panic into an error, and waits for its
// result.
func waitFor(f func() *nd.NDArray) error {
	var y *nd.NDArray
	if err := nd.Try(func() { y = f() }); err != nil {
		return err
	}
	return y.WaitToRead()
}
