package nd

import (
	"fmt"
	"slices"
)

// Shape ops that join, split, repeat or pad arrays. Like those in
// op_shape.go they only move elements, so they work for every dtype.

// ConcatAttrs are the attributes of Concat. MXNet's default Dim is 1; the
// Go zero value is 0, so callers set it (Concat does).
type ConcatAttrs struct {
	NumArgs int `mx:"num_args"`
	Dim     int `mx:"dim" default:"1"`
}

// StackAttrs are the attributes of stack.
type StackAttrs struct {
	Axis    int `mx:"axis"`
	NumArgs int `mx:"num_args"`
}

// SplitAttrs are the attributes of SliceChannel (split). MXNet's default
// Axis is 1; Split sets it explicitly.
type SplitAttrs struct {
	NumOutputs  int  `mx:"num_outputs"`
	Axis        int  `mx:"axis" default:"1"`
	SqueezeAxis bool `mx:"squeeze_axis"`
}

// TileAttrs are the attributes of tile.
type TileAttrs struct {
	Reps Shape `mx:"reps"`
}

// RepeatAttrs are the attributes of repeat: nil Axis repeats the
// flattened input.
type RepeatAttrs struct {
	Repeats int  `mx:"repeats"`
	Axis    *int `mx:"axis"`
}

// PadAttrs are the attributes of Pad. PadWidth is MXNet's flat form
// (before0, after0, before1, after1, ...), two numbers per dimension. Mode
// is "constant" (the default, also for ""), "edge" or "reflect".
type PadAttrs struct {
	Mode          string  `mx:"mode" default:"constant"`
	PadWidth      Shape   `mx:"pad_width"`
	ConstantValue float64 `mx:"constant_value"`
}

var opConcat, opStack, opSplit, opTile, opRepeat, opPad, opPadGrad *OpDef

func init() {
	opConcat = RegisterOp(&OpDef{
		Name: "Concat", Aliases: []string{"concat"}, Attrs: ConcatAttrs{}, NumInputs: -1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			s, err := shapeJoin(in, a.(ConcatAttrs).Dim, false)
			return []Shape{s}, err
		},
		InferType: shapeSameTypes,
		Kernels: cpu(func(k *KernelArgs) error {
			ax, _ := normAxis(k.Attrs.(ConcatAttrs).Dim, len(k.Out[0].Shape))
			shapeJoinKernel(k.Out[0], k.In, ax, false)
			return nil
		}),
		// Each input's gradient is its slice of g along dim.
		Grad: func(g *GradArgs) []*NDArray {
			ax, _ := normAxis(g.Attrs.(ConcatAttrs).Dim, g.OutGrads[0].Ndim())
			grads := make([]*NDArray, len(g.Inputs))
			pos := 0
			for i, x := range g.Inputs {
				n := x.shape[ax]
				grads[i] = SliceAxis(g.OutGrads[0], ax, pos, pos+n)
				pos += n
			}
			return grads
		},
	})
	opStack = RegisterOp(&OpDef{
		Name: "stack", Attrs: StackAttrs{}, NumInputs: -1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			s, err := shapeJoin(in, a.(StackAttrs).Axis, true)
			return []Shape{s}, err
		},
		InferType: shapeSameTypes,
		Kernels: cpu(func(k *KernelArgs) error {
			ax, _ := normAxis(k.Attrs.(StackAttrs).Axis, len(k.Out[0].Shape))
			shapeJoinKernel(k.Out[0], k.In, ax, true)
			return nil
		}),
		// The gradient splits g along axis, dropping it.
		Grad: func(g *GradArgs) []*NDArray {
			ax, _ := normAxis(g.Attrs.(StackAttrs).Axis, g.OutGrads[0].Ndim())
			return Split(g.OutGrads[0], len(g.Inputs), ax, true)
		},
	})
	opSplit = RegisterOp(&OpDef{
		Name: "SliceChannel", Aliases: []string{"split"}, Attrs: SplitAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			at := a.(SplitAttrs)
			part, _, err := shapeSplitPart(in[0], at)
			if err != nil {
				return nil, err
			}
			out := make([]Shape, at.NumOutputs)
			for i := range out {
				out[i] = part.Clone()
			}
			return out, nil
		},
		InferType: func(a any, in []DType) ([]DType, error) {
			return slices.Repeat([]DType{in[0]}, max(a.(SplitAttrs).NumOutputs, 1)), nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(SplitAttrs)
			in := k.In[0]
			_, ax, _ := shapeSplitPart(in.Shape, at)
			es := in.DType.Size()
			outer := Shape(in.Shape[:ax]).Size()
			row := in.Shape[ax] / at.NumOutputs * Shape(in.Shape[ax+1:]).Size() * es
			for o := 0; o < outer; o++ {
				for i, out := range k.Out {
					src := (o*at.NumOutputs + i) * row
					copy(out.Data[o*row:(o+1)*row], in.Data[src:src+row])
				}
			}
			return nil
		}),
		// The gradient joins the outputs' gradients back together.
		Grad: func(g *GradArgs) []*NDArray {
			at := g.Attrs.(SplitAttrs)
			ax, _ := normAxis(at.Axis, g.Inputs[0].Ndim())
			if at.SqueezeAxis {
				return []*NDArray{Stack(ax, g.OutGrads...)}
			}
			return []*NDArray{Concat(ax, g.OutGrads...)}
		},
	})
}

func shapeSameTypes(_ any, in []DType) ([]DType, error) {
	for _, t := range in {
		if t != in[0] {
			return nil, fmt.Errorf("dtypes %v and %v differ (cast with AsType)", in[0], t)
		}
	}
	if len(in) == 0 {
		return []DType{Float32}, nil
	}
	return []DType{in[0]}, nil
}

// shapeJoin is the output shape of concat (stack: a new axis).
func shapeJoin(in []Shape, axis int, stack bool) (Shape, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("no inputs")
	}
	first := in[0]
	nd := len(first)
	if stack {
		nd++
	}
	ax, ok := normAxis(axis, nd)
	if !ok {
		return nil, fmt.Errorf("axis %d out of range for %d dimensions", axis, nd)
	}
	total := 0
	for i, s := range in {
		if len(s) != len(first) {
			return nil, fmt.Errorf("input %d has %d dimensions, input 0 has %d", i, len(s), len(first))
		}
		for d := range s {
			if s[d] != first[d] && (stack || d != ax) {
				return nil, fmt.Errorf("input %d shape %v does not match %v", i, s, first)
			}
		}
		if !stack {
			total += s[ax]
		}
	}
	if stack {
		return slices.Insert(first.Clone(), ax, len(in)), nil
	}
	out := first.Clone()
	out[ax] = total
	return out, nil
}

// shapeJoinKernel writes the inputs one after another along axis ax of out.
func shapeJoinKernel(out Blob, in []Blob, ax int, stack bool) {
	es := out.DType.Size()
	outer := Shape(out.Shape[:ax]).Size()
	outRow := Shape(out.Shape[ax:]).Size() * es
	pos := 0
	for _, x := range in {
		row := Shape(x.Shape[ax:]).Size() * es
		if stack {
			row = x.Shape.Size() / max(outer, 1) * es
		}
		for o := 0; o < outer; o++ {
			copy(out.Data[o*outRow+pos:o*outRow+pos+row], x.Data[o*row:(o+1)*row])
		}
		pos += row
	}
}

// shapeSplitPart is the shape of each split output and the split axis.
func shapeSplitPart(s Shape, at SplitAttrs) (Shape, int, error) {
	ax, ok := normAxis(at.Axis, len(s))
	if !ok {
		return nil, 0, fmt.Errorf("axis %d out of range for %d dimensions", at.Axis, len(s))
	}
	n := at.NumOutputs
	if n <= 0 || s[ax]%n != 0 {
		return nil, 0, fmt.Errorf("cannot split axis %d of size %d into %d equal parts", ax, s[ax], n)
	}
	part := s.Clone()
	part[ax] /= n
	if at.SqueezeAxis {
		if part[ax] != 1 {
			return nil, 0, fmt.Errorf("squeeze_axis needs parts of size 1, got %d", part[ax])
		}
		part = slices.Delete(part, ax, ax+1)
	}
	return part, ax, nil
}

// Concat joins arrays along axis dim (their other dimensions must match).
// It panics if shapes or dtypes differ.
func Concat(dim int, arrays ...*NDArray) *NDArray {
	return Invoke1(opConcat, ConcatAttrs{NumArgs: len(arrays), Dim: dim}, arrays...)
}

// Stack joins same-shaped arrays along a new axis.
func Stack(axis int, arrays ...*NDArray) *NDArray {
	return Invoke1(opStack, StackAttrs{Axis: axis, NumArgs: len(arrays)}, arrays...)
}

// Split cuts a into n equal parts along axis (MXNet's split/SliceChannel);
// with squeezeAxis the parts (which must then have size 1 on axis) drop it.
// It panics if the axis size is not divisible by n.
func Split(a *NDArray, n, axis int, squeezeAxis bool) []*NDArray {
	return Invoke(opSplit, SplitAttrs{NumOutputs: n, Axis: axis, SqueezeAxis: squeezeAxis}, a)
}

func init() {
	opTile = RegisterOp(&OpDef{
		Name: "tile", Attrs: TileAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			src, reps, err := shapeTilePlan(in[0], a.(TileAttrs).Reps)
			if err != nil {
				return nil, err
			}
			out := make(Shape, len(src))
			for i := range src {
				out[i] = src[i] * reps[i]
			}
			return []Shape{out}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			in, out := k.In[0], k.Out[0]
			src, reps, _ := shapeTilePlan(in.Shape, k.Attrs.(TileAttrs).Reps)
			view, st := shapeTileView(src, reps)
			shapeMove(out.Data, 0, nil, in.Data, 0, st, view, in.DType.Size())
			return nil
		}),
		// The gradient sums g over the copies: g as (r0, d0, r1, d1, ...)
		// summed over the r axes.
		Grad: func(g *GradArgs) []*NDArray {
			x := g.Inputs[0]
			src, reps, _ := shapeTilePlan(x.shape, g.Attrs.(TileAttrs).Reps)
			view, _ := shapeTileView(src, reps)
			one := view.Clone()
			for i := range src {
				one[2*i] = 1
			}
			return []*NDArray{shapeAs(SumTo(shapeAs(g.OutGrads[0], view), one), x.shape)}
		},
	})
	opRepeat = RegisterOp(&OpDef{
		Name: "repeat", Attrs: RepeatAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			if _, _, _, err := shapeRepeatPlan(in[0], a.(RepeatAttrs)); err != nil {
				return nil, err
			}
			return []Shape{shapeRepeatOut(in[0], a.(RepeatAttrs))}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			in, out := k.In[0], k.Out[0]
			view, st, _, _ := shapeRepeatPlan(in.Shape, k.Attrs.(RepeatAttrs))
			shapeMove(out.Data, 0, nil, in.Data, 0, st, view, in.DType.Size())
			return nil
		}),
		// The gradient sums g over the repeats: g as (..., d, r, ...) summed
		// over r.
		Grad: func(g *GradArgs) []*NDArray {
			x := g.Inputs[0]
			view, _, rAxis, _ := shapeRepeatPlan(x.shape, g.Attrs.(RepeatAttrs))
			one := view.Clone()
			one[rAxis] = 1
			return []*NDArray{shapeAs(SumTo(shapeAs(g.OutGrads[0], view), one), x.shape)}
		},
	})
	opPad = RegisterOp(&OpDef{
		Name: "Pad", Aliases: []string{"pad"}, Attrs: PadAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			maps, err := shapePadMaps(in[0], a.(PadAttrs))
			if err != nil {
				return nil, err
			}
			out := make(Shape, len(maps))
			for d, m := range maps {
				out[d] = len(m)
			}
			return []Shape{out}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(PadAttrs)
			in, out := k.In[0], k.Out[0]
			maps, err := shapePadMaps(in.Shape, at)
			if err != nil {
				return err
			}
			es := in.DType.Size()
			fill := make([]byte, es)
			storeF64(Blob{DType: in.DType, Data: fill}, 0, []float64{at.ConstantValue})
			shapePadWalk(out.Shape, in.Shape, maps, func(o, s int) {
				if s < 0 {
					copy(out.Data[o*es:o*es+es], fill)
				} else {
					copy(out.Data[o*es:o*es+es], in.Data[s*es:s*es+es])
				}
			})
			return nil
		}),
		// The gradient adds each output's g into the input element it came
		// from (padding in constant mode gets nothing).
		Grad: func(g *GradArgs) []*NDArray {
			at := g.Attrs.(PadAttrs)
			return []*NDArray{Invoke1(opPadGrad, shapePadGradAttrs{PadAttrs: at, Shape: g.Inputs[0].shape.Clone()}, g.OutGrads[0])}
		},
	})
	opPadGrad = RegisterOp(&OpDef{
		Name: "_backward_Pad", Attrs: shapePadGradAttrs{}, NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			at := a.(shapePadGradAttrs)
			maps, err := shapePadMaps(at.Shape, at.PadAttrs)
			if err != nil {
				return nil, err
			}
			for d, m := range maps {
				if len(m) != in[0][d] {
					return nil, fmt.Errorf("gradient shape %v does not match the padded shape of %v", in[0], at.Shape)
				}
			}
			return []Shape{at.Shape.Clone()}, nil
		},
		Kernels: cpu(func(k *KernelArgs) error {
			at := k.Attrs.(shapePadGradAttrs)
			in, out := k.In[0], k.Out[0]
			maps, err := shapePadMaps(at.Shape, at.PadAttrs)
			if err != nil {
				return err
			}
			return indexScatterAdd(out, in, func(yield func(dst, src int) bool) {
				shapePadWalk(in.Shape, at.Shape, maps, func(o, s int) {
					if s >= 0 {
						yield(s, o)
					}
				})
			})
		}),
		// It is linear in g; its adjoint is padding with zeros.
		Grad: func(g *GradArgs) []*NDArray {
			at := g.Attrs.(shapePadGradAttrs).PadAttrs
			at.ConstantValue = 0
			return []*NDArray{Invoke1(opPad, at, g.OutGrads[0])}
		},
	})
}

// shapePadGradAttrs are the attributes of _backward_Pad: Pad's attributes
// and the unpadded shape.
type shapePadGradAttrs struct {
	PadAttrs
	Shape Shape `mx:"shape"`
}

// shapeTilePlan aligns the input shape and reps to the same length.
func shapeTilePlan(s, reps Shape) (Shape, Shape, error) {
	for _, r := range reps {
		if r < 0 {
			return nil, nil, fmt.Errorf("reps %v: negative repeat", reps)
		}
	}
	n := max(len(s), len(reps))
	src, rp := make(Shape, n), make(Shape, n)
	for i := range n {
		src[i], rp[i] = 1, 1
		if j := i - (n - len(s)); j >= 0 {
			src[i] = s[j]
		}
		if j := i - (n - len(reps)); j >= 0 {
			rp[i] = reps[j]
		}
	}
	return src, rp, nil
}

// shapeTileView is the (r0, d0, r1, d1, ...) view of a tiled input and its
// strides (0 on the r axes).
func shapeTileView(src, reps Shape) (Shape, []int) {
	cs := src.Strides()
	view := make(Shape, 0, 2*len(src))
	st := make([]int, 0, 2*len(src))
	for i := range src {
		view = append(view, reps[i], src[i])
		st = append(st, 0, cs[i])
	}
	return view, st
}

func shapeRepeatOut(s Shape, at RepeatAttrs) Shape {
	if at.Axis == nil {
		return Shape{s.Size() * at.Repeats}
	}
	ax, _ := normAxis(*at.Axis, len(s))
	out := s.Clone()
	out[ax] *= at.Repeats
	return out
}

// shapeRepeatPlan is the (..., d, r, ...) view of a repeated input, its
// strides (0 on r) and the position of r.
func shapeRepeatPlan(s Shape, at RepeatAttrs) (Shape, []int, int, error) {
	if at.Repeats < 0 {
		return nil, nil, 0, fmt.Errorf("repeats %d < 0", at.Repeats)
	}
	if at.Axis == nil {
		return Shape{s.Size(), at.Repeats}, []int{1, 0}, 1, nil
	}
	ax, ok := normAxis(*at.Axis, len(s))
	if !ok {
		return nil, nil, 0, fmt.Errorf("axis %d out of range for %d dimensions", *at.Axis, len(s))
	}
	view := slices.Insert(s.Clone(), ax+1, at.Repeats)
	st := slices.Insert(s.Strides(), ax+1, 0)
	return view, st, ax + 1, nil
}

// shapePadMaps gives, per dimension, the input index each output index
// reads (-1: the constant).
func shapePadMaps(s Shape, at PadAttrs) ([][]int, error) {
	if len(at.PadWidth) != 2*len(s) {
		return nil, fmt.Errorf("pad_width %v: want %d values (before, after per dimension)", at.PadWidth, 2*len(s))
	}
	mode := at.Mode
	if mode == "" {
		mode = "constant"
	}
	if mode != "constant" && mode != "edge" && mode != "reflect" {
		return nil, fmt.Errorf("unknown mode %q (constant, edge or reflect)", at.Mode)
	}
	maps := make([][]int, len(s))
	for d, n := range s {
		before, after := at.PadWidth[2*d], at.PadWidth[2*d+1]
		if before < 0 || after < 0 {
			return nil, fmt.Errorf("pad_width %v: negative padding", at.PadWidth)
		}
		if mode == "edge" && n == 0 && before+after > 0 {
			return nil, fmt.Errorf("edge padding of an empty axis %d", d)
		}
		if mode == "reflect" && (before > 0 || after > 0) && (before >= n || after >= n) {
			return nil, fmt.Errorf("reflect padding %d,%d on axis %d needs it longer than the padding (size %d)", before, after, d, n)
		}
		m := make([]int, before+n+after)
		for o := range m {
			i := o - before
			switch {
			case i >= 0 && i < n:
			case mode == "constant":
				i = -1
			case mode == "edge":
				i = min(max(i, 0), n-1)
			case i < 0: // reflect
				i = -i
			default:
				i = 2*(n-1) - i
			}
			m[o] = i
		}
		maps[d] = m
	}
	return maps, nil
}

// shapePadWalk visits every element of the padded shape in C order with its
// position and the source element's position in src (-1: constant).
func shapePadWalk(padded, src Shape, maps [][]int, fn func(o, s int)) {
	n := padded.Size()
	if n == 0 {
		return
	}
	st := src.Strides()
	nd := len(padded)
	idx := make([]int, nd)
	for o := 0; o < n; o++ {
		s := 0
		for d := 0; d < nd; d++ {
			m := maps[d][idx[d]]
			if m < 0 {
				s = -1
				break
			}
			s += m * st[d]
		}
		fn(o, s)
		for d := nd - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < padded[d] {
				break
			}
			idx[d] = 0
		}
	}
}

// Tile repeats a reps[i] times along each axis (numpy.tile: shorter reps or
// shape are padded with leading 1s).
func Tile(a *NDArray, reps ...int) *NDArray {
	return Invoke1(opTile, TileAttrs{Shape(reps).Clone()}, a)
}

// Tile repeats the whole array along each axis.
func (a *NDArray) Tile(reps ...int) *NDArray { return Tile(a, reps...) }

// Repeat repeats each element repeats times along axis.
func Repeat(a *NDArray, repeats, axis int) *NDArray {
	return Invoke1(opRepeat, RepeatAttrs{Repeats: repeats, Axis: &axis}, a)
}

// RepeatFlat repeats each element of the flattened array (MXNet's repeat
// without axis).
func RepeatFlat(a *NDArray, repeats int) *NDArray {
	return Invoke1(opRepeat, RepeatAttrs{Repeats: repeats}, a)
}

// Pad pads a with padWidth = (before0, after0, before1, after1, ...) using
// mode "constant" (value), "edge" (repeat the border) or "reflect" (mirror
// without repeating the border). Unlike MXNet, any number of dimensions may
// be padded. It panics if padWidth has the wrong length or reflect padding
// is not shorter than the axis.
func Pad(a *NDArray, mode string, padWidth []int, value float64) *NDArray {
	return Invoke1(opPad, PadAttrs{Mode: mode, PadWidth: Shape(padWidth).Clone(), ConstantValue: value}, a)
}
