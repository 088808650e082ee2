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
