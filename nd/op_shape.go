package nd

import (
	"fmt"
	"slices"
	"unsafe"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Shape ops: they move elements without arithmetic, so their kernels work
// for every dtype (float16 and bfloat16 included). Gradients are the
// inverse moves, written with these same ops.

// ReshapeAttrs are the attributes of Reshape. Shape may hold -1 (infer) and
// MXNet's codes: 0 copies the input dimension, -2 copies all remaining
// ones, -3 merges two input dimensions, -4 splits one input dimension into
// the two values that follow it (one of them may be -1). With Reverse the
// codes are matched from the right.
type ReshapeAttrs struct {
	Shape   Shape `mx:"shape"`
	Reverse bool  `mx:"reverse"`
}

// ExpandDimsAttrs are the attributes of expand_dims.
type ExpandDimsAttrs struct {
	Axis int `mx:"axis"`
}

// SqueezeAttrs are the attributes of squeeze: nil Axis removes every
// size-1 dimension.
type SqueezeAttrs struct {
	Axis Shape `mx:"axis"`
}

// TransposeAttrs are the attributes of transpose: empty Axes reverses the
// dimensions.
type TransposeAttrs struct {
	Axes Shape `mx:"axes"`
}

// SwapAxesAttrs are the attributes of SwapAxis.
type SwapAxesAttrs struct {
	Dim1 int `mx:"dim1"`
	Dim2 int `mx:"dim2"`
}

// FlipAttrs are the attributes of reverse (flip).
type FlipAttrs struct {
	Axis Shape `mx:"axis"`
}

var opReshape, opExpandDims, opSqueeze, opTranspose, opSwapAxes, opFlip, opFlatten *OpDef

func init() {
	opReshape = RegisterOp(&OpDef{
		Name: "Reshape", Aliases: []string{"reshape"}, Attrs: ReshapeAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			at := a.(ReshapeAttrs)
			s, err := shapeReshapeInfer(in[0], at.Shape, at.Reverse)
			return []Shape{s}, err
		},
		Kernels: cpu(shapeCopyKernel),
		// The gradient is g read in the input's shape.
		Grad: func(g *GradArgs) []*NDArray { return []*NDArray{shapeAs(g.OutGrads[0], g.Inputs[0].shape)} },
	})
	opExpandDims = RegisterOp(&OpDef{
		Name: "expand_dims", Attrs: ExpandDimsAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			s, err := shapeExpandDims(in[0], a.(ExpandDimsAttrs).Axis)
			return []Shape{s}, err
		},
		Kernels: cpu(shapeCopyKernel),
		Grad:    func(g *GradArgs) []*NDArray { return []*NDArray{shapeAs(g.OutGrads[0], g.Inputs[0].shape)} },
	})
	opSqueeze = RegisterOp(&OpDef{
		Name: "squeeze", Attrs: SqueezeAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			s, err := shapeSqueeze(in[0], a.(SqueezeAttrs).Axis)
			return []Shape{s}, err
		},
		Kernels: cpu(shapeCopyKernel),
		Grad:    func(g *GradArgs) []*NDArray { return []*NDArray{shapeAs(g.OutGrads[0], g.Inputs[0].shape)} },
	})
	opFlatten = RegisterOp(&OpDef{
		Name: "Flatten", Aliases: []string{"flatten"}, NumInputs: 1,
		InferShape: func(_ any, in []Shape) ([]Shape, error) {
			if len(in[0]) == 0 {
				return nil, fmt.Errorf("cannot flatten a scalar")
			}
			return []Shape{{in[0][0], Shape(in[0][1:]).Size()}}, nil
		},
		Kernels: cpu(shapeCopyKernel),
		Grad:    func(g *GradArgs) []*NDArray { return []*NDArray{shapeAs(g.OutGrads[0], g.Inputs[0].shape)} },
	})
	opTranspose = RegisterOp(&OpDef{
		Name: "transpose", Attrs: TransposeAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			perm, err := shapePerm(a.(TransposeAttrs).Axes, len(in[0]))
			if err != nil {
				return nil, err
			}
			return []Shape{shapePermute(in[0], perm)}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			perm, _ := shapePerm(k.Attrs.(TransposeAttrs).Axes, len(k.In[0].Shape))
			in, out := k.In[0], k.Out[0]
			if transposeLastTwo(perm) && in.DType.Size() == 4 {
				// A batch of matrix transposes: (..., m, n) to (..., n, m).
				nd := len(in.Shape)
				m, n := in.Shape[nd-2], in.Shape[nd-1]
				src, dst := shapeWords[uint32](in.Data), shapeWords[uint32](out.Data)
				for b := range Shape(in.Shape[:nd-2]).Size() {
					kernels.Transpose32(dst[b*m*n:(b+1)*m*n], src[b*m*n:(b+1)*m*n], m, n, n, m)
				}
				return nil
			}
			shapeMove(out.Data, 0, nil, in.Data, 0, shapePermute(in.Shape.Strides(), perm), out.Shape, in.DType.Size())
			return nil
		}),
		// The gradient is g transposed by the inverse permutation.
		Grad: func(g *GradArgs) []*NDArray {
			perm, _ := shapePerm(g.Attrs.(TransposeAttrs).Axes, g.Inputs[0].Ndim())
			inv := make(Shape, len(perm))
			for i, p := range perm {
				inv[p] = i
			}
			return []*NDArray{Transpose(g.OutGrads[0], inv...)}
		},
	})
	opSwapAxes = RegisterOp(&OpDef{
		Name: "SwapAxis", Aliases: []string{"swapaxes"}, Attrs: SwapAxesAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			perm, err := shapeSwapPerm(a.(SwapAxesAttrs), len(in[0]))
			if err != nil {
				return nil, err
			}
			return []Shape{shapePermute(in[0], perm)}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			perm, _ := shapeSwapPerm(k.Attrs.(SwapAxesAttrs), len(k.In[0].Shape))
			in, out := k.In[0], k.Out[0]
			shapeMove(out.Data, 0, nil, in.Data, 0, shapePermute(in.Shape.Strides(), perm), out.Shape, in.DType.Size())
			return nil
		}),
		// Swapping twice is the identity.
		Grad: func(g *GradArgs) []*NDArray {
			at := g.Attrs.(SwapAxesAttrs)
			return []*NDArray{SwapAxes(g.OutGrads[0], at.Dim1, at.Dim2)}
		},
	})
	opFlip = RegisterOp(&OpDef{
		Name: "reverse", Aliases: []string{"flip"}, Attrs: FlipAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			_, err := shapeAxisSet(a.(FlipAttrs).Axis, len(in[0]))
			return []Shape{in[0]}, err
		},
		Kernels: cpu(func(k *KernelArgs) error {
			in, out := k.In[0], k.Out[0]
			flip, _ := shapeAxisSet(k.Attrs.(FlipAttrs).Axis, len(in.Shape))
			st := in.Shape.Strides()
			base := 0
			for d, f := range flip {
				if f && in.Shape[d] > 0 {
					base += (in.Shape[d] - 1) * st[d]
					st[d] = -st[d]
				}
			}
			shapeMove(out.Data, 0, nil, in.Data, base, st, in.Shape, in.DType.Size())
			return nil
		}),
		// Flipping twice is the identity.
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{Flip(g.OutGrads[0], g.Attrs.(FlipAttrs).Axis...)}
		},
	})
}

// shapeAs reshapes g to an explicit shape (no codes).
func shapeAs(g *NDArray, s Shape) *NDArray { return Reshape(g, s.Clone(), false) }

func shapeCopyKernel(k *KernelArgs) error {
	copy(k.Out[0].Data, k.In[0].Data)
	return nil
}

// shapeReshapeInfer applies MXNet's reshape codes to the input shape.
func shapeReshapeInfer(in, spec Shape, reverse bool) (Shape, error) {
	src, params := in.Clone(), spec.Clone()
	if reverse {
		slices.Reverse(src)
		params = shapeReverseCodes(params)
	}
	out := Shape{}
	inferAt, si := -1, 0
	dim := func(i int) (int, error) {
		if i >= len(src) {
			return 0, fmt.Errorf("reshape %v: codes read past the input's %d dimensions", spec, len(src))
		}
		return src[i], nil
	}
	for i := 0; i < len(params); i++ {
		switch p := params[i]; {
		case p > 0:
			out = append(out, p)
			si++
		case p == 0:
			d, err := dim(si)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
			si++
		case p == -1:
			if inferAt >= 0 {
				return nil, fmt.Errorf("reshape %v: more than one -1", spec)
			}
			inferAt = len(out)
			out = append(out, 1)
			si++
		case p == -2:
			if si < len(src) {
				out = append(out, src[si:]...)
			}
			si = len(src)
		case p == -3:
			d1, err1 := dim(si)
			d2, err2 := dim(si + 1)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("reshape %v: -3 needs two input dimensions", spec)
			}
			out = append(out, d1*d2)
			si += 2
		case p == -4:
			if i+2 >= len(params) {
				return nil, fmt.Errorf("reshape %v: -4 must be followed by two values", spec)
			}
			d0, err := dim(si)
			if err != nil {
				return nil, err
			}
			si++
			a, b := params[i+1], params[i+2]
			i += 2
			a, b, err = shapeSplitDim(d0, a, b)
			if err != nil {
				return nil, fmt.Errorf("reshape %v: %v", spec, err)
			}
			out = append(out, a, b)
		default:
			return nil, fmt.Errorf("reshape %v: unknown code %d", spec, p)
		}
	}
	size := in.Size()
	if inferAt >= 0 {
		known := 1
		for i, d := range out {
			if i != inferAt {
				known *= d
			}
		}
		if known == 0 || size%known != 0 {
			return nil, fmt.Errorf("reshape %v: cannot infer -1 for %d elements", spec, size)
		}
		out[inferAt] = size / known
	}
	if out.Size() != size {
		return nil, fmt.Errorf("reshape to %v: %d elements do not fill it", spec, size)
	}
	if reverse {
		slices.Reverse(out)
	}
	return out, nil
}

// shapeSplitDim resolves the two values after a -4 code.
func shapeSplitDim(d0, a, b int) (int, int, error) {
	if a < -1 || b < -1 || a == 0 || b == 0 {
		return 0, 0, fmt.Errorf("-4 values must be positive or -1, got %d, %d", a, b)
	}
	switch {
	case a == -1 && b == -1:
		return 0, 0, fmt.Errorf("-4 values cannot both be -1")
	case a == -1:
		a = d0 / b
	case b == -1:
		b = d0 / a
	}
	if a*b != d0 {
		return 0, 0, fmt.Errorf("-4 splits %d into %d×%d", d0, a, b)
	}
	return a, b, nil
}

// shapeReverseCodes reverses reshape codes for reverse mode, keeping each
// "-4 a b" group in place so it still reads its two values after -4
// (mirrored, since the dimensions are mirrored too).
func shapeReverseCodes(p Shape) Shape {
	var groups []Shape
	for i := 0; i < len(p); i++ {
		if p[i] == -4 && i+2 < len(p) {
			groups = append(groups, Shape{-4, p[i+2], p[i+1]})
			i += 2
			continue
		}
		groups = append(groups, Shape{p[i]})
	}
	out := make(Shape, 0, len(p))
	for i := len(groups) - 1; i >= 0; i-- {
		out = append(out, groups[i]...)
	}
	return out
}

func shapeExpandDims(s Shape, axis int) (Shape, error) {
	ax, ok := normAxis(axis, len(s)+1)
	if !ok {
		return nil, fmt.Errorf("axis %d out of range for %d dimensions", axis, len(s)+1)
	}
	return slices.Insert(s.Clone(), ax, 1), nil
}

func shapeSqueeze(s Shape, axes Shape) (Shape, error) {
	drop := make([]bool, len(s))
	if axes == nil {
		for i, d := range s {
			drop[i] = d == 1
		}
	} else {
		set, err := shapeAxisSet(axes, len(s))
		if err != nil {
			return nil, err
		}
		for i, f := range set {
			if f && s[i] != 1 {
				return nil, fmt.Errorf("cannot squeeze axis %d of size %d", i, s[i])
			}
			drop[i] = f
		}
	}
	out := Shape{}
	for i, d := range s {
		if !drop[i] {
			out = append(out, d)
		}
	}
	if len(out) == 0 && len(s) > 0 {
		out = Shape{1} // MXNet keeps one dimension
	}
	return out, nil
}

// shapeAxisSet marks the (possibly negative) axes, rejecting repeats.
func shapeAxisSet(axes Shape, ndim int) ([]bool, error) {
	set := make([]bool, ndim)
	for _, a := range axes {
		ax, ok := normAxis(a, ndim)
		if !ok {
			return nil, fmt.Errorf("axis %d out of range for %d dimensions", a, ndim)
		}
		if set[ax] {
			return nil, fmt.Errorf("axis %d given twice", a)
		}
		set[ax] = true
	}
	return set, nil
}

// shapePerm validates a permutation (empty: reversed axes).
func shapePerm(axes Shape, ndim int) ([]int, error) {
	if len(axes) == 0 {
		perm := make([]int, ndim)
		for i := range perm {
			perm[i] = ndim - 1 - i
		}
		return perm, nil
	}
	if len(axes) != ndim {
		return nil, fmt.Errorf("axes %v: want %d axes", axes, ndim)
	}
	if _, err := shapeAxisSet(axes, ndim); err != nil {
		return nil, err
	}
	perm := make([]int, ndim)
	for i, a := range axes {
		perm[i], _ = normAxis(a, ndim)
	}
	return perm, nil
}

func shapeSwapPerm(at SwapAxesAttrs, ndim int) ([]int, error) {
	a, ok1 := normAxis(at.Dim1, ndim)
	b, ok2 := normAxis(at.Dim2, ndim)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("axes %d, %d out of range for %d dimensions", at.Dim1, at.Dim2, ndim)
	}
	perm := make([]int, ndim)
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = b, a
	return perm, nil
}

func shapePermute(s []int, perm []int) Shape {
	out := make(Shape, len(perm))
	for i, p := range perm {
		out[i] = s[p]
	}
	return out
}

// shapeMove copies shape's elements (C order) from src to dst. Element
// positions are base + Σ idx[d]·strides[d]; nil strides mean C-contiguous;
// strides may be 0 (broadcast) or negative (reversed).
// transposeLastTwo reports whether perm swaps the last two axes and keeps
// the others in place.
func transposeLastTwo(perm []int) bool {
	nd := len(perm)
	if nd < 2 || perm[nd-2] != nd-1 || perm[nd-1] != nd-2 {
		return false
	}
	for i, p := range perm[:nd-2] {
		if p != i {
			return false
		}
	}
	return true
}

func shapeMove(dst []byte, dBase int, dStrides []int, src []byte, sBase int, sStrides []int, shape Shape, es int) {
	n := shape.Size()
	if n == 0 {
		return
	}
	cs := shape.Strides()
	if dStrides == nil {
		dStrides = cs
	}
	if sStrides == nil {
		sStrides = cs
	}
	nd := len(shape)
	if nd == 0 {
		copy(dst[dBase*es:dBase*es+es], src[sBase*es:sBase*es+es])
		return
	}
	inner := shape[nd-1]
	dIn, sIn := dStrides[nd-1], sStrides[nd-1]
	idx := make([]int, nd)
	doff, soff := dBase, sBase
	for done := 0; done < n; done += inner {
		shapeMoveRow(dst, doff, dIn, src, soff, sIn, inner, es)
		for d := nd - 2; d >= 0; d-- {
			idx[d]++
			doff += dStrides[d]
			soff += sStrides[d]
			if idx[d] < shape[d] {
				break
			}
			doff -= dStrides[d] * shape[d]
			soff -= sStrides[d] * shape[d]
			idx[d] = 0
		}
	}
}

func shapeMoveRow(dst []byte, doff, ds int, src []byte, soff, ss, n, es int) {
	if ds == 1 && ss == 1 {
		copy(dst[doff*es:(doff+n)*es], src[soff*es:(soff+n)*es])
		return
	}
	switch es {
	case 4:
		d, s := shapeWords[uint32](dst), shapeWords[uint32](src)
		for j := 0; j < n; j++ {
			d[doff+j*ds] = s[soff+j*ss]
		}
	case 8:
		d, s := shapeWords[uint64](dst), shapeWords[uint64](src)
		for j := 0; j < n; j++ {
			d[doff+j*ds] = s[soff+j*ss]
		}
	default:
		for j := 0; j < n; j++ {
			di, si := (doff+j*ds)*es, (soff+j*ss)*es
			copy(dst[di:di+es], src[si:si+es])
		}
	}
}

func shapeWords[T uint32 | uint64](b []byte) []T {
	var z T
	n := len(b) / int(unsafe.Sizeof(z))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// shapeRecordsView reports whether a reshape or slice of a must go through
// a recorded op (so gradients flow) instead of returning a view.
func shapeRecordsView(a *NDArray) bool {
	return (a.ag != nil && recorder != nil && recorder.Recording()) || a.st.traced
}

// Reshape returns a with a new shape (MXNet's reshape, with its codes: see
// ReshapeAttrs). For a contiguous array outside autograd recording the
// result is a view sharing a's storage (writes to one show in the other);
// while recording a tracked array it is a recorded copy. It panics if the
// shape does not fit a's size.
func Reshape(a *NDArray, shape Shape, reverse bool) *NDArray {
	at := ReshapeAttrs{Shape: shape.Clone(), Reverse: reverse}
	if !a.IsContiguous() || shapeRecordsView(a) {
		return Invoke1(opReshape, at, a)
	}
	s, err := shapeReshapeInfer(a.shape, at.Shape, reverse)
	if err != nil {
		panic(opError(opReshape, []*NDArray{a}, err))
	}
	return a.viewAs(s, a.offset, nil)
}

// Reshape is nd.Reshape with the shape as arguments: x.Reshape(2, -1).
func (a *NDArray) Reshape(shape ...int) *NDArray { return Reshape(a, Shape(shape), false) }

// ExpandDims inserts a size-1 dimension at axis (-ndim-1 <= axis <= ndim).
func ExpandDims(a *NDArray, axis int) *NDArray {
	return Invoke1(opExpandDims, ExpandDimsAttrs{axis}, a)
}

// ExpandDims inserts a size-1 dimension at axis.
func (a *NDArray) ExpandDims(axis int) *NDArray { return ExpandDims(a, axis) }

// Squeeze removes the given size-1 axes, or every size-1 axis when none are
// given. Like MXNet, squeezing every axis of a non-scalar leaves shape (1,).
// It panics if a named axis does not have size 1.
func Squeeze(a *NDArray, axes ...int) *NDArray {
	var ax Shape
	if len(axes) > 0 {
		ax = Shape(axes).Clone()
	}
	return Invoke1(opSqueeze, SqueezeAttrs{ax}, a)
}

// Squeeze removes size-1 axes.
func (a *NDArray) Squeeze(axes ...int) *NDArray { return Squeeze(a, axes...) }

// Flatten reshapes a to (d0, d1·d2·…). It panics for a scalar.
func Flatten(a *NDArray) *NDArray { return Invoke1(opFlatten, nil, a) }

// Flatten reshapes a to two dimensions.
func (a *NDArray) Flatten() *NDArray { return Flatten(a) }

// Transpose permutes a's axes: out dimension i is a's dimension axes[i].
// With no axes the dimensions are reversed. It panics if axes is not a
// permutation.
func Transpose(a *NDArray, axes ...int) *NDArray {
	return Invoke1(opTranspose, TransposeAttrs{Shape(axes).Clone()}, a)
}

// T returns a with its axes reversed (the matrix transpose for 2-D).
func (a *NDArray) T() *NDArray { return Transpose(a) }

// Transpose permutes a's axes.
func (a *NDArray) Transpose(axes ...int) *NDArray { return Transpose(a, axes...) }

// SwapAxes exchanges two axes.
func SwapAxes(a *NDArray, dim1, dim2 int) *NDArray {
	return Invoke1(opSwapAxes, SwapAxesAttrs{dim1, dim2}, a)
}

// SwapAxes exchanges two axes.
func (a *NDArray) SwapAxes(dim1, dim2 int) *NDArray { return SwapAxes(a, dim1, dim2) }

// Flip reverses the order of elements along the given axes (MXNet's
// reverse).
func Flip(a *NDArray, axes ...int) *NDArray {
	return Invoke1(opFlip, FlipAttrs{Shape(axes).Clone()}, a)
}

// Flip reverses a along axes.
func (a *NDArray) Flip(axes ...int) *NDArray { return Flip(a, axes...) }
