package nd

import (
	"fmt"
	"math"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Unary elementwise math. Each op's gradient is written with other ops, so
// it can be differentiated again.

// unaryParallelMin is the size above which float32 elementwise loops are
// split over the kernel threads; below it the hand-off costs more than the
// loop.
const unaryParallelMin = 1 << 16

// unaryMath is an elementwise op: a per-element function per dtype family
// and optional whole-slice float32 loops for the hot ops.
type unaryMath struct {
	f32   func(x float32) float32
	f64   func(x float64) float64
	i64   func(x int64) int64  // nil: the op is float-only
	vec32 func(o, a []float32) // optional float32 loop (no per-element call)
	vec64 func(o, a []float64) // optional float64 loop
	// grain overrides unaryParallelMin for ops whose vectorized loop is
	// so fast that a split pays only above a larger size (grainVec: the
	// size vecGrain gives).
	grain int
	attrs func(attrs any) unaryMath // optional: builds the functions from attrs (clip)
}

func (f unaryMath) kernel() Kernel {
	return func(k *KernelArgs) error {
		m := f
		if f.attrs != nil {
			m = f.attrs(k.Attrs)
		}
		a, o := k.In[0], k.Out[0]
		switch {
		case o.DType == Float32 && m.vec32 != nil:
			unaryParallel(o.F32(), a.F32(), m.vec32, m.grain)
			return nil
		case o.DType == Float32:
			unaryMapParallel(o.F32(), a.F32(), m.f32, m.grain)
			return nil
		case o.DType == Float64 && m.vec64 != nil:
			unaryParallel(o.F64(), a.F64(), m.vec64, m.grain)
			return nil
		}
		return unaryFuncs{f32: m.f32, f64: m.f64, i64: m.i64}.kernel()(k)
	}
}

// unaryParallel runs vec over o = f(a), in parallel chunks for large arrays.
func unaryParallel[T nnFloat](o, a []T, vec func(o, a []T), grain int) {
	n := len(o)
	switch grain {
	case 0:
		grain = unaryParallelMin
	case grainVec:
		grain = vecGrain()
	}
	if n < grain {
		vec(o, a[:n])
		return
	}
	j := getKernelTask[T](&unaryJobs, newUnaryJob[T])
	j.o, j.a, j.vec = o, a[:n], vec
	kernels.ParallelFor(n, grain/2, j.body)
	j.put()
}

// unaryMapParallel is unaryParallel with a function per element: fn is
// held by the pooled job, where a loop closed over it would be allocated
// on every call.
func unaryMapParallel[T nnFloat](o, a []T, fn func(T) T, grain int) {
	n := len(o)
	if grain == 0 {
		grain = unaryParallelMin
	}
	if n < grain {
		mapLoop(o, a[:n], fn)
		return
	}
	j := getKernelTask[T](&unaryJobs, newUnaryJob[T])
	j.o, j.a, j.fn = o, a[:n], fn
	kernels.ParallelFor(n, grain/2, j.body)
	j.put()
}

// mapLoop sets o[i] = fn(a[i]).
func mapLoop[T any](o, a []T, fn func(T) T) {
	a = a[:len(o)]
	for i, v := range a {
		o[i] = fn(v)
	}
}

// unaryJob is a pooled split elementwise loop: o = vec(a), o[i] =
// fn(a[i]), or, with reluGrad, o = a*(b > 0).
type unaryJob[T nnFloat] struct {
	o, a, b  []T
	vec      func(o, a []T)
	fn       func(T) T
	reluGrad bool
	body     func(lo, hi int)
}

var unaryJobs kernelTasks

func newUnaryJob[T nnFloat]() *unaryJob[T] {
	j := new(unaryJob[T])
	j.body = j.run
	return j
}

func (j *unaryJob[T]) run(lo, hi int) {
	switch {
	case j.reluGrad:
		reluGradLoop(j.o[lo:hi], j.a[lo:hi], j.b[lo:hi])
	case j.fn != nil:
		mapLoop(j.o[lo:hi], j.a[lo:hi], j.fn)
	default:
		j.vec(j.o[lo:hi], j.a[lo:hi])
	}
}

// put returns j to its pool holding no array.
func (j *unaryJob[T]) put() {
	j.o, j.a, j.b, j.vec, j.fn, j.reluGrad = nil, nil, nil, nil, nil, false
	putKernelTask[T](&unaryJobs, j)
}

func regUnary(name string, aliases []string, f unaryMath, grad func(g *GradArgs) []*NDArray) *OpDef {
	return RegisterOp(&OpDef{
		Name:       name,
		Aliases:    aliases,
		NumInputs:  1,
		InferShape: sameShape,
		Kernels:    cpu(f.kernel()),
		Grad:       grad,
	})
}

// unaryVec32 is the float32 loop of a kernels.Unary32 op.
func unaryVec32(op kernels.UnaryOp) func(o, a []float32) {
	return func(o, a []float32) { kernels.Unary32(op, o, a) }
}

func unaryReluLoop[T nnFloat](o, a []T) {
	a = a[:len(o)]
	for i, v := range a {
		o[i] = max(v, 0)
	}
}

// unaryVecGrain is the split size of the assembly-backed float32 loops
// (kernels.Relu32, kernels.ReluGrad32, and the optimizers' SGDUpdate32,
// SGDMomUpdate32, AdamUpdate32 and AdamWUpdate32): they stream about a
// float per cycle, so waking a helper pays only for arrays of megabytes.
// While the helpers are awake (kernels.HelpersAwake: a parallel kernel
// just ran, as in every training step past batch 1), splitting pays from
// unaryVecHotGrain: the region costs about a microsecond, each core then
// streams half the memory, and an array the parallel kernel wrote is read
// where it lies, half in each core's cache (MLP steps at batch 64 and 256
// 6% faster, LeNet at batch 64 6-12%). At batch 1 the helpers sleep and
// the loops stay on the core that holds the data: splitting there moves
// the weights between the cores every step (an MLP step at batch 1 went
// from 74 to 128 µs with the SGD always split).
const (
	unaryVecGrain    = 1 << 20
	unaryVecHotGrain = 1 << 15
)

// grainVec, as a unaryMath grain, selects vecGrain.
const grainVec = -1

// vecGrain is the split size of the vectorized streaming loops now.
func vecGrain() int {
	if kernels.HelpersAwake() {
		return unaryVecHotGrain
	}
	return unaryVecGrain
}

// unaryReluGrad computes o = g*(x > 0) with the product, as the two-op
// form did, so infinite or NaN gradients behave the same.
func unaryReluGrad[T nnFloat](o, g, x []T) {
	g, x = g[:len(o)], x[:len(o)]
	// The vector loop splits from vecGrain in halves, the scalar one in
	// parts of at least scalarGrain.
	minPart := scalarGrain
	if isFloat32[T]() {
		minPart = len(o)
		if grain := vecGrain(); len(o) >= grain {
			minPart = grain / 2
		}
	}
	if len(o) <= minPart {
		reluGradLoop(o, g, x)
		return
	}
	j := getKernelTask[T](&unaryJobs, newUnaryJob[T])
	j.o, j.a, j.b, j.reluGrad = o, g, x, true
	kernels.ParallelFor(len(o), minPart, j.body)
	j.put()
}

// reluGradLoop is o = g*(x > 0), the product as the two-op form computes
// it (for float32, kernels.ReluGrad32).
func reluGradLoop[T nnFloat](o, g, x []T) {
	if o32, ok := any(o).([]float32); ok {
		kernels.ReluGrad32(o32, any(g).([]float32), any(x).([]float32))
		return
	}
	for i := range o {
		o[i] = g[i] * T(scalarB2I(x[i] > 0))
	}
}

// f32of computes a float32 function through float64: exact for rounding
// functions and accurate for transcendental ones.
func f32of(f func(float64) float64) func(float32) float32 {
	return func(x float32) float32 { return float32(f(float64(x))) }
}

// unaryZeroGrad is the gradient of a piecewise constant function.
func unaryZeroGrad(g *GradArgs) []*NDArray { return []*NDArray{ZerosLike(g.Inputs[0])} }

var (
	opNegative, opExp, opLog, opFloor, opLog1p, opExpm1, opSqrt, opRsqrt, opSquare *OpDef
	opAbs, opSign, opReciprocal, opSin, opCos, opTan, opTanh, opSigmoid, opRelu    *OpDef
	opSoftrelu, opErf, opGelu, opCeil, opRound, opClip, opReluGrad                 *OpDef
)

func init() {
	opNegative = regUnary("negative", []string{"_np_negative"}, unaryMath{
		f32: func(x float32) float32 { return -x }, f64: func(x float64) float64 { return -x },
		i64:   func(x int64) int64 { return -x },
		vec32: unaryVec32(kernels.UnaryNeg), grain: grainVec,
	}, // d(-x) = -g
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Neg()} })

	opExp = regUnary("exp", nil, unaryMath{f32: unaryExp32, f64: math.Exp,
		vec32: kernels.Exp32},
		// d exp x = g*exp x = g*y
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Mul(g.Outputs[0])} })

	opLog = regUnary("log", nil, unaryMath{f32: kernels.Logf, f64: math.Log, vec32: kernels.Log32},
		// d log x = g/x
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Div(g.Inputs[0])} })

	opLog1p = regUnary("log1p", nil, unaryMath{f32: f32of(math.Log1p), f64: math.Log1p},
		// d log(1+x) = g/(1+x)
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Div(g.Inputs[0].AddScalar(1))} })

	opExpm1 = regUnary("expm1", nil, unaryMath{f32: f32of(math.Expm1), f64: math.Expm1},
		// d (e^x - 1) = g*e^x = g*(y+1)
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Mul(g.Outputs[0].AddScalar(1))} })

	opSqrt = regUnary("sqrt", nil, unaryMath{
		// float32(sqrt(float64(x))) is correctly rounded and compiles to SQRTSS.
		f32: func(x float32) float32 { return float32(math.Sqrt(float64(x))) }, f64: math.Sqrt,
		vec32: unaryVec32(kernels.UnarySqrt), grain: grainVec},
		// d sqrt x = g*0.5/sqrt x = 0.5*g/y
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Div(g.Outputs[0]).MulScalar(0.5)} })

	opRsqrt = regUnary("rsqrt", nil, unaryMath{
		f32:   func(x float32) float32 { return 1 / float32(math.Sqrt(float64(x))) },
		f64:   func(x float64) float64 { return 1 / math.Sqrt(x) },
		vec32: unaryVec32(kernels.UnaryRsqrt), grain: grainVec},
		// d x^-1/2 = -0.5*g*x^-3/2 = -0.5*g*y³
		func(g *GradArgs) []*NDArray {
			y := g.Outputs[0]
			return []*NDArray{g.OutGrads[0].Mul(y.Mul(y).Mul(y)).MulScalar(-0.5)}
		})

	opSquare = regUnary("square", nil, unaryMath{
		f32: func(x float32) float32 { return x * x }, f64: func(x float64) float64 { return x * x },
		i64:   func(x int64) int64 { return x * x },
		vec32: func(o, a []float32) { kernels.BinaryVec32(kernels.BinaryMul, o, a, a) }, grain: grainVec},
		// d x² = 2*g*x
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Mul(g.Inputs[0]).MulScalar(2)} })

	opAbs = regUnary("abs", nil, unaryMath{
		f32: func(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) },
		f64: math.Abs,
		i64: func(x int64) int64 {
			if x < 0 {
				return -x
			}
			return x
		},
		vec32: unaryVec32(kernels.UnaryAbs), grain: grainVec},
		// d |x| = g*sign(x)
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Mul(g.Inputs[0].Sign())} })

	opSign = regUnary("sign", nil, unaryMath{f32: unarySign[float32], f64: unarySign[float64], i64: unarySign[int64]},
		unaryZeroGrad)

	opReciprocal = regUnary("reciprocal", nil, unaryMath{
		f32: func(x float32) float32 { return 1 / x }, f64: func(x float64) float64 { return 1 / x },
		vec32: func(o, a []float32) { kernels.BinaryScalarLeft32(kernels.BinaryDiv, o, 1, a) }, grain: grainVec},
		// d 1/x = -g/x² = -g*y²
		func(g *GradArgs) []*NDArray {
			y := g.Outputs[0]
			return []*NDArray{g.OutGrads[0].Mul(y.Mul(y)).Neg()}
		})

	opSin = regUnary("sin", nil, unaryMath{f32: f32of(math.Sin), f64: math.Sin},
		// d sin x = g*cos x
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Mul(g.Inputs[0].Cos())} })

	opCos = regUnary("cos", nil, unaryMath{f32: f32of(math.Cos), f64: math.Cos},
		// d cos x = -g*sin x
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Mul(g.Inputs[0].Sin()).Neg()} })

	opTan = regUnary("tan", nil, unaryMath{f32: f32of(math.Tan), f64: math.Tan},
		// d tan x = g*(1 + tan² x) = g*(1 + y²)
		func(g *GradArgs) []*NDArray {
			y := g.Outputs[0]
			return []*NDArray{g.OutGrads[0].Mul(y.Mul(y).AddScalar(1))}
		})

	opTanh = regUnary("tanh", nil, unaryMath{f32: unaryTanh32, f64: math.Tanh,
		vec32: kernels.Tanh32},
		// d tanh x = g*(1 - y²)
		func(g *GradArgs) []*NDArray {
			y := g.Outputs[0]
			return []*NDArray{g.OutGrads[0].Mul(y.Mul(y).RsubScalar(1))}
		})

	opSigmoid = regUnary("sigmoid", nil, unaryMath{f32: unarySigmoid32, f64: unarySigmoid64,
		vec32: kernels.Sigmoid32},
		// d σ(x) = g*y*(1 - y)
		func(g *GradArgs) []*NDArray {
			y := g.Outputs[0]
			return []*NDArray{g.OutGrads[0].Mul(y.Mul(y.RsubScalar(1)))}
		})

	opRelu = regUnary("relu", nil, unaryMath{
		f32: func(x float32) float32 { return max(x, 0) }, f64: func(x float64) float64 { return max(x, 0) },
		i64: func(x int64) int64 { return max(x, 0) },
		// The builtin max compiles without branches (a branch on the sign
		// of random data mispredicts half the time); NaN passes through.
		// float32 runs kernels.Relu32 (assembly where the CPU has it, the
		// same max semantics).
		vec32: kernels.Relu32, vec64: unaryReluLoop[float64], grain: grainVec},
		// d relu x = g*(x > 0), in one pass by _relu_grad. y = relu x has
		// the same mask (y > 0 exactly where x > 0, NaN included) and is
		// the array a network reads again in backward (the next layer's
		// weight gradient), so it is still in cache where x is not.
		func(g *GradArgs) []*NDArray { return []*NDArray{Invoke1(opReluGrad, nil, g.OutGrads[0], g.Outputs[0])} })

	// _relu_grad(g, x) = g*(x > 0) fuses the mask and the product of
	// relu's gradient: one pass and one array instead of two (see
	// BenchmarkReluGrad). It is linear in g with the same mask, and x only
	// selects, so its own gradient is _relu_grad again.
	opReluGrad = RegisterOp(&OpDef{
		Name:      "_relu_grad",
		NumInputs: 2,
		InferShape: func(_ any, in []Shape) ([]Shape, error) {
			if !in[0].Equal(in[1]) {
				return nil, fmt.Errorf("gradient %v and data %v must have one shape", in[0], in[1])
			}
			return []Shape{in[0]}, nil
		},
		InferType: nnFloatType(1),
		Kernels: cpu(func(k *KernelArgs) error {
			if k.Out[0].DType == Float32 {
				unaryReluGrad(k.Out[0].F32(), k.In[0].F32(), k.In[1].F32())
			} else {
				unaryReluGrad(k.Out[0].F64(), k.In[0].F64(), k.In[1].F64())
			}
			return nil
		}),
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{Invoke1(opReluGrad, nil, g.OutGrads[0], g.Inputs[1]), nil}
		},
	})

	opSoftrelu = regUnary("softrelu", nil, unaryMath{f32: f32of(unarySoftrelu64), f64: unarySoftrelu64},
		// d log(1+e^x) = g*σ(x)
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Mul(g.Inputs[0].Sigmoid())} })

	opErf = regUnary("erf", nil, unaryMath{f32: f32of(math.Erf), f64: math.Erf},
		// d erf x = g*2/√π*exp(-x²)
		func(g *GradArgs) []*NDArray {
			x := g.Inputs[0]
			return []*NDArray{g.OutGrads[0].Mul(x.Mul(x).Neg().Exp()).MulScalar(2 / math.Sqrt(math.Pi))}
		})

	opGelu = regUnary("gelu", nil, unaryMath{f32: kernels.Geluf, f64: unaryGelu64, vec32: kernels.Gelu32},
		// gelu x = x*Φ(x): d = g*(Φ(x) + x*φ(x)), the derivative by
		// _gelu_derivative in one pass
		func(g *GradArgs) []*NDArray {
			return []*NDArray{g.OutGrads[0].Mul(Invoke1(opGeluDerivative, nil, g.Inputs[0]))}
		})

	opFloor = regUnary("floor", nil, unaryMath{f32: f32of(math.Floor), f64: math.Floor, i64: func(x int64) int64 { return x }},
		unaryZeroGrad)
	opCeil = regUnary("ceil", nil, unaryMath{f32: f32of(math.Ceil), f64: math.Ceil, i64: func(x int64) int64 { return x }},
		unaryZeroGrad)
	// math.Round rounds half away from zero, as MXNet's round does.
	opRound = regUnary("round", nil, unaryMath{f32: f32of(math.Round), f64: math.Round, i64: func(x int64) int64 { return x }},
		unaryZeroGrad)

	opClip = RegisterOp(&OpDef{
		Name:       "clip",
		Attrs:      ClipAttrs{},
		NumInputs:  1,
		InferShape: sameShape,
		Kernels:    cpu(unaryMath{attrs: unaryClipFuncs}.kernel()),
		// The gradient passes where a_min <= x <= a_max.
		Grad: func(g *GradArgs) []*NDArray {
			a, x := g.Attrs.(ClipAttrs), g.Inputs[0]
			mask := x.GreaterEqualScalar(a.AMin).Mul(x.LesserEqualScalar(a.AMax))
			return []*NDArray{g.OutGrads[0].Mul(mask)}
		},
	})
}

// ClipAttrs are the attributes of clip.
type ClipAttrs struct {
	AMin float64 `mx:"a_min"`
	AMax float64 `mx:"a_max"`
}

func unaryClipFuncs(attrs any) unaryMath {
	a := attrs.(ClipAttrs)
	lo32, hi32 := float32(a.AMin), float32(a.AMax)
	lo64, hi64 := int64(math.Ceil(a.AMin)), int64(math.Floor(a.AMax))
	return unaryMath{
		f32:   func(x float32) float32 { return min(max(x, lo32), hi32) },
		f64:   func(x float64) float64 { return min(max(x, a.AMin), a.AMax) },
		i64:   func(x int64) int64 { return min(max(x, lo64), hi64) },
		vec32: func(o, a []float32) { kernels.Clip32(o, a, lo32, hi32) },
		grain: grainVec,
	}
}

func unarySign[T float32 | float64 | int64](x T) T {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x // 0 or NaN
}

// The sigmoids use e^x/(1+e^x) for negative x, where e^-x would overflow
// and lose results that are still representable.
func unarySigmoid64(x float64) float64 {
	if x < 0 {
		e := math.Exp(x)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(-x))
}

// The float32 sigmoid, exp and tanh are the kernels' scalar functions,
// which their vectorized forms match bit for bit.
func unarySigmoid32(x float32) float32 { return kernels.Sigmoidf(x) }

// unarySoftrelu64 is log(1+e^x) written as max(x,0) + log1p(e^-|x|) so that
// large |x| neither overflows nor loses the small term.
func unarySoftrelu64(x float64) float64 {
	return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

func unaryGelu64(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

func unaryExp32(x float32) float32 { return kernels.Expf(x) }

func unaryTanh32(x float32) float32 { return kernels.Tanhf(x) }

// Neg returns -a.
func (a *NDArray) Neg() *NDArray { return Invoke1(opNegative, nil, a) }

// Exp returns e**a.
func (a *NDArray) Exp() *NDArray { return Invoke1(opExp, nil, a) }

// Log returns the natural logarithm of a.
func (a *NDArray) Log() *NDArray { return Invoke1(opLog, nil, a) }

// Log1p returns log(1 + a), accurate for small a.
func (a *NDArray) Log1p() *NDArray { return Invoke1(opLog1p, nil, a) }

// Expm1 returns e**a - 1, accurate for small a.
func (a *NDArray) Expm1() *NDArray { return Invoke1(opExpm1, nil, a) }

// Sqrt returns the square root of a.
func (a *NDArray) Sqrt() *NDArray { return Invoke1(opSqrt, nil, a) }

// Rsqrt returns 1/sqrt(a).
func (a *NDArray) Rsqrt() *NDArray { return Invoke1(opRsqrt, nil, a) }

// Square returns a*a.
func (a *NDArray) Square() *NDArray { return Invoke1(opSquare, nil, a) }

// Abs returns |a|.
func (a *NDArray) Abs() *NDArray { return Invoke1(opAbs, nil, a) }

// Sign returns 1 where a > 0, -1 where a < 0 and 0 where a is 0.
func (a *NDArray) Sign() *NDArray { return Invoke1(opSign, nil, a) }

// Reciprocal returns 1/a.
func (a *NDArray) Reciprocal() *NDArray { return Invoke1(opReciprocal, nil, a) }

// Sin returns the sine of a (radians).
func (a *NDArray) Sin() *NDArray { return Invoke1(opSin, nil, a) }

// Cos returns the cosine of a (radians).
func (a *NDArray) Cos() *NDArray { return Invoke1(opCos, nil, a) }

// Tan returns the tangent of a (radians).
func (a *NDArray) Tan() *NDArray { return Invoke1(opTan, nil, a) }

// Tanh returns the hyperbolic tangent of a.
func (a *NDArray) Tanh() *NDArray { return Invoke1(opTanh, nil, a) }

// Sigmoid returns the logistic function 1/(1 + e**-a).
func (a *NDArray) Sigmoid() *NDArray { return Invoke1(opSigmoid, nil, a) }

// Relu returns max(a, 0).
func (a *NDArray) Relu() *NDArray { return Invoke1(opRelu, nil, a) }

// Softrelu returns log(1 + e**a) (softplus), computed without overflow.
func (a *NDArray) Softrelu() *NDArray { return Invoke1(opSoftrelu, nil, a) }

// Erf returns the error function of a.
func (a *NDArray) Erf() *NDArray { return Invoke1(opErf, nil, a) }

// Gelu returns a*Φ(a) with Φ the standard normal CDF (the erf form, MXNet's
// LeakyReLU act_type "gelu").
func (a *NDArray) Gelu() *NDArray { return Invoke1(opGelu, nil, a) }

// Floor rounds a down.
func (a *NDArray) Floor() *NDArray { return Invoke1(opFloor, nil, a) }

// Ceil rounds a up.
func (a *NDArray) Ceil() *NDArray { return Invoke1(opCeil, nil, a) }

// Round rounds a to the nearest integer, halves away from zero (MXNet's round).
func (a *NDArray) Round() *NDArray { return Invoke1(opRound, nil, a) }

// Clip limits a to [lo, hi]: min(max(a, lo), hi). The gradient passes where
// lo <= a <= hi.
func (a *NDArray) Clip(lo, hi float64) *NDArray { return Invoke1(opClip, ClipAttrs{lo, hi}, a) }

// Clip limits a to [lo, hi] (MXNet's clip).
func Clip(a *NDArray, lo, hi float64) *NDArray { return a.Clip(lo, hi) }
