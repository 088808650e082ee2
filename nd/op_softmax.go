package nd

import (
	"fmt"
	"math"

	"github.com/mxgo/mxgo/nd/kernels"
)

// softmax and log_softmax along an axis, with MXNet's temperature:
// softmax(x)_i = exp(x_i/T) / Σ_j exp(x_j/T). The maximum is subtracted
// first, so large inputs do not overflow.

// SoftmaxAttrs are the attributes of softmax and log_softmax.
type SoftmaxAttrs struct {
	// Axis to normalize along; nil means MXNet's default -1.
	Axis *int `mx:"axis"`
	// Temperature divides the inputs; 0 means MXNet's default (None): 1.
	Temperature float64 `mx:"temperature"`
}

func (a SoftmaxAttrs) temp() float64 {
	if a.Temperature == 0 {
		return 1
	}
	return a.Temperature
}

var opSoftmax, opLogSoftmax, opSoftmaxGrad, opLogSoftmaxGrad *OpDef

func softmaxShape(attrs any, in []Shape) ([]Shape, error) {
	if _, err := sortAxisOf(attrs.(SoftmaxAttrs).Axis, len(in[0])); err != nil {
		return nil, err
	}
	return []Shape{in[0].Clone()}, nil
}

func softmaxKernel(log bool) Kernel {
	return func(k *KernelArgs) error {
		a := k.Attrs.(SoftmaxAttrs)
		in, out := k.In[0], k.Out[0]
		axis, err := sortAxisOf(a.Axis, len(in.Shape))
		if err != nil {
			return err
		}
		s := in.Shape
		outer, n, inner := Shape(s[:axis]).Size(), s[axis], Shape(s[axis+1:]).Size()
		if outer*n*inner == 0 {
			return nil
		}
		switch in.DType {
		case Float32:
			softmaxRun(out.F32(), in.F32(), outer, n, inner, float32(1/a.temp()), log, unaryExp32)
		case Float64:
			softmaxRun(out.F64(), in.F64(), outer, n, inner, 1/a.temp(), log, math.Exp)
		default:
			return fmt.Errorf("dtype %v not supported (cast to float32)", in.DType)
		}
		return nil
	}
}

// softmaxRun normalizes each line of (outer, n, inner) along n. Lines along
// the last axis (inner == 1) are contiguous rows; otherwise a block of
// inner columns is processed together so memory is read in order.
func softmaxRun[T float32 | float64](out, in []T, outer, n, inner int, invT T, log bool, exp func(T) T) {
	grain := max(1, (1<<15)/(n*inner))
	if outer <= grain || kernels.NumThreads() <= 1 {
		softmaxLines(out, in, n, inner, invT, log, exp, 0, outer)
		return
	}
	t := getKernelTask[T](&softmaxTasks, newSoftmaxTask[T])
	t.out, t.in, t.n, t.inner, t.t, t.log, t.exp = out, in, n, inner, invT, log, exp
	kernels.ParallelFor(outer, grain, t.body)
	t.out, t.in = nil, nil
	putKernelTask[T](&softmaxTasks, t)
}

// softmaxTask is a softmax (forward or backward) split over threads; see
// kernel_task.go.
type softmaxTask[T float32 | float64] struct {
	out, in, y []T // y: the forward output, for the backward
	n, inner   int
	t          T // invT forward, the temperature backward
	log        bool
	exp        func(T) T
	body       func(lo, hi int)
}

var softmaxTasks, softmaxGradTasks kernelTasks

func newSoftmaxTask[T float32 | float64]() *softmaxTask[T] {
	t := new(softmaxTask[T])
	t.body = t.forward
	return t
}

func newSoftmaxGradTask[T float32 | float64]() *softmaxTask[T] {
	t := new(softmaxTask[T])
	t.body = t.backward
	return t
}

func (t *softmaxTask[T]) forward(lo, hi int) {
	softmaxLines(t.out, t.in, t.n, t.inner, t.t, t.log, t.exp, lo, hi)
}

func (t *softmaxTask[T]) backward(lo, hi int) {
	softmaxGradLines(t.out, t.in, t.y, t.n, t.inner, t.t, t.log, t.exp, lo, hi)
}

// softmaxLines normalizes lines [lo, hi) of softmaxRun.
func softmaxLines[T float32 | float64](out, in []T, n, inner int, invT T, log bool, exp func(T) T, lo, hi int) {
	if inner == 1 {
		if o32, ok := any(out).([]float32); ok {
			softmaxRows32(o32, any(in).([]float32), n, float32(invT), log, lo, hi)
			return
		}
		for o := lo; o < hi; o++ {
			softmaxRow(out[o*n:(o+1)*n], in[o*n:(o+1)*n], invT, log, exp)
		}
		return
	}
	mxBuf, sumBuf := nnGetBuf[T](inner), nnGetBuf[float64](inner)
	defer nnPutBuf(mxBuf)
	defer nnPutBuf(sumBuf)
	mx, sum := *mxBuf, *sumBuf
	for o := lo; o < hi; o++ {
		x := in[o*n*inner : (o+1)*n*inner]
		y := out[o*n*inner : (o+1)*n*inner]
		copy(mx, x[:inner])
		for r := 1; r < n; r++ {
			for j, v := range x[r*inner : (r+1)*inner] {
				mx[j] = max(mx[j], v)
			}
		}
		clear(sum)
		for r := 0; r < n; r++ {
			row, dst := x[r*inner:(r+1)*inner], y[r*inner:(r+1)*inner]
			for j, v := range row {
				e := exp((v - mx[j]) * invT)
				sum[j] += float64(e)
				if !log {
					dst[j] = e
				}
			}
		}
		for r := 0; r < n; r++ {
			row, dst := x[r*inner:(r+1)*inner], y[r*inner:(r+1)*inner]
			for j := range dst {
				if log {
					dst[j] = (row[j]-mx[j])*invT - T(math.Log(sum[j]))
				} else {
					dst[j] *= T(1 / sum[j])
				}
			}
		}
	}
}

// softmaxRow is one contiguous row: the training hot path.
func softmaxRow[T float32 | float64](y, x []T, invT T, log bool, exp func(T) T) {
	y = y[:len(x)]
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	var sum float64
	if log {
		for _, v := range x {
			sum += float64(exp((v - m) * invT))
		}
		lse := T(math.Log(sum))
		for i, v := range x {
			y[i] = (v-m)*invT - lse
		}
		return
	}
	for i, v := range x {
		e := exp((v - m) * invT)
		y[i] = e
		sum += float64(e)
	}
	inv := T(1 / sum)
	for i := range y {
		y[i] *= inv
	}
}

// softmaxRow32 is softmaxRow for one float32 row with scalar exp calls:
// the careful path of softmaxRows32 for rows with NaN or infinities, and
// the reference of its tests.
func softmaxRow32(y, x []float32, invT float32, log bool) {
	y = y[:len(x)]
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	if m != m || math.IsInf(float64(m), 0) { // leave NaN and infinities to the careful path
		softmaxRow(y, x, invT, log, unaryExp32)
		return
	}
	if log {
		var sum float64
		for _, v := range x {
			sum += float64(unaryExp32((v - m) * invT))
		}
		lse := float32(math.Log(sum))
		for i, v := range x {
			y[i] = (v-m)*invT - lse
		}
		return
	}
	var s0, s1 float64
	i := 0
	for ; i+2 <= len(x); i += 2 {
		y[i], y[i+1] = unaryExp32((x[i]-m)*invT), unaryExp32((x[i+1]-m)*invT)
		s0 += float64(y[i])
		s1 += float64(y[i+1])
	}
	for ; i < len(x); i++ {
		y[i] = unaryExp32((x[i] - m) * invT)
		s0 += float64(y[i])
	}
	inv := float32(1 / (s0 + s1))
	for i := range y {
		y[i] *= inv
	}
}

// softmaxVecRow is the row length from which float32 rows run
// softmaxRowVec32, a row at a time; shorter rows are batched into blocks.
const softmaxVecRow = 64

// softmaxRowVec32 is one float32 row of length at least softmaxVecRow with
// a finite positive invT: the maximum, then one vector pass that shifts,
// scales, exponentiates and sums (kernels.RowMax32, kernels.ExpShiftSum32),
// then the scaling or the shift by the log of the sum. The sum runs over
// 16 float64 lanes, so it may round differently from the sequential sum
// of softmaxRow32 (by an ulp of the float64 sum, rarely visible in
// float32). y may be x.
func softmaxRowVec32(y, x []float32, invT float32, log bool) {
	m := kernels.RowMax32(x)
	if m != m || math.IsInf(float64(m), 0) {
		softmaxRow32(y, x, invT, log) // infinities: the careful path
		return
	}
	sum := kernels.ExpShiftSum32(y, x, m, invT, !log)
	if sum != sum {
		// A NaN in the row (the maximum skips it): every output is NaN,
		// as the row code gives.
		for i := range y {
			y[i] = float32(sum)
		}
		return
	}
	if log {
		kernels.BinaryScalar32(kernels.BinarySub, y, y, float32(math.Log(sum)))
		return
	}
	kernels.BinaryScalar32(kernels.BinaryMul, y, y, float32(1/sum))
}

// softmaxRows32 is softmaxRow over the contiguous float32 rows [lo, hi)
// of length n. Rows of softmaxVecRow or more (with a finite positive
// invT) run softmaxRowVec32 a row at a time; shorter ones run
// kernels.SoftmaxRows32, 16 rows at a time with one row per vector lane,
// which gives softmaxRow32's bits (log-softmax's log aside, which may
// round the other way by an ulp in rare cases). The kernel stops before
// a group of rows holding a row whose maximum is NaN or infinite: that
// group takes softmaxRow32's careful path.
func softmaxRows32(out, in []float32, n int, invT float32, log bool, lo, hi int) {
	if n >= softmaxVecRow && invT > 0 && !math.IsInf(float64(invT), 0) {
		for r := lo; r < hi; r++ {
			softmaxRowVec32(out[r*n:(r+1)*n], in[r*n:(r+1)*n], invT, log)
		}
		return
	}
	for r := lo; r < hi; {
		r += kernels.SoftmaxRows32(out[r*n:hi*n], in[r*n:hi*n], n, invT, log)
		for e := min(r+kernels.ShortRowsGroup, hi); r < e; r++ {
			softmaxRow32(out[r*n:(r+1)*n], in[r*n:(r+1)*n], invT, log)
		}
	}
}

func init() {
	opSoftmax = RegisterOp(&OpDef{
		Name:       "softmax",
		Attrs:      SoftmaxAttrs{},
		NumInputs:  1,
		InferShape: softmaxShape,
		Kernels:    cpu(softmaxKernel(false)),
		// d softmax = y*(g - Σ g*y)/T, the sum along the axis, by
		// _backward_softmax in one pass
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{Invoke1(opSoftmaxGrad, g.Attrs, g.OutGrads[0], g.Outputs[0])}
		},
	})
	opLogSoftmax = RegisterOp(&OpDef{
		Name:       "log_softmax",
		Attrs:      SoftmaxAttrs{},
		NumInputs:  1,
		InferShape: softmaxShape,
		Kernels:    cpu(softmaxKernel(true)),
		// d log_softmax = (g - exp(y)*Σ g)/T, the sum along the axis, by
		// _backward_log_softmax in one pass
		Grad: func(g *GradArgs) []*NDArray {
			return []*NDArray{Invoke1(opLogSoftmaxGrad, g.Attrs, g.OutGrads[0], g.Outputs[0])}
		},
	})

	// The backward ops take (g, y): the output gradient and the forward
	// output. One op instead of four (a product, a sum, a broadcast
	// product and a difference) saves three engine pushes and tape nodes
	// per loss, and three passes over the array.
	opSoftmaxGrad = RegisterOp(&OpDef{
		Name:       "_backward_softmax",
		Attrs:      SoftmaxAttrs{},
		NumInputs:  2,
		InferShape: softmaxGradShape,
		InferType:  softmaxGradType,
		Kernels:    cpu(softmaxGradKernel(false)),
		// With h the incoming gradient, h' = h/T and S = Σ g*y:
		// d g = y*(h' - Σ h'*y),  d y = h'*(g - S) - g*Σ h'*y
		Grad: func(ga *GradArgs) []*NDArray {
			a, g, y := ga.Attrs.(SoftmaxAttrs), ga.Inputs[0], ga.Inputs[1]
			ax := softmaxAxisList(a, y)
			h := ga.OutGrads[0]
			if t := a.temp(); t != 1 {
				h = h.DivScalar(t)
			}
			shy := Sum(h.Mul(y), ax, true)
			dg := y.Mul(h.Sub(shy))
			dy := h.Mul(g.Sub(Sum(g.Mul(y), ax, true))).Sub(g.Mul(shy))
			return []*NDArray{dg, dy}
		},
	})
	opLogSoftmaxGrad = RegisterOp(&OpDef{
		Name:       "_backward_log_softmax",
		Attrs:      SoftmaxAttrs{},
		NumInputs:  2,
		InferShape: softmaxGradShape,
		InferType:  softmaxGradType,
		Kernels:    cpu(softmaxGradKernel(true)),
		// With h the incoming gradient, h' = h/T and e = exp(y):
		// d g = h' - Σ h'*e,  d y = -h'*e*Σ g
		Grad: func(ga *GradArgs) []*NDArray {
			a, g, y := ga.Attrs.(SoftmaxAttrs), ga.Inputs[0], ga.Inputs[1]
			ax := softmaxAxisList(a, y)
			h := ga.OutGrads[0]
			if t := a.temp(); t != 1 {
				h = h.DivScalar(t)
			}
			he := h.Mul(y.Exp())
			return []*NDArray{h.Sub(Sum(he, ax, true)), he.Mul(Sum(g, ax, true)).Neg()}
		},
	})
}

func softmaxGradShape(attrs any, in []Shape) ([]Shape, error) {
	if !in[0].Equal(in[1]) {
		return nil, fmt.Errorf("gradient %v and output %v must have one shape", in[0], in[1])
	}
	return softmaxShape(attrs, in[:1])
}

func softmaxGradType(_ any, in []DType) ([]DType, error) {
	if in[0] != in[1] || (in[0] != Float32 && in[0] != Float64) {
		return nil, fmt.Errorf("dtypes %v: want float32 or float64 for both", in)
	}
	return []DType{in[0]}, nil
}

func softmaxGradKernel(log bool) Kernel {
	return func(k *KernelArgs) error {
		a := k.Attrs.(SoftmaxAttrs)
		g, y, out := k.In[0], k.In[1], k.Out[0]
		axis, err := sortAxisOf(a.Axis, len(g.Shape))
		if err != nil {
			return err
		}
		s := g.Shape
		outer, n, inner := Shape(s[:axis]).Size(), s[axis], Shape(s[axis+1:]).Size()
		if outer*n*inner == 0 {
			return nil
		}
		if g.DType == Float32 {
			softmaxGradRun(out.F32(), g.F32(), y.F32(), outer, n, inner, float32(a.temp()), log, unaryExp32)
		} else {
			softmaxGradRun(out.F64(), g.F64(), y.F64(), outer, n, inner, a.temp(), log, math.Exp)
		}
		return nil
	}
}

// softmaxGradRun computes, for every line along n of (outer, n, inner),
// dx = (g - exp(y)*Σ g)/t (log) or dx = y*(g - Σ g*y)/t, with the sums
// accumulated in float64 as the reductions do.
func softmaxGradRun[T float32 | float64](dx, g, y []T, outer, n, inner int, t T, log bool, exp func(T) T) {
	grain := max(1, (1<<15)/(n*inner))
	if outer <= grain || kernels.NumThreads() <= 1 {
		softmaxGradLines(dx, g, y, n, inner, t, log, exp, 0, outer)
		return
	}
	task := getKernelTask[T](&softmaxGradTasks, newSoftmaxGradTask[T])
	task.out, task.in, task.y, task.n, task.inner, task.t, task.log, task.exp = dx, g, y, n, inner, t, log, exp
	kernels.ParallelFor(outer, grain, task.body)
	task.out, task.in, task.y = nil, nil, nil
	putKernelTask[T](&softmaxGradTasks, task)
}

// softmaxGradLines computes lines [lo, hi) of softmaxGradRun.
func softmaxGradLines[T float32 | float64](dx, g, y []T, n, inner int, t T, log bool, exp func(T) T, lo, hi int) {
	if dx32, ok := any(dx).([]float32); ok && inner == 1 {
		g32, y32 := any(g).([]float32), any(y).([]float32)
		if n >= softmaxVecRow {
			softmaxGradRowsVec32(dx32, g32, y32, n, float32(t), log, lo, hi)
			return
		}
		// Short rows: 16 at a time, one per vector lane, with this loop's
		// sums and bits.
		kernels.SoftmaxGradRows32(dx32[lo*n:hi*n], g32[lo*n:hi*n], y32[lo*n:hi*n], n, float32(t), log)
		return
	}
	var small [8]float64 // the sums of up to 8 columns (inner is 1 along the last axis)
	sums := small[:min(inner, len(small))]
	if inner > len(small) {
		buf := nnGetBuf[float64](inner)
		defer nnPutBuf(buf)
		sums = *buf
	}
	for o := lo; o < hi; o++ {
		base := o * n * inner
		gl, yl, dl := g[base:base+n*inner], y[base:base+n*inner], dx[base:base+n*inner]
		clear(sums)
		for r := 0; r < n; r++ {
			row := gl[r*inner : (r+1)*inner]
			if log {
				for j, v := range row {
					sums[j] += float64(v)
				}
				continue
			}
			yr := yl[r*inner : (r+1)*inner]
			for j, v := range row {
				sums[j] += float64(v * yr[j])
			}
		}
		for r := 0; r < n; r++ {
			gr, yr, dr := gl[r*inner:(r+1)*inner], yl[r*inner:(r+1)*inner], dl[r*inner:(r+1)*inner]
			for j, v := range gr {
				var d T
				if log {
					d = v - exp(yr[j])*T(sums[j])
				} else {
					d = yr[j] * (v - T(sums[j]))
				}
				if t != 1 {
					d /= t
				}
				dr[j] = d
			}
		}
	}
}

// softmaxGradRowsVec32 is softmaxGradLines for contiguous float32 rows
// of softmaxVecRow or more: per row, the sum (Σ g·y, or Σ g for
// log-softmax) by kernels.SoftmaxGradSum32 over 16 float64 lanes, then
// the gradient by kernels.SoftmaxGrad32. The lanes may round the sum
// differently from a sequential sum, by an ulp of the float64 sum. dx may
// be g.
func softmaxGradRowsVec32(dx, g, y []float32, n int, t float32, log bool, lo, hi int) {
	for r := lo; r < hi; r++ {
		gr, yr := g[r*n:(r+1)*n], y[r*n:(r+1)*n]
		s := float32(kernels.SoftmaxGradSum32(gr, yr, log))
		kernels.SoftmaxGrad32(dx[r*n:(r+1)*n], gr, yr, s, t, log)
	}
}

func softmaxAxisList(a SoftmaxAttrs, y *NDArray) []int {
	ax, err := sortAxisOf(a.Axis, y.Ndim())
	must("softmax", err)
	return []int{ax}
}

// Softmax normalizes exp(a/temperature) to sum to 1 along axis (negative
// counts from the end; temperature 0 means 1). It panics if axis is out of
// range.
func Softmax(a *NDArray, axis int, temperature float64) *NDArray {
	return Invoke1(opSoftmax, SoftmaxAttrs{Axis: sortAxisPtr(axis), Temperature: temperature}, a)
}

// LogSoftmax is log(Softmax(a, axis, temperature)), computed directly so
// that it stays finite where softmax underflows.
func LogSoftmax(a *NDArray, axis int, temperature float64) *NDArray {
	return Invoke1(opLogSoftmax, SoftmaxAttrs{Axis: sortAxisPtr(axis), Temperature: temperature}, a)
}

// Softmax normalizes along the last axis.
func (a *NDArray) Softmax() *NDArray { return Softmax(a, -1, 0) }

// LogSoftmax is log-softmax along the last axis.
func (a *NDArray) LogSoftmax() *NDArray { return LogSoftmax(a, -1, 0) }
