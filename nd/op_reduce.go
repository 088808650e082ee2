package nd

import (
	"fmt"
	"math"
	"slices"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Reductions over axes: sum, mean, prod, max, min, nansum, norm, argmax and
// argmin.
//
// Reducing every axis gives a scalar of shape () (NumPy's convention;
// legacy MXNet gives (1,)). Floating-point inputs accumulate in float64 and
// integer inputs in int64, so large float32 sums stay accurate; the result
// has the input's dtype.
//
// Float32 sums, means, nansums, norms and products (and _sum_to) run in
// the vector kernels of op_reduce_vec.go, which add (multiply) in a fixed
// order of their own (partial sums, combined in a fixed tree: the same
// bits on every run, within float64 rounding of the sequential sum).
// Float32 max and min, and argmax and argmin along the last axis or over
// the flattened array, run in those of op_reduce_ext.go, with the scalar
// loops' results. The other kinds and dtypes run in the scalar loops
// below.

// ReduceAttrs are the attributes of sum, mean, prod, max, min and nansum.
type ReduceAttrs struct {
	// Axis lists the axes to reduce (negative counts from the end); empty
	// means all axes.
	Axis []int `mx:"axis"`
	// KeepDims keeps reduced axes as size 1.
	KeepDims bool `mx:"keepdims"`
	// Exclude reduces the axes not listed in Axis instead.
	Exclude bool `mx:"exclude"`
}

// NormAttrs are the attributes of norm.
type NormAttrs struct {
	// Ord is 1 (sum of |x|) or 2 (Euclidean); 0 means MXNet's default 2.
	Ord      int   `mx:"ord"`
	Axis     []int `mx:"axis"`
	KeepDims bool  `mx:"keepdims"`
}

// ArgReduceAttrs are the attributes of argmax and argmin.
type ArgReduceAttrs struct {
	// Axis is the axis to search; nil means the flattened array.
	Axis     *int `mx:"axis"`
	KeepDims bool `mx:"keepdims"`
}

type reduceKind int

const (
	reduceSum reduceKind = iota
	reduceMean
	reduceProd
	reduceMax
	reduceMin
	reduceNanSum
	reduceAbsSum // norm ord 1
	reduceSqSum  // norm ord 2, before the square root
)

// reduceMask marks the axes of an array of ndim dims that are reduced.
func reduceMask(ndim int, axes []int, exclude bool) ([]bool, error) {
	return reduceMaskInto(make([]bool, 0, ndim), ndim, axes, exclude)
}

// reduceMaskInto is reduceMask building the mask in dst's memory when it
// has room (a caller's stack buffer).
func reduceMaskInto(dst []bool, ndim int, axes []int, exclude bool) ([]bool, error) {
	var mask []bool
	if cap(dst) >= ndim {
		mask = dst[:ndim]
		clear(mask)
	} else {
		mask = make([]bool, ndim)
	}
	if len(axes) == 0 {
		for i := range mask {
			mask[i] = true
		}
		return mask, nil
	}
	for _, ax := range axes {
		a, ok := normAxis(ax, ndim)
		if !ok {
			return nil, fmt.Errorf("axis %d out of range for %d dimensions", ax, ndim)
		}
		if mask[a] {
			return nil, fmt.Errorf("axis %d given twice", ax)
		}
		mask[a] = true
	}
	if exclude {
		for i := range mask {
			mask[i] = !mask[i]
		}
	}
	return mask, nil
}

// reduceMaskBuf is the stack room of a mask: arrays of more dims take
// the heap.
type reduceMaskBuf [8]bool

// reduceShapes returns the output shape and the keepdims shape of reducing
// in over mask.
func reduceShapes(in Shape, mask []bool, keepdims bool) (out, keep Shape) {
	keep = make(Shape, len(in))
	out = Shape{}
	for i, d := range in {
		keep[i] = d
		if mask[i] {
			keep[i] = 1
		} else {
			out = append(out, d)
		}
	}
	if keepdims {
		return keep.Clone(), keep
	}
	return out, keep
}

func (a ReduceAttrs) mask(ndim int) ([]bool, error) { return reduceMask(ndim, a.Axis, a.Exclude) }

func (a ReduceAttrs) maskInto(dst []bool, ndim int) ([]bool, error) {
	return reduceMaskInto(dst, ndim, a.Axis, a.Exclude)
}

func reduceInferShape(empty string) func(attrs any, in []Shape) ([]Shape, error) {
	return func(attrs any, in []Shape) ([]Shape, error) {
		a := attrs.(ReduceAttrs)
		var mb reduceMaskBuf
		mask, err := a.maskInto(mb[:], len(in[0]))
		if err != nil {
			return nil, err
		}
		if empty != "" {
			if err := reduceCheckNonEmpty(in[0], mask, empty); err != nil {
				return nil, err
			}
		}
		return []Shape{reduceOutShape(in[0], mask, a.KeepDims)}, nil
	}
}

// reduceOutShape is the output shape of reducing in over mask, in one
// allocation (none for a scalar).
func reduceOutShape(in Shape, mask []bool, keepdims bool) Shape {
	n := 0
	for i := range in {
		if keepdims || !mask[i] {
			n++
		}
	}
	out := make(Shape, 0, n)
	for i, d := range in {
		switch {
		case !mask[i]:
			out = append(out, d)
		case keepdims:
			out = append(out, 1)
		}
	}
	return out
}

// reduceCheckNonEmpty rejects reductions without an identity over no elements.
func reduceCheckNonEmpty(in Shape, mask []bool, op string) error {
	for i, d := range in {
		if mask[i] && d == 0 {
			return fmt.Errorf("%s over a zero-size axis %d has no identity", op, i)
		}
	}
	return nil
}

// reduceDim is one merged dimension: its size and input element stride.
type reduceDim struct{ size, stride int }

// reduceGeom is a reduction laid out for the kernels: input dims merged so
// that neighbours of the same kind are one dim, split into kept and reduced.
type reduceGeom struct {
	kept, red []reduceDim
	lastRed   bool // the innermost dim is reduced (contiguous reductions)
	nOut      int
	count     int // elements reduced into each output
}

func reduceLayout(in Shape, mask []bool) reduceGeom {
	var g reduceGeom
	g.layout(in, mask)
	return g
}

// layout sets g to the layout of reducing in over mask, reusing g's lists.
func (g *reduceGeom) layout(in Shape, mask []bool) {
	g.kept, g.red = g.kept[:0], g.red[:0]
	g.nOut, g.count = 1, 1
	g.lastRed = false
	// From the innermost dim out, merging neighbours of the same kind
	// (size-1 dims are skipped: they neither split nor merge).
	stride, prev := 1, 0 // prev: 0 none yet, 1 kept, 2 reduced
	for i := len(in) - 1; i >= 0; i-- {
		d := in[i]
		if d == 1 {
			continue
		}
		kind := 1
		if mask[i] {
			kind = 2
		}
		list := &g.kept
		if kind == 2 {
			list = &g.red
		}
		if kind == prev {
			(*list)[len(*list)-1].size *= d
		} else {
			*list = append(*list, reduceDim{d, stride})
			if prev == 0 {
				g.lastRed = kind == 2
			}
		}
		prev = kind
		stride *= d
		if kind == 2 {
			g.count *= d
		} else {
			g.nOut *= d
		}
	}
	if prev == 0 { // one element: reduce it alone
		g.red = append(g.red, reduceDim{1, 1})
		g.lastRed = true
	} else if len(g.red) == 0 { // only size-1 axes reduced: one row each
		g.red = append(g.red, reduceDim{1, 1})
	}
	slices.Reverse(g.red)
	slices.Reverse(g.kept)
}

// reduceOffsets lists the input offsets of every index of dims, in C order.
func reduceOffsets(dims []reduceDim) []int {
	offs := []int{0}
	for _, d := range dims {
		next := make([]int, 0, len(offs)*d.size)
		for _, o := range offs {
			for j := 0; j < d.size; j++ {
				next = append(next, o+j*d.stride)
			}
		}
		offs = next
	}
	return offs
}

// reduceOffsetOf is the input offset of the idx-th (C order) index of dims.
func reduceOffsetOf(idx int, dims []reduceDim) int {
	off := 0
	for i := len(dims) - 1; i >= 0; i-- {
		d := dims[i]
		off += (idx % d.size) * d.stride
		idx /= d.size
	}
	return off
}

type reduceNum interface {
	~float32 | ~float64 | ~int32 | ~int64 | ~uint8 | ~int8
}

type reduceAcc interface{ ~float64 | ~int64 }

// reduceLowest and reduceHighest are the identities of max and min.
func reduceLowest[A reduceAcc]() A {
	var z A
	switch p := any(&z).(type) {
	case *float64:
		*p = math.Inf(-1)
	case *int64:
		*p = math.MinInt64
	}
	return z
}

func reduceHighest[A reduceAcc]() A {
	var z A
	switch p := any(&z).(type) {
	case *float64:
		*p = math.Inf(1)
	case *int64:
		*p = math.MaxInt64
	}
	return z
}

func reduceInit[A reduceAcc](kind reduceKind) A {
	switch kind {
	case reduceProd:
		return 1
	case reduceMax:
		return reduceLowest[A]()
	case reduceMin:
		return reduceHighest[A]()
	}
	return 0
}

// reduceSlice folds the contiguous x into acc.
func reduceSlice[T reduceNum, A reduceAcc](kind reduceKind, acc A, x []T) A {
	switch kind {
	case reduceSum, reduceMean:
		// Four accumulators: independent add chains run in parallel.
		var s0, s1, s2, s3 A
		i := 0
		for ; i+4 <= len(x); i += 4 {
			s0 += A(x[i])
			s1 += A(x[i+1])
			s2 += A(x[i+2])
			s3 += A(x[i+3])
		}
		for ; i < len(x); i++ {
			s0 += A(x[i])
		}
		return acc + ((s0 + s1) + (s2 + s3))
	case reduceNanSum:
		for _, v := range x {
			if v == v {
				acc += A(v)
			}
		}
	case reduceProd:
		for _, v := range x {
			acc *= A(v)
		}
	case reduceMax:
		// Compare in T without the ±0 care of the max builtin; a NaN wins.
		if len(x) == 0 {
			return acc
		}
		m := x[0]
		for _, v := range x[1:] {
			if v > m {
				m = v
			} else if v != v {
				return A(v)
			}
		}
		return max(acc, A(m))
	case reduceMin:
		if len(x) == 0 {
			return acc
		}
		m := x[0]
		for _, v := range x[1:] {
			if v < m {
				m = v
			} else if v != v {
				return A(v)
			}
		}
		return min(acc, A(m))
	case reduceAbsSum:
		for _, v := range x {
			a := A(v)
			if a < 0 {
				a = -a
			}
			acc += a
		}
	case reduceSqSum:
		for _, v := range x {
			acc += A(v) * A(v)
		}
	}
	return acc
}

// reduceRow folds the contiguous x into acc elementwise.
func reduceRow[T reduceNum, A reduceAcc](kind reduceKind, acc []A, x []T) {
	x = x[:len(acc)]
	switch kind {
	case reduceSum, reduceMean:
		for j, v := range x {
			acc[j] += A(v)
		}
	case reduceNanSum:
		for j, v := range x {
			if v == v {
				acc[j] += A(v)
			}
		}
	case reduceProd:
		for j, v := range x {
			acc[j] *= A(v)
		}
	case reduceMax: // a NaN, once in acc, stays: nothing compares above it
		for j, v := range x {
			if a := A(v); a > acc[j] || a != a {
				acc[j] = a
			}
		}
	case reduceMin:
		for j, v := range x {
			if a := A(v); a < acc[j] || a != a {
				acc[j] = a
			}
		}
	case reduceAbsSum:
		for j, v := range x {
			a := A(v)
			if a < 0 {
				a = -a
			}
			acc[j] += a
		}
	case reduceSqSum:
		for j, v := range x {
			acc[j] += A(v) * A(v)
		}
	}
}

// reduceCombine merges two partial results of one output.
func reduceCombine[A reduceAcc](kind reduceKind, a, b A) A {
	switch kind {
	case reduceProd:
		return a * b
	case reduceMax:
		return max(a, b)
	case reduceMin:
		return min(a, b)
	}
	return a + b
}

func reduceFinal[T reduceNum, A reduceAcc](kind reduceKind, acc A, count int) T {
	switch kind {
	case reduceMean:
		if count == 0 {
			var z A
			if _, ok := any(z).(float64); ok {
				return T(math.NaN())
			}
			return 0
		}
		return T(acc / A(count))
	case reduceSqSum:
		return T(math.Sqrt(float64(acc)))
	}
	return T(acc)
}

// reduceParallelMin is the input size above which reductions use the
// kernel threads.
const reduceParallelMin = 1 << 16

// reduceRun reduces in into out along g.
func reduceRun[T reduceNum, A reduceAcc](kind reduceKind, out, in []T, g reduceGeom) {
	if g.nOut == 0 {
		return
	}
	if g.count == 0 {
		v := reduceFinal[T](kind, reduceInit[A](kind), 0)
		for i := range out {
			out[i] = v
		}
		return
	}
	if g.lastRed {
		grain := max(1, reduceParallelMin/g.count)
		inner := g.red[len(g.red)-1].size
		outer := reduceOffsets(g.red[:len(g.red)-1])
		if g.nOut == 1 && inner >= reduceParallelMin && len(outer) == 1 {
			out[0] = reduceFinal[T](kind, reduceWide[T, A](kind, in[:inner]), g.count)
			return
		}
		kernels.ParallelFor(g.nOut, grain, func(lo, hi int) {
			for o := lo; o < hi; o++ {
				base := reduceOffsetOf(o, g.kept)
				acc := reduceInit[A](kind)
				for _, r := range outer {
					acc = reduceSlice(kind, acc, in[base+r:base+r+inner])
				}
				out[o] = reduceFinal[T](kind, acc, g.count)
			}
		})
		return
	}
	// The innermost dim is kept: fold whole rows of it into an accumulator
	// row, one tile of columns at a time. With few tiles (a sum over the
	// batch of a (batch, features) array) the reduced rows are split too,
	// and the partial rows combined at the end.
	width := g.kept[len(g.kept)-1].size
	rows := g.nOut / width
	bw := min(width, 1024)
	nb := (width + bw - 1) / bw
	tiles := rows * nb
	splits := 1
	if th := kernels.NumThreads(); tiles < th && g.count*width >= reduceParallelMin {
		splits = min(th, g.count)
	}
	var parts []A
	if splits > 1 {
		parts = make([]A, tiles*splits*bw)
	}
	grain := max(1, reduceParallelMin/(max(1, g.count/splits)*bw))
	kernels.ParallelFor(tiles*splits, grain, func(lo, hi int) {
		var scratch []A
		for w := lo; w < hi; w++ {
			tile, sp := w/splits, w%splits
			row, c0 := tile/nb, (tile%nb)*bw
			c1 := min(c0+bw, width)
			base := reduceOffsetOf(row, g.kept[:len(g.kept)-1]) + c0
			var a []A
			if splits > 1 {
				a = parts[w*bw : w*bw+c1-c0]
			} else {
				if scratch == nil {
					scratch = make([]A, bw)
				}
				a = scratch[:c1-c0]
			}
			init := reduceInit[A](kind)
			for j := range a {
				a[j] = init
			}
			reduceWalk(g.red, sp*g.count/splits, (sp+1)*g.count/splits, func(r int) {
				reduceRow(kind, a, in[base+r:base+r+len(a)])
			})
			if splits == 1 {
				reduceStore[T](kind, out[row*width+c0:row*width+c1], a, g.count)
			}
		}
	})
	for tile := 0; splits > 1 && tile < tiles; tile++ {
		row, c0 := tile/nb, (tile%nb)*bw
		c1 := min(c0+bw, width)
		acc := parts[tile*splits*bw : tile*splits*bw+c1-c0]
		for sp := 1; sp < splits; sp++ {
			p := parts[(tile*splits+sp)*bw:]
			for j := range acc {
				acc[j] = reduceCombine(kind, acc[j], p[j])
			}
		}
		reduceStore[T](kind, out[row*width+c0:row*width+c1], acc, g.count)
	}
}

func reduceStore[T reduceNum, A reduceAcc](kind reduceKind, dst []T, acc []A, count int) {
	for j, v := range acc {
		dst[j] = reduceFinal[T](kind, v, count)
	}
}

// reduceWalk calls fn with the input offset of each index in [lo, hi) of
// dims, in C order.
func reduceWalk(dims []reduceDim, lo, hi int, fn func(off int)) {
	if lo >= hi {
		return
	}
	idx := make([]int, len(dims))
	rem := lo
	for i := len(dims) - 1; i >= 0; i-- {
		idx[i] = rem % dims[i].size
		rem /= dims[i].size
	}
	off := reduceOffsetOf(lo, dims)
	for n := lo; n < hi; n++ {
		fn(off)
		off += reduceStep(dims, idx)
	}
}

// reduceWide reduces one long contiguous slice in parallel pieces.
func reduceWide[T reduceNum, A reduceAcc](kind reduceKind, x []T) A {
	const piece = 1 << 14
	n := (len(x) + piece - 1) / piece
	parts := make([]A, n)
	kernels.ParallelFor(n, 4, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			parts[p] = reduceSlice(kind, reduceInit[A](kind), x[p*piece:min((p+1)*piece, len(x))])
		}
	})
	acc := reduceInit[A](kind)
	for _, p := range parts {
		acc = reduceCombine(kind, acc, p)
	}
	return acc
}

// reduceDispatch runs a reduction for the blob's dtype.
func reduceDispatch(kind reduceKind, in, out Blob, mask []bool) error {
	if in.DType == Float32 {
		if term, ok := reduceVecTerm(kind); ok {
			reduceVec32(kind, term, out.F32(), in.F32(), in.Shape, mask)
			return nil
		}
		if kind == reduceMax || kind == reduceMin {
			reduceExt32(kind == reduceMin, out.F32(), in.F32(), in.Shape, mask)
			return nil
		}
	}
	g := reduceLayout(in.Shape, mask)
	switch in.DType {
	case Float32:
		reduceRun[float32, float64](kind, out.F32(), in.F32(), g)
	case Float64:
		reduceRun[float64, float64](kind, out.F64(), in.F64(), g)
	case Int32:
		reduceRun[int32, int64](kind, Elems[int32](out), Elems[int32](in), g)
	case Int64:
		reduceRun[int64, int64](kind, Elems[int64](out), Elems[int64](in), g)
	case Uint8:
		reduceRun[uint8, int64](kind, Elems[uint8](out), Elems[uint8](in), g)
	case Int8:
		reduceRun[int8, int64](kind, Elems[int8](out), Elems[int8](in), g)
	case Bool:
		if kind != reduceMax && kind != reduceMin {
			return fmt.Errorf("bool input: cast to int32 or float32 first")
		}
		reduceRun[uint8, int64](kind, Elems[uint8](out), Elems[uint8](in), g)
	case Float16, BFloat16:
		return fmt.Errorf("%v is a storage type: cast to float32 to compute", in.DType)
	default:
		return fmt.Errorf("dtype %v not supported", in.DType)
	}
	return nil
}

func reduceKernel(kind reduceKind) Kernel {
	return func(k *KernelArgs) error {
		var mb reduceMaskBuf
		mask, err := k.Attrs.(ReduceAttrs).maskInto(mb[:], len(k.In[0].Shape))
		if err != nil {
			return err
		}
		return reduceDispatch(kind, k.In[0], k.Out[0], mask)
	}
}

// reduceReshapeAttrs are the attributes of _reduce_reshape.
type reduceReshapeAttrs struct {
	Shape Shape `mx:"shape"`
}

var opSum, opMean, opProd, opMax, opMin, opNanSum, opNorm, opArgmax, opArgmin, opReduceReshape *OpDef

func regReduce(name string, aliases []string, kind reduceKind, empty string, grad func(g *GradArgs) []*NDArray) *OpDef {
	return RegisterOp(&OpDef{
		Name:       name,
		Aliases:    aliases,
		Attrs:      ReduceAttrs{},
		NumInputs:  1,
		InferShape: reduceInferShape(empty),
		Kernels:    cpu(reduceKernel(kind)),
		Grad:       grad,
	})
}

func init() {
	// _reduce_reshape gives a reduced array back its size-1 axes (or takes
	// them away) so that it broadcasts against the input in gradients.
	opReduceReshape = RegisterOp(&OpDef{
		Name:      "_reduce_reshape",
		Attrs:     reduceReshapeAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			s := attrs.(reduceReshapeAttrs).Shape
			if s.Size() != in[0].Size() {
				return nil, fmt.Errorf("cannot reshape %v to %v", in[0], s)
			}
			return []Shape{s.Clone()}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			copy(k.Out[0].Data, k.In[0].Data)
			return nil
		}),
		// The gradient is the reverse reshape.
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{reduceReshape(g.OutGrads[0], g.Inputs[0].shape)}
		},
	})

	// d sum = g broadcast over the reduced axes
	opSum = regReduce("sum", []string{"sum_axis", "_np_sum"}, reduceSum, "", func(g *GradArgs) []*NDArray {
		return []*NDArray{reduceBroadcastGrad(g)}
	})
	// d mean = g/count broadcast
	opMean = regReduce("mean", []string{"_np_mean"}, reduceMean, "", func(g *GradArgs) []*NDArray {
		x := g.Inputs[0]
		n := x.Size() / max(1, g.Outputs[0].Size())
		return []*NDArray{reduceBroadcastGrad(g).DivScalar(float64(max(n, 1)))}
	})
	// d prod = g*y/x (like MXNet, undefined where x has zeros)
	opProd = regReduce("prod", []string{"_np_prod"}, reduceProd, "", func(g *GradArgs) []*NDArray {
		x := g.Inputs[0]
		gy := g.OutGrads[0].Mul(g.Outputs[0])
		return []*NDArray{reduceKeepLike(gy, x, g.Attrs.(ReduceAttrs)).Div(x)}
	})
	opMax = regReduce("max", []string{"max_axis", "_np_max"}, reduceMax, "max", reduceExtremumGrad)
	opMin = regReduce("min", []string{"min_axis", "_np_min"}, reduceMin, "min", reduceExtremumGrad)
	// d nansum = g where x is not NaN
	opNanSum = regReduce("nansum", nil, reduceNanSum, "", func(g *GradArgs) []*NDArray {
		x := g.Inputs[0]
		return []*NDArray{reduceBroadcastGrad(g).Mul(x.Equal(x))}
	})

	opNorm = RegisterOp(&OpDef{
		Name:      "norm",
		Attrs:     NormAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			a := attrs.(NormAttrs)
			if a.Ord != 0 && a.Ord != 1 && a.Ord != 2 {
				return nil, fmt.Errorf("ord %d not supported (1 or 2)", a.Ord)
			}
			return reduceInferShape("")(a.reduce(), in)
		},
		Kernels: cpu(func(k *KernelArgs) error {
			a := k.Attrs.(NormAttrs)
			var mb reduceMaskBuf
			mask, err := a.reduce().maskInto(mb[:], len(k.In[0].Shape))
			if err != nil {
				return err
			}
			kind := reduceSqSum
			if a.Ord == 1 {
				kind = reduceAbsSum
			}
			return reduceDispatch(kind, k.In[0], k.Out[0], mask)
		}),
		Grad: func(g *GradArgs) []*NDArray {
			a, x := g.Attrs.(NormAttrs), g.Inputs[0]
			gk := reduceKeepLike(g.OutGrads[0], x, a.reduce())
			if a.Ord == 1 {
				// d Σ|x| = g*sign(x)
				return []*NDArray{gk.Mul(x.Sign())}
			}
			// d sqrt(Σx²) = g*x/y; a zero norm has zero x, so guard the
			// division to give 0 there instead of NaN.
			yk := reduceKeepLike(g.Outputs[0], x, a.reduce()).MaximumScalar(math.SmallestNonzeroFloat32)
			return []*NDArray{gk.Mul(x).Div(yk)}
		},
	})

	opArgmax = regArgReduce("argmax", true)
	opArgmin = regArgReduce("argmin", false)
}

func (a NormAttrs) reduce() ReduceAttrs { return ReduceAttrs{Axis: a.Axis, KeepDims: a.KeepDims} }

// reduceReshape reshapes a (same size) through the recorded private op.
func reduceReshape(a *NDArray, shape Shape) *NDArray {
	if a.shape.Equal(shape) {
		return a
	}
	return Invoke1(opReduceReshape, reduceReshapeAttrs{shape.Clone()}, a)
}

// reduceKeepLike gives r, the result of reducing x with attrs, its size-1
// reduced axes back so it broadcasts against x.
func reduceKeepLike(r, x *NDArray, attrs ReduceAttrs) *NDArray {
	mask, err := attrs.mask(x.Ndim())
	must("reduce", err)
	_, keep := reduceShapes(x.shape, mask, true)
	return reduceReshape(r, keep)
}

// reduceBroadcastGrad is the output gradient spread over the reduced axes.
func reduceBroadcastGrad(g *GradArgs) *NDArray {
	x := g.Inputs[0]
	if x.Size() == 0 { // BroadcastTo reads a 0 in a shape as "keep this size"
		return ZerosLike(x)
	}
	og := g.OutGrads[0]
	if og.Ndim() == 0 { // a full reduction: a scalar broadcasts as it is
		return BroadcastTo(og, x.shape)
	}
	return BroadcastTo(reduceKeepLike(og, x, g.Attrs.(ReduceAttrs)), x.shape)
}

// reduceExtremumGrad sends the gradient of max or min to the positions equal
// to the result, split evenly between ties (so the gradient still sums to g,
// as PyTorch's amax does; MXNet gives each tie the full g).
func reduceExtremumGrad(g *GradArgs) []*NDArray {
	x, attrs := g.Inputs[0], g.Attrs.(ReduceAttrs)
	mask := x.Equal(reduceKeepLike(g.Outputs[0], x, attrs))
	counts := Invoke1(opSum, ReduceAttrs{Axis: attrs.Axis, Exclude: attrs.Exclude, KeepDims: true}, mask)
	gk := reduceKeepLike(g.OutGrads[0], x, attrs)
	return []*NDArray{mask.Mul(gk.Div(counts))}
}

// Argmax and argmin.

func regArgReduce(name string, isMax bool) *OpDef {
	return RegisterOp(&OpDef{
		Name:      name,
		Attrs:     ArgReduceAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			a := attrs.(ArgReduceAttrs)
			mask, err := a.mask(len(in[0]))
			if err != nil {
				return nil, err
			}
			if err := reduceCheckNonEmpty(in[0], mask, name); err != nil {
				return nil, err
			}
			if a.Axis == nil && in[0].Size() == 0 {
				return nil, fmt.Errorf("%s of an empty array", name)
			}
			out, _ := reduceShapes(in[0], mask, a.KeepDims)
			return []Shape{out}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			a := k.Attrs.(ArgReduceAttrs)
			in, out := k.In[0], k.Out[0]
			outer, n, inner := argGeom(in.Shape, a.Axis)
			switch in.DType {
			case Float32:
				if inner == 1 {
					argExt32(out.F32(), in.F32(), outer, n, !isMax)
					break
				}
				argRun(out.F32(), in.F32(), outer, n, inner, isMax)
			case Float64:
				argRun(out.F64(), in.F64(), outer, n, inner, isMax)
			case Int32:
				argRun(Elems[int32](out), Elems[int32](in), outer, n, inner, isMax)
			case Int64:
				argRun(Elems[int64](out), Elems[int64](in), outer, n, inner, isMax)
			case Uint8, Bool:
				argRun(Elems[uint8](out), Elems[uint8](in), outer, n, inner, isMax)
			case Int8:
				argRun(Elems[int8](out), Elems[int8](in), outer, n, inner, isMax)
			default:
				return fmt.Errorf("dtype %v not supported (cast to float32)", in.DType)
			}
			return nil
		}),
	})
}

func (a ArgReduceAttrs) mask(ndim int) ([]bool, error) {
	if a.Axis == nil {
		return reduceMask(ndim, nil, false)
	}
	return reduceMask(ndim, []int{*a.Axis}, false)
}

// argGeom views shape as (outer, n, inner) around the searched axis.
func argGeom(shape Shape, axis *int) (outer, n, inner int) {
	if axis == nil {
		return 1, shape.Size(), 1
	}
	ax, _ := normAxis(*axis, len(shape))
	return Shape(shape[:ax]).Size(), shape[ax], Shape(shape[ax+1:]).Size()
}

// argRun writes the index of the first largest (or smallest) element along
// the middle dim; a NaN counts as the extreme (NumPy's rule).
func argRun[T reduceNum](out, in []T, outer, n, inner int, isMax bool) {
	better := func(v, best T) bool {
		if best != best {
			return false
		}
		if v != v {
			return true
		}
		if isMax {
			return v > best
		}
		return v < best
	}
	for o := 0; o < outer; o++ {
		for j := 0; j < inner; j++ {
			base := o*n*inner + j
			best, bi := in[base], 0
			for r := 1; r < n; r++ {
				if v := in[base+r*inner]; better(v, best) {
					best, bi = v, r
				}
			}
			out[o*inner+j] = T(bi)
		}
	}
}

// reduceBoxedAxes bounds the single axes of the shared boxed attributes.
const reduceBoxedAxes = 8

// reduceBoxed holds boxed ReduceAttrs of the common calls, per keepdims:
// one axis in [-reduceBoxedAxes, reduceBoxedAxes) at index axis +
// reduceBoxedAxes, and no axes at the end. Kernels and gradients only
// read attributes, so calls can share them instead of each boxing its
// own (and copying its axes).
var reduceBoxed = func() (t [2][2*reduceBoxedAxes + 1]any) {
	for k, keep := range []bool{false, true} {
		for ax := -reduceBoxedAxes; ax < reduceBoxedAxes; ax++ {
			t[k][ax+reduceBoxedAxes] = ReduceAttrs{Axis: []int{ax}, KeepDims: keep}
		}
		t[k][2*reduceBoxedAxes] = ReduceAttrs{KeepDims: keep}
	}
	return t
}()

// reduceAttrs boxes the attributes of reducing over axes, copying axes.
func reduceAttrs(axes []int, keepdims bool) any {
	k := 0
	if keepdims {
		k = 1
	}
	switch {
	case len(axes) == 0:
		return reduceBoxed[k][2*reduceBoxedAxes]
	case len(axes) == 1 && -reduceBoxedAxes <= axes[0] && axes[0] < reduceBoxedAxes:
		return reduceBoxed[k][axes[0]+reduceBoxedAxes]
	}
	return ReduceAttrs{Axis: slices.Clone(axes), KeepDims: keepdims}
}

// Sum adds the elements of a over axes (all axes when empty); keepdims
// keeps the reduced axes as size 1. It panics if an axis is out of range.
func Sum(a *NDArray, axes []int, keepdims bool) *NDArray {
	return Invoke1(opSum, reduceAttrs(axes, keepdims), a)
}

// Mean averages the elements of a over axes (all when empty).
func Mean(a *NDArray, axes []int, keepdims bool) *NDArray {
	return Invoke1(opMean, reduceAttrs(axes, keepdims), a)
}

// Prod multiplies the elements of a over axes (all when empty).
func Prod(a *NDArray, axes []int, keepdims bool) *NDArray {
	return Invoke1(opProd, reduceAttrs(axes, keepdims), a)
}

// Max takes the largest element of a over axes (all when empty); NaN
// propagates. The gradient is split evenly between tied maxima. It panics
// if a reduced axis has size 0.
func Max(a *NDArray, axes []int, keepdims bool) *NDArray {
	return Invoke1(opMax, reduceAttrs(axes, keepdims), a)
}

// Min takes the smallest element of a over axes (all when empty), like Max.
func Min(a *NDArray, axes []int, keepdims bool) *NDArray {
	return Invoke1(opMin, reduceAttrs(axes, keepdims), a)
}

// NanSum adds the elements of a over axes treating NaN as 0.
func NanSum(a *NDArray, axes []int, keepdims bool) *NDArray {
	return Invoke1(opNanSum, reduceAttrs(axes, keepdims), a)
}

// Norm is the L1 (ord 1: Σ|x|) or L2 (ord 2: sqrt(Σx²)) norm of a over axes
// (all when empty). It panics if ord is not 1 or 2.
func Norm(a *NDArray, ord int, axes []int, keepdims bool) *NDArray {
	return Invoke1(opNorm, NormAttrs{Ord: ord, Axis: slices.Clone(axes), KeepDims: keepdims}, a)
}

func argAttrs(axes []int, keepdims bool) ArgReduceAttrs {
	switch len(axes) {
	case 0:
		return ArgReduceAttrs{KeepDims: keepdims}
	case 1:
		ax := axes[0]
		return ArgReduceAttrs{Axis: &ax, KeepDims: keepdims}
	}
	panicf("argmax", "got axes %v, want at most one axis", axes)
	return ArgReduceAttrs{}
}

// Argmax gives the index of the first largest element along one axis (of
// the flattened array when axes is empty), as a value of a's dtype (MXNet's
// convention). It panics if axes has more than one axis.
func Argmax(a *NDArray, axes []int, keepdims bool) *NDArray {
	return Invoke1(opArgmax, argAttrs(axes, keepdims), a)
}

// Argmin gives the index of the first smallest element, like Argmax.
func Argmin(a *NDArray, axes []int, keepdims bool) *NDArray {
	return Invoke1(opArgmin, argAttrs(axes, keepdims), a)
}

// Sum adds the elements over axes (all axes when none are given), dropping
// them. Use the package function Sum to keep them.
func (a *NDArray) Sum(axes ...int) *NDArray { return Sum(a, axes, false) }

// Mean averages over axes (all when none are given).
func (a *NDArray) Mean(axes ...int) *NDArray { return Mean(a, axes, false) }

// Prod multiplies over axes (all when none are given).
func (a *NDArray) Prod(axes ...int) *NDArray { return Prod(a, axes, false) }

// Max takes the largest element over axes (all when none are given).
func (a *NDArray) Max(axes ...int) *NDArray { return Max(a, axes, false) }

// Min takes the smallest element over axes (all when none are given).
func (a *NDArray) Min(axes ...int) *NDArray { return Min(a, axes, false) }

// NanSum adds over axes treating NaN as 0.
func (a *NDArray) NanSum(axes ...int) *NDArray { return NanSum(a, axes, false) }

// Norm is the L2 norm over axes (all when none are given).
func (a *NDArray) Norm(axes ...int) *NDArray { return Norm(a, 2, axes, false) }

// Argmax gives the index of the largest element along axis (of the
// flattened array when none is given).
func (a *NDArray) Argmax(axis ...int) *NDArray { return Argmax(a, axis, false) }

// Argmin gives the index of the smallest element along axis (of the
// flattened array when none is given).
func (a *NDArray) Argmin(axis ...int) *NDArray { return Argmin(a, axis, false) }
