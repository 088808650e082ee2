package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/mxgo/mxgo/engine"
)

// Random ops draw from the device's engine RNG stream (OpDef.RNG), so a
// run is reproducible after Seed, on either engine: random ops on one
// device run in push order.

// RandomUniformAttrs are the attributes of _random_uniform. MXNet's default
// High is 1.
type RandomUniformAttrs struct {
	Low   float64 `mx:"low"`
	High  float64 `mx:"high" default:"1"`
	Shape Shape   `mx:"shape"`
	DType DType   `mx:"dtype"`
}

// RandomNormalAttrs are the attributes of _random_normal. MXNet's default
// Scale is 1.
type RandomNormalAttrs struct {
	Loc   float64 `mx:"loc"`
	Scale float64 `mx:"scale" default:"1"`
	Shape Shape   `mx:"shape"`
	DType DType   `mx:"dtype"`
}

// RandIntAttrs are the attributes of _random_randint (values in [Low,
// High)). MXNet's default DType is int32; RandInt sets it explicitly.
type RandIntAttrs struct {
	Low   int64 `mx:"low"`
	High  int64 `mx:"high"`
	Shape Shape `mx:"shape"`
	DType DType `mx:"dtype" default:"int32"`
}

// SampleMultinomialAttrs are the attributes of _sample_multinomial. MXNet's
// default DType is int32; the public functions set it explicitly.
type SampleMultinomialAttrs struct {
	Shape   Shape `mx:"shape"`
	GetProb bool  `mx:"get_prob"`
	DType   DType `mx:"dtype" default:"int32"`
}

var opRandomUniform, opRandomNormal, opRandInt, opShuffle, opSampleMultinomial *OpDef

func init() {
	opRandomUniform = RegisterOp(&OpDef{
		Name: "_random_uniform", Aliases: []string{"uniform", "random_uniform"}, Attrs: RandomUniformAttrs{}, NumInputs: 0, RNG: true,
		InferShape: func(a any, _ []Shape) ([]Shape, error) { return []Shape{a.(RandomUniformAttrs).Shape.Clone()}, nil },
		InferType:  func(a any, _ []DType) ([]DType, error) { return []DType{a.(RandomUniformAttrs).DType}, nil },
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(RandomUniformAttrs)
			lo, span := at.Low, at.High-at.Low
			return randomFill(k.Out[0], k.RNG,
				func(r *rand.Rand) float32 { return float32(lo) + float32(span)*r.Float32() },
				func(r *rand.Rand) float64 { return lo + span*r.Float64() })
		}),
	})
	opRandomNormal = RegisterOp(&OpDef{
		Name: "_random_normal", Aliases: []string{"normal", "random_normal"}, Attrs: RandomNormalAttrs{}, NumInputs: 0, RNG: true,
		InferShape: func(a any, _ []Shape) ([]Shape, error) { return []Shape{a.(RandomNormalAttrs).Shape.Clone()}, nil },
		InferType:  func(a any, _ []DType) ([]DType, error) { return []DType{a.(RandomNormalAttrs).DType}, nil },
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(RandomNormalAttrs)
			if at.Scale < 0 {
				return fmt.Errorf("scale %g < 0", at.Scale)
			}
			return randomFill(k.Out[0], k.RNG,
				func(r *rand.Rand) float32 { return float32(at.Loc + at.Scale*r.NormFloat64()) },
				func(r *rand.Rand) float64 { return at.Loc + at.Scale*r.NormFloat64() })
		}),
	})
	opRandInt = RegisterOp(&OpDef{
		Name: "_random_randint", Aliases: []string{"random_randint"}, Attrs: RandIntAttrs{}, NumInputs: 0, RNG: true,
		InferShape: func(a any, _ []Shape) ([]Shape, error) {
			at := a.(RandIntAttrs)
			if at.High <= at.Low {
				return nil, fmt.Errorf("high %d <= low %d", at.High, at.Low)
			}
			return []Shape{at.Shape.Clone()}, nil
		},
		InferType: func(a any, _ []DType) ([]DType, error) { return []DType{a.(RandIntAttrs).DType}, nil },
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(RandIntAttrs)
			out := k.Out[0]
			span := uint64(at.High - at.Low)
			draw := func() int64 { return at.Low + int64(k.RNG.Uint64N(span)) }
			switch out.DType {
			case Int32:
				for i, o := 0, Elems[int32](out); i < len(o); i++ {
					o[i] = int32(draw())
				}
			case Int64:
				for i, o := 0, Elems[int64](out); i < len(o); i++ {
					o[i] = draw()
				}
			default:
				return randomStore(out, func() float64 { return float64(draw()) })
			}
			return nil
		}),
	})
	opShuffle = RegisterOp(&OpDef{
		Name: "_shuffle", Aliases: []string{"shuffle"}, NumInputs: 1, RNG: true,
		InferShape: sameShape,
		Kernels: cpu(func(k *KernelArgs) error {
			in, out := k.In[0], k.Out[0]
			copy(out.Data, in.Data)
			if len(in.Shape) == 0 || in.Shape[0] < 2 {
				return nil
			}
			n := in.Shape[0]
			row := len(out.Data) / n
			tmp := make([]byte, row)
			for i := n - 1; i > 0; i-- { // Fisher–Yates
				j := k.RNG.IntN(i + 1)
				a, b := out.Data[i*row:(i+1)*row], out.Data[j*row:(j+1)*row]
				copy(tmp, a)
				copy(a, b)
				copy(b, tmp)
			}
			return nil
		}),
	})
	opSampleMultinomial = RegisterOp(&OpDef{
		Name: "_sample_multinomial", Aliases: []string{"sample_multinomial"}, Attrs: SampleMultinomialAttrs{}, NumInputs: 1, RNG: true,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			at := a.(SampleMultinomialAttrs)
			if len(in[0]) == 0 || in[0][len(in[0])-1] == 0 {
				return nil, fmt.Errorf("probabilities %v: want (..., k) with k > 0", in[0])
			}
			s := slices.Concat(in[0][:len(in[0])-1], at.Shape)
			if at.GetProb {
				return []Shape{s, s.Clone()}, nil
			}
			return []Shape{s}, nil
		},
		InferType: func(a any, in []DType) ([]DType, error) {
			at := a.(SampleMultinomialAttrs)
			if at.GetProb {
				return []DType{at.DType, in[0]}, nil
			}
			return []DType{at.DType}, nil
		},
		Kernels: cpu(randomMultinomialKernel),
		Grad:    randomMultinomialGrad,
	})
}

// randomFill fills out with draws: float32 and float64 directly, other
// types through float64 (and storeF64's conversion).
func randomFill(out Blob, r *rand.Rand, f32 func(*rand.Rand) float32, f64 func(*rand.Rand) float64) error {
	switch out.DType {
	case Float32:
		o := out.F32()
		for i := range o {
			o[i] = f32(r)
		}
		return nil
	case Float64:
		o := out.F64()
		for i := range o {
			o[i] = f64(r)
		}
		return nil
	}
	return randomStore(out, func() float64 { return f64(r) })
}

func randomStore(out Blob, draw func() float64) error {
	if !out.DType.Valid() {
		return fmt.Errorf("dtype %v not supported", out.DType)
	}
	n := out.Shape.Size()
	var buf [convertChunk]float64
	for lo := 0; lo < n; lo += convertChunk {
		hi := min(lo+convertChunk, n)
		for i := range buf[:hi-lo] {
			buf[i] = draw()
		}
		storeF64(out, lo, buf[:hi-lo])
	}
	return nil
}

// randomMultinomialKernel draws by inverting each row's cumulative sum
// (rows need not be normalized; negative weights are an error).
func randomMultinomialKernel(k *KernelArgs) error {
	at := k.Attrs.(SampleMultinomialAttrs)
	p := k.In[0]
	kk := p.Shape[len(p.Shape)-1]
	rows := p.Shape.Size() / kk
	per := at.Shape.Size()
	probs := make([]float64, p.Shape.Size())
	loadF64(probs, p, 0)
	idx := make([]float64, rows*per)
	var logp []float64
	if at.GetProb {
		logp = make([]float64, rows*per)
	}
	cdf := make([]float64, kk)
	for r := 0; r < rows; r++ {
		row := probs[r*kk : (r+1)*kk]
		sum := 0.0
		for j, v := range row {
			if v < 0 || math.IsNaN(v) {
				return fmt.Errorf("row %d has probability %g", r, v)
			}
			sum += v
			cdf[j] = sum
		}
		if sum == 0 {
			return fmt.Errorf("row %d sums to 0", r)
		}
		for s := 0; s < per; s++ {
			u := k.RNG.Float64() * sum
			j, _ := slices.BinarySearch(cdf, u)
			for j < kk-1 && (cdf[j] <= u || row[j] == 0) { // skip zero-probability ties
				j++
			}
			idx[r*per+s] = float64(j)
			if logp != nil {
				logp[r*per+s] = math.Log(row[j] / sum)
			}
		}
	}
	storeF64(k.Out[0], 0, idx)
	if logp != nil {
		storeF64(k.Out[1], 0, logp)
	}
	return nil
}

// randomMultinomialGrad differentiates the log-probability output (for
// REINFORCE-style estimators); the indices carry no gradient. With
// logp = log(p_j / Σp): d logp/d p_k = [k = j]/p_j - 1/Σp.
func randomMultinomialGrad(g *GradArgs) []*NDArray {
	at := g.Attrs.(SampleMultinomialAttrs)
	if !at.GetProb {
		return []*NDArray{nil}
	}
	p := g.Inputs[0]
	k := p.shape[len(p.shape)-1]
	batch := p.shape[:len(p.shape)-1]
	s := at.Shape.Size()
	with := func(tail ...int) Shape { return slices.Concat(batch, Shape(tail)) }
	gl := shapeAs(g.OutGrads[1], with(s, 1))
	chosen := OneHot(shapeAs(g.Outputs[0], with(s)), k, 1, 0, p.dtype) // (..., s, k)
	pe := shapeAs(p, with(1, k))
	safe := pe.Add(pe.EqualScalar(0)) // 1 where p is 0: those entries are never chosen
	inv := shapeAs(SumTo(p, with(1)), with(1, 1)).RdivScalar(1)
	d := gl.Mul(chosen.Div(safe).Sub(inv))
	return []*NDArray{shapeAs(SumTo(d, with(1, k)), p.shape)}
}

// Seed reseeds every device's random stream (MXNet's mx.random.seed): the
// random ops pushed afterwards draw the same numbers in every run.
func Seed(n uint64) { engine.Seed(n) }

// RandomUniform draws shape values uniformly from [low, high) (float32 by
// default; OfType and On choose the dtype and device).
func RandomUniform(low, high float64, shape Shape, opts ...Option) *NDArray {
	o := applyOpts(Float32, opts)
	shape = shape.Clone()
	return create(opRandomUniform, RandomUniformAttrs{Low: low, High: high, Shape: shape, DType: o.dtype}, shape, o)
}

// RandomNormal draws shape values from the normal distribution N(loc,
// scale²). It panics if scale < 0.
func RandomNormal(loc, scale float64, shape Shape, opts ...Option) *NDArray {
	if scale < 0 {
		panicf("_random_normal", "scale %g < 0", scale)
	}
	o := applyOpts(Float32, opts)
	shape = shape.Clone()
	return create(opRandomNormal, RandomNormalAttrs{Loc: loc, Scale: scale, Shape: shape, DType: o.dtype}, shape, o)
}

// RandInt draws integers uniformly from [low, high) (int32 by default). It
// panics if high <= low.
func RandInt(low, high int64, shape Shape, opts ...Option) *NDArray {
	if high <= low {
		panicf("_random_randint", "high %d <= low %d", high, low)
	}
	o := applyOpts(Int32, opts)
	shape = shape.Clone()
	return create(opRandInt, RandIntAttrs{Low: low, High: high, Shape: shape, DType: o.dtype}, shape, o)
}

// Shuffle returns a copy of a with its rows (axis 0) in random order.
func Shuffle(a *NDArray) *NDArray { return Invoke1(opShuffle, nil, a) }

// Multinomial draws n category indices (int32) per row of probs (shape
// (..., k); rows are normalized by their sum): the result has shape
// probs.shape[:-1] + (n,).
func Multinomial(probs *NDArray, n int) *NDArray {
	return Invoke1(opSampleMultinomial, SampleMultinomialAttrs{Shape: Shape{n}, DType: Int32}, probs)
}

// SampleMultinomial is MXNet's sample_multinomial: shape draws per row of
// probs as dtype indices, and with getProb also the log-probability of each
// draw (in probs's dtype) as a second output.
func SampleMultinomial(probs *NDArray, shape Shape, getProb bool, dtype DType) []*NDArray {
	return Invoke(opSampleMultinomial, SampleMultinomialAttrs{Shape: shape.Clone(), GetProb: getProb, DType: dtype}, probs)
}
