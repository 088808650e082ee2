package nd

import (
	"fmt"
	"slices"
	"sync"
)

// Indexing ops. Gathers (take, pick, gather_nd, boolean_mask) copy bytes,
// so they work for every dtype; their gradients are scatter-adds registered
// as their own ops (_backward_take, ...), which are linear in g and so are
// differentiable again (their gradient is the gather).

// TakeAttrs are the attributes of take. Mode is "clip" (the default, also
// for ""), "wrap" or "raise".
type TakeAttrs struct {
	Axis int    `mx:"axis"`
	Mode string `mx:"mode" default:"clip"`
}

// PickAttrs are the attributes of pick. MXNet's default Axis is -1; Pick
// sets it explicitly.
type PickAttrs struct {
	Axis     int    `mx:"axis" default:"-1"`
	Keepdims bool   `mx:"keepdims"`
	Mode     string `mx:"mode" default:"clip"`
}

// ScatterNDAttrs are the attributes of scatter_nd and _backward_gather_nd.
type ScatterNDAttrs struct {
	Shape Shape `mx:"shape"`
}

// OneHotAttrs are the attributes of one_hot. MXNet's default OnValue is 1;
// OneHot sets it explicitly.
type OneHotAttrs struct {
	Depth    int     `mx:"depth"`
	OnValue  float64 `mx:"on_value" default:"1"`
	OffValue float64 `mx:"off_value"`
	DType    DType   `mx:"dtype"`
}

// BooleanMaskAttrs are the attributes of _contrib_boolean_mask. Count, the
// number of selected entries, is not an MXNet attribute: BooleanMask reads
// it from the mask so the output shape is known before the kernel runs.
type BooleanMaskAttrs struct {
	Axis  int `mx:"axis"`
	Count int `mx:"-"`
}

// indexTakeGradAttrs are the attributes of _backward_take.
type indexTakeGradAttrs struct {
	TakeAttrs
	Dim int `mx:"dim"` // size of the data's axis
}

// indexPickGradAttrs are the attributes of _backward_pick.
type indexPickGradAttrs struct {
	PickAttrs
	Dim int `mx:"dim"`
}

var opTake, opTakeGrad, opPick, opPickGrad, opGatherND, opScatterND, opGatherNDGrad *OpDef
var opWhere, opOneHot, opBooleanMask, opBooleanMaskGrad *OpDef

func init() {
	opTake = RegisterOp(&OpDef{
		Name: "take", Attrs: TakeAttrs{}, NumInputs: 2,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			ax, err := indexAxis(a.(TakeAttrs).Axis, in[0])
			if err != nil {
				return nil, err
			}
			out := slices.Concat(in[0][:ax], in[1], in[0][ax+1:])
			return []Shape{out}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(TakeAttrs)
			data, out := k.In[0], k.Out[0]
			ax, _ := indexAxis(at.Axis, data.Shape)
			il, err := indexLoad(k.In[1], data.Shape[ax], at.Mode)
			if err != nil {
				return err
			}
			defer il.release()
			idx := il.idx
			es := data.DType.Size()
			outer, dim, inner := indexSplit(data.Shape, ax)
			row := inner * es
			for o := 0; o < outer; o++ {
				for j, i := range idx {
					dst := (o*len(idx) + j) * row
					src := (o*dim + i) * row
					copy(out.Data[dst:dst+row], data.Data[src:src+row])
				}
			}
			return nil
		}),
		// The gradient adds g into the taken rows (repeated indices add up).
		Grad: func(g *GradArgs) []*NDArray {
			at := g.Attrs.(TakeAttrs)
			ax, _ := indexAxis(at.Axis, g.Inputs[0].shape)
			ga := indexTakeGradAttrs{TakeAttrs: TakeAttrs{Axis: ax, Mode: at.Mode}, Dim: g.Inputs[0].shape[ax]}
			return []*NDArray{Invoke1(opTakeGrad, ga, g.OutGrads[0], g.Inputs[1]), nil}
		},
	})
	opTakeGrad = RegisterOp(&OpDef{
		Name: "_backward_take", Attrs: indexTakeGradAttrs{}, NumInputs: 2,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			at := a.(indexTakeGradAttrs)
			ax := at.Axis
			if ax < 0 || ax+len(in[1]) > len(in[0]) {
				return nil, fmt.Errorf("axis %d does not fit gradient %v and indices %v", ax, in[0], in[1])
			}
			return []Shape{slices.Concat(in[0][:ax], Shape{at.Dim}, in[0][ax+len(in[1]):])}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(indexTakeGradAttrs)
			g, out := k.In[0], k.Out[0]
			il, err := indexLoad(k.In[1], at.Dim, at.Mode)
			if err != nil {
				return err
			}
			defer il.release()
			outer, dim, inner := indexSplit(out.Shape, at.Axis)
			return indexGatherAdd(out, g, indexTakeAdd, il.idx, outer, dim, inner)
		}),
		// Linear in g: the gradient is take again.
		Grad: func(g *GradArgs) []*NDArray {
			at := g.Attrs.(indexTakeGradAttrs).TakeAttrs
			return []*NDArray{Invoke1(opTake, at, g.OutGrads[0], g.Inputs[1]), nil}
		},
	})
	opPick = RegisterOp(&OpDef{
		Name: "pick", Aliases: []string{"choose_element_0index"}, Attrs: PickAttrs{}, NumInputs: 2,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			at := a.(PickAttrs)
			ax, err := indexAxis(at.Axis, in[0])
			if err != nil {
				return nil, err
			}
			drop := slices.Delete(in[0].Clone(), ax, ax+1)
			keep := in[0].Clone()
			keep[ax] = 1
			if !in[1].Equal(drop) && !in[1].Equal(keep) {
				return nil, fmt.Errorf("index shape %v: want %v or %v", in[1], drop, keep)
			}
			if at.Keepdims {
				return []Shape{keep}, nil
			}
			return []Shape{drop}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(PickAttrs)
			data, out := k.In[0], k.Out[0]
			ax, _ := indexAxis(at.Axis, data.Shape)
			il, err := indexLoad(k.In[1], data.Shape[ax], at.Mode)
			if err != nil {
				return err
			}
			defer il.release()
			idx := il.idx
			es := data.DType.Size()
			outer, dim, inner := indexSplit(data.Shape, ax)
			for o := 0; o < outer; o++ {
				for e := 0; e < inner; e++ {
					p := o*inner + e
					src := ((o*dim+idx[p])*inner + e) * es
					copy(out.Data[p*es:p*es+es], data.Data[src:src+es])
				}
			}
			return nil
		}),
		// The gradient puts g at the picked positions, zeros elsewhere.
		Grad: func(g *GradArgs) []*NDArray {
			at := g.Attrs.(PickAttrs)
			ax, _ := indexAxis(at.Axis, g.Inputs[0].shape)
			at.Axis = ax
			ga := indexPickGradAttrs{PickAttrs: at, Dim: g.Inputs[0].shape[ax]}
			return []*NDArray{Invoke1(opPickGrad, ga, g.OutGrads[0], g.Inputs[1]), nil}
		},
	})
	opPickGrad = RegisterOp(&OpDef{
		Name: "_backward_pick", Attrs: indexPickGradAttrs{}, NumInputs: 2,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			at := a.(indexPickGradAttrs)
			out := in[0].Clone()
			if at.Keepdims {
				if at.Axis < 0 || at.Axis >= len(out) {
					return nil, fmt.Errorf("axis %d out of range for gradient %v", at.Axis, in[0])
				}
				out[at.Axis] = at.Dim
			} else {
				if at.Axis < 0 || at.Axis > len(out) {
					return nil, fmt.Errorf("axis %d out of range for gradient %v", at.Axis, in[0])
				}
				out = slices.Insert(out, at.Axis, at.Dim)
			}
			return []Shape{out}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(indexPickGradAttrs)
			g, out := k.In[0], k.Out[0]
			il, err := indexLoad(k.In[1], at.Dim, at.Mode)
			if err != nil {
				return err
			}
			defer il.release()
			outer, dim, inner := indexSplit(out.Shape, at.Axis)
			return indexGatherAdd(out, g, indexPickAdd, il.idx, outer, dim, inner)
		}),
		// Linear in g: the gradient is pick again.
		Grad: func(g *GradArgs) []*NDArray {
			at := g.Attrs.(indexPickGradAttrs).PickAttrs
			return []*NDArray{Invoke1(opPick, at, g.OutGrads[0], g.Inputs[1]), nil}
		},
	})
}

// indexAxis normalizes an axis of shape s.
func indexAxis(axis int, s Shape) (int, error) {
	ax, ok := normAxis(axis, len(s))
	if !ok {
		return 0, fmt.Errorf("axis %d out of range for shape %v", axis, s)
	}
	return ax, nil
}

// indexSplit views s as (outer, s[ax], inner).
func indexSplit(s Shape, ax int) (outer, dim, inner int) {
	return Shape(s[:ax]).Size(), s[ax], Shape(s[ax+1:]).Size()
}

// indexLoad reads an index array (any dtype; fractions truncate) and fixes
// each index into [0, n) by mode. The indices live in a pooled record:
// the caller hands it back with release once done with them, so a kernel
// allocates nothing in the steady state.
func indexLoad(b Blob, n int, mode string) (*indexList, error) {
	l := indexLists.Get().(*indexList)
	size := b.Shape.Size()
	if cap(l.vals) < size {
		l.vals, l.idx = make([]float64, size), make([]int, size)
	}
	l.vals, l.idx = l.vals[:size], l.idx[:size]
	loadF64(l.vals, b, 0)
	for j, v := range l.vals {
		i, err := indexFix(int(v), n, mode)
		if err != nil {
			l.release()
			return nil, err
		}
		l.idx[j] = i
	}
	return l, nil
}

// indexList is the result of indexLoad: idx, read through vals.
type indexList struct {
	idx  []int
	vals []float64
}

var indexLists = sync.Pool{New: func() any { return new(indexList) }}

func (l *indexList) release() { indexLists.Put(l) }

func indexFix(i, n int, mode string) (int, error) {
	switch mode {
	case "", "clip":
		if n == 0 {
			return 0, fmt.Errorf("index %d into an empty axis", i)
		}
		return min(max(i, 0), n-1), nil
	case "wrap":
		if n == 0 {
			return 0, fmt.Errorf("index %d into an empty axis", i)
		}
		return (i%n + n) % n, nil
	case "raise":
		if i < -n || i >= n {
			return 0, fmt.Errorf("index %d out of range for axis of size %d", i, n)
		}
		if i < 0 {
			i += n
		}
		return i, nil
	}
	return 0, fmt.Errorf("unknown mode %q (clip, wrap or raise)", mode)
}

// indexScatterAdd zeroes out and adds src[s] into out[d] for each pair.
func indexScatterAdd(out, src Blob, pairs func(yield func(dst, src int) bool)) error {
	switch out.DType {
	case Float32:
		indexAddT(out.F32(), src.F32(), pairs)
	case Float64:
		indexAddT(out.F64(), src.F64(), pairs)
	case Int32:
		indexAddT(Elems[int32](out), Elems[int32](src), pairs)
	case Int64:
		indexAddT(Elems[int64](out), Elems[int64](src), pairs)
	case Uint8, Bool:
		indexAddT(Elems[uint8](out), Elems[uint8](src), pairs)
	case Int8:
		indexAddT(Elems[int8](out), Elems[int8](src), pairs)
	default:
		return fmt.Errorf("dtype %v not supported (cast to float32)", out.DType)
	}
	return nil
}

func indexAddT[T float32 | float64 | int32 | int64 | uint8 | int8](out, src []T, pairs func(yield func(dst, src int) bool)) {
	clear(out)
	for d, s := range pairs {
		out[d] += src[s]
	}
}

// indexAddFunc zeroes out and adds src into it at the rows idx selects:
// the gradient of a gather, as one loop per dtype (the pair iterator of
// indexScatterAdd allocates its closures on every call).
type indexAddFunc int

const (
	indexTakeAdd indexAddFunc = iota // out[o, idx[j], e] += src[o, j, e]
	indexPickAdd                     // out[o, idx[o, e], e] += src[o, e]
)

// indexGatherAdd runs the scatter-add f on blobs of any supported dtype.
func indexGatherAdd(out, src Blob, f indexAddFunc, idx []int, outer, dim, inner int) error {
	switch out.DType {
	case Float32:
		indexAddRows(out.F32(), src.F32(), f, idx, outer, dim, inner)
	case Float64:
		indexAddRows(out.F64(), src.F64(), f, idx, outer, dim, inner)
	case Int32:
		indexAddRows(Elems[int32](out), Elems[int32](src), f, idx, outer, dim, inner)
	case Int64:
		indexAddRows(Elems[int64](out), Elems[int64](src), f, idx, outer, dim, inner)
	case Uint8, Bool:
		indexAddRows(Elems[uint8](out), Elems[uint8](src), f, idx, outer, dim, inner)
	case Int8:
		indexAddRows(Elems[int8](out), Elems[int8](src), f, idx, outer, dim, inner)
	default:
		return fmt.Errorf("dtype %v not supported (cast to float32)", out.DType)
	}
	return nil
}

func indexAddRows[T float32 | float64 | int32 | int64 | uint8 | int8](out, src []T, f indexAddFunc, idx []int, outer, dim, inner int) {
	clear(out)
	if f == indexPickAdd {
		for o := 0; o < outer; o++ {
			for e := 0; e < inner; e++ {
				p := o*inner + e
				out[(o*dim+idx[p])*inner+e] += src[p]
			}
		}
		return
	}
	for o := 0; o < outer; o++ {
		for j, i := range idx {
			for e := 0; e < inner; e++ {
				out[(o*dim+i)*inner+e] += src[(o*len(idx)+j)*inner+e]
			}
		}
	}
}

// Take gathers entries of a along axis at indices (any shape): the result
// has shape a.shape[:axis] + indices.shape + a.shape[axis+1:]. mode "clip"
// (or "") clamps indices, "wrap" wraps them, "raise" makes an
// out-of-range index an error at the next read. Differentiable in a.
func Take(a, indices *NDArray, axis int, mode string) *NDArray {
	return Invoke1(opTake, TakeAttrs{Axis: axis, Mode: mode}, a, indices)
}

// Take gathers rows of a (axis 0, clip mode).
func (a *NDArray) Take(indices *NDArray) *NDArray { return Take(a, indices, 0, "clip") }

// Pick picks one entry of a along axis per position of index (whose shape
// is a's without axis, or with 1 there): out[i, j] = a[i, index[i, j], j].
// keepdims keeps axis with size 1. Differentiable in a.
func Pick(a, index *NDArray, axis int, keepdims bool, mode string) *NDArray {
	return Invoke1(opPick, PickAttrs{Axis: axis, Keepdims: keepdims, Mode: mode}, a, index)
}

func init() {
	opGatherND = RegisterOp(&OpDef{
		Name: "gather_nd", NumInputs: 2,
		InferShape: func(_ any, in []Shape) ([]Shape, error) {
			if err := indexCheckND(in[0], in[1]); err != nil {
				return nil, err
			}
			return []Shape{slices.Concat(in[1][1:], in[0][in[1][0]:])}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			data, out := k.In[0], k.Out[0]
			offs, inner, err := indexNDOffsets(data.Shape, k.In[1])
			if err != nil {
				return err
			}
			row := inner * data.DType.Size()
			for y, off := range offs {
				copy(out.Data[y*row:(y+1)*row], data.Data[off*row:(off+1)*row])
			}
			return nil
		}),
		// The gradient adds g back at the gathered positions.
		Grad: func(g *GradArgs) []*NDArray {
			at := ScatterNDAttrs{g.Inputs[0].shape.Clone()}
			return []*NDArray{Invoke1(opGatherNDGrad, at, g.OutGrads[0], g.Inputs[1]), nil}
		},
	})
	scatterShape := func(a any, in []Shape) ([]Shape, error) {
		s := a.(ScatterNDAttrs).Shape
		if err := indexCheckND(s, in[1]); err != nil {
			return nil, err
		}
		if want := slices.Concat(in[1][1:], s[in[1][0]:]); !in[0].Equal(want) {
			return nil, fmt.Errorf("data shape %v: want %v for indices %v and shape %v", in[0], want, in[1], s)
		}
		return []Shape{s.Clone()}, nil
	}
	scatterKernel := func(add bool) Kernel {
		return func(k *KernelArgs) error {
			data, out := k.In[0], k.Out[0]
			offs, inner, err := indexNDOffsets(out.Shape, k.In[1])
			if err != nil {
				return err
			}
			if add {
				return indexScatterAdd(out, data, func(yield func(dst, src int) bool) {
					for y, off := range offs {
						for e := 0; e < inner; e++ {
							yield(off*inner+e, y*inner+e)
						}
					}
				})
			}
			clear(out.Data)
			row := inner * data.DType.Size()
			for y, off := range offs {
				copy(out.Data[off*row:(off+1)*row], data.Data[y*row:(y+1)*row])
			}
			return nil
		}
	}
	opScatterND = RegisterOp(&OpDef{
		Name: "scatter_nd", Attrs: ScatterNDAttrs{}, NumInputs: 2,
		InferShape: scatterShape,
		Kernels:    cpu(scatterKernel(false)),
		// With distinct indices the gradient gathers g back.
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{GatherND(g.OutGrads[0], g.Inputs[1]), nil}
		},
	})
	opGatherNDGrad = RegisterOp(&OpDef{
		Name: "_backward_gather_nd", Attrs: ScatterNDAttrs{}, NumInputs: 2,
		InferShape: scatterShape,
		Kernels:    cpu(scatterKernel(true)),
		// Linear in g: the gradient is gather_nd.
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{GatherND(g.OutGrads[0], g.Inputs[1]), nil}
		},
	})
}

// indexCheckND checks gather_nd's index shape (M, Y...) against data.
func indexCheckND(data, idx Shape) error {
	if len(idx) == 0 || idx[0] > len(data) || idx[0] < 1 {
		return fmt.Errorf("indices shape %v: want (M, ...) with 1 <= M <= %d", idx, len(data))
	}
	return nil
}

// indexNDOffsets turns gather_nd indices into row offsets of data viewed as
// (d0·…·dM-1, inner).
func indexNDOffsets(data Shape, ib Blob) ([]int, int, error) {
	m := ib.Shape[0]
	y := Shape(ib.Shape[1:]).Size()
	vals := make([]float64, ib.Shape.Size())
	loadF64(vals, ib, 0)
	offs := make([]int, y)
	for j := range offs {
		off := 0
		for d := 0; d < m; d++ {
			i := int(vals[d*y+j])
			if i < -data[d] || i >= data[d] {
				return nil, 0, fmt.Errorf("index %d out of range for axis %d of size %d", i, d, data[d])
			}
			if i < 0 {
				i += data[d]
			}
			off = off*data[d] + i
		}
		offs[j] = off
	}
	return offs, Shape(data[m:]).Size(), nil
}

// GatherND gathers slices of data: indices has shape (M, Y...) and the
// result has shape Y + data.shape[M:], out[y] = data[indices[0, y], ...,
// indices[M-1, y]]. Negative indices count from the end; out-of-range ones
// are an error at the next read. Differentiable in data (repeated indices
// add up).
func GatherND(data, indices *NDArray) *NDArray { return Invoke1(opGatherND, nil, data, indices) }

// ScatterND returns zeros of shape with data written at indices, the
// inverse of GatherND (repeated indices: one of the values wins).
func ScatterND(data, indices *NDArray, shape Shape) *NDArray {
	return Invoke1(opScatterND, ScatterNDAttrs{shape.Clone()}, data, indices)
}

func init() {
	opWhere = RegisterOp(&OpDef{
		Name: "where", NumInputs: 3,
		InferShape: func(_ any, in []Shape) ([]Shape, error) {
			c, x, y := in[0], in[1], in[2]
			if !x.Equal(y) {
				return nil, fmt.Errorf("x %v and y %v differ in shape", x, y)
			}
			if !c.Equal(x) && !(len(c) == 1 && len(x) > 0 && c[0] == x[0]) {
				return nil, fmt.Errorf("condition %v: want %v or (%d,)", c, x, indexFirst(x))
			}
			return []Shape{x.Clone()}, nil
		},
		InferType: func(_ any, in []DType) ([]DType, error) {
			if in[1] != in[2] {
				return nil, fmt.Errorf("dtypes %v and %v of x and y differ", in[1], in[2])
			}
			return []DType{in[1]}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			c, x, y, out := k.In[0], k.In[1], k.In[2], k.Out[0]
			cond := make([]float64, c.Shape.Size())
			loadF64(cond, c, 0)
			es := x.DType.Size()
			n := out.Shape.Size()
			per := 1 // elements per condition value
			if len(cond) > 0 {
				per = n / len(cond)
			}
			for i, v := range cond {
				src := y.Data
				if v != 0 {
					src = x.Data
				}
				lo, hi := i*per*es, (i+1)*per*es
				copy(out.Data[lo:hi], src[lo:hi])
			}
			return nil
		}),
		// g goes to x where the condition holds and to y elsewhere.
		Grad: func(g *GradArgs) []*NDArray {
			c, og := g.Inputs[0], g.OutGrads[0]
			z := ZerosLike(og)
			return []*NDArray{nil, Where(c, og, z), Where(c, z, og)}
		},
	})
	opOneHot = RegisterOp(&OpDef{
		Name: "one_hot", Attrs: OneHotAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			d := a.(OneHotAttrs).Depth
			if d < 0 {
				return nil, fmt.Errorf("depth %d < 0", d)
			}
			return []Shape{slices.Concat(in[0], Shape{d})}, nil
		},
		InferType: func(a any, _ []DType) ([]DType, error) { return []DType{a.(OneHotAttrs).DType}, nil },
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(OneHotAttrs)
			in, out := k.In[0], k.Out[0]
			idx := make([]float64, in.Shape.Size())
			loadF64(idx, in, 0)
			row := make([]float64, at.Depth)
			for r, v := range idx {
				for j := range row {
					row[j] = at.OffValue
				}
				if i := int(v); i >= 0 && i < at.Depth {
					row[i] = at.OnValue
				}
				storeF64(out, r*at.Depth, row)
			}
			return nil
		}),
	})
	opBooleanMask = RegisterOp(&OpDef{
		Name: "_contrib_boolean_mask", Aliases: []string{"boolean_mask"}, Attrs: BooleanMaskAttrs{}, NumInputs: 2,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			at := a.(BooleanMaskAttrs)
			ax, err := indexMaskAxis(at.Axis, in[0], in[1])
			if err != nil {
				return nil, err
			}
			if at.Count < 0 || at.Count > in[0][ax] {
				return nil, fmt.Errorf("count %d out of range for axis of size %d", at.Count, in[0][ax])
			}
			out := in[0].Clone()
			out[ax] = at.Count
			return []Shape{out}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(BooleanMaskAttrs)
			data, out := k.In[0], k.Out[0]
			ax, _ := indexAxis(at.Axis, data.Shape)
			rows, err := indexMaskRows(k.In[1], at.Count)
			if err != nil {
				return err
			}
			outer, dim, inner := indexSplit(data.Shape, ax)
			row := inner * data.DType.Size()
			for o := 0; o < outer; o++ {
				for j, i := range rows {
					dst, src := (o*len(rows)+j)*row, (o*dim+i)*row
					copy(out.Data[dst:dst+row], data.Data[src:src+row])
				}
			}
			return nil
		}),
		// The gradient puts g's rows back where the mask selected them.
		Grad: func(g *GradArgs) []*NDArray {
			at := g.Attrs.(BooleanMaskAttrs)
			return []*NDArray{Invoke1(opBooleanMaskGrad, at, g.OutGrads[0], g.Inputs[1]), nil}
		},
	})
	opBooleanMaskGrad = RegisterOp(&OpDef{
		Name: "_backward_boolean_mask", Attrs: BooleanMaskAttrs{}, NumInputs: 2,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			ax, ok := normAxis(a.(BooleanMaskAttrs).Axis, len(in[0]))
			if !ok || len(in[1]) != 1 {
				return nil, fmt.Errorf("gradient %v and mask %v do not fit axis %d", in[0], in[1], a.(BooleanMaskAttrs).Axis)
			}
			out := in[0].Clone()
			out[ax] = in[1][0]
			return []Shape{out}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(BooleanMaskAttrs)
			g, out := k.In[0], k.Out[0]
			ax, _ := indexAxis(at.Axis, out.Shape)
			rows, err := indexMaskRows(k.In[1], g.Shape[ax])
			if err != nil {
				return err
			}
			outer, dim, inner := indexSplit(out.Shape, ax)
			row := inner * g.DType.Size()
			clear(out.Data)
			for o := 0; o < outer; o++ {
				for j, i := range rows {
					src, dst := (o*len(rows)+j)*row, (o*dim+i)*row
					copy(out.Data[dst:dst+row], g.Data[src:src+row])
				}
			}
			return nil
		}),
		// Linear in g: the gradient is boolean_mask again.
		Grad: func(g *GradArgs) []*NDArray {
			at := g.Attrs.(BooleanMaskAttrs)
			ax, _ := normAxis(at.Axis, g.Inputs[0].Ndim())
			at.Count = g.Inputs[0].shape[ax]
			return []*NDArray{Invoke1(opBooleanMask, at, g.OutGrads[0], g.Inputs[1]), nil}
		},
	})
}

func indexFirst(s Shape) int {
	if len(s) == 0 {
		return 0
	}
	return s[0]
}

func indexMaskAxis(axis int, data, mask Shape) (int, error) {
	ax, err := indexAxis(axis, data)
	if err != nil {
		return 0, err
	}
	if len(mask) != 1 || mask[0] != data[ax] {
		return 0, fmt.Errorf("mask shape %v: want (%d,)", mask, data[ax])
	}
	return ax, nil
}

// indexMaskRows lists the nonzero positions of a 1-D mask.
func indexMaskRows(mb Blob, count int) ([]int, error) {
	vals := make([]float64, mb.Shape.Size())
	loadF64(vals, mb, 0)
	rows := make([]int, 0, count)
	for i, v := range vals {
		if v != 0 {
			rows = append(rows, i)
		}
	}
	if len(rows) != count {
		return nil, fmt.Errorf("mask selects %d entries, the op was built for %d (was the mask changed?)", len(rows), count)
	}
	return rows, nil
}

// Where picks x where cond is nonzero and y elsewhere. cond has x's shape,
// or shape (x.shape[0],) to choose whole rows. x and y must have the same
// shape and dtype. Differentiable in x and y.
func Where(cond, x, y *NDArray) *NDArray { return Invoke1(opWhere, nil, cond, x, y) }

// OneHot returns indices.shape + (depth,) with onValue at each index and
// offValue elsewhere (out-of-range indices give a row of offValue).
func OneHot(indices *NDArray, depth int, onValue, offValue float64, dtype DType) *NDArray {
	return Invoke1(opOneHot, OneHotAttrs{Depth: depth, OnValue: onValue, OffValue: offValue, DType: dtype}, indices)
}

// BooleanMask keeps the entries of data along axis where the 1-D mask is
// nonzero (MXNet's contrib.boolean_mask). The output's size depends on the
// mask's values, so BooleanMask waits for the mask. Differentiable in data.
// It panics if the mask's length differs from data's axis.
func BooleanMask(data, mask *NDArray, axis int) *NDArray {
	ax, err := indexMaskAxis(axis, data.shape, mask.shape)
	if err != nil {
		panic(opError(opBooleanMask, []*NDArray{data, mask}, err))
	}
	count := 0
	for _, v := range mask.Float64s() {
		if v != 0 {
			count++
		}
	}
	return Invoke1(opBooleanMask, BooleanMaskAttrs{Axis: ax, Count: count}, data, mask)
}
