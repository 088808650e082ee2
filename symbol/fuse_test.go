package symbol_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

// fuseCase is a graph over inputs x, y, z (all one shape).
type fuseCase struct {
	name string
	out  *symbol.Symbol
	// fused and left: the _fused_elemwise nodes and other op nodes expected.
	fused, left int
}

func scalarOp(op string, v float64, s *symbol.Symbol) *symbol.Symbol {
	return symbol.Call(op, nd.ScalarAttrs{Scalar: v}, s)
}

// randomChain applies length elementwise ops to x, some of them binary
// with y or z.
func randomChain(rng *rand.Rand, length int) *symbol.Symbol {
	cur := symbol.Var("x")
	y, z := symbol.Var("y"), symbol.Var("z")
	unary := []func(s *symbol.Symbol) *symbol.Symbol{
		func(s *symbol.Symbol) *symbol.Symbol { return symbol.Call("relu", nil, s) },
		func(s *symbol.Symbol) *symbol.Symbol { return symbol.Call("tanh", nil, s) },
		func(s *symbol.Symbol) *symbol.Symbol { return symbol.Call("sigmoid", nil, s) },
		func(s *symbol.Symbol) *symbol.Symbol { return symbol.Call("abs", nil, s) },
		func(s *symbol.Symbol) *symbol.Symbol { return symbol.Call("square", nil, s) },
		func(s *symbol.Symbol) *symbol.Symbol { return symbol.Activation("", s, "softrelu") },
		func(s *symbol.Symbol) *symbol.Symbol {
			return symbol.LeakyReLU("", s, nd.LeakyReLUAttrs{ActType: "elu"})
		},
		func(s *symbol.Symbol) *symbol.Symbol {
			return symbol.Call("clip", nd.ClipAttrs{AMin: -0.5, AMax: 0.7}, s)
		},
		func(s *symbol.Symbol) *symbol.Symbol { return scalarOp("_mul_scalar", 1.5, s) },
		func(s *symbol.Symbol) *symbol.Symbol { return scalarOp("_plus_scalar", -0.25, s) },
		func(s *symbol.Symbol) *symbol.Symbol { return scalarOp("_rminus_scalar", 2, s) },
		func(s *symbol.Symbol) *symbol.Symbol { return scalarOp("_greater_scalar", 0.1, s) },
	}
	binary := []func(a, b *symbol.Symbol) *symbol.Symbol{
		func(a, b *symbol.Symbol) *symbol.Symbol { return symbol.Call("elemwise_add", nil, a, b) },
		func(a, b *symbol.Symbol) *symbol.Symbol { return a.Mul(b) },
		func(a, b *symbol.Symbol) *symbol.Symbol { return a.Sub(b) },
		func(a, b *symbol.Symbol) *symbol.Symbol { return symbol.Call("broadcast_maximum", nil, b, a) },
	}
	for i := 0; i < length; i++ {
		if rng.IntN(3) == 0 {
			other := y
			if rng.IntN(2) == 0 {
				other = z
			}
			cur = binary[rng.IntN(len(binary))](cur, other)
		} else {
			cur = unary[rng.IntN(len(unary))](cur)
		}
	}
	return cur
}

func fuseCases(rng *rand.Rand) []fuseCase {
	var cases []fuseCase
	for length := 2; length <= 6; length++ {
		for k := 0; k < 3; k++ {
			cases = append(cases, fuseCase{name: fmt.Sprintf("chain%d_%d", length, k), out: randomChain(rng, length), fused: 1})
		}
	}
	x, y, z := symbol.Var("x"), symbol.Var("y"), symbol.Var("z")
	// A tree: (x·y + z·2) · tanh(y − z): several scratch values live at once.
	tree := x.Mul(y).Add(scalarOp("_mul_scalar", 2, z)).Mul(symbol.Call("tanh", nil, y.Sub(z)))
	cases = append(cases, fuseCase{name: "tree", out: tree, fused: 1})
	// sigmoid(x) stays live while tanh(y)·z frees a buffer for abs.
	reuse := symbol.Call("sigmoid", nil, x).Mul(symbol.Call("abs", nil, symbol.Call("tanh", nil, y).Mul(z)))
	cases = append(cases, fuseCase{name: "tree_reuse", out: reuse, fused: 1})
	// r = relu(2x) is read twice: it stays a node output; exp(r) + r fuses.
	r := symbol.Call("relu", nil, scalarOp("_mul_scalar", 2, x))
	cases = append(cases, fuseCase{name: "shared_value", out: symbol.Call("exp", nil, r).Add(r), fused: 2})
	// x·x reads x twice: fine, x is an input.
	sq := x.Mul(x)
	cases = append(cases, fuseCase{name: "input_twice", out: symbol.Call("sqrt", nil, sq.AddScalar(1)), fused: 1})
	// An intermediate that is also a graph output is not fused away.
	h := symbol.Call("sigmoid", nil, x.AddScalar(1))
	cases = append(cases, fuseCase{name: "head_intermediate", out: symbol.Group(h, symbol.Call("negative", nil, h).MulScalar(3)), fused: 2})
	// A single elementwise op stays as it is.
	cases = append(cases, fuseCase{name: "single", out: symbol.Call("relu", nil, x), left: 1})
	// where(x > 0, y, z) with equal shapes fuses with its neighbours.
	cases = append(cases, fuseCase{name: "where", out: symbol.Call("where", nil, scalarOp("_greater_scalar", 0, x), y, z).MulScalar(2), fused: 1})
	return cases
}

func fuseInputs(rng *rand.Rand, dt nd.DType, shape ...int) map[string]*nd.NDArray {
	args := map[string]*nd.NDArray{}
	for _, name := range []string{"x", "y", "z"} {
		v := make([]float64, nd.Shape(shape).Size())
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		args[name] = nd.ArrayOf(v, nd.Shape(shape)).AsType(dt)
	}
	return args
}

func fuseShapes(args map[string]*nd.NDArray) (map[string]nd.Shape, map[string]nd.DType) {
	shapes, types := map[string]nd.Shape{}, map[string]nd.DType{}
	for k, v := range args {
		shapes[k], types[k] = v.Shape(), v.DType()
	}
	return shapes, types
}

func countFused(s *symbol.Symbol) (fused, other int) {
	for _, n := range s.Topo() {
		switch {
		case n.Op == nil:
		case n.Op == symbol.FusedOp():
			fused++
		default:
			other++
		}
	}
	return fused, other
}

func TestFuseElementwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range fuseCases(rng) {
		for _, dt := range []nd.DType{nd.Float32, nd.Float64} {
			// 7: one short block; 10007: several blocks and a tail; 80000:
			// blocks spread over threads. (Not 1<<17: unfused float64 ops
			// without a vector loop overflow the stack there, see nd's
			// unaryApply.)
			for _, shape := range [][]int{{7}, {3, 10007}, {2, 40000}} {
				t.Run(fmt.Sprintf("%s/%v/%v", c.name, dt, shape), func(t *testing.T) {
					args := fuseInputs(rng, dt, shape...)
					shapes, types := fuseShapes(args)
					fused, err := symbol.FuseElementwise(c.out, shapes, types)
					if err != nil {
						t.Fatal(err)
					}
					f, other := countFused(fused)
					_, before := countFused(c.out)
					if f != c.fused || (c.left > 0 && other != c.left) {
						t.Fatalf("%d fused nodes and %d others (of %d ops), want %d fused: %s", f, other, before, c.fused, fusedDump(fused))
					}
					if got, want := fused.ListOutputs(), c.out.ListOutputs(); strings.Join(got, ",") != strings.Join(want, ",") {
						t.Errorf("outputs %v, want %v", got, want)
					}
					// The members' own kernels run on each block: bit-identical.
					assertSameOutputs(t, c.out, args, fused, args, 0, 0)
				})
			}
		}
	}
}

func fusedDump(s *symbol.Symbol) string {
	var parts []string
	for _, n := range s.Topo() {
		if n.Op == symbol.FusedOp() {
			parts = append(parts, n.Name+"="+n.Attrs.(symbol.FusedAttrs).String())
		} else if n.Op != nil {
			parts = append(parts, n.Name+"("+n.OpName+")")
		}
	}
	return strings.Join(parts, " ")
}

func TestFuseElementwiseLeavesAlone(t *testing.T) {
	x, b := symbol.Var("x"), symbol.Var("b")
	// x + b broadcasts (b is (4,)): not fused; relu and the scalar op after it are.
	bc := symbol.Call("_mul_scalar", nd.ScalarAttrs{Scalar: 3}, symbol.Call("relu", nil, x.Add(b)))
	shapes := map[string]nd.Shape{"x": {3, 4}, "b": {4}}
	fused, err := symbol.FuseElementwise(bc, shapes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f, other := countFused(fused); f != 1 || other != 1 || countOps(fused, "broadcast_add") != 1 {
		t.Fatalf("fused %d, others %d: %s", f, other, fusedDump(fused))
	}
	args := map[string]*nd.NDArray{"x": nd.Array([]float32{1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12}, 3, 4), "b": nd.Array([]float32{1, 2, 3, 4}, 4)}
	assertSameOutputs(t, bc, args, fused, args, 0, 0)

	// Unknown shapes: nothing is fused, the graph is copied.
	chain := symbol.Call("relu", nil, x.MulScalar(2))
	same, err := symbol.FuseElementwise(chain, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := countFused(same); f != 0 || len(same.Topo()) != len(chain.Topo()) {
		t.Errorf("fused without shapes: %s", fusedDump(same))
	}

	// A cast changes the dtype: not fused with its neighbours.
	cast := symbol.Call("relu", nil, symbol.Call("Cast", nd.CastAttrs{DType: nd.Float64}, x.MulScalar(2)))
	cf, err := symbol.FuseElementwise(cast, map[string]nd.Shape{"x": {5}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := countFused(cf); f != 0 {
		t.Errorf("fused across a cast: %s", fusedDump(cf))
	}

	// Shapes the graph rejects are an error.
	if _, err := symbol.FuseElementwise(x.Add(b), map[string]nd.Shape{"x": {3}, "b": {4}}, nil); err == nil {
		t.Error("no error for incompatible shapes")
	}
}

func TestFuseElementwiseIntegers(t *testing.T) {
	x, y := symbol.Var("x"), symbol.Var("y")
	out := symbol.Call("relu", nil, x.Mul(y).AddScalar(-3))
	args := map[string]*nd.NDArray{
		"x": nd.ArrayOf([]int32{1, -2, 3, 4, 5}, nd.Shape{5}),
		"y": nd.ArrayOf([]int32{2, 2, -1, 1, 3}, nd.Shape{5}),
	}
	shapes, types := fuseShapes(args)
	fused, err := symbol.FuseElementwise(out, shapes, types)
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := countFused(fused); f != 1 {
		t.Fatalf("not fused: %s", fusedDump(fused))
	}
	got, err := fused.Eval(args)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].DType() != nd.Int32 {
		t.Fatalf("dtype %v", got[0].DType())
	}
	want := []int64{0, 0, 0, 1, 12}
	for i, v := range got[0].Int64s() {
		if v != want[i] {
			t.Fatalf("got %v, want %v", got[0].Int64s(), want)
		}
	}
	// A member that rejects the dtype fails the node with its name.
	bad := symbol.Call("exp", nil, x.MulScalar(2))
	fb, err := symbol.FuseElementwise(bad, shapes, types)
	if err != nil {
		t.Fatal(err)
	}
	res, err := fb.Eval(args)
	if err == nil {
		_, err = res[0].Values() // kernels run asynchronously: the error shows on reading
	}
	if err == nil || !strings.Contains(err.Error(), "exp") {
		t.Errorf("error %v, want one naming exp", err)
	}
}

func TestFusedOpInvoke(t *testing.T) {
	x := symbol.Var("x")
	out := symbol.Call("tanh", nil, x.MulScalar(0.5).AddScalar(1))
	fused, err := symbol.FuseElementwise(out, map[string]nd.Shape{"x": {2, 3}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	node := fused.Outputs[0].Node
	if node.Op != symbol.FusedOp() || node.Name != out.Outputs[0].Node.Name {
		t.Fatalf("head is %s (%v)", node.Name, node.OpName)
	}
	a := node.Attrs.(symbol.FusedAttrs)
	if s := a.String(); s != "tanh(_plus_scalar(_mul_scalar(in0)))" {
		t.Errorf("String() = %q", s)
	}
	// Called directly, as a kernel-level executor would, on a strided view.
	in := nd.Arange(0, 12, 1).Reshape(3, 4).Transpose()
	got := nd.Invoke1(symbol.FusedOp(), a, in)
	want := in.MulScalar(0.5).AddScalar(1).Tanh()
	if g, w := got.Float32s(), want.Float32s(); fmt.Sprint(g) != fmt.Sprint(w) {
		t.Errorf("got %v, want %v", g, w)
	}
	if err := nd.Try(func() { nd.Invoke1(symbol.FusedOp(), a, in, in) }); err == nil {
		t.Error("no error for a wrong input count")
	}
}

// TestFusedGradient checks training through a fused graph gives the
// unfused graph's gradients.
func TestFusedGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x, y, z := symbol.Var("x"), symbol.Var("y"), symbol.Var("z")
	out := symbol.Call("sigmoid", nil, x.Mul(y).Add(symbol.Call("tanh", nil, z)).Mul(x)).MulScalar(3)
	args := fuseInputs(rng, nd.Float64, 4, 5)
	shapes, types := fuseShapes(args)
	fused, err := symbol.FuseElementwise(out, shapes, types)
	if err != nil {
		t.Fatal(err)
	}
	if f, other := countFused(fused); f != 1 || other != 0 {
		t.Fatalf("%s", fusedDump(fused))
	}
	grads := func(s *symbol.Symbol) [][]float64 {
		in := map[string]*nd.NDArray{}
		for k, v := range args {
			in[k] = v.Copy()
			in[k].AttachGrad()
		}
		var res []*nd.NDArray
		autograd.Record(func() {
			res, err = s.Eval(in)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := autograd.Backward(res, nil, false); err != nil {
			t.Fatal(err)
		}
		var g [][]float64
		for _, k := range []string{"x", "y", "z"} {
			g = append(g, in[k].Grad().Float64s())
		}
		return g
	}
	want, got := grads(out), grads(fused)
	for i := range want {
		for j := range want[i] {
			if math.Abs(got[i][j]-want[i][j]) > 1e-12 {
				t.Fatalf("grad %d[%d] = %v, want %v", i, j, got[i][j], want[i][j])
			}
		}
	}
}

// benchChains are five-op chains over 1M float32s: one of cheap ops
// (memory-bound op by op) and one ending in sigmoid (more arithmetic).
func benchChains() map[string]*symbol.Symbol {
	x, y := symbol.Var("x"), symbol.Var("y")
	cheap := symbol.Call("relu", nil, x.MulScalar(2).AddScalar(1)).Mul(y).AddScalar(-0.5)
	sigmoid := symbol.Call("sigmoid", nil, symbol.Call("relu", nil, x.MulScalar(2).AddScalar(1)).Mul(y))
	return map[string]*symbol.Symbol{"cheap": cheap, "sigmoid": sigmoid}
}

func BenchmarkFuseChain(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	args := fuseInputs(rng, nd.Float32, 1<<20)
	shapes, types := fuseShapes(args)
	for _, name := range []string{"cheap", "sigmoid"} {
		chain := benchChains()[name]
		fused, err := symbol.FuseElementwise(chain, shapes, types)
		if err != nil {
			b.Fatal(err)
		}
		if f, other := countFused(fused); f != 1 || other != 0 {
			b.Fatalf("not one fused node: %s", fusedDump(fused))
		}
		for _, c := range []struct {
			name string
			s    *symbol.Symbol
		}{{"op_by_op", chain}, {"fused", fused}} {
			b.Run(name+"/"+c.name, func(b *testing.B) {
				x := symbol.NewExecutor(c.s)
				b.SetBytes(3 * 4 << 20) // read x, y; write the output
				for b.Loop() {
					out, err := x.Forward(args)
					if err != nil {
						b.Fatal(err)
					}
					if err := out[0].WaitToRead(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func ExampleFuseElementwise() {
	x, y := symbol.Var("x"), symbol.Var("y")
	out := symbol.Call("relu", nil, x.MulScalar(2).AddScalar(1)).Mul(y)
	fused, err := symbol.FuseElementwise(out, map[string]nd.Shape{"x": {3}, "y": {3}}, nil)
	if err != nil {
		panic(err)
	}
	head := fused.Outputs[0].Node
	fmt.Println(head.OpName, head.Attrs.(symbol.FusedAttrs))
	res, err := fused.Eval(map[string]*nd.NDArray{
		"x": nd.Array([]float32{-1, 0, 1}, 3),
		"y": nd.Array([]float32{10, 10, 10}, 3),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res[0].Float32s())
	// Output:
	// _fused_elemwise broadcast_mul(relu(_plus_scalar(_mul_scalar(in0))), in1)
	// [0 10 30]
}
