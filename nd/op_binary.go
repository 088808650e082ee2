package nd

import "math"

// Binary elementwise ops with NumPy broadcasting. Names are MXNet's
// broadcast_* ops; the elemwise_* names are aliases.

func regBinary(name string, aliases []string, f binaryFuncs, grad func(g *GradArgs) []*NDArray) *OpDef {
	return RegisterOp(&OpDef{
		Name:       name,
		Aliases:    aliases,
		NumInputs:  2,
		InferShape: binaryShape,
		InferType:  binaryType,
		Kernels:    cpu(f.kernel()),
		Grad:       grad,
	})
}

// reduceGrads sums each input gradient over the dimensions it was broadcast along.
func reduceGrads(g *GradArgs, ga, gb *NDArray) []*NDArray {
	if ga != nil {
		ga = SumTo(ga, g.Inputs[0].shape)
	}
	if gb != nil {
		gb = SumTo(gb, g.Inputs[1].shape)
	}
	return []*NDArray{ga, gb}
}

var opAdd, opSub, opMul, opDiv, opPow, opMod, opMaximum, opMinimum, opEqual, opNotEqual, opGreater, opGreaterEqual, opLesser, opLesserEqual, opLogicalAnd, opLogicalOr, opLogicalXor *OpDef

func init() {
	opAdd = regBinary("broadcast_add", []string{"elemwise_add", "_plus", "_add", "broadcast_plus", "_Plus"},
		binaryFuncs{
			f32: func(x, y float32) float32 { return x + y }, f64: func(x, y float64) float64 { return x + y },
			i64:  func(x, y int64) int64 { return x + y },
			kind: scalarPlus, kindLeft: scalarPlus,
		},
		// d(a+b) = (g, g)
		func(g *GradArgs) []*NDArray { return reduceGrads(g, g.OutGrads[0], g.OutGrads[0]) })

	opSub = regBinary("broadcast_sub", []string{"elemwise_sub", "_minus", "_sub", "broadcast_minus", "_Minus"},
		binaryFuncs{
			f32: func(x, y float32) float32 { return x - y }, f64: func(x, y float64) float64 { return x - y },
			i64:  func(x, y int64) int64 { return x - y },
			kind: scalarMinus, kindLeft: scalarRminus,
		},
		// d(a-b) = (g, -g)
		func(g *GradArgs) []*NDArray { return reduceGrads(g, g.OutGrads[0], g.OutGrads[0].Neg()) })

	opMul = regBinary("broadcast_mul", []string{"elemwise_mul", "_mul", "_Mul"},
		binaryFuncs{
			f32: func(x, y float32) float32 { return x * y }, f64: func(x, y float64) float64 { return x * y },
			i64:  func(x, y int64) int64 { return x * y },
			kind: scalarMul, kindLeft: scalarMul,
		},
		// d(a*b) = (g*b, g*a)
		func(g *GradArgs) []*NDArray {
			a, b, og := g.Inputs[0], g.Inputs[1], g.OutGrads[0]
			return reduceGrads(g, og.Mul(b), og.Mul(a))
		})

	opDiv = regBinary("broadcast_div", []string{"elemwise_div", "_div", "_Div"},
		binaryFuncs{
			f32: func(x, y float32) float32 { return x / y }, f64: func(x, y float64) float64 { return x / y },
			i64: func(x, y int64) int64 {
				if y == 0 {
					return 0
				}
				return x / y
			},
			kind: scalarDiv, kindLeft: scalarRdiv,
		},
		// d(a/b) = (g/b, -g*a/b²)
		func(g *GradArgs) []*NDArray {
			a, b, og := g.Inputs[0], g.Inputs[1], g.OutGrads[0]
			gb := og.Mul(a).Div(b.Mul(b)).Neg()
			return reduceGrads(g, og.Div(b), gb)
		})

	opPow = regBinary("broadcast_power", []string{"_power", "_Power", "elemwise_pow"},
		binaryFuncs{
			f32: func(x, y float32) float32 { return float32(math.Pow(float64(x), float64(y))) },
			f64: math.Pow,
			i64: func(x, y int64) int64 { return int64(math.Pow(float64(x), float64(y))) },
		},
		// d(a^b) = (g*b*a^(b-1), g*a^b*log a)
		func(g *GradArgs) []*NDArray {
			a, b, y, og := g.Inputs[0], g.Inputs[1], g.Outputs[0], g.OutGrads[0]
			ga := og.Mul(b).Mul(a.Pow(b.SubScalar(1)))
			gb := og.Mul(y).Mul(a.Log())
			return reduceGrads(g, ga, gb)
		})

	opMod = regBinary("broadcast_mod", []string{"_mod", "_Mod"},
		binaryFuncs{
			f32: func(x, y float32) float32 { return float32(pyMod(float64(x), float64(y))) },
			f64: pyMod,
			i64: func(x, y int64) int64 {
				if y == 0 {
					return 0
				}
				m := x % y
				if m != 0 && (m < 0) != (y < 0) {
					m += y
				}
				return m
			},
		},
		// a mod b = a - b*floor(a/b): d = (g, -g*floor(a/b))
		func(g *GradArgs) []*NDArray {
			a, b, og := g.Inputs[0], g.Inputs[1], g.OutGrads[0]
			return reduceGrads(g, og, og.Mul(a.Div(b).Floor()).Neg())
		})

	opMaximum = regBinary("broadcast_maximum", []string{"_maximum", "_Maximum"},
		binaryFuncs{
			f32: func(x, y float32) float32 { return max(x, y) }, f64: func(x, y float64) float64 { return max(x, y) },
			i64:  func(x, y int64) int64 { return max(x, y) },
			kind: scalarMaximum, kindLeft: scalarMaximum,
		},
		// The gradient goes to the larger input (to a on ties, like MXNet).
		func(g *GradArgs) []*NDArray {
			a, b, og := g.Inputs[0], g.Inputs[1], g.OutGrads[0]
			m := a.GreaterEqual(b)
			return reduceGrads(g, og.Mul(m), og.Mul(m.RsubScalar(1)))
		})

	opMinimum = regBinary("broadcast_minimum", []string{"_minimum", "_Minimum"},
		binaryFuncs{
			f32: func(x, y float32) float32 { return min(x, y) }, f64: func(x, y float64) float64 { return min(x, y) },
			i64:  func(x, y int64) int64 { return min(x, y) },
			kind: scalarMinimum, kindLeft: scalarMinimum,
		},
		func(g *GradArgs) []*NDArray {
			a, b, og := g.Inputs[0], g.Inputs[1], g.OutGrads[0]
			m := a.LesserEqual(b)
			return reduceGrads(g, og.Mul(m), og.Mul(m.RsubScalar(1)))
		})
}

// pyMod is the modulo with the sign of the divisor (NumPy and MXNet).
func pyMod(x, y float64) float64 {
	if y == 0 {
		return math.NaN()
	}
	m := math.Mod(x, y)
	if m != 0 && (m < 0) != (y < 0) {
		m += y
	}
	return m
}

// Comparisons and logical ops give 1 or 0 in the inputs' dtype (MXNet's
// broadcast_* semantics) and carry no gradient.
func cmpFuncs(f func(x, y float64) bool, kind, kindLeft scalarKind) binaryFuncs {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	return binaryFuncs{
		f32:  func(x, y float32) float32 { return float32(b(f(float64(x), float64(y)))) },
		f64:  func(x, y float64) float64 { return b(f(x, y)) },
		i64:  func(x, y int64) int64 { return int64(b(f(float64(x), float64(y)))) },
		kind: kind, kindLeft: kindLeft,
	}
}

func init() {
	opEqual = regBinary("broadcast_equal", []string{"_equal"}, cmpFuncs(func(x, y float64) bool { return x == y }, scalarEqual, scalarEqual), nil)
	opNotEqual = regBinary("broadcast_not_equal", []string{"_not_equal"}, cmpFuncs(func(x, y float64) bool { return x != y }, scalarNotEqual, scalarNotEqual), nil)
	opGreater = regBinary("broadcast_greater", []string{"_greater"}, cmpFuncs(func(x, y float64) bool { return x > y }, scalarGreater, scalarLesser), nil)
	opGreaterEqual = regBinary("broadcast_greater_equal", []string{"_greater_equal"}, cmpFuncs(func(x, y float64) bool { return x >= y }, scalarGreaterEqual, scalarLesserEqual), nil)
	opLesser = regBinary("broadcast_lesser", []string{"_lesser"}, cmpFuncs(func(x, y float64) bool { return x < y }, scalarLesser, scalarGreater), nil)
	opLesserEqual = regBinary("broadcast_lesser_equal", []string{"_lesser_equal"}, cmpFuncs(func(x, y float64) bool { return x <= y }, scalarLesserEqual, scalarGreaterEqual), nil)
	opLogicalAnd = regBinary("broadcast_logical_and", []string{"_logical_and"}, cmpFuncs(func(x, y float64) bool { return x != 0 && y != 0 }, scalarGeneric, scalarGeneric), nil)
	opLogicalOr = regBinary("broadcast_logical_or", []string{"_logical_or"}, cmpFuncs(func(x, y float64) bool { return x != 0 || y != 0 }, scalarGeneric, scalarGeneric), nil)
	opLogicalXor = regBinary("broadcast_logical_xor", []string{"_logical_xor"}, cmpFuncs(func(x, y float64) bool { return (x != 0) != (y != 0) }, scalarGeneric, scalarGeneric), nil)
}

// Add returns a + b with broadcasting.
func Add(a, b *NDArray) *NDArray { return Invoke1(opAdd, nil, a, b) }

// Sub returns a - b with broadcasting.
func Sub(a, b *NDArray) *NDArray { return Invoke1(opSub, nil, a, b) }

// Mul returns a * b (elementwise) with broadcasting.
func Mul(a, b *NDArray) *NDArray { return Invoke1(opMul, nil, a, b) }

// Div returns a / b with broadcasting. Integer division by zero gives 0.
func Div(a, b *NDArray) *NDArray { return Invoke1(opDiv, nil, a, b) }

// Pow returns a ** b with broadcasting.
func Pow(a, b *NDArray) *NDArray { return Invoke1(opPow, nil, a, b) }

// Mod returns a mod b with the sign of b (like NumPy).
func Mod(a, b *NDArray) *NDArray { return Invoke1(opMod, nil, a, b) }

// Maximum returns the elementwise larger of a and b.
func Maximum(a, b *NDArray) *NDArray { return Invoke1(opMaximum, nil, a, b) }

// Minimum returns the elementwise smaller of a and b.
func Minimum(a, b *NDArray) *NDArray { return Invoke1(opMinimum, nil, a, b) }

// Equal returns 1 where a == b, else 0.
func Equal(a, b *NDArray) *NDArray { return Invoke1(opEqual, nil, a, b) }

// NotEqual returns 1 where a != b, else 0.
func NotEqual(a, b *NDArray) *NDArray { return Invoke1(opNotEqual, nil, a, b) }

// Greater returns 1 where a > b, else 0.
func Greater(a, b *NDArray) *NDArray { return Invoke1(opGreater, nil, a, b) }

// GreaterEqual returns 1 where a >= b, else 0.
func GreaterEqual(a, b *NDArray) *NDArray { return Invoke1(opGreaterEqual, nil, a, b) }

// Lesser returns 1 where a < b, else 0.
func Lesser(a, b *NDArray) *NDArray { return Invoke1(opLesser, nil, a, b) }

// LesserEqual returns 1 where a <= b, else 0.
func LesserEqual(a, b *NDArray) *NDArray { return Invoke1(opLesserEqual, nil, a, b) }

// LogicalAnd returns 1 where both are nonzero.
func LogicalAnd(a, b *NDArray) *NDArray { return Invoke1(opLogicalAnd, nil, a, b) }

// LogicalOr returns 1 where either is nonzero.
func LogicalOr(a, b *NDArray) *NDArray { return Invoke1(opLogicalOr, nil, a, b) }

// LogicalXor returns 1 where exactly one is nonzero.
func LogicalXor(a, b *NDArray) *NDArray { return Invoke1(opLogicalXor, nil, a, b) }

func (a *NDArray) Add(b *NDArray) *NDArray          { return Add(a, b) }
func (a *NDArray) Sub(b *NDArray) *NDArray          { return Sub(a, b) }
func (a *NDArray) Mul(b *NDArray) *NDArray          { return Mul(a, b) }
func (a *NDArray) Div(b *NDArray) *NDArray          { return Div(a, b) }
func (a *NDArray) Pow(b *NDArray) *NDArray          { return Pow(a, b) }
func (a *NDArray) Mod(b *NDArray) *NDArray          { return Mod(a, b) }
func (a *NDArray) Maximum(b *NDArray) *NDArray      { return Maximum(a, b) }
func (a *NDArray) Minimum(b *NDArray) *NDArray      { return Minimum(a, b) }
func (a *NDArray) Equal(b *NDArray) *NDArray        { return Equal(a, b) }
func (a *NDArray) NotEqual(b *NDArray) *NDArray     { return NotEqual(a, b) }
func (a *NDArray) Greater(b *NDArray) *NDArray      { return Greater(a, b) }
func (a *NDArray) GreaterEqual(b *NDArray) *NDArray { return GreaterEqual(a, b) }
func (a *NDArray) Lesser(b *NDArray) *NDArray       { return Lesser(a, b) }
func (a *NDArray) LesserEqual(b *NDArray) *NDArray  { return LesserEqual(a, b) }
