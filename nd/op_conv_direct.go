package nd

import (
	"sync"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Convolutions with few taps (input channels × kernel area, at most
// convDirectMaxTaps: LeNet's first layer has 25) run as direct
// convolutions (kernels.ConvDirect) rather than im2col and a GEMM whose
// inner dimension is that short: copying the patches then costs more than
// the arithmetic. Images are spread over the threads. Output rows narrower
// than convDirectMinWidth would leave most of the 32-column segments idle,
// so they keep the GEMM.
const (
	convDirectMaxTaps  = 64
	convDirectMinWidth = 16
)

// convDirectEnabled lets tests compare with the other paths.
var convDirectEnabled = true

var convDirectPool = sync.Pool{New: func() any {
	t := new(convDirectTask)
	t.bodyF = t.body
	return t
}}

type convDirectTask struct {
	plan  kernels.ConvDirect
	x, y  []float32
	in    int // elements per input image
	out   int // elements per output image
	bodyF func(lo, hi int)
}

func (t *convDirectTask) body(lo, hi int) {
	for i := lo; i < hi; i++ {
		t.plan.Image(t.y[i*t.out:(i+1)*t.out], t.x[i*t.in:(i+1)*t.in])
	}
}

// convDirectOK reports whether geo is a convolution the direct path takes.
func convDirectOK(geo *convGeom) bool {
	return convDirectEnabled && kernels.ConvDirectAvailable() && geo.nsp == 2 && geo.group == 1 &&
		geo.s == [3]int{1, 1, 1} && geo.d == [3]int{1, 1, 1} && geo.p == [3]int{} &&
		geo.c*geo.kSize() <= convDirectMaxTaps && geo.out[2] >= convDirectMinWidth
}

// convTryDirect computes y = conv(x, w) + bias (bias may be nil) on the
// direct path and reports whether it did.
func convTryDirect[T nnFloat](x, w, bias, y []T, geo *convGeom) bool {
	xf, ok := any(x).([]float32)
	if !ok || geo.n == 0 || !convDirectOK(geo) {
		return false
	}
	t := convDirectPool.Get().(*convDirectTask)
	t.plan.Prepare(geo.c, geo.in[1], geo.in[2], geo.f, geo.k[1], geo.k[2], any(w).([]float32), any(bias).([]float32))
	t.x, t.y = xf, any(y).([]float32)
	t.in, t.out = geo.c*geo.inSize(), geo.f*geo.outSize()
	kernels.ParallelFor(geo.n, 1, t.bodyF)
	t.x, t.y = nil, nil
	convDirectPool.Put(t)
	return true
}
