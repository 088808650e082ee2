package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/nd/kernels"
)

// binaryVecKinds are the binary ops with float32 vector loops (the
// arithmetic and the comparisons), as binaryDirect takes them, with the
// Go function binaryApply runs.
func binaryVecKinds[T nnFloat]() []struct {
	name       string
	kind, left scalarKind
	f          func(x, y T) T
} {
	return []struct {
		name       string
		kind, left scalarKind
		f          func(x, y T) T
	}{
		{"add", scalarPlus, scalarPlus, func(x, y T) T { return x + y }},
		{"sub", scalarMinus, scalarRminus, func(x, y T) T { return x - y }},
		{"mul", scalarMul, scalarMul, func(x, y T) T { return x * y }},
		{"div", scalarDiv, scalarRdiv, func(x, y T) T { return x / y }},
		{"max", scalarMaximum, scalarMaximum, func(x, y T) T { return max(x, y) }},
		{"min", scalarMinimum, scalarMinimum, func(x, y T) T { return min(x, y) }},
		{"greater", scalarGreater, scalarLesser, func(x, y T) T { return T(scalarB2I(x > y)) }},
		{"equal", scalarEqual, scalarEqual, func(x, y T) T { return T(scalarB2I(x == y)) }},
		{"not_equal", scalarNotEqual, scalarNotEqual, func(x, y T) T { return T(scalarB2I(x != y)) }},
		{"greater_equal", scalarGreaterEqual, scalarLesserEqual, func(x, y T) T { return T(scalarB2I(x >= y)) }},
		{"lesser", scalarLesser, scalarGreater, func(x, y T) T { return T(scalarB2I(x < y)) }},
		{"lesser_equal", scalarLesserEqual, scalarGreaterEqual, func(x, y T) T { return T(scalarB2I(x <= y)) }},
	}
}

// binaryVecShapes are operand shapes that run inline, split over the
// threads (above vecGrain's 1<<20 even with the helpers asleep), and
// broadcast: a row over a batch, a column along it, a per-channel value
// over planes, an outer sum, and few long rows (split within each row).
var binaryVecShapes = [][2]Shape{
	{{7}, {7}}, {{1000}, {1000}}, {{3, 1<<19 + 3}, {3, 1<<19 + 3}},
	{{5, 17}, {1}}, {{1}, {17, 5}}, {{1<<20 + 9}, {}}, {{}, {1<<20 + 9}},
	{{64, 10}, {10}}, {{10}, {64, 10}}, {{1025, 1031}, {1031}}, {{1031}, {1025, 1031}},
	{{64, 10}, {64, 1}}, {{1 << 17, 9}, {1 << 17, 1}}, {{1 << 17, 1}, {1 << 17, 9}},
	{{4, 3, 5, 7}, {1, 3, 1, 1}}, {{3, 1, 1}, {2, 3, 300, 600}}, {{2, 3, 4, 5}, {4, 5}}, {{2, 3, 4, 5}, {2, 3, 1, 5}},
	{{7, 1}, {1, 9}}, {{2, 3, 1}, {3, 4}}, {{2, 1<<20 + 5}, {1<<20 + 5}}, {{1<<20 + 5}, {2, 1, 1<<20 + 5}},
	{{0, 3}, {3}}, {{5, 1}, {5, 1}}, {{2, 1, 3}, {1, 4, 1}},
}

// binaryVecFill returns n values: small integers (ties), normal draws and
// the special values (zeros of both signs, infinities, NaN, subnormals).
func binaryVecFill[T nnFloat](r *rand.Rand, n int) []T {
	special := []float64{0, math.Copysign(0, -1), 1, math.Inf(1), math.Inf(-1), math.NaN(), 1e-40, -1e-40}
	v := make([]T, n)
	for i := range v {
		switch r.IntN(8) {
		case 0:
			v[i] = T(special[r.IntN(len(special))])
		case 1, 2:
			v[i] = T(r.IntN(5) - 2)
		default:
			v[i] = T(r.NormFloat64())
		}
	}
	return v
}

// binarySameBits fails unless got and want hold the same values, sign of
// zero included (any NaN for NaN).
func binarySameBits[T nnFloat](t *testing.T, name string, got, want []T) {
	t.Helper()
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if !(g == w && math.Signbit(g) == math.Signbit(w) || g != g && w != w) {
			t.Fatalf("%s: [%d] = %v, want %v", name, i, g, w)
		}
	}
}

// The direct loops (the float32 vector kernels, split over two threads
// through the pooled jobs where large) give binaryApply's bits on every
// shape, into a fresh output and in place on an input of the output's
// shape.
func TestBinaryDirectVecMatchesApply(t *testing.T) {
	prev := kernels.NumThreads()
	kernels.SetNumThreads(2)
	defer kernels.SetNumThreads(prev)
	t.Run("f32", binaryDirectVecCheck[float32])
	t.Run("f64", binaryDirectVecCheck[float64])
}

func binaryDirectVecCheck[T nnFloat](t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, sh := range binaryVecShapes {
		os, err := BroadcastShapes(sh[0], sh[1])
		if err != nil {
			t.Fatal(err)
		}
		large := os.Size() > 1<<16
		if large && kernelAllocsRace && (!isFloat32[T]() || sh[0].Size() != os.Size()) {
			continue // the race detector, slow on large arrays, checks a few splits
		}
		a, b := binaryVecFill[T](r, sh[0].Size()), binaryVecFill[T](r, sh[1].Size())
		want, got := make([]T, os.Size()), make([]T, os.Size())
		for ki, k := range binaryVecKinds[T]() {
			if large && ki > 0 && kernelAllocsRace || large && ki > 1 && !isFloat32[T]() {
				continue // float64's Go loops: two ops check the splits
			}
			if large && ki > 7 {
				continue // the comparisons split alike: greater and equal check it
			}
			name := fmt.Sprintf("%s %v %v", k.name, sh[0], sh[1])
			binaryApply(want, a, b, os, sh[0], sh[1], k.f)
			for i := range got {
				got[i] = 12345 // no element may be left unwritten
			}
			if !binaryDirect(k.kind, k.left, got, a, b, os, sh[0], sh[1]) {
				t.Fatalf("%s: declined", name)
			}
			binarySameBits(t, name, got, want)
			if os.Size() > 1<<16 && ki > 0 {
				continue // in place splits as any op does: add checks it
			}
			if sh[0].Equal(os) {
				in := append([]T(nil), a...)
				binaryDirect(k.kind, k.left, in, in, b, os, sh[0], sh[1])
				binarySameBits(t, name+" into a", in, want)
			}
			if sh[1].Equal(os) {
				in := append([]T(nil), b...)
				binaryDirect(k.kind, k.left, in, a, in, os, sh[0], sh[1])
				binarySameBits(t, name+" into b", in, want)
			}
		}
	}
}

// A broadcast of one element each way (which binaryDirect sends to the
// scalar loops) still walks as rows: every output element is the value.
func TestBinaryRowsSingleValue(t *testing.T) {
	o := make([]float32, 1)
	binaryRows(scalarMinus, scalarRminus, o, []float32{5}, []float32{2}, Shape{1, 1}, Shape{1, 1}, Shape{1})
	if o[0] != 3 {
		t.Errorf("5 - 2 = %v", o[0])
	}
}

// The *_scalar loops give the Go loop's bits at inline and split sizes,
// into a fresh output and in place, for every special scalar the direct
// path takes.
func TestScalarDirectVecMatchesLoop(t *testing.T) {
	prev := kernels.NumThreads()
	kernels.SetNumThreads(2)
	defer kernels.SetNumThreads(prev)
	r := rand.New(rand.NewPCG(23, 24))
	kinds := []struct {
		kind scalarKind
		f    func(x, s float32) float32
	}{
		{scalarPlus, func(x, s float32) float32 { return x + s }},
		{scalarMinus, func(x, s float32) float32 { return x - s }},
		{scalarRminus, func(x, s float32) float32 { return s - x }},
		{scalarMul, func(x, s float32) float32 { return x * s }},
		{scalarDiv, func(x, s float32) float32 { return x / s }},
		{scalarRdiv, func(x, s float32) float32 { return s / x }},
		{scalarMaximum, func(x, s float32) float32 { return max(x, s) }},
		{scalarMinimum, func(x, s float32) float32 { return min(x, s) }},
		{scalarEqual, func(x, s float32) float32 { return float32(b2f(x == s)) }},
		{scalarNotEqual, func(x, s float32) float32 { return float32(b2f(x != s)) }},
		{scalarGreater, func(x, s float32) float32 { return float32(b2f(x > s)) }},
		{scalarGreaterEqual, func(x, s float32) float32 { return float32(b2f(x >= s)) }},
		{scalarLesser, func(x, s float32) float32 { return float32(b2f(x < s)) }},
		{scalarLesserEqual, func(x, s float32) float32 { return float32(b2f(x <= s)) }},
	}
	for _, n := range []int{1, 33, 1000, 1<<20 + 7} {
		x := binaryVecFill[float32](r, n)
		for _, k := range kinds {
			for _, s := range []float32{0, float32(math.Copysign(0, -1)), 1.5, -3, float32(math.Inf(-1)), float32(math.NaN())} {
				if n > 1<<16 && s != 1.5 && (kernelAllocsRace || k.kind >= scalarEqual) {
					continue // the comparisons split alike: one scalar checks it
				}
				want := make([]float32, n)
				for i, v := range x {
					want[i] = k.f(v, s)
				}
				name := fmt.Sprintf("kind %d n=%d s=%v", k.kind, n, s)
				got := make([]float32, n)
				if !scalarDirect(k.kind, got, x, s) {
					if k.kind == scalarMaximum || k.kind == scalarMinimum {
						continue // non-finite scalars go the generic way
					}
					t.Fatalf("%s: declined", name)
				}
				binarySameBits(t, name, got, want)
				in := append([]float32(nil), x...)
				scalarDirect(k.kind, in, in, s)
				binarySameBits(t, name+" in place", in, want)
			}
		}
	}
}

// In-place ops through the registry, as gradient accumulation (sum += g)
// and a bias added into its activation run them, equal the out-of-place
// op, inline and split.
func TestBinaryInPlaceMatchesOutOfPlace(t *testing.T) {
	for _, sz := range [][2]int{{64, 10}, {1025, 1031}} {
		shape := Shape{sz[0], sz[1]}
		x, g := RandomUniform(-1, 1, shape), RandomUniform(-1, 1, shape)
		bias, col := RandomUniform(-1, 1, Shape{sz[1]}), RandomUniform(-1, 1, Shape{sz[0], 1})
		for _, c := range []struct {
			name  string
			op    *OpDef
			attrs any
			in    []*NDArray
			into  int // the input the output is
		}{
			{"sum+=g", opAdd, nil, []*NDArray{x, g}, 0},
			{"g-=sum into b", opSub, nil, []*NDArray{x, g}, 1},
			{"x+=bias", opAdd, nil, []*NDArray{x, bias}, 0},
			{"x*=col", opMul, nil, []*NDArray{x, col}, 0},
			{"col/x into b", opDiv, nil, []*NDArray{col, x}, 1},
			{"x*=1.5", opMulScalar, ScalarAttrs{Scalar: 1.5}, []*NDArray{x}, 0},
			{"x=2-x", opRminusScalar, ScalarAttrs{Scalar: 2}, []*NDArray{x}, 0},
		} {
			want := Invoke1(c.op, c.attrs, c.in...).Float32s()
			in := append([]*NDArray(nil), c.in...)
			in[c.into] = c.in[c.into].Copy()
			InvokeInto(c.op, c.attrs, in, []*NDArray{in[c.into]})
			binarySameBits(t, fmt.Sprintf("%s %v", c.name, shape), in[c.into].Float32s(), want)
		}
	}
}

// The binary and scalar kernels allocate nothing once their job pools are
// warm: inline, split over the threads and broadcast by rows.
func TestBinaryKernelsNoAlloc(t *testing.T) {
	if kernelAllocsRace {
		t.Skip("the race detector allocates")
	}
	f32 := func(s ...int) *NDArray { return RandomUniform(-1, 1, Shape(s)) }
	cases := []kernelAllocCase{
		{"add_small", opAdd, nil, []*NDArray{f32(64, 64), f32(64, 64)}},
		{"add_large", opAdd, nil, []*NDArray{f32(1024, 1100), f32(1024, 1100)}},
		{"add_row", opAdd, nil, []*NDArray{f32(32, 256), f32(256)}},
		{"add_row_large", opAdd, nil, []*NDArray{f32(1024, 1100), f32(1100)}},
		{"mul_col_large", opMul, nil, []*NDArray{f32(1024, 1100), f32(1024, 1)}},
		{"add_long_rows", opAdd, nil, []*NDArray{f32(2, 1<<20+5), f32(1<<20 + 5)}},
		{"greater_large", opGreater, nil, []*NDArray{f32(1024, 1100), f32(1024, 1100)}},
		{"mul_scalar_large", opMulScalar, ScalarAttrs{Scalar: 1.5}, []*NDArray{f32(1024, 1100)}},
		{"rsub_scalar_large", opRminusScalar, ScalarAttrs{Scalar: 1}, []*NDArray{f32(1024, 1100)}},
	}
	for _, threads := range []int{1, 2} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/threads=%d", c.name, threads), func(t *testing.T) {
				prev := kernels.NumThreads()
				kernels.SetNumThreads(threads)
				defer kernels.SetNumThreads(prev)
				if n := kernelAllocsPerRun(t, c); n > 0 {
					t.Errorf("%v allocations per call", n)
				}
			})
		}
	}
}
