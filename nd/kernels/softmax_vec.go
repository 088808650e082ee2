package kernels

// The row kernels of softmax and log-softmax: the row's maximum, then one
// pass that shifts, scales, exponentiates and sums. The sums run in
// float64 over 16 lanes, combined in a fixed order, so the assembly and
// the Go loops give the same bits.

// RowMax32 returns the largest element of x, which must not be empty. It
// compares 16 lanes at a time; when x holds a NaN the result is NaN or
// one of x's other elements, so a caller that must notice NaNs checks
// what it computes from the maximum (ExpShiftSum32's sum turns NaN).
func RowMax32(x []float32) float32 {
	if len(x) == 0 {
		panic(&Error{Op: "rowmax", Msg: "empty row"})
	}
	if rowMax32Fast != nil {
		return rowMax32Fast(x)
	}
	return rowMax32Go(x)
}

// ExpShiftSum32 computes e_i = Expf((src[i]-m)*invT) and returns Σ e_i
// in float64 (the sum of 16 lane sums, in a fixed order). It stores e_i
// in dst when storeExp is set, else the shifted (src[i]-m)*invT (what
// log-softmax keeps). dst may be src.
func ExpShiftSum32(dst, src []float32, m, invT float32, storeExp bool) float64 {
	checkLen("expshiftsum", len(dst), len(src))
	if len(dst) == 0 {
		return 0
	}
	if expShiftSum32Fast != nil {
		return expShiftSum32Fast(dst, src[:len(dst)], m, invT, storeExp)
	}
	return expShiftSum32Go(dst, src[:len(dst)], m, invT, storeExp)
}

// The assembly versions, set by init when the CPU has them; the slices
// are non-empty and src is len(dst) long.
var (
	rowMax32Fast      func(x []float32) float32
	expShiftSum32Fast func(dst, src []float32, m, invT float32, storeExp bool) float64
)

// vmax is VMAXPS on one lane: a unless b is larger, and b when either is
// NaN.
func vmax(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}

// rowMax32Go is RowMax32's loop: lane l takes elements l, l+16, …
// (starting from x[0], which the tail's lanes past the end also take),
// then the lanes
// fold in halves: l with l+8, l+4, l^2 and l^1.
func rowMax32Go(x []float32) float32 {
	var acc [16]float32
	for l := range acc {
		acc[l] = x[0]
	}
	for i, v := range x {
		acc[i%16] = vmax(acc[i%16], v)
	}
	for i := len(x); i%16 != 0; i++ { // the tail's lanes past the end
		acc[i%16] = vmax(acc[i%16], x[0])
	}
	for l := range 8 {
		acc[l] = vmax(acc[l], acc[l+8])
	}
	for l := range 4 {
		acc[l] = vmax(acc[l], acc[l+4])
	}
	// The last two folds swap neighbours within 128 bits: lane 0 meets
	// lane 2, then lane 1 (whose value is lanes 1 and 3 folded).
	a0, a1 := vmax(acc[0], acc[2]), vmax(acc[1], acc[3])
	return vmax(a0, a1)
}

// expShiftSum32Go is ExpShiftSum32's loop: lane l of the 16 sums
// elements l, l+16, …, in float64; the lanes fold as l+8, l+4, l+2, l+1.
func expShiftSum32Go(dst, src []float32, m, invT float32, storeExp bool) float64 {
	var acc [16]float64
	for i, v := range src {
		s := (v - m) * invT
		e := Expf(s)
		if storeExp {
			dst[i] = e
		} else {
			dst[i] = s
		}
		acc[i%16] += float64(e)
	}
	return foldLanes(&acc)
}

// SoftmaxGradSum32 returns the sum a softmax row's gradient needs, in
// float64 over 16 lanes (in ExpShiftSum32's order): Σ g_i·y_i, each
// product rounded to float32 first, for softmax; Σ g_i for log-softmax.
func SoftmaxGradSum32(g, y []float32, log bool) float64 {
	checkLen("softmaxgradsum", len(g), len(y))
	if len(g) == 0 {
		return 0
	}
	if softmaxGradSum32Fast != nil {
		return softmaxGradSum32Fast(g, y[:len(g)], log)
	}
	return softmaxGradSum32Go(g, y[:len(g)], log)
}

// SoftmaxGrad32 computes a softmax row's input gradient from its output
// gradient g, its output y and the row's sum s (SoftmaxGradSum32, rounded
// to float32): dx_i = y_i·(g_i - s) for softmax, g_i - Expf(y_i)·s for
// log-softmax, each divided by the temperature t unless it is 1. dx may
// be g or y.
func SoftmaxGrad32(dx, g, y []float32, s, t float32, log bool) {
	checkLen("softmaxgrad", len(dx), len(g))
	checkLen("softmaxgrad", len(dx), len(y))
	if len(dx) == 0 {
		return
	}
	if softmaxGrad32Fast != nil {
		softmaxGrad32Fast(dx, g[:len(dx)], y[:len(dx)], s, t, log)
		return
	}
	softmaxGrad32Go(dx, g[:len(dx)], y[:len(dx)], s, t, log)
}

var (
	softmaxGradSum32Fast func(g, y []float32, log bool) float64
	softmaxGrad32Fast    func(dx, g, y []float32, s, t float32, log bool)
)

func softmaxGradSum32Go(g, y []float32, log bool) float64 {
	var acc [16]float64
	for i, v := range g {
		if !log {
			v *= y[i]
		}
		acc[i%16] += float64(v)
	}
	return foldLanes(&acc)
}

// foldLanes adds 16 lane sums as the assembly folds them: l+8, l+4, l+2,
// then l+1.
func foldLanes(acc *[16]float64) float64 {
	for l := range 8 {
		acc[l] += acc[l+8]
	}
	for l := range 4 {
		acc[l] += acc[l+4]
	}
	for l := range 2 {
		acc[l] += acc[l+2]
	}
	return acc[0] + acc[1]
}

func softmaxGrad32Go(dx, g, y []float32, s, t float32, log bool) {
	for i, v := range g {
		var d float32
		if log {
			d = v - Expf(y[i])*s
		} else {
			d = y[i] * (v - s)
		}
		if t != 1 {
			d /= t
		}
		dx[i] = d
	}
}
