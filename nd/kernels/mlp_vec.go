package kernels

import "math"

// Elementwise float32 loops of a training step that the Go compiler does
// not vectorize: ReLU forward and backward, the plain SGD update, the row
// accumulation of bias gradients, and max pooling (rows of a window, 2×2
// planes forward and backward). With AVX-512 they run in assembly (16
// lanes, masked tails); elsewhere, and under the noasm tag, the Go loops
// below run. Both give bit-identical results (NaN payloads aside, for the
// maxima): the assembly performs the same float32 operations in the same
// order (no fused multiply-add).

// Relu32 sets o[i] = max(x[i], 0) for i < len(o), with Go's max: NaN stays
// NaN and -0 becomes +0. It panics with *Error if x is shorter than o.
func Relu32(o, x []float32) {
	checkLen("relu", len(o), len(x))
	if len(o) == 0 {
		return
	}
	if relu32Fast != nil {
		relu32Fast(o, x)
		return
	}
	relu32Go(o, x)
}

// ReluGrad32 sets o[i] = g[i]*(1 if x[i] > 0 else 0) for i < len(o): the
// product, so an infinite or NaN gradient where x <= 0 gives NaN as the
// two-op form g*(x > 0) does. It panics with *Error if g or x is shorter
// than o.
func ReluGrad32(o, g, x []float32) {
	checkLen("relu_grad", len(o), len(g))
	checkLen("relu_grad", len(o), len(x))
	if len(o) == 0 {
		return
	}
	if reluGrad32Fast != nil {
		reluGrad32Fast(o, g, x)
		return
	}
	reluGrad32Go(o, g, x)
}

// SGDUpdate32 sets o[i] = decay*w[i] - lr*(g[i]*rescale) for i < len(o):
// MXNet's sgd_update without clipping, decay being 1 - lr*wd. o may be w.
// It panics with *Error if w or g is shorter than o.
func SGDUpdate32(o, w, g []float32, decay, lr, rescale float32) {
	checkLen("sgd_update", len(o), len(w))
	checkLen("sgd_update", len(o), len(g))
	if len(o) == 0 {
		return
	}
	if sgdUpdate32Fast != nil {
		sgdUpdate32Fast(o, w, g, decay, lr, rescale)
		return
	}
	sgdUpdate32Go(o, w, g, decay, lr, rescale)
}

// AddTo32 sets dst[i] += src[i] for i < len(dst). It panics with *Error if
// src is shorter than dst.
func AddTo32(dst, src []float32) {
	checkLen("add_to", len(dst), len(src))
	if len(dst) == 0 {
		return
	}
	if addTo32Fast != nil {
		addTo32Fast(dst, src)
		return
	}
	addTo32Go(dst, src)
}

// MaxTo32 sets dst[i] = max(dst[i], src[i]) for i < len(dst), with Go's
// max: a NaN in either gives NaN, and max(-0, +0) is +0 (the rows of a
// max pooling window). It panics with *Error if src is shorter than dst.
func MaxTo32(dst, src []float32) {
	checkLen("max_to", len(dst), len(src))
	if len(dst) == 0 {
		return
	}
	if maxTo32Fast != nil {
		maxTo32Fast(dst, src)
		return
	}
	maxTo32Go(dst, src)
}

// MaxWindow3Stride2 sets y[i] = max(max(row[2i], row[2i+1]), row[2i+2])
// for i < len(y), with Go's max: the inner columns of a 3-wide, stride-2
// max pooling (ResNet's stem pooling). It panics with *Error if row is
// shorter than 2·len(y)+1.
func MaxWindow3Stride2(y, row []float32) {
	if len(y) == 0 {
		return
	}
	checkLen("max_window_3_stride_2", 2*len(y)+1, len(row))
	done := 0
	if maxWindow3Stride2Fast != nil {
		done = maxWindow3Stride2Fast(y, row)
	}
	for i := done; i < len(y); i++ {
		y[i] = max(max(row[2*i], row[2*i+1]), row[2*i+2])
	}
}

// MaxPool2x2Plane32 computes one plane of a 2×2, stride-2 max pooling:
// y[oh·OW+ow] is the largest of x's rows 2oh and 2oh+1 at columns 2ow and
// 2ow+1 (rows of W elements), with Go's max (NaN if any is NaN, +0 over
// -0). It panics with *Error if x or y is too short.
func MaxPool2x2Plane32(y, x []float32, W, OH, OW int) {
	checkPoolPlane("max_pool_2x2", len(y), len(x), W, OH, OW)
	vec := OW >= poolRowVecMin && maxPool2x2Row32Fast != nil
	for oh := range OH {
		yr := y[oh*OW : (oh+1)*OW]
		r0, r1 := x[2*oh*W:2*oh*W+2*OW], x[(2*oh+1)*W:(2*oh+1)*W+2*OW]
		if vec {
			maxPool2x2Row32Fast(yr, r0, r1)
			continue
		}
		for i := range yr {
			yr[i] = max(max(r0[2*i], r0[2*i+1]), max(r1[2*i], r1[2*i+1]))
		}
	}
}

// MaxPool2x2GradPlane32 is the backward of MaxPool2x2Plane32 given its
// output y: each gradient dy[oh·OW+ow] goes to the first of its window's
// inputs, in the order row 2oh (columns 2ow, 2ow+1), row 2oh+1 (column
// 2ow), equal to the maximum, else to the last (a tie of -0 and +0
// compares equal); the window's other positions of dx get +0. A NaN
// maximum sends the gradient to the window's last NaN input. Columns at
// or past 2·OW and rows at or past 2·OH of dx are left alone. It panics
// with *Error if a slice is too short.
func MaxPool2x2GradPlane32(dx, dy, y, x []float32, W, OH, OW int) {
	checkPoolPlane("max_pool_2x2_grad", len(y), len(x), W, OH, OW)
	checkPoolPlane("max_pool_2x2_grad", len(dy), len(dx), W, OH, OW)
	vec := OW >= poolRowVecMin && maxPool2x2GradRow32Fast != nil
	for oh := range OH {
		g, m := dy[oh*OW:(oh+1)*OW], y[oh*OW:(oh+1)*OW]
		r0, r1 := x[2*oh*W:2*oh*W+2*OW], x[(2*oh+1)*W:(2*oh+1)*W+2*OW]
		d0, d1 := dx[2*oh*W:2*oh*W+2*OW], dx[(2*oh+1)*W:(2*oh+1)*W+2*OW]
		if vec && !maxPool2x2GradRow32Fast(d0, d1, g, m, r0, r1) {
			continue
		}
		maxPool2x2GradRow32Go(d0, d1, g, m, r0, r1)
	}
}

func checkPoolPlane(op string, ny, nx, W, OH, OW int) {
	if OH < 0 || OW < 0 || 2*OW > W || ny < OH*OW || (OH > 0 && nx < (2*OH-1)*W+2*OW) {
		panicf(op, "plane of %d elements (rows of %d) into %d for %d×%d windows", nx, W, ny, OH, OW)
	}
}

// poolRowVecMin is the shortest pooling row the assembly takes: below it
// (LeNet's second pooling, 4 windows a row) the call and the lane tables
// cost more than the scalar loop (2×2 on 8×8 planes measured 1.3-1.5×
// slower).
const poolRowVecMin = 8

// The assembly versions, set by init when the CPU has them; the slices
// are non-empty and at least len(o) long.
var (
	relu32Fast      func(o, x []float32)
	reluGrad32Fast  func(o, g, x []float32)
	sgdUpdate32Fast func(o, w, g []float32, decay, lr, rescale float32)
	addTo32Fast     func(dst, src []float32)
	maxTo32Fast     func(dst, src []float32)

	maxWindow3Stride2Fast   func(y, row []float32) (done int) // the first done outputs
	maxPool2x2Row32Fast     func(y, r0, r1 []float32)
	maxPool2x2GradRow32Fast func(d0, d1, g, y, r0, r1 []float32) (nan bool)
)

func checkLen(op string, n, have int) {
	if have < n {
		panicf(op, "input of length %d shorter than the output's %d", have, n)
	}
}

func relu32Go(o, x []float32) {
	x = x[:len(o)]
	for i, v := range x {
		o[i] = max(v, 0)
	}
}

func reluGrad32Go(o, g, x []float32) {
	g, x = g[:len(o)], x[:len(o)]
	for i, v := range x {
		var m float32
		if v > 0 {
			m = 1
		}
		o[i] = g[i] * m
	}
}

func sgdUpdate32Go(o, w, g []float32, decay, lr, rescale float32) {
	w, g = w[:len(o)], g[:len(o)]
	for i := range o {
		o[i] = decay*w[i] - lr*(g[i]*rescale)
	}
}

func addTo32Go(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// maxPool2x2GradRow32Go routes with bit masks: comparisons on random data
// mispredict as branches.
func maxPool2x2GradRow32Go(d0, d1, g, y, r0, r1 []float32) {
	n := len(g)
	y, r0, r1, d0, d1 = y[:n], r0[:2*n], r1[:2*n], d0[:2*n], d1[:2*n]
	for i, gv := range g {
		m := y[i]
		if m != m {
			var w [4]float32
			last := 0
			for j, v := range [4]float32{r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1]} {
				if v != v {
					last = j
				}
			}
			w[last] = gv
			d0[2*i], d0[2*i+1], d1[2*i], d1[2*i+1] = w[0], w[1], w[2], w[3]
			continue
		}
		// rest is the gradient not yet taken by an earlier position.
		rest := math.Float32bits(gv)
		k := -bit32(r0[2*i] == m)
		d0[2*i] = math.Float32frombits(rest & k)
		rest &^= k
		k = -bit32(r0[2*i+1] == m)
		d0[2*i+1] = math.Float32frombits(rest & k)
		rest &^= k
		k = -bit32(r1[2*i] == m)
		d1[2*i] = math.Float32frombits(rest & k)
		d1[2*i+1] = math.Float32frombits(rest &^ k)
	}
}

func bit32(b bool) uint32 {
	var x uint32
	if b {
		x = 1
	}
	return x
}

func maxTo32Go(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = max(dst[i], v)
	}
}
