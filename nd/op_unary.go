package nd

import "math"

// Unary elementwise math. Each op's gradient is written with other ops.

func regUnary(name string, aliases []string, f unaryFuncs, grad func(g *GradArgs) []*NDArray) *OpDef {
	return RegisterOp(&OpDef{
		Name:       name,
		Aliases:    aliases,
		NumInputs:  1,
		InferShape: sameShape,
		Kernels:    cpu(f.kernel()),
		Grad:       grad,
	})
}

func f32of(f func(float64) float64) func(float32) float32 {
	return func(x float32) float32 { return float32(f(float64(x))) }
}

var opNegative, opExp, opLog, opFloor *OpDef

func init() {
	opNegative = regUnary("negative", []string{"_np_negative"}, unaryFuncs{
		f32: func(x float32) float32 { return -x }, f64: func(x float64) float64 { return -x },
		i64: func(x int64) int64 { return -x },
	}, // d(-x) = -g
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Neg()} })

	opExp = regUnary("exp", nil, unaryFuncs{f32: f32of(math.Exp), f64: math.Exp},
		// d exp x = g*exp x = g*y
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Mul(g.Outputs[0])} })

	opLog = regUnary("log", nil, unaryFuncs{f32: f32of(math.Log), f64: math.Log},
		// d log x = g/x
		func(g *GradArgs) []*NDArray { return []*NDArray{g.OutGrads[0].Div(g.Inputs[0])} })

	opFloor = regUnary("floor", nil, unaryFuncs{f32: f32of(math.Floor), f64: math.Floor, i64: func(x int64) int64 { return x }},
		// piecewise constant: zero gradient
		func(g *GradArgs) []*NDArray { return []*NDArray{ZerosLike(g.Inputs[0])} })
}

// Neg returns -a.
func (a *NDArray) Neg() *NDArray { return Invoke1(opNegative, nil, a) }

// Exp returns e**a.
func (a *NDArray) Exp() *NDArray { return Invoke1(opExp, nil, a) }

// Log returns the natural logarithm of a.
func (a *NDArray) Log() *NDArray { return Invoke1(opLog, nil, a) }

// Floor rounds a down.
func (a *NDArray) Floor() *NDArray { return Invoke1(opFloor, nil, a) }
