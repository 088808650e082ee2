package initializer

import (
	"fmt"
	"math"

	"github.com/mxgo/mxgo/nd"
)

// Orthogonal fills a weight with a scaled (semi-)orthogonal matrix: the
// array is read as (shape[0], rest) and its rows (or columns, whichever are
// fewer) are orthonormal, times Scale. Draws are uniform in [-1, 1)
// (RandType "uniform", the default) or standard normal ("normal") and then
// orthonormalized. Scale 0 means MXNet's default 1.414.
// See https://arxiv.org/abs/1312.6120.
type Orthogonal struct {
	Scale    float64
	RandType string
}

func (o Orthogonal) Init(name string, arr *nd.NDArray) {
	if arr.Ndim() < 2 {
		panic(&nd.Error{Op: "Orthogonal", Msg: fmt.Sprintf("%s: weight %v needs at least 2 dimensions", name, arr.Shape())})
	}
	scale := o.Scale
	if scale == 0 {
		scale = 1.414
	}
	nout := arr.Shape()[0]
	nin := arr.Shape().Size() / max(nout, 1)
	var draw *nd.NDArray
	switch o.RandType {
	case "", "uniform":
		draw = nd.RandomUniform(-1, 1, nd.Shape{nout, nin}, nd.OfType(nd.Float64))
	case "normal":
		draw = nd.RandomNormal(0, 1, nd.Shape{nout, nin}, nd.OfType(nd.Float64))
	default:
		panic(&nd.Error{Op: "Orthogonal", Msg: "rand_type must be uniform or normal, not " + o.RandType})
	}
	m := draw.Float64s()
	// Orthonormalize the shorter side's vectors: rows when nout <= nin,
	// columns otherwise (as MXNet's SVD picks u or v).
	vecs, length := nout, nin
	at := func(v, i int) *float64 { return &m[v*nin+i] }
	if nout > nin {
		vecs, length = nin, nout
		at = func(v, i int) *float64 { return &m[i*nin+v] }
	}
	orthonormalize(vecs, length, at)
	for i := range m {
		m[i] *= scale
	}
	fill(arr, nd.ArrayOf(m, arr.Shape().Clone()))
}

// orthonormalize runs modified Gram-Schmidt (twice, for accuracy) over
// vecs vectors of the given length accessed through at.
func orthonormalize(vecs, length int, at func(v, i int) *float64) {
	for v := 0; v < vecs; v++ {
		for pass := 0; pass < 2; pass++ {
			for u := 0; u < v; u++ {
				dot := 0.0
				for i := 0; i < length; i++ {
					dot += *at(u, i) * *at(v, i)
				}
				for i := 0; i < length; i++ {
					*at(v, i) -= dot * *at(u, i)
				}
			}
		}
		norm := 0.0
		for i := 0; i < length; i++ {
			norm += *at(v, i) * *at(v, i)
		}
		norm = math.Sqrt(norm)
		if norm < 1e-12 { // a degenerate draw; use a unit vector instead
			for i := 0; i < length; i++ {
				*at(v, i) = 0
			}
			*at(v, v) = 1
			continue
		}
		for i := 0; i < length; i++ {
			*at(v, i) /= norm
		}
	}
}

// Bilinear fills a 4-D deconvolution weight (..., kh, kw) with a bilinear
// upsampling kernel, the same in every (out, in) plane:
//
//	f = ⌈kw/2⌉, c = (2f - 1 - f mod 2)/(2f)
//	w[y, x] = (1 - |x/f - c|)·(1 - |y/f - c|)
type Bilinear struct{}

func (Bilinear) Init(name string, arr *nd.NDArray) {
	s := arr.Shape()
	if len(s) != 4 {
		panic(&nd.Error{Op: "Bilinear", Msg: fmt.Sprintf("%s: weight %v must be 4-D", name, s)})
	}
	w := make([]float64, s.Size())
	f := math.Ceil(float64(s[3]) / 2)
	c := (2*f - 1 - math.Mod(f, 2)) / (2 * f)
	for i := range w {
		x := float64(i % s[3])
		y := float64((i / s[3]) % s[2])
		w[i] = (1 - math.Abs(x/f-c)) * (1 - math.Abs(y/f-c))
	}
	fill(arr, nd.ArrayOf(w, s.Clone()))
}

// LSTMBias initializes an LSTM bias (4·hidden,) to zero except the forget
// gate's block (the second of MXNet's i, f, c, o), set to ForgetBias so
// the cell remembers by default. ForgetBias 0 means MXNet's default 1.0.
// Use it as a parameter's own initializer (i2h_bias), since Apply gives
// biases zeros.
type LSTMBias struct {
	ForgetBias float64
}

func (l LSTMBias) Init(name string, arr *nd.NDArray) {
	s := arr.Shape()
	if len(s) != 1 || s[0]%4 != 0 {
		panic(&nd.Error{Op: "LSTMBias", Msg: fmt.Sprintf("%s: bias %v must be 1-D with a multiple of 4 entries", name, s)})
	}
	fb := l.ForgetBias
	if fb == 0 {
		fb = 1
	}
	b := make([]float64, s[0])
	h := s[0] / 4
	for i := h; i < 2*h; i++ {
		b[i] = fb
	}
	fill(arr, nd.ArrayOf(b, s.Clone()))
}
