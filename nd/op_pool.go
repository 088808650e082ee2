package nd

import (
	"fmt"
	"math"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Pooling (max, avg, sum, lp; 1D/2D/3D; global) and its gradient ops.
// _pool_backward scatters an output gradient back over the windows; for
// max pooling its own gradient is _pool_max_gather (read the output
// gradient's gradient at each window's argmax), and for avg/sum it is
// Pooling itself, so pooling gradients can be differentiated again.

// PoolingAttrs are the attributes of Pooling. Empty strings and tuples take
// MXNet's defaults: PoolType "max", PoolingConvention "valid" ("full" is
// ceil mode), stride 1, pad 0. CountIncludePad nil means true, as in MXNet
// (where it is optional); PValue 0 means 2. With GlobalPool the kernel is
// the whole input and Kernel, Stride and Pad are ignored.
type PoolingAttrs struct {
	Kernel            Shape  `mx:"kernel"`
	PoolType          string `mx:"pool_type"`
	GlobalPool        bool   `mx:"global_pool"`
	PoolingConvention string `mx:"pooling_convention"`
	Stride            Shape  `mx:"stride"`
	Pad               Shape  `mx:"pad"`
	PValue            int    `mx:"p_value"`
	CountIncludePad   *bool  `mx:"count_include_pad"`
	Layout            string `mx:"layout"`
}

type poolMode int

const (
	poolMax poolMode = iota
	poolAvg
	poolSum
	poolLp
)

// poolGeom is one pooling over planes of 3 spatial dims (leading size 1).
type poolGeom struct {
	nsp         int
	planes      int // N·C
	in, out     [3]int
	k, s, p     [3]int
	mode        poolMode
	pval        int
	includePad  bool
	n, c        int // the data's first two dims (planes = n·c)
	inSz, outSz int
}

// outShape is the output's shape (N, C, out...).
func (g *poolGeom) outShape() Shape {
	s := make(Shape, 2+g.nsp)
	s[0], s[1] = g.n, g.c
	copy(s[2:], g.out[3-g.nsp:])
	return s
}

// poolGeomFor is poolGeometry on the heap, for callers that share it.
func poolGeomFor(a PoolingAttrs, x Shape) (*poolGeom, error) {
	g, err := poolGeometry(a, x)
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// poolGeometry derives a pooling's geometry from the data shape x. It
// returns it by value and builds no shape, so kernels allocate nothing.
func poolGeometry(a PoolingAttrs, x Shape) (poolGeom, error) {
	if len(x) < 3 || len(x) > 5 {
		return poolGeom{}, fmt.Errorf("data must be 3D, 4D or 5D (N, C, spatial...), got %v", x)
	}
	g := poolGeom{nsp: len(x) - 2, planes: x[0] * x[1], n: x[0], c: x[1], includePad: a.CountIncludePad == nil || *a.CountIncludePad, pval: a.PValue}
	if err := nnCheckLayout(a.Layout, g.nsp); err != nil {
		return g, err
	}
	switch a.PoolType {
	case "", "max":
		g.mode = poolMax
	case "avg":
		g.mode = poolAvg
	case "sum":
		g.mode = poolSum
	case "lp":
		g.mode = poolLp
	default:
		return g, fmt.Errorf("pool_type %q (want max, avg, sum or lp)", a.PoolType)
	}
	if g.pval == 0 {
		g.pval = 2
	}
	if g.pval < 0 {
		return g, fmt.Errorf("p_value %d must be positive", g.pval)
	}
	full := false
	switch a.PoolingConvention {
	case "", "valid":
	case "full":
		full = true
	default:
		return g, fmt.Errorf("pooling_convention %q not supported (valid or full)", a.PoolingConvention)
	}
	g.in = nnSpatial(x[2:], g.nsp, 1, 1)
	if a.GlobalPool {
		g.k, g.s, g.p = g.in, [3]int{1, 1, 1}, [3]int{}
	} else {
		if len(a.Kernel) != g.nsp {
			return g, fmt.Errorf("kernel %v must have %d dims for data %v", a.Kernel, g.nsp, x)
		}
		for _, c := range []struct {
			name string
			t    Shape
			min  int
		}{{"kernel", a.Kernel, 1}, {"stride", a.Stride, 1}, {"pad", a.Pad, 0}} {
			if err := nnCheckTuple(c.name, c.t, g.nsp, c.min); err != nil {
				return g, err
			}
		}
		g.k, g.s, g.p = nnSpatial(a.Kernel, g.nsp, 1, 1), nnSpatial(a.Stride, g.nsp, 1, 1), nnSpatial(a.Pad, g.nsp, 0, 0)
	}
	for i := 0; i < 3; i++ {
		span := g.in[i] + 2*g.p[i] - g.k[i]
		if span < 0 {
			return g, fmt.Errorf("kernel %v is larger than the padded input %v", a.Kernel, x[2:])
		}
		if g.p[i] >= g.k[i] && g.p[i] > 0 {
			return g, fmt.Errorf("pad %v must be smaller than kernel %v", a.Pad, a.Kernel)
		}
		g.out[i] = span/g.s[i] + 1
		if full {
			g.out[i] = (span+g.s[i]-1)/g.s[i] + 1
		}
	}
	g.inSz, g.outSz = g.in[0]*g.in[1]*g.in[2], g.out[0]*g.out[1]*g.out[2]
	return g, nil
}

// window returns the clipped window [lo, hi) of output position o along
// each dim and the divisor of avg pooling.
func (g *poolGeom) window(o [3]int) (lo, hi [3]int, count int) {
	count = 1
	for i := 0; i < 3; i++ {
		start := o[i]*g.s[i] - g.p[i]
		end := min(start+g.k[i], g.in[i]+g.p[i])
		if g.includePad {
			count *= end - start
		}
		lo[i], hi[i] = max(start, 0), min(end, g.in[i])
		if !g.includePad {
			count *= max(hi[i]-lo[i], 0)
		}
	}
	return lo, hi, count
}

// forEachWindow calls f for every output position of a plane with its
// flat output index.
func (g *poolGeom) forEachWindow(f func(oi int, lo, hi [3]int, count int)) {
	oi := 0
	for od := 0; od < g.out[0]; od++ {
		for oh := 0; oh < g.out[1]; oh++ {
			for ow := 0; ow < g.out[2]; ow++ {
				lo, hi, count := g.window([3]int{od, oh, ow})
				f(oi, lo, hi, count)
				oi++
			}
		}
	}
}

// argmax returns the flat index of the first maximum in a window, -1 if
// the window is empty.
func poolArgmax[T nnFloat](x []T, g *poolGeom, lo, hi [3]int) int {
	best, bi := T(0), -1
	for d := lo[0]; d < hi[0]; d++ {
		for h := lo[1]; h < hi[1]; h++ {
			row := (d*g.in[1] + h) * g.in[2]
			for w := lo[2]; w < hi[2]; w++ {
				if v := x[row+w]; bi < 0 || v > best || v != v {
					best, bi = v, row+w
				}
			}
		}
	}
	return bi
}

func poolIntPow[T nnFloat](v T, p int) T {
	r := T(1)
	for range p {
		r *= v
	}
	return r
}

// poolGrain is how many planes one parallel chunk takes: enough that a
// chunk holds at least about 16K input elements.
func (g *poolGeom) poolGrain() int { return max(1, (1<<14)/max(g.inSz, 1)) }

// planar reports whether the pooling is (at most) two-dimensional and not
// lp, so the direct 2-D loops of op_pool2d.go apply.
func (g *poolGeom) planar() bool {
	return g.in[0] == 1 && g.k[0] == 1 && g.mode != poolLp
}

func poolForward[T nnFloat](x, y []T, g *poolGeom) {
	if g.planar() {
		pool2DForward(x, y, g)
		return
	}
	poolForwardGeneric(x, y, g)
}

// poolForwardGeneric handles every geometry through forEachWindow; it is
// the reference the 2-D paths are tested against.
func poolForwardGeneric[T nnFloat](x, y []T, geo *poolGeom) {
	g := new(poolGeom) // its closures capture g: a copy, so the caller's does not escape
	*g = *geo
	kernels.ParallelFor(g.planes, 1, func(p0, p1 int) {
		for pl := p0; pl < p1; pl++ {
			xp, yp := x[pl*g.inSz:(pl+1)*g.inSz], y[pl*g.outSz:(pl+1)*g.outSz]
			g.forEachWindow(func(oi int, lo, hi [3]int, count int) {
				if g.mode == poolMax {
					if i := poolArgmax(xp, g, lo, hi); i >= 0 {
						yp[oi] = xp[i]
					} else {
						yp[oi] = 0
					}
					return
				}
				var acc T
				for d := lo[0]; d < hi[0]; d++ {
					for h := lo[1]; h < hi[1]; h++ {
						row := xp[(d*g.in[1]+h)*g.in[2]:]
						for w := lo[2]; w < hi[2]; w++ {
							if g.mode == poolLp {
								acc += poolIntPow(row[w], g.pval)
							} else {
								acc += row[w]
							}
						}
					}
				}
				switch g.mode {
				case poolAvg:
					if count > 0 {
						acc /= T(count)
					}
				case poolLp:
					acc = T(math.Pow(float64(acc), 1/float64(g.pval)))
				}
				yp[oi] = acc
			})
		}
	})
}

// poolBackward computes dx from dy (x and y are the forward's input and
// output; y is read only for lp).
func poolBackward[T nnFloat](dy, x, y, dx []T, g *poolGeom) {
	if g.planar() {
		pool2DBackward(dy, x, y, dx, g)
		return
	}
	poolBackwardGeneric(dy, x, y, dx, g)
}

// poolBackwardGeneric is poolBackward through forEachWindow.
func poolBackwardGeneric[T nnFloat](dy, x, y, dx []T, geo *poolGeom) {
	g := new(poolGeom) // its closures capture g: a copy, so the caller's does not escape
	*g = *geo
	kernels.ParallelFor(g.planes, 1, func(p0, p1 int) {
		for pl := p0; pl < p1; pl++ {
			xp, dxp := x[pl*g.inSz:(pl+1)*g.inSz], dx[pl*g.inSz:(pl+1)*g.inSz]
			dyp, yp := dy[pl*g.outSz:(pl+1)*g.outSz], y[pl*g.outSz:(pl+1)*g.outSz]
			clear(dxp)
			g.forEachWindow(func(oi int, lo, hi [3]int, count int) {
				gv := dyp[oi]
				switch g.mode {
				case poolMax:
					if i := poolArgmax(xp, g, lo, hi); i >= 0 {
						dxp[i] += gv
					}
					return
				case poolAvg:
					if count == 0 {
						return
					}
					gv /= T(count)
				}
				for d := lo[0]; d < hi[0]; d++ {
					for h := lo[1]; h < hi[1]; h++ {
						base := (d*g.in[1] + h) * g.in[2]
						for w := lo[2]; w < hi[2]; w++ {
							if g.mode == poolLp {
								// d (Σ x^p)^(1/p) / dx = (x/y)^(p-1)
								if yp[oi] != 0 {
									dxp[base+w] += gv * poolIntPow(xp[base+w]/yp[oi], g.pval-1)
								}
								continue
							}
							dxp[base+w] += gv
						}
					}
				}
			})
		}
	})
}

// poolMaxGather reads h at each window's argmax of x.
func poolMaxGather[T nnFloat](h, x, out []T, geo *poolGeom) {
	g := new(poolGeom) // its closures capture g: a copy, so the caller's does not escape
	*g = *geo
	for pl := 0; pl < g.planes; pl++ {
		xp, hp, op := x[pl*g.inSz:(pl+1)*g.inSz], h[pl*g.inSz:(pl+1)*g.inSz], out[pl*g.outSz:(pl+1)*g.outSz]
		g.forEachWindow(func(oi int, lo, hi [3]int, _ int) {
			op[oi] = 0
			if i := poolArgmax(xp, g, lo, hi); i >= 0 {
				op[oi] = hp[i]
			}
		})
	}
}

var opPooling, opPoolBackward, opPoolMaxGather *OpDef

// poolingKernel runs Pooling: y = pool(x).
func poolingKernel(k *KernelArgs) error {
	g, err := poolGeometry(k.Attrs.(PoolingAttrs), k.In[0].Shape)
	if err != nil {
		return err
	}
	if k.In[0].DType == Float32 {
		poolForward(k.In[0].F32(), k.Out[0].F32(), &g)
	} else {
		poolForward(k.In[0].F64(), k.Out[0].F64(), &g)
	}
	return nil
}

// poolBackwardKernel runs _pool_backward(dy, y, x) -> dx.
func poolBackwardKernel(k *KernelArgs) error {
	g, err := poolGeometry(k.Attrs.(PoolingAttrs), k.In[2].Shape)
	if err != nil {
		return err
	}
	if k.In[0].DType == Float32 {
		poolBackward(k.In[0].F32(), k.In[2].F32(), k.In[1].F32(), k.Out[0].F32(), &g)
	} else {
		poolBackward(k.In[0].F64(), k.In[2].F64(), k.In[1].F64(), k.Out[0].F64(), &g)
	}
	return nil
}

// poolMaxGatherKernel runs _pool_max_gather(h, x).
func poolMaxGatherKernel(k *KernelArgs) error {
	g, err := poolGeometry(k.Attrs.(PoolingAttrs), k.In[1].Shape)
	if err != nil {
		return err
	}
	if k.In[0].DType == Float32 {
		poolMaxGather(k.In[0].F32(), k.In[1].F32(), k.Out[0].F32(), &g)
	} else {
		poolMaxGather(k.In[0].F64(), k.In[1].F64(), k.Out[0].F64(), &g)
	}
	return nil
}

func init() {
	opPooling = RegisterOp(&OpDef{
		Name:      "Pooling",
		Aliases:   []string{"pooling"},
		Attrs:     PoolingAttrs{},
		NumInputs: 1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			g, err := poolGeomFor(attrs.(PoolingAttrs), in[0])
			if err != nil {
				return nil, err
			}
			return []Shape{g.outShape()}, nil
		},
		InferType: nnFloatType(1),
		Kernels:   cpu(poolingKernel),
		// dx: each window's gradient goes to its argmax (max), spread evenly
		// (avg), copied (sum) or weighted by (x/y)^(p-1) (lp).
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{Invoke1(opPoolBackward, g.Attrs, g.OutGrads[0], g.Outputs[0], g.Inputs[0])}
		},
	})

	// _pool_backward(dy, y, x) -> dx. The data x comes last so the kernel
	// finds the geometry from it. y must be Pooling(x): max pooling reads
	// each window's maximum from it, and lp its norm.
	opPoolBackward = RegisterOp(&OpDef{
		Name:      "_pool_backward",
		Attrs:     PoolingAttrs{},
		NumInputs: 3,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			g, err := poolGeomFor(attrs.(PoolingAttrs), in[2])
			if err != nil {
				return nil, err
			}
			if out := g.outShape(); !in[0].Equal(out) || !in[1].Equal(out) {
				return nil, fmt.Errorf("output gradient %v and output %v must be %v", in[0], in[1], out)
			}
			return []Shape{in[2].Clone()}, nil
		},
		InferType: nnFloatType(1),
		Kernels:   cpu(poolBackwardKernel),
		// Linear in dy: its adjoint is the pooling read (gather at argmax for
		// max, Pooling for avg/sum). x and y only select windows (zero
		// gradient); for lp the second-order terms in x are not provided.
		Grad: func(g *GradArgs) []*NDArray {
			a := g.Attrs.(PoolingAttrs)
			h, x := g.OutGrads[0], g.Inputs[2]
			var gdy *NDArray
			switch a.PoolType {
			case "", "max":
				gdy = Invoke1(opPoolMaxGather, a, h, x)
			case "avg", "sum":
				gdy = Invoke1(opPooling, a, h)
			default:
				return nil
			}
			return []*NDArray{gdy, nil, nil}
		},
	})

	// _pool_max_gather(h, x) reads h at the argmax of each max-pooling
	// window of x.
	opPoolMaxGather = RegisterOp(&OpDef{
		Name:      "_pool_max_gather",
		Attrs:     PoolingAttrs{},
		NumInputs: 2,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			g, err := poolGeomFor(attrs.(PoolingAttrs), in[1])
			if err != nil {
				return nil, err
			}
			if !in[0].Equal(in[1]) {
				return nil, fmt.Errorf("h %v must have the data's shape %v", in[0], in[1])
			}
			return []Shape{g.outShape()}, nil
		},
		InferType: nnFloatType(1),
		Kernels:   cpu(poolMaxGatherKernel),
		// Adjoint of the gather: scatter to the argmax (x only selects).
		// _pool_backward reads the pooled maxima as its y.
		Grad: func(g *GradArgs) []*NDArray {
			x := g.Inputs[1]
			y := Invoke1(opPooling, g.Attrs, x)
			return []*NDArray{Invoke1(opPoolBackward, g.Attrs, g.OutGrads[0], y, x), nil}
		},
	})
}

// Pooling pools data (N, C, spatial...) over windows of attrs.Kernel:
// max, average, sum or Lp norm (pool_type). The output spatial size is
// (in + 2·pad - kernel)/stride + 1, rounded down ("valid") or up ("full").
// It panics if the shapes do not fit the attributes.
func Pooling(data *NDArray, attrs PoolingAttrs) *NDArray {
	return Invoke1(opPooling, attrs, data)
}
