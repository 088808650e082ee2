package nd_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

const mathGoldenPath = "testdata/golden_math.json"

// mathAttrs builds an op's typed attributes from a golden case's MXNet
// attribute map.
func mathAttrs(t testing.TB, op string, m map[string]any) any {
	t.Helper()
	ints := func(k string) []int {
		var out []int
		if v, ok := m[k].([]any); ok {
			for _, x := range v {
				out = append(out, int(x.(float64)))
			}
		}
		return out
	}
	intPtr := func(k string) *int {
		if v, ok := m[k].(float64); ok {
			i := int(v)
			return &i
		}
		return nil
	}
	boolOf := func(k string) bool { b, _ := m[k].(bool); return b }
	boolPtr := func(k string) *bool {
		if b, ok := m[k].(bool); ok {
			return &b
		}
		return nil
	}
	num := func(k string) float64 { f, _ := m[k].(float64); return f }
	switch op {
	case "clip":
		return nd.ClipAttrs{AMin: num("a_min"), AMax: num("a_max")}
	case "sum", "mean", "prod", "max", "min", "nansum":
		return nd.ReduceAttrs{Axis: ints("axis"), KeepDims: boolOf("keepdims"), Exclude: boolOf("exclude")}
	case "norm":
		return nd.NormAttrs{Ord: int(num("ord")), Axis: ints("axis"), KeepDims: boolOf("keepdims")}
	case "argmax", "argmin":
		return nd.ArgReduceAttrs{Axis: intPtr("axis"), KeepDims: boolOf("keepdims")}
	case "sort":
		return nd.SortAttrs{Axis: intPtr("axis"), IsAscend: boolPtr("is_ascend")}
	case "argsort":
		return nd.ArgsortAttrs{Axis: intPtr("axis"), IsAscend: boolPtr("is_ascend")}
	case "topk":
		rt, _ := m["ret_typ"].(string)
		return nd.TopKAttrs{Axis: intPtr("axis"), K: int(num("k")), RetTyp: rt, IsAscend: boolOf("is_ascend")}
	case "softmax", "log_softmax":
		return nd.SoftmaxAttrs{Axis: intPtr("axis"), Temperature: num("temperature")}
	}
	return nil
}

// mathHead is the fixed output weighting the golden gradients use.
func mathHead(out *nd.NDArray) *nd.NDArray {
	w := make([]float64, out.Size())
	for k := range w {
		w[k] = 0.5 + float64((k*7919)%13)/13
	}
	shape := append(nd.Shape{}, out.Shape()...) // never nil: nil asks ArrayOf for a 1-D shape
	return nd.ArrayOf(w, shape, nd.OfType(out.DType()))
}

func mathTol(t nd.DType) (rtol, atol float64) {
	if t == nd.Float64 {
		return 1e-9, 1e-12
	}
	return 2e-6, 1e-6
}

// mathRunGolden checks every golden case of the given ops: forward values
// and, where recorded, gradients.
func mathRunGolden(t *testing.T, ops ...string) {
	cases := ndtest.LoadGolden(t, mathGoldenPath)
	seen := 0
	for _, opName := range ops {
		op, ok := nd.LookupOp(opName)
		if !ok {
			t.Fatalf("op %s not registered", opName)
		}
		for name, c := range cases {
			if !strings.HasPrefix(name, opName+"/") {
				continue
			}
			seen++
			t.Run(name, func(t *testing.T) {
				attrs := mathAttrs(t, opName, c.Attrs)
				ins := make([]*nd.NDArray, len(c.Inputs))
				for i, g := range c.Inputs {
					ins[i] = g.NDArray()
					if c.Grads != nil {
						ins[i].AttachGrad()
					}
				}
				var outs []*nd.NDArray
				record := func() { outs = nd.Invoke(op, attrs, ins...) }
				if c.Grads != nil {
					autograd.Record(record)
				} else {
					record()
				}
				if len(outs) != len(c.Outputs) {
					t.Fatalf("%d outputs, want %d", len(outs), len(c.Outputs))
				}
				for i, want := range c.Outputs {
					if got := outs[i].DType().String(); got != want.DType {
						t.Fatalf("output %d dtype %s, want %s", i, got, want.DType)
					}
					rtol, atol := mathTol(outs[i].DType())
					ndtest.AssertClose(t, outs[i], nd.Shape(want.Shape).Clone(), want.Values, rtol, atol)
				}
				if c.Grads == nil {
					return
				}
				if err := autograd.Backward(outs[:1], []*nd.NDArray{mathHead(outs[0])}, false); err != nil {
					t.Fatal(err)
				}
				for i, want := range c.Grads {
					rtol, atol := mathTol(ins[i].DType())
					ndtest.AssertClose(t, ins[i].Grad(), nd.Shape(want.Shape).Clone(), want.Values, rtol*5, atol*5)
				}
			})
		}
	}
	if seen == 0 {
		t.Fatalf("no golden cases for %v", ops)
	}
}

var mathUnaryOps = []string{"exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "abs", "sign",
	"negative", "reciprocal", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "softrelu", "erf", "gelu",
	"floor", "ceil", "round", "clip"}

func TestUnaryGolden(t *testing.T) { mathRunGolden(t, mathUnaryOps...) }

func TestUnaryGoldenBothEngines(t *testing.T) {
	ndtest.BothEngines(t, func(t *testing.T) { mathRunGolden(t, "tanh", "sigmoid", "relu", "clip") })
}

type mathUnaryCase struct {
	name string
	f    func(x *nd.NDArray) *nd.NDArray
	x    []float64
}

var mathUnaryGradCases = []mathUnaryCase{
	{"exp", (*nd.NDArray).Exp, []float64{-1.2, 0.3, 2}},
	{"log", (*nd.NDArray).Log, []float64{0.4, 1.3, 5}},
	{"log1p", (*nd.NDArray).Log1p, []float64{-0.4, 0.3, 5}},
	{"expm1", (*nd.NDArray).Expm1, []float64{-1.2, 1e-3, 2}},
	{"sqrt", (*nd.NDArray).Sqrt, []float64{0.4, 1.3, 5}},
	{"rsqrt", (*nd.NDArray).Rsqrt, []float64{0.4, 1.3, 5}},
	{"square", (*nd.NDArray).Square, []float64{-1.2, 0.3, 2}},
	{"abs", (*nd.NDArray).Abs, []float64{-1.2, 0.3, 2}},
	{"sign", (*nd.NDArray).Sign, []float64{-1.2, 0.3, 2}},
	{"negative", (*nd.NDArray).Neg, []float64{-1.2, 0.3, 2}},
	{"reciprocal", (*nd.NDArray).Reciprocal, []float64{-1.2, 0.3, 2}},
	{"sin", (*nd.NDArray).Sin, []float64{-1.2, 0.3, 2}},
	{"cos", (*nd.NDArray).Cos, []float64{-1.2, 0.3, 2}},
	{"tan", (*nd.NDArray).Tan, []float64{-1.2, 0.3, 1}},
	{"tanh", (*nd.NDArray).Tanh, []float64{-1.2, 0.3, 2}},
	{"sigmoid", (*nd.NDArray).Sigmoid, []float64{-1.2, 0.3, 2}},
	{"relu", (*nd.NDArray).Relu, []float64{-1.2, 0.3, 2}},
	{"softrelu", (*nd.NDArray).Softrelu, []float64{-30, -1.2, 0.3, 2, 40}},
	{"erf", (*nd.NDArray).Erf, []float64{-1.2, 0.3, 2}},
	{"gelu", (*nd.NDArray).Gelu, []float64{-2.5, -0.4, 0.3, 2}},
	{"floor", (*nd.NDArray).Floor, []float64{-1.2, 0.3, 2.6}},
	{"ceil", (*nd.NDArray).Ceil, []float64{-1.2, 0.3, 2.6}},
	{"round", (*nd.NDArray).Round, []float64{-1.2, 0.3, 2.6}},
	{"clip", func(x *nd.NDArray) *nd.NDArray { return x.Clip(-1, 1.5) }, []float64{-1.2, 0.3, 2, 1.2}},
}

func TestUnaryCheckGrad(t *testing.T) {
	for _, c := range mathUnaryGradCases {
		t.Run(c.name, func(t *testing.T) {
			x := nd.ArrayOf(c.x, nd.Shape{len(c.x)})
			ndtest.CheckGrad(t, func(in []*nd.NDArray) *nd.NDArray { return c.f(in[0]) }, []*nd.NDArray{x}, nil, 1e-5, 1e-7)
		})
	}
}

// Second derivatives via Grad(createGraph) against the analytic ones.
func TestUnarySecondOrder(t *testing.T) {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	cases := []struct {
		name string
		f    func(x *nd.NDArray) *nd.NDArray
		d2   func(x float64) float64
	}{
		{"tanh", (*nd.NDArray).Tanh, func(x float64) float64 { y := math.Tanh(x); return -2 * y * (1 - y*y) }},
		{"sigmoid", (*nd.NDArray).Sigmoid, func(x float64) float64 { s := sig(x); return s * (1 - s) * (1 - 2*s) }},
		{"exp", (*nd.NDArray).Exp, math.Exp},
		{"log", (*nd.NDArray).Log, func(x float64) float64 { return -1 / (x * x) }},
		// relu'' is 0; relu(x)² checks that relu's gradient is differentiable
		// in its incoming gradient: (relu²)'' = 2 where x > 0.
		{"relu_squared", func(x *nd.NDArray) *nd.NDArray { return x.Relu().Square() }, func(x float64) float64 {
			if x > 0 {
				return 2
			}
			return 0
		}},
		{"sqrt", (*nd.NDArray).Sqrt, func(x float64) float64 { return -0.25 * math.Pow(x, -1.5) }},
		{"erf", (*nd.NDArray).Erf, func(x float64) float64 { return -4 * x / math.Sqrt(math.Pi) * math.Exp(-x*x) }},
		{"softrelu", (*nd.NDArray).Softrelu, func(x float64) float64 { s := sig(x); return s * (1 - s) }},
		{"sin", (*nd.NDArray).Sin, func(x float64) float64 { return -math.Sin(x) }},
	}
	xs := []float64{0.5, 1.5, 2, -0.7}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vals := xs
			if c.name == "log" || c.name == "sqrt" {
				vals = []float64{0.5, 1.5, 2, 0.7}
			}
			x := nd.ArrayOf(vals, nd.Shape{len(vals)}, nd.OfType(nd.Float64)).AttachGrad()
			var dx *nd.NDArray
			autograd.Record(func() {
				g, err := autograd.Grad([]*nd.NDArray{c.f(x)}, []*nd.NDArray{x}, nil, true, false)
				if err != nil {
					t.Fatal(err)
				}
				dx = g[0]
			})
			if err := autograd.BackwardOne(dx); err != nil {
				t.Fatal(err)
			}
			want := make([]float64, len(vals))
			for i, v := range vals {
				want[i] = c.d2(v)
			}
			ndtest.AssertClose(t, x.Grad(), nd.Shape{len(vals)}, want, 1e-9, 1e-12)
		})
	}
}

// The float32 kernels of exp, log, tanh and sigmoid compute in float32; they stay
// within 2 ulp of the correctly rounded value over their whole range.
func TestUnaryFloat32Accuracy(t *testing.T) {
	var xs []float32
	for x := float32(-104); x < 89; x += 0.00173 {
		xs = append(xs, x)
	}
	xs = append(xs, 0, -0, 1e-30, -1e-30, 88.72, -87.3, -103.9, 1e-7)
	x := nd.Array(xs)
	for _, c := range []struct {
		name string
		f    func(*nd.NDArray) *nd.NDArray
		ref  func(float64) float64
		ulps int64
	}{
		{"exp", (*nd.NDArray).Exp, math.Exp, 2},
		{"log", (*nd.NDArray).Log, math.Log, 2},
		{"tanh", (*nd.NDArray).Tanh, math.Tanh, 2},
		{"sigmoid", (*nd.NDArray).Sigmoid, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }, 4},
	} {
		got := c.f(x).Float32s()
		for i, v := range xs {
			want := float32(c.ref(float64(v)))
			// Results below the normal range are allowed an absolute slack.
			if d := testutil.Ulps(got[i], want); d > c.ulps && math.Abs(float64(got[i]-want)) > 1e-44 {
				t.Fatalf("%s(%g) = %g, want %g (%d ulp)", c.name, v, got[i], want, d)
			}
		}
	}
}

func TestUnarySpecialValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := nd.Array([]float32{float32(nan), float32(inf), float32(-inf), 0})
	check := func(name string, got *nd.NDArray, want []float64) {
		t.Helper()
		t.Run(name, func(t *testing.T) { ndtest.AssertClose(t, got, nd.Shape{4}, want, 1e-7, 0) })
	}
	check("exp", x.Exp(), []float64{nan, inf, 0, 1})
	check("tanh", x.Tanh(), []float64{nan, 1, -1, 0})
	check("sigmoid", x.Sigmoid(), []float64{nan, 1, 0, 0.5})
	check("relu", x.Relu(), []float64{nan, inf, 0, 0})
	check("softrelu", x.Softrelu(), []float64{nan, inf, 0, math.Log(2)})
	check("sign", x.Sign(), []float64{nan, 1, -1, 0})
	check("abs", x.Abs(), []float64{nan, inf, inf, 0})
	check("round", nd.Array([]float32{-2.5, -0.5, 0.5, 2.5}).Round(), []float64{-3, -1, 1, 3})
	big := nd.Array([]float32{-100, -20, 20, 100})
	// e^-100 is a float32 subnormal: compare it absolutely.
	ndtest.AssertClose(t, big.Sigmoid(), nd.Shape{4}, []float64{3.7200760e-44, 2.0611537e-09, 1, 1}, 1e-6, 2e-45)
	ndtest.AssertClose(t, big.Softrelu(), nd.Shape{4}, []float64{3.7200760e-44, 2.0611537e-09, 20, 100}, 1e-6, 2e-45)
}

func TestUnaryIntegerDTypes(t *testing.T) {
	for _, dt := range []nd.DType{nd.Int32, nd.Int64, nd.Int8} {
		t.Run(dt.String(), func(t *testing.T) {
			x := nd.ArrayOf([]float64{-3, -1, 0, 2, 5}, nd.Shape{5}, nd.OfType(dt))
			ndtest.AssertClose(t, x.Abs(), nd.Shape{5}, []float64{3, 1, 0, 2, 5}, 0, 0)
			ndtest.AssertClose(t, x.Relu(), nd.Shape{5}, []float64{0, 0, 0, 2, 5}, 0, 0)
			ndtest.AssertClose(t, x.Sign(), nd.Shape{5}, []float64{-1, -1, 0, 1, 1}, 0, 0)
			ndtest.AssertClose(t, x.Square(), nd.Shape{5}, []float64{9, 1, 0, 4, 25}, 0, 0)
			ndtest.AssertClose(t, x.Clip(-1.5, 2.5), nd.Shape{5}, []float64{-1, -1, 0, 2, 2}, 0, 0)
			if got := x.Relu().DType(); got != dt {
				t.Fatalf("relu dtype %v, want %v", got, dt)
			}
		})
	}
	// Transcendental ops are float-only and say so when read.
	_, err := nd.ArrayOf([]float64{1, 2}, nd.Shape{2}, nd.OfType(nd.Int32)).Exp().Values()
	if err == nil || !strings.Contains(err.Error(), "cast to float32") {
		t.Fatalf("exp of int32: got error %v, want a cast hint", err)
	}
}

// Large arrays take the parallel path; the result must match the serial one.
func TestUnaryParallelMatchesSerial(t *testing.T) {
	n := 1<<17 + 3
	xs := make([]float32, n)
	for i := range xs {
		xs[i] = float32(i%1000)/100 - 5
	}
	got := nd.Array(xs).Sigmoid().Float32s()
	for i := 0; i < n; i += 997 { // a sample of the elements, one at a time
		want := nd.Array([]float32{xs[i]}).Sigmoid().Float32s()[0]
		if got[i] != want {
			t.Fatalf("element %d: %v, want %v", i, got[i], want)
		}
	}
}

func BenchmarkUnaryFloat32(b *testing.B) {
	for _, n := range []int{1 << 12, 1 << 20} {
		xs := make([]float32, n)
		for i := range xs {
			xs[i] = float32(i%200)/20 - 5
		}
		x := nd.Array(xs)
		for _, op := range []struct {
			name string
			f    func(*nd.NDArray) *nd.NDArray
		}{{"relu", (*nd.NDArray).Relu}, {"sigmoid", (*nd.NDArray).Sigmoid}, {"tanh", (*nd.NDArray).Tanh}, {"exp", (*nd.NDArray).Exp}} {
			b.Run(fmt.Sprintf("%s/%d", op.name, n), func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				b.ReportAllocs()
				for range b.N {
					if err := op.f(x).WaitToRead(); err != nil {
						b.Fatal(err)
					}
				}
			})
			// The kernel alone, writing into one preallocated output: a new
			// output's first touch of fresh pages can cost more than the math.
			b.Run(fmt.Sprintf("%s/%d/into", op.name, n), func(b *testing.B) {
				def, _ := nd.LookupOp(op.name)
				out := nd.ZerosLike(x)
				b.SetBytes(int64(8 * n))
				b.ReportAllocs()
				for range b.N {
					nd.InvokeInto(def, nil, []*nd.NDArray{x}, []*nd.NDArray{out})
					if err := out.WaitToRead(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
