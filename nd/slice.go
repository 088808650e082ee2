package nd

import (
	"fmt"
	"math"
	"slices"
)

// Basic slicing. Views (Slice, At, SliceRanges with positive steps) share
// the base array's storage: they see later writes to it, and CopyFrom/Set
// on a view write into the base. While autograd records a tracked array,
// slicing goes through the recorded slice op instead, so gradients flow.
//
// The ops slice, slice_axis and slice_like copy and are differentiable;
// their gradient scatters g into zeros (_backward_slice).

// SliceNone in SliceAttrs.Begin/End (or SliceAxisAttrs.End) stands for
// MXNet's None: the start or end of the axis in the step's direction.
const SliceNone = math.MinInt

// SliceAttrs are the attributes of slice. Begin and End may be shorter than
// the number of dimensions (the remaining axes are kept whole); Step may be
// empty (all 1). Negative indices count from the end; out-of-range ones are
// clamped, as in Python.
type SliceAttrs struct {
	Begin []int `mx:"begin"`
	End   []int `mx:"end"`
	Step  []int `mx:"step"`
}

// SliceAxisAttrs are the attributes of slice_axis.
type SliceAxisAttrs struct {
	Axis  int `mx:"axis"`
	Begin int `mx:"begin"`
	End   int `mx:"end"` // SliceNone: to the end
}

// SliceLikeAttrs are the attributes of slice_like: empty Axes means all.
type SliceLikeAttrs struct {
	Axes Shape `mx:"axes"`
}

// SliceGradAttrs are the attributes of _backward_slice: the data shape the
// gradient is scattered into, and the slice that produced g.
type SliceGradAttrs struct {
	Shape Shape `mx:"shape"`
	SliceAttrs
}

var opSlice, opSliceAxis, opSliceLike, opSliceGrad *OpDef

func init() {
	opSlice = RegisterOp(&OpDef{
		Name: "slice", Aliases: []string{"crop", "_slice"}, Attrs: SliceAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			r, err := sliceResolve(in[0], a.(SliceAttrs))
			return []Shape{r.shape}, err
		},
		Kernels: cpu(func(k *KernelArgs) error { return sliceKernel(k, k.Attrs.(SliceAttrs)) }),
		// The gradient is g scattered into zeros of the input's shape.
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{sliceGrad(g.OutGrads[0], g.Inputs[0].shape, g.Attrs.(SliceAttrs))}
		},
	})
	opSliceAxis = RegisterOp(&OpDef{
		Name: "slice_axis", Attrs: SliceAxisAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			sa, err := sliceAxisAttrs(a.(SliceAxisAttrs), len(in[0]))
			if err != nil {
				return nil, err
			}
			r, err := sliceResolve(in[0], sa)
			return []Shape{r.shape}, err
		},
		Kernels: cpu(func(k *KernelArgs) error {
			sa, err := sliceAxisAttrs(k.Attrs.(SliceAxisAttrs), len(k.In[0].Shape))
			if err != nil {
				return err
			}
			return sliceKernel(k, sa)
		}),
		Grad: func(g *GradArgs) []*NDArray {
			sa, _ := sliceAxisAttrs(g.Attrs.(SliceAxisAttrs), g.Inputs[0].Ndim())
			return []*NDArray{sliceGrad(g.OutGrads[0], g.Inputs[0].shape, sa)}
		},
	})
	opSliceLike = RegisterOp(&OpDef{
		Name: "slice_like", Attrs: SliceLikeAttrs{}, NumInputs: 2,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			sa, err := sliceLikeAttrs(a.(SliceLikeAttrs), in[0], in[1])
			if err != nil {
				return nil, err
			}
			r, err := sliceResolve(in[0], sa)
			return []Shape{r.shape}, err
		},
		Kernels: cpu(func(k *KernelArgs) error {
			sa, err := sliceLikeAttrs(k.Attrs.(SliceLikeAttrs), k.In[0].Shape, k.In[1].Shape)
			if err != nil {
				return err
			}
			return sliceKernel(k, sa)
		}),
		// No gradient reaches shape_like: only its shape is used.
		Grad: func(g *GradArgs) []*NDArray {
			sa, _ := sliceLikeAttrs(g.Attrs.(SliceLikeAttrs), g.Inputs[0].shape, g.Inputs[1].shape)
			return []*NDArray{sliceGrad(g.OutGrads[0], g.Inputs[0].shape, sa), nil}
		},
	})
	opSliceGrad = RegisterOp(&OpDef{
		Name: "_backward_slice", Attrs: SliceGradAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			at := a.(SliceGradAttrs)
			r, err := sliceResolve(at.Shape, at.SliceAttrs)
			if err != nil {
				return nil, err
			}
			if !r.shape.Equal(in[0]) {
				return nil, fmt.Errorf("gradient shape %v, slice gives %v", in[0], r.shape)
			}
			return []Shape{at.Shape.Clone()}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(SliceGradAttrs)
			in, out := k.In[0], k.Out[0]
			r, err := sliceResolve(at.Shape, at.SliceAttrs)
			if err != nil {
				return err
			}
			clear(out.Data)
			shapeMove(out.Data, r.base, r.strides, in.Data, 0, nil, r.shape, in.DType.Size())
			return nil
		}),
		// It is linear in g: its gradient is the slice again.
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{Invoke1(opSlice, g.Attrs.(SliceGradAttrs).SliceAttrs, g.OutGrads[0])}
		},
	})
}

func sliceGrad(g *NDArray, shape Shape, sa SliceAttrs) *NDArray {
	return Invoke1(opSliceGrad, SliceGradAttrs{Shape: shape.Clone(), SliceAttrs: sa}, g)
}

func sliceKernel(k *KernelArgs, sa SliceAttrs) error {
	in, out := k.In[0], k.Out[0]
	r, err := sliceResolve(in.Shape, sa)
	if err != nil {
		return err
	}
	shapeMove(out.Data, 0, nil, in.Data, r.base, r.strides, r.shape, in.DType.Size())
	return nil
}

// sliceRegion is a resolved slice of a C-contiguous array: its shape, the
// element offset of its first element and its element strides.
type sliceRegion struct {
	shape   Shape
	base    int
	strides []int
	starts  []int
	steps   []int
}

// sliceResolve applies Python slice rules per axis.
func sliceResolve(s Shape, sa SliceAttrs) (sliceRegion, error) {
	if len(sa.Begin) > len(s) || len(sa.End) > len(s) || len(sa.Step) > len(s) {
		return sliceRegion{}, fmt.Errorf("slice begin %v end %v step %v: more entries than %d dimensions", sa.Begin, sa.End, sa.Step, len(s))
	}
	cs := s.Strides()
	r := sliceRegion{shape: make(Shape, len(s)), strides: make([]int, len(s)), starts: make([]int, len(s)), steps: make([]int, len(s))}
	for d, n := range s {
		b, e, st := SliceNone, SliceNone, 1
		if d < len(sa.Begin) {
			b = sa.Begin[d]
		}
		if d < len(sa.End) {
			e = sa.End[d]
		}
		if d < len(sa.Step) && sa.Step[d] != SliceNone {
			st = sa.Step[d]
		}
		if st == 0 {
			return sliceRegion{}, fmt.Errorf("slice step 0 on axis %d", d)
		}
		start, count := sliceIndices(n, b, e, st)
		r.shape[d], r.starts[d], r.steps[d] = count, start, st
		r.strides[d] = st * cs[d]
		if count > 0 {
			r.base += start * cs[d]
		}
	}
	return r, nil
}

// sliceIndices is Python's slice.indices: the first index and the count.
func sliceIndices(n, b, e, step int) (start, count int) {
	norm := func(i, def, lo, hi int) int {
		if i == SliceNone {
			return def
		}
		if i < 0 {
			i += n
		}
		return min(max(i, lo), hi)
	}
	if step > 0 {
		start = norm(b, 0, 0, n)
		stop := norm(e, n, 0, n)
		if stop > start {
			count = (stop - start + step - 1) / step
		}
	} else {
		start = norm(b, n-1, -1, n-1)
		stop := norm(e, -1, -1, n-1)
		if start > stop {
			count = (start - stop - step - 1) / -step
		}
	}
	return start, count
}

func sliceAxisAttrs(at SliceAxisAttrs, ndim int) (SliceAttrs, error) {
	ax, ok := normAxis(at.Axis, ndim)
	if !ok {
		return SliceAttrs{}, fmt.Errorf("axis %d out of range for %d dimensions", at.Axis, ndim)
	}
	sa := SliceAttrs{Begin: make([]int, ax+1), End: make([]int, ax+1)}
	for d := 0; d < ax; d++ {
		sa.Begin[d], sa.End[d] = SliceNone, SliceNone
	}
	sa.Begin[ax], sa.End[ax] = at.Begin, at.End
	return sa, nil
}

func sliceLikeAttrs(at SliceLikeAttrs, data, like Shape) (SliceAttrs, error) {
	sa := SliceAttrs{Begin: make([]int, len(data)), End: make([]int, len(data))}
	for d := range data {
		sa.Begin[d], sa.End[d] = 0, SliceNone
	}
	axes := at.Axes
	if len(axes) == 0 {
		if len(like) != len(data) {
			return SliceAttrs{}, fmt.Errorf("shape_like %v has a different number of dimensions than %v", like, data)
		}
		for d := range data {
			axes = append(axes, d)
		}
	}
	for _, a := range axes {
		ax, ok := normAxis(a, len(data))
		if !ok || ax >= len(like) {
			return SliceAttrs{}, fmt.Errorf("axis %d out of range for %v and %v", a, data, like)
		}
		if like[ax] > data[ax] {
			return SliceAttrs{}, fmt.Errorf("axis %d: shape_like size %d exceeds data size %d", ax, like[ax], data[ax])
		}
		sa.End[ax] = like[ax]
	}
	return sa, nil
}

// SliceOp copies a[begin:end:step] (per axis; see SliceAttrs, SliceNone for
// an open end; step may be nil). It is differentiable. It panics if a step
// is 0 or there are more entries than dimensions.
func SliceOp(a *NDArray, begin, end, step []int) *NDArray {
	return Invoke1(opSlice, SliceAttrs{Begin: cloneInts(begin), End: cloneInts(end), Step: cloneInts(step)}, a)
}

// SliceAxis copies a[..., begin:end, ...] along axis (end may be
// SliceNone). It is differentiable.
func SliceAxis(a *NDArray, axis, begin, end int) *NDArray {
	return Invoke1(opSliceAxis, SliceAxisAttrs{Axis: axis, Begin: begin, End: end}, a)
}

// SliceLike copies the leading part of a that has like's size on axes (all
// axes when none are given). It is differentiable in a.
func SliceLike(a, like *NDArray, axes ...int) *NDArray {
	return Invoke1(opSliceLike, SliceLikeAttrs{Shape(axes).Clone()}, a, like)
}

func cloneInts(s []int) []int {
	if s == nil {
		return nil
	}
	return append([]int(nil), s...)
}

// Range selects part of one axis for SliceRanges, with Python's rules. The
// zero value selects the whole axis.
type Range struct {
	begin, end, step int
	hasBegin, hasEnd bool
	index            bool // a single index: the axis is dropped
}

// Span selects [begin, end) (negative values count from the end).
func Span(begin, end int) Range { return Range{begin: begin, end: end, hasBegin: true, hasEnd: true} }

// SpanFrom selects [begin, end of axis).
func SpanFrom(begin int) Range { return Range{begin: begin, hasBegin: true} }

// SpanTo selects [start of axis, end).
func SpanTo(end int) Range { return Range{end: end, hasEnd: true} }

// Whole selects the whole axis (the same as Range{}).
func Whole() Range { return Range{} }

// Elem selects index i and drops the axis, like x[i].
func Elem(i int) Range { return Range{begin: i, hasBegin: true, index: true} }

// By returns r with a step (Python's begin:end:step). A negative step walks
// backwards; an open begin/end then means the end/start of the axis.
func (r Range) By(step int) Range {
	r.step = step
	return r
}

func (r Range) bounds() (b, e, st int) {
	b, e, st = SliceNone, SliceNone, r.step
	if st == 0 {
		st = 1
	}
	if r.hasBegin {
		b = r.begin
	}
	if r.hasEnd {
		e = r.end
	}
	return b, e, st
}

// viewAs returns an array viewing a's storage with a new shape, element
// offset and strides (nil: C-contiguous). It is cut from autograd.
func (a *NDArray) viewAs(shape Shape, offset int, strides []int) *NDArray {
	if strides != nil && sliceIsContiguous(shape, strides) {
		strides = nil
	}
	return &NDArray{shape: shape, dtype: a.dtype, st: a.st, offset: offset, strides: strides}
}

// sliceIsContiguous reports whether strides are C order for shape (size-1
// dimensions may have any stride).
func sliceIsContiguous(shape Shape, strides []int) bool {
	acc := 1
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] != 1 && strides[d] != acc {
			return shape.Size() == 0
		}
		acc *= shape[d]
	}
	return true
}

// strides returns a's element strides (C order when contiguous).
func (a *NDArray) elemStrides() []int {
	if a.strides != nil {
		return a.strides
	}
	return a.shape.Strides()
}

// SliceRanges returns a[r0, r1, ...] with NumPy's basic-slicing rules: one
// Range per leading axis (missing ones are Whole), an Elem range drops its
// axis. With positive steps the result is a view of a's storage; a negative
// step gives a copy (as MXNet does for stepped slices). It panics if there
// are more ranges than dimensions or an Elem index is out of range.
func (a *NDArray) SliceRanges(ranges ...Range) *NDArray {
	if len(ranges) > len(a.shape) {
		panicf("slice", "%d ranges for an array of shape %v", len(ranges), a.shape)
	}
	sa := SliceAttrs{Begin: make([]int, len(ranges)), End: make([]int, len(ranges)), Step: make([]int, len(ranges))}
	var drop []int
	backwards := false
	for d, r := range ranges {
		b, e, st := r.bounds()
		if r.index {
			i := b
			if i < 0 {
				i += a.shape[d]
			}
			if i < 0 || i >= a.shape[d] {
				panicf("slice", "index %d out of range for axis %d of size %d", b, d, a.shape[d])
			}
			b, e, st = i, i+1, 1
			drop = append(drop, d)
		}
		sa.Begin[d], sa.End[d], sa.Step[d] = b, e, st
		backwards = backwards || st < 0
	}
	var out *NDArray
	if backwards || shapeRecordsView(a) {
		out = Invoke1(opSlice, sa, a)
	} else {
		r, err := sliceResolve(a.shape, sa)
		if err != nil {
			panic(opError(opSlice, []*NDArray{a}, err))
		}
		st := a.elemStrides()
		off, strides := a.offset, make([]int, len(st))
		for d := range st {
			if r.shape[d] > 0 {
				off += r.starts[d] * st[d]
			}
			strides[d] = r.steps[d] * st[d]
		}
		out = a.viewAs(r.shape, off, strides)
	}
	if len(drop) == 0 {
		return out
	}
	keep := Shape{}
	for d, n := range out.shape {
		if !slices.Contains(drop, d) {
			keep = append(keep, n)
		}
	}
	if out.strides == nil {
		return Reshape(out, keep, false)
	}
	// a strided view: drop the axes from its strides
	var ks []int
	for d, s := range out.strides {
		if !slices.Contains(drop, d) {
			ks = append(ks, s)
		}
	}
	return a.viewAs(keep, out.offset, ks)
}

// Slice returns a[begin:end] along axis 0 (MXNet's x[begin:end]), a view
// outside autograd recording. Negative values count from the end.
func (a *NDArray) Slice(begin, end int) *NDArray {
	if len(a.shape) == 0 {
		panicf("slice", "cannot slice a scalar")
	}
	return a.SliceRanges(Span(begin, end))
}

// At returns a[i], dropping axis 0 (a view outside autograd recording). It
// panics if i is out of range.
func (a *NDArray) At(i int) *NDArray {
	if len(a.shape) == 0 {
		panicf("slice", "cannot index a scalar")
	}
	return a.SliceRanges(Elem(i))
}
