package nd

import (
	"fmt"

	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/nd/kernels"
)

// BroadcastShapes returns the NumPy broadcast of shapes a and b.
func BroadcastShapes(a, b Shape) (Shape, error) {
	if a.Equal(b) {
		return a, nil // shapes are never modified in place, so sharing is safe
	}
	n := max(len(a), len(b))
	out := make(Shape, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			return nil, fmt.Errorf("shapes %v and %v cannot be broadcast together (dimension %d: %d vs %d)", a, b, i, da, db)
		}
	}
	return out, nil
}

// broadcastsTo reports whether a broadcasts to b (their broadcast is b).
func broadcastsTo(a, b Shape) bool {
	if len(a) > len(b) {
		return false
	}
	pad := len(b) - len(a)
	for i, d := range a {
		if d != 1 && d != b[pad+i] {
			return false
		}
	}
	return true
}

// bcastStrides returns element strides of an array of shape s read as the
// (broadcast) shape out: 0 where s has size 1 or is missing.
func bcastStrides(s, out Shape) []int {
	return bcastStridesInto(make([]int, 0, len(out)), s, out)
}

// forEachRow walks out (C order) one innermost row at a time, giving the
// element offsets of each operand at the row's start; within the row operand
// k advances by step[k] (0 or its innermost stride).
func forEachRow(out Shape, strides [][]int, fn func(offs []int, n int, steps []int)) {
	total := out.Size()
	if total == 0 {
		return
	}
	nd := len(out)
	k := len(strides)
	offs := make([]int, k)
	steps := make([]int, k)
	if nd == 0 {
		fn(offs, 1, steps)
		return
	}
	inner := out[nd-1]
	for j := range strides {
		steps[j] = strides[j][nd-1]
	}
	idx := make([]int, nd)
	for done := 0; done < total; done += inner {
		for j := range strides {
			o := 0
			for d := 0; d < nd-1; d++ {
				o += idx[d] * strides[j][d]
			}
			offs[j] = o
		}
		fn(offs, inner, steps)
		for d := nd - 2; d >= 0; d-- {
			idx[d]++
			if idx[d] < out[d] {
				break
			}
			idx[d] = 0
		}
	}
}

// BroadcastToAttrs are the attributes of broadcast_to.
type BroadcastToAttrs struct {
	Shape Shape `mx:"shape"`
}

var opBroadcastTo, opSumTo *OpDef

func init() {
	opBroadcastTo = RegisterOp(&OpDef{
		Name:      "broadcast_to",
		Attrs:     BroadcastToAttrs{},
		NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			want := a.(BroadcastToAttrs).Shape.Clone()
			if len(want) < len(in[0]) {
				return nil, fmt.Errorf("cannot broadcast %v to fewer dimensions %v", in[0], want)
			}
			off := len(want) - len(in[0])
			for i, d := range in[0] {
				if want[off+i] == 0 { // MXNet: 0 keeps the input's size
					want[off+i] = d
				}
				if d != 1 && d != want[off+i] {
					return nil, fmt.Errorf("cannot broadcast %v to %v", in[0], want)
				}
			}
			return []Shape{want}, nil
		},
		Kernels: map[engine.DeviceType]Kernel{engine.CPU: func(k *KernelArgs) error {
			in, out := k.In[0], k.Out[0]
			es := in.DType.Size()
			st := bcastStrides(in.Shape, out.Shape)
			pos := 0
			forEachRow(out.Shape, [][]int{st}, func(offs []int, n int, steps []int) {
				if steps[0] == 0 {
					src := in.Data[offs[0]*es : offs[0]*es+es]
					for j := 0; j < n; j++ {
						copy(out.Data[(pos+j)*es:], src)
					}
				} else {
					copy(out.Data[pos*es:(pos+n)*es], in.Data[offs[0]*es:(offs[0]+n)*es])
				}
				pos += n
			})
			return nil
		}},
		// The gradient sums over the broadcast dimensions.
		Grad: func(g *GradArgs) []*NDArray { return []*NDArray{SumTo(g.OutGrads[0], g.Inputs[0].shape)} },
	})
}

// BroadcastTo broadcasts a to shape (NumPy rules; a 0 in shape keeps a's size).
func BroadcastTo(a *NDArray, shape Shape) *NDArray {
	if a.shape.Equal(shape) {
		return a
	}
	return Invoke1(opBroadcastTo, BroadcastToAttrs{shape.Clone()}, a)
}

// BroadcastTo broadcasts a to shape.
func (a *NDArray) BroadcastTo(shape Shape) *NDArray { return BroadcastTo(a, shape) }

// BroadcastLike broadcasts a to b's shape.
func BroadcastLike(a, b *NDArray) *NDArray { return BroadcastTo(a, b.shape) }

// SumToAttrs are the attributes of _sum_to.
type SumToAttrs struct {
	Shape Shape `mx:"shape"`
}

// _sum_to reduces a broadcast result back to an operand's shape: the
// gradient of broadcasting.
func init() {
	opSumTo = RegisterOp(&OpDef{
		Name:      "_sum_to",
		Attrs:     SumToAttrs{},
		NumInputs: 1,
		InferShape: func(a any, in []Shape) ([]Shape, error) {
			want := a.(SumToAttrs).Shape
			if !broadcastsTo(want, in[0]) {
				return nil, fmt.Errorf("%v does not broadcast to %v", want, in[0])
			}
			// Shapes are never modified in place: the output shares the
			// attribute's (SumTo copied the caller's).
			return []Shape{want}, nil
		},
		Kernels: map[engine.DeviceType]Kernel{engine.CPU: func(k *KernelArgs) error {
			in, out := k.In[0], k.Out[0]
			if in.DType == Float32 {
				// A reduction over the broadcast axes, as sum's: float64
				// accumulation in the vector kernels.
				var mb reduceMaskBuf
				mask := sumToMask(mb[:0], out.Shape, in.Shape)
				reduceVec32(reduceSum, kernels.AccValue, out.F32(), in.F32(), in.Shape, mask)
				return nil
			}
			st := bcastStrides(out.Shape, in.Shape)
			switch in.DType {
			case Float64:
				sumToKernel(out.F64(), in.F64(), in.Shape, st)
			case Int32:
				sumToKernel(Elems[int32](out), Elems[int32](in), in.Shape, st)
			case Int64:
				sumToKernel(Elems[int64](out), Elems[int64](in), in.Shape, st)
			default:
				return fmt.Errorf("dtype %v not supported", in.DType)
			}
			return nil
		}},
		Grad: func(g *GradArgs) []*NDArray { return []*NDArray{BroadcastTo(g.OutGrads[0], g.Inputs[0].shape)} },
	})
}

// sumToMask marks the axes of in that summing to out reduces: those out
// lacks or has as 1 (in's size-1 axes are marked too; they reduce
// nothing). It builds the mask in dst's memory when it has room.
func sumToMask(dst []bool, out, in Shape) []bool {
	mask := dst[:0]
	if cap(mask) < len(in) {
		mask = make([]bool, 0, len(in))
	}
	pad := len(in) - len(out)
	for i := range in {
		mask = append(mask, i < pad || out[i-pad] == 1)
	}
	return mask
}

// sumToKernel sums in into out (of strides outStrides, 0 on the summed
// axes) in input order, accumulating in T: the dtypes but float32, which
// reduce as sum does.
func sumToKernel[T float64 | int32 | int64](out, in []T, inShape Shape, outStrides []int) {
	clear(out)
	pos := 0
	forEachRow(inShape, [][]int{outStrides}, func(offs []int, n int, steps []int) {
		src := in[pos : pos+n]
		if steps[0] == 0 {
			var s T
			for _, v := range src {
				s += v
			}
			out[offs[0]] += s
		} else {
			dst := out[offs[0] : offs[0]+n]
			for j, v := range src {
				dst[j] += v
			}
		}
		pos += n
	})
}

// SumTo sums a over its broadcast dimensions so the result has shape
// (which must broadcast to a's shape). It returns a when shapes match.
func SumTo(a *NDArray, shape Shape) *NDArray {
	if a.shape.Equal(shape) {
		return a
	}
	return Invoke1(opSumTo, SumToAttrs{shape.Clone()}, a)
}
