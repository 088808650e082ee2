package nd

import "math"

// ScalarAttrs are the attributes of the *_scalar ops.
type ScalarAttrs struct {
	Scalar float64 `mx:"scalar"`
}

func regScalar(name string, kind scalarKind, f func(x, s float64) float64, fi func(x, s int64) int64, grad func(g *GradArgs, s float64) []*NDArray) *OpDef {
	op := &OpDef{
		Name:       name,
		Attrs:      ScalarAttrs{},
		NumInputs:  1,
		InferShape: sameShape,
		Kernels: cpu(func(k *KernelArgs) error {
			s := k.Attrs.(ScalarAttrs).Scalar
			s32 := float32(s)
			switch k.Out[0].DType {
			case Float32:
				if scalarDirect(kind, k.Out[0].F32(), k.In[0].F32(), s32) {
					return nil
				}
			case Float64:
				if scalarDirect(kind, k.Out[0].F64(), k.In[0].F64(), s) {
					return nil
				}
			}
			uf := unaryFuncs{
				f32: func(x float32) float32 { return float32(f(float64(x), float64(s32))) },
				f64: func(x float64) float64 { return f(x, s) },
			}
			if fi != nil {
				si := int64(s)
				uf.i64 = func(x int64) int64 { return fi(x, si) }
			}
			return uf.kernel()(k)
		}),
	}
	if grad != nil {
		op.Grad = func(g *GradArgs) []*NDArray { return grad(g, g.Attrs.(ScalarAttrs).Scalar) }
	}
	return RegisterOp(op)
}

func b2f(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

func b2i(v bool) int64 {
	if v {
		return 1
	}
	return 0
}

var opPlusScalar, opMinusScalar, opRminusScalar, opMulScalar, opDivScalar, opRdivScalar, opPowerScalar, opRpowerScalar, opModScalar, opRmodScalar, opMaximumScalar, opMinimumScalar, opEqualScalar, opNotEqualScalar, opGreaterScalar, opGreaterEqualScalar, opLesserScalar, opLesserEqualScalar *OpDef

func init() {
	opPlusScalar = regScalar("_plus_scalar", scalarPlus, func(x, s float64) float64 { return x + s }, func(x, s int64) int64 { return x + s },
		func(g *GradArgs, _ float64) []*NDArray { return []*NDArray{g.OutGrads[0]} })
	opMinusScalar = regScalar("_minus_scalar", scalarMinus, func(x, s float64) float64 { return x - s }, func(x, s int64) int64 { return x - s },
		func(g *GradArgs, _ float64) []*NDArray { return []*NDArray{g.OutGrads[0]} })
	opRminusScalar = regScalar("_rminus_scalar", scalarRminus, func(x, s float64) float64 { return s - x }, func(x, s int64) int64 { return s - x },
		func(g *GradArgs, _ float64) []*NDArray { return []*NDArray{g.OutGrads[0].Neg()} })
	opMulScalar = regScalar("_mul_scalar", scalarMul, func(x, s float64) float64 { return x * s }, func(x, s int64) int64 { return x * s },
		func(g *GradArgs, s float64) []*NDArray { return []*NDArray{g.OutGrads[0].MulScalar(s)} })
	opDivScalar = regScalar("_div_scalar", scalarDiv, func(x, s float64) float64 { return x / s }, func(x, s int64) int64 {
		if s == 0 {
			return 0
		}
		return x / s
	}, func(g *GradArgs, s float64) []*NDArray { return []*NDArray{g.OutGrads[0].DivScalar(s)} })
	// d(s/x) = -g*s/x² = -g*y/x
	opRdivScalar = regScalar("_rdiv_scalar", scalarRdiv, func(x, s float64) float64 { return s / x }, func(x, s int64) int64 {
		if x == 0 {
			return 0
		}
		return s / x
	}, func(g *GradArgs, _ float64) []*NDArray {
		return []*NDArray{g.OutGrads[0].Mul(g.Outputs[0]).Div(g.Inputs[0]).Neg()}
	})
	// d(x^s) = g*s*x^(s-1)
	opPowerScalar = regScalar("_power_scalar", scalarGeneric, math.Pow, func(x, s int64) int64 { return int64(math.Pow(float64(x), float64(s))) },
		func(g *GradArgs, s float64) []*NDArray {
			return []*NDArray{g.OutGrads[0].Mul(g.Inputs[0].PowScalar(s - 1)).MulScalar(s)}
		})
	// d(s^x) = g*y*ln s
	opRpowerScalar = regScalar("_rpower_scalar", scalarGeneric, func(x, s float64) float64 { return math.Pow(s, x) }, nil,
		func(g *GradArgs, s float64) []*NDArray {
			return []*NDArray{g.OutGrads[0].Mul(g.Outputs[0]).MulScalar(math.Log(s))}
		})
	opModScalar = regScalar("_mod_scalar", scalarGeneric, pyMod, func(x, s int64) int64 {
		if s == 0 {
			return 0
		}
		m := x % s
		if m != 0 && (m < 0) != (s < 0) {
			m += s
		}
		return m
	}, func(g *GradArgs, _ float64) []*NDArray { return []*NDArray{g.OutGrads[0]} })
	// s mod x = s - x*floor(s/x): d/dx = -floor(s/x)
	opRmodScalar = regScalar("_rmod_scalar", scalarGeneric, func(x, s float64) float64 { return pyMod(s, x) }, nil,
		func(g *GradArgs, s float64) []*NDArray {
			return []*NDArray{g.OutGrads[0].Mul(g.Inputs[0].RdivScalar(s).Floor()).Neg()}
		})
	opMaximumScalar = regScalar("_maximum_scalar", scalarMaximum, math.Max, func(x, s int64) int64 { return max(x, s) },
		func(g *GradArgs, s float64) []*NDArray {
			return []*NDArray{g.OutGrads[0].Mul(g.Inputs[0].GreaterEqualScalar(s))}
		})
	opMinimumScalar = regScalar("_minimum_scalar", scalarMinimum, math.Min, func(x, s int64) int64 { return min(x, s) },
		func(g *GradArgs, s float64) []*NDArray {
			return []*NDArray{g.OutGrads[0].Mul(g.Inputs[0].LesserEqualScalar(s))}
		})
	opEqualScalar = regScalar("_equal_scalar", scalarEqual, func(x, s float64) float64 { return b2f(x == s) }, func(x, s int64) int64 { return b2i(x == s) }, nil)
	opNotEqualScalar = regScalar("_not_equal_scalar", scalarNotEqual, func(x, s float64) float64 { return b2f(x != s) }, func(x, s int64) int64 { return b2i(x != s) }, nil)
	opGreaterScalar = regScalar("_greater_scalar", scalarGreater, func(x, s float64) float64 { return b2f(x > s) }, func(x, s int64) int64 { return b2i(x > s) }, nil)
	opGreaterEqualScalar = regScalar("_greater_equal_scalar", scalarGreaterEqual, func(x, s float64) float64 { return b2f(x >= s) }, func(x, s int64) int64 { return b2i(x >= s) }, nil)
	opLesserScalar = regScalar("_lesser_scalar", scalarLesser, func(x, s float64) float64 { return b2f(x < s) }, func(x, s int64) int64 { return b2i(x < s) }, nil)
	opLesserEqualScalar = regScalar("_lesser_equal_scalar", scalarLesserEqual, func(x, s float64) float64 { return b2f(x <= s) }, func(x, s int64) int64 { return b2i(x <= s) }, nil)
}

func scalarOp(op *OpDef, a *NDArray, s float64) *NDArray { return Invoke1(op, ScalarAttrs{s}, a) }

// AddScalar returns a + s.
func (a *NDArray) AddScalar(s float64) *NDArray { return scalarOp(opPlusScalar, a, s) }

// SubScalar returns a - s.
func (a *NDArray) SubScalar(s float64) *NDArray { return scalarOp(opMinusScalar, a, s) }

// RsubScalar returns s - a.
func (a *NDArray) RsubScalar(s float64) *NDArray { return scalarOp(opRminusScalar, a, s) }

// MulScalar returns a * s.
func (a *NDArray) MulScalar(s float64) *NDArray { return scalarOp(opMulScalar, a, s) }

// DivScalar returns a / s.
func (a *NDArray) DivScalar(s float64) *NDArray { return scalarOp(opDivScalar, a, s) }

// RdivScalar returns s / a.
func (a *NDArray) RdivScalar(s float64) *NDArray { return scalarOp(opRdivScalar, a, s) }

// PowScalar returns a ** s.
func (a *NDArray) PowScalar(s float64) *NDArray { return scalarOp(opPowerScalar, a, s) }

// RpowScalar returns s ** a.
func (a *NDArray) RpowScalar(s float64) *NDArray { return scalarOp(opRpowerScalar, a, s) }

// ModScalar returns a mod s.
func (a *NDArray) ModScalar(s float64) *NDArray { return scalarOp(opModScalar, a, s) }

// RmodScalar returns s mod a.
func (a *NDArray) RmodScalar(s float64) *NDArray { return scalarOp(opRmodScalar, a, s) }

// MaximumScalar returns max(a, s) elementwise.
func (a *NDArray) MaximumScalar(s float64) *NDArray { return scalarOp(opMaximumScalar, a, s) }

// MinimumScalar returns min(a, s) elementwise.
func (a *NDArray) MinimumScalar(s float64) *NDArray { return scalarOp(opMinimumScalar, a, s) }

// EqualScalar returns 1 where a == s.
func (a *NDArray) EqualScalar(s float64) *NDArray { return scalarOp(opEqualScalar, a, s) }

// NotEqualScalar returns 1 where a != s.
func (a *NDArray) NotEqualScalar(s float64) *NDArray { return scalarOp(opNotEqualScalar, a, s) }

// GreaterScalar returns 1 where a > s.
func (a *NDArray) GreaterScalar(s float64) *NDArray { return scalarOp(opGreaterScalar, a, s) }

// GreaterEqualScalar returns 1 where a >= s.
func (a *NDArray) GreaterEqualScalar(s float64) *NDArray { return scalarOp(opGreaterEqualScalar, a, s) }

// LesserScalar returns 1 where a < s.
func (a *NDArray) LesserScalar(s float64) *NDArray { return scalarOp(opLesserScalar, a, s) }

// LesserEqualScalar returns 1 where a <= s.
func (a *NDArray) LesserEqualScalar(s float64) *NDArray { return scalarOp(opLesserEqualScalar, a, s) }
