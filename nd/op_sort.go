package nd

import (
	"fmt"
	"slices"
)

// Sorting along an axis: sort, argsort and topk. Orders are stable (equal
// values keep their index order) and NaN sorts above every number.

// SortAttrs are the attributes of sort.
type SortAttrs struct {
	// Axis to sort along; nil means MXNet's default -1 (the last axis).
	Axis *int `mx:"axis"`
	// IsAscend sorts smallest first; nil means MXNet's default true.
	IsAscend *bool `mx:"is_ascend"`
}

// ArgsortAttrs are the attributes of argsort.
type ArgsortAttrs struct {
	Axis     *int  `mx:"axis"`      // nil: -1
	IsAscend *bool `mx:"is_ascend"` // nil: true
	DType    DType `mx:"dtype"`     // of the indices (default float32)
}

// TopKAttrs are the attributes of topk.
type TopKAttrs struct {
	Axis *int `mx:"axis"` // nil: -1
	// K is how many elements to keep: 0 means MXNet's default 1, and a
	// negative K keeps the whole axis (a full sort).
	K int `mx:"k"`
	// RetTyp is "value", "indices" (the default, also ""), "both" (values
	// then indices) or "mask" (1 at the chosen positions, input's shape).
	RetTyp string `mx:"ret_typ"`
	// IsAscend picks the smallest elements instead of the largest.
	IsAscend bool  `mx:"is_ascend"`
	DType    DType `mx:"dtype"` // of the indices (default float32)
}

// sortAxisOf resolves an optional axis (default -1) against ndim.
func sortAxisOf(axis *int, ndim int) (int, error) {
	ax := -1
	if axis != nil {
		ax = *axis
	}
	a, ok := normAxis(ax, ndim)
	if !ok {
		return 0, fmt.Errorf("axis %d out of range for %d dimensions", ax, ndim)
	}
	return a, nil
}

func sortAscend(p *bool) bool { return p == nil || *p }

// sortK is the number of elements topk keeps along an axis of size n.
func (a TopKAttrs) sortK(n int) int {
	switch {
	case a.K == 0:
		return 1
	case a.K < 0:
		return n
	}
	return a.K
}

func (a TopKAttrs) retTyp() (string, error) {
	switch a.RetTyp {
	case "", "indices":
		return "indices", nil
	case "value", "both", "mask":
		return a.RetTyp, nil
	}
	return "", fmt.Errorf("ret_typ %q not one of value, indices, both, mask", a.RetTyp)
}

func sortCheckIndexType(t DType) error {
	switch t {
	case Float32, Float64, Int32, Int64:
		return nil
	}
	return fmt.Errorf("index dtype %v not supported (float32, float64, int32, int64)", t)
}

// sortLines sorts every line of in along the middle dim of (outer, n,
// inner) and calls emit with each line's position and its order.
func sortLines[T reduceNum](in []T, outer, n, inner int, ascend bool, emit func(o, j int, order []int)) {
	order := make([]int, n)
	vals := make([]T, n)
	cmp := func(a, b int) int {
		x, y := vals[a], vals[b]
		if !ascend {
			x, y = y, x
		}
		switch {
		case x < y || (y != y && x == x):
			return -1
		case y < x || (x != x && y == y):
			return 1
		}
		return 0
	}
	for o := 0; o < outer; o++ {
		for j := 0; j < inner; j++ {
			base := o*n*inner + j
			for r := range n {
				vals[r] = in[base+r*inner]
				order[r] = r
			}
			slices.SortStableFunc(order, cmp)
			emit(o, j, order)
		}
	}
}

// sortRun is the kernel body of sort, argsort and topk for one value type.
// vals (k along the axis), idx (k along the axis, any index dtype) and
// mask (n along the axis) are written where not nil.
func sortRun[T reduceNum](in []T, outer, n, inner, k int, ascend bool, vals []T, idx []float64, mask []T) {
	sortLines(in, outer, n, inner, ascend, func(o, j int, order []int) {
		for r, p := range order[:k] {
			at := (o*k+r)*inner + j
			if vals != nil {
				vals[at] = in[(o*n+p)*inner+j]
			}
			if idx != nil {
				idx[at] = float64(p)
			}
			if mask != nil {
				mask[(o*n+p)*inner+j] = 1
			}
		}
	})
}

// sortKernel runs one sort-family op. values, indices and mask say which
// outputs (in that order) the op has.
func sortKernel(in Blob, outs []Blob, axis, k int, ascend, values, indices, mask bool) error {
	shape := in.Shape
	outer, n, inner := Shape(shape[:axis]).Size(), shape[axis], Shape(shape[axis+1:]).Size()
	var idx []float64
	if indices {
		idx = make([]float64, outer*k*inner)
	}
	pick := func(want bool, i *int) Blob {
		if !want {
			return Blob{}
		}
		b := outs[*i]
		*i++
		return b
	}
	next := 0
	vb := pick(values, &next)
	ib := pick(indices, &next)
	mb := pick(mask, &next)
	if mask {
		fillBlob(mb, 0)
	}
	switch in.DType {
	case Float32:
		sortRun(in.F32(), outer, n, inner, k, ascend, vb.F32(), idx, mb.F32())
	case Float64:
		sortRun(in.F64(), outer, n, inner, k, ascend, vb.F64(), idx, mb.F64())
	case Int32:
		sortRun(Elems[int32](in), outer, n, inner, k, ascend, Elems[int32](vb), idx, Elems[int32](mb))
	case Int64:
		sortRun(Elems[int64](in), outer, n, inner, k, ascend, Elems[int64](vb), idx, Elems[int64](mb))
	case Uint8:
		sortRun(Elems[uint8](in), outer, n, inner, k, ascend, Elems[uint8](vb), idx, Elems[uint8](mb))
	case Int8:
		sortRun(Elems[int8](in), outer, n, inner, k, ascend, Elems[int8](vb), idx, Elems[int8](mb))
	default:
		return fmt.Errorf("dtype %v not supported (cast to float32)", in.DType)
	}
	if indices && len(idx) > 0 {
		storeF64(ib, 0, idx)
	}
	return nil
}

// sortAxisShape is shape with dim axis set to k.
func sortAxisShape(s Shape, axis, k int) Shape {
	out := s.Clone()
	out[axis] = k
	return out
}

var opSort, opArgsort, opTopK, opSortScatter, opSortGather *OpDef

func init() {
	opSort = RegisterOp(&OpDef{
		Name:      "sort",
		Attrs:     SortAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			if _, err := sortAxisOf(attrs.(SortAttrs).Axis, len(in[0])); err != nil {
				return nil, err
			}
			return []Shape{in[0].Clone()}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			a := k.Attrs.(SortAttrs)
			axis, err := sortAxisOf(a.Axis, len(k.In[0].Shape))
			if err != nil {
				return err
			}
			return sortKernel(k.In[0], k.Out, axis, k.In[0].Shape[axis], sortAscend(a.IsAscend), true, false, false)
		}),
		// The gradient goes back to where each sorted value came from.
		Grad: func(g *GradArgs) []*NDArray {
			a, x := g.Attrs.(SortAttrs), g.Inputs[0]
			idx := Invoke1(opArgsort, ArgsortAttrs{Axis: a.Axis, IsAscend: a.IsAscend, DType: Int64}, x)
			return []*NDArray{sortScatter(g.OutGrads[0], idx, x.shape, a.Axis)}
		},
	})

	opArgsort = RegisterOp(&OpDef{
		Name:      "argsort",
		Attrs:     ArgsortAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			if _, err := sortAxisOf(attrs.(ArgsortAttrs).Axis, len(in[0])); err != nil {
				return nil, err
			}
			return []Shape{in[0].Clone()}, nil
		},
		InferType: func(attrs any, _ []DType) ([]DType, error) {
			t := attrs.(ArgsortAttrs).DType
			return []DType{t}, sortCheckIndexType(t)
		},
		Kernels: cpu(func(k *KernelArgs) error {
			a := k.Attrs.(ArgsortAttrs)
			axis, err := sortAxisOf(a.Axis, len(k.In[0].Shape))
			if err != nil {
				return err
			}
			return sortKernel(k.In[0], k.Out, axis, k.In[0].Shape[axis], sortAscend(a.IsAscend), false, true, false)
		}),
	})

	opTopK = RegisterOp(&OpDef{
		Name:      "topk",
		Attrs:     TopKAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			a := attrs.(TopKAttrs)
			axis, err := sortAxisOf(a.Axis, len(in[0]))
			if err != nil {
				return nil, err
			}
			rt, err := a.retTyp()
			if err != nil {
				return nil, err
			}
			n := in[0][axis]
			k := a.sortK(n)
			if k > n {
				return nil, fmt.Errorf("k %d is larger than axis %d of size %d", k, axis, n)
			}
			s := sortAxisShape(in[0], axis, k)
			switch rt {
			case "both":
				return []Shape{s, s.Clone()}, nil
			case "mask":
				return []Shape{in[0].Clone()}, nil
			}
			return []Shape{s}, nil
		},
		InferType: func(attrs any, in []DType) ([]DType, error) {
			a := attrs.(TopKAttrs)
			rt, err := a.retTyp()
			if err != nil {
				return nil, err
			}
			if err := sortCheckIndexType(a.DType); err != nil {
				return nil, err
			}
			switch rt {
			case "both":
				return []DType{in[0], a.DType}, nil
			case "indices":
				return []DType{a.DType}, nil
			}
			return []DType{in[0]}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			a := k.Attrs.(TopKAttrs)
			in := k.In[0]
			axis, err := sortAxisOf(a.Axis, len(in.Shape))
			if err != nil {
				return err
			}
			rt, _ := a.retTyp()
			kk := a.sortK(in.Shape[axis])
			return sortKernel(in, k.Out, axis, kk, a.IsAscend, rt == "value" || rt == "both", rt == "indices" || rt == "both", rt == "mask")
		}),
		// The gradient of the values goes back to where they came from;
		// indices and masks carry none.
		Grad: func(g *GradArgs) []*NDArray {
			a, x := g.Attrs.(TopKAttrs), g.Inputs[0]
			var idx *NDArray
			switch rt, _ := a.retTyp(); rt {
			case "both":
				idx = g.Outputs[1]
			case "value":
				ia := a
				ia.RetTyp, ia.DType = "indices", Int64
				idx = Invoke1(opTopK, ia, x)
			default:
				return []*NDArray{nil}
			}
			return []*NDArray{sortScatter(g.OutGrads[0], idx, x.shape, a.Axis)}
		},
	})

	// _sort_scatter adds g into zeros of a larger shape at the positions
	// idx gives along axis; _sort_gather reads them back. Each is the
	// other's gradient.
	opSortScatter = RegisterOp(&OpDef{
		Name:       "_sort_scatter",
		Attrs:      sortIndexAttrs{},
		NumInputs:  2,
		InferShape: sortIndexShape(true),
		Kernels: cpu(func(k *KernelArgs) error {
			a := k.Attrs.(sortIndexAttrs)
			return sortIndexKernel(k.Out[0], k.In[0], k.In[1], a.Axis, true)
		}),
		// d scatter(g) = gather(gy) for g; indices carry none.
		Grad: func(g *GradArgs) []*NDArray {
			a := g.Attrs.(sortIndexAttrs)
			idx := g.Inputs[1]
			return []*NDArray{Invoke1(opSortGather, sortIndexAttrs{Axis: a.Axis}, g.OutGrads[0], idx), nil}
		},
	})
	opSortGather = RegisterOp(&OpDef{
		Name:       "_sort_gather",
		Attrs:      sortIndexAttrs{},
		NumInputs:  2,
		InferShape: sortIndexShape(false),
		Kernels: cpu(func(k *KernelArgs) error {
			a := k.Attrs.(sortIndexAttrs)
			return sortIndexKernel(k.In[0], k.Out[0], k.In[1], a.Axis, false)
		}),
		// d gather(x) = scatter(g) for x; indices carry none.
		Grad: func(g *GradArgs) []*NDArray {
			a, x := g.Attrs.(sortIndexAttrs), g.Inputs[0]
			idx := g.Inputs[1]
			return []*NDArray{Invoke1(opSortScatter, sortIndexAttrs{Axis: a.Axis, Size: x.shape[a.Axis]}, g.OutGrads[0], idx), nil}
		},
	})
}

// sortIndexAttrs are the attributes of _sort_scatter and _sort_gather:
// the (non-negative) axis and, for scatter, the output's size along it.
type sortIndexAttrs struct {
	Axis int `mx:"axis"`
	Size int `mx:"size"`
}

func sortIndexShape(scatter bool) func(attrs any, in []Shape) ([]Shape, error) {
	return func(attrs any, in []Shape) ([]Shape, error) {
		a := attrs.(sortIndexAttrs)
		data, idx := in[0], in[1]
		if len(data) != len(idx) || a.Axis < 0 || a.Axis >= len(data) {
			return nil, fmt.Errorf("data %v and indices %v do not match along axis %d", data, idx, a.Axis)
		}
		for i := range data {
			if i != a.Axis && data[i] != idx[i] {
				return nil, fmt.Errorf("data %v and indices %v differ outside axis %d", data, idx, a.Axis)
			}
		}
		if scatter {
			if !data.Equal(idx) {
				return nil, fmt.Errorf("values %v and indices %v differ", data, idx)
			}
			return []Shape{sortAxisShape(data, a.Axis, a.Size)}, nil
		}
		return []Shape{idx.Clone()}, nil
	}
}

// sortIndexKernel moves values between full (n along axis) and part (k
// along axis, positions in idx): scatter adds part into a zeroed full,
// gather reads full into part.
func sortIndexKernel(full, part, idxBlob Blob, axis int, scatter bool) error {
	shape := part.Shape
	outer, k, inner := Shape(shape[:axis]).Size(), shape[axis], Shape(shape[axis+1:]).Size()
	n := full.Shape[axis]
	idx := make([]float64, part.Shape.Size())
	loadF64(idx, idxBlob, 0)
	pos := func(i int) (int, error) {
		p := int(idx[i])
		if p < 0 || p >= n || float64(p) != idx[i] {
			return 0, fmt.Errorf("index %v out of range [0, %d)", idx[i], n)
		}
		return p, nil
	}
	move := func(f, p []float64) error {
		for o := 0; o < outer; o++ {
			for r := 0; r < k; r++ {
				for j := 0; j < inner; j++ {
					at := (o*k+r)*inner + j
					q, err := pos(at)
					if err != nil {
						return err
					}
					if scatter {
						f[(o*n+q)*inner+j] += p[at]
					} else {
						p[at] = f[(o*n+q)*inner+j]
					}
				}
			}
		}
		return nil
	}
	switch full.DType {
	case Float32, Float64:
	default:
		return fmt.Errorf("dtype %v not supported (float32, float64)", full.DType)
	}
	f := make([]float64, full.Shape.Size())
	p := make([]float64, part.Shape.Size())
	if scatter {
		loadF64(p, part, 0)
	} else {
		loadF64(f, full, 0)
	}
	if err := move(f, p); err != nil {
		return err
	}
	if scatter {
		storeF64(full, 0, f)
	} else {
		storeF64(part, 0, p)
	}
	return nil
}

// sortScatter spreads g (k along axis) into zeros of shape at idx.
func sortScatter(g, idx *NDArray, shape Shape, axis *int) *NDArray {
	ax, err := sortAxisOf(axis, len(shape))
	must("topk", err)
	return Invoke1(opSortScatter, sortIndexAttrs{Axis: ax, Size: shape[ax]}, g, idx)
}

func sortAxisPtr(axis int) *int { return &axis }

func sortBoolPtr(b bool) *bool { return &b }

// Sort sorts a along axis (negative counts from the end), ascending or
// descending. It panics if axis is out of range.
func Sort(a *NDArray, axis int, ascend bool) *NDArray {
	return Invoke1(opSort, SortAttrs{Axis: sortAxisPtr(axis), IsAscend: sortBoolPtr(ascend)}, a)
}

// Argsort gives the indices that sort a along axis, as float32 (MXNet's
// default dtype).
func Argsort(a *NDArray, axis int, ascend bool) *NDArray {
	return Invoke1(opArgsort, ArgsortAttrs{Axis: sortAxisPtr(axis), IsAscend: sortBoolPtr(ascend)}, a)
}

// TopK returns the k largest (smallest with ascend) elements of a along
// axis, in order: their values, indices (float32), both (values then
// indices), or a 0/1 mask of a's shape, as retTyp says ("value",
// "indices", "both", "mask"). It panics if k exceeds the axis size.
func TopK(a *NDArray, axis, k int, retTyp string, ascend bool) []*NDArray {
	return Invoke(opTopK, TopKAttrs{Axis: sortAxisPtr(axis), K: k, RetTyp: retTyp, IsAscend: ascend}, a)
}

// Sort sorts along the last axis, ascending.
func (a *NDArray) Sort() *NDArray { return Sort(a, -1, true) }

// Argsort gives the indices that sort the last axis ascending.
func (a *NDArray) Argsort() *NDArray { return Argsort(a, -1, true) }

// TopK returns the values of the k largest elements along the last axis.
func (a *NDArray) TopK(k int) *NDArray { return TopK(a, -1, k, "value", false)[0] }
