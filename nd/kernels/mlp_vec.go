package kernels

import "math"

// Elementwise float32 loops of a training step that the Go compiler does
// not vectorize: ReLU forward and backward, the plain SGD update and the
// row accumulation of bias gradients. With
// AVX-512 they run in assembly (16 lanes, masked tails); elsewhere, and
// under the noasm tag, the Go loops below run. Both give bit-identical
// results: the assembly performs the same float32 operations in the same
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

// MaxPool2x2Row32 sets y[i] to the largest of r0[2i], r0[2i+1], r1[2i]
// and r1[2i+1] (Go's max: NaN if any is NaN, +0 over -0) for i < len(y):
// one output row of a 2×2, stride-2 max pooling from its two input rows.
// It panics with *Error if r0 or r1 is shorter than 2·len(y).
func MaxPool2x2Row32(y, r0, r1 []float32) {
	checkLen("max_pool_2x2", 2*len(y), len(r0))
	checkLen("max_pool_2x2", 2*len(y), len(r1))
	if len(y) == 0 {
		return
	}
	if maxPool2x2Row32Fast != nil {
		maxPool2x2Row32Fast(y, r0, r1)
		return
	}
	maxPool2x2Row32Go(y, r0, r1)
}

// MaxPool2x2GradRow32 is the backward of MaxPool2x2Row32 for one output
// row: each gradient g[i] goes to the first of r0[2i], r0[2i+1], r1[2i]
// (in that order) equal to the window's maximum y[i], else to r1[2i+1];
// the other three positions of d0[2i:2i+2] and d1[2i:2i+2] get +0 (a tie
// of -0 and +0 compares equal). A NaN maximum sends the gradient to the
// window's last NaN input. It panics with *Error if y is shorter than g
// or d0, d1, r0 or r1 shorter than 2·len(g).
func MaxPool2x2GradRow32(d0, d1, g, y, r0, r1 []float32) {
	n := len(g)
	checkLen("max_pool_2x2_grad", n, len(y))
	for _, s := range [][]float32{d0, d1, r0, r1} {
		checkLen("max_pool_2x2_grad", 2*n, len(s))
	}
	if n == 0 {
		return
	}
	if maxPool2x2GradRow32Fast != nil && !maxPool2x2GradRow32Fast(d0, d1, g, y, r0, r1) {
		return
	}
	maxPool2x2GradRow32Go(d0, d1, g, y, r0, r1)
}

// The assembly versions, set by init when the CPU has them; the slices
// are non-empty and at least len(o) long.
var (
	relu32Fast      func(o, x []float32)
	reluGrad32Fast  func(o, g, x []float32)
	sgdUpdate32Fast func(o, w, g []float32, decay, lr, rescale float32)
	addTo32Fast     func(dst, src []float32)
	maxTo32Fast     func(dst, src []float32)

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

func maxPool2x2Row32Go(y, r0, r1 []float32) {
	r0, r1 = r0[:2*len(y)], r1[:2*len(y)]
	for i := range y {
		y[i] = max(max(r0[2*i], r0[2*i+1]), max(r1[2*i], r1[2*i+1]))
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
