package kernels

import "math"

// Gelu32 sets dst[i] = Geluf(src[i]) for i < len(dst); with AVX-512 16
// lanes at a time, with the same bits. dst may be src. It panics with
// *Error if src is shorter than dst.
func Gelu32(dst, src []float32) {
	checkLen("gelu", len(dst), len(src))
	if len(dst) == 0 {
		return
	}
	if gelu32Fast != nil {
		gelu32Fast(dst, src[:len(dst)])
		return
	}
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = Geluf(v)
	}
}

// The assembly versions, set by init when the CPU has them; the slices
// are non-empty and of one length.
var gelu32Fast, geluGrad32Fast func(dst, src []float32)

// geluErfcP is P of erfc(z) = t·exp(-z² + P(u)), t = 1/(1 + z/2) and
// u = 1 - t = (z/2)·t, z >= 0, highest degree first down to degree 1 (P(0)
// = 0): a least-squares fit (testdata/gen_erfc.py) within 6.9e-8 of
// erfc's relative value. In u, P is small where z is, so the rounding
// stays small where GELU's 1 - erfc/2 cancels.
var geluErfcP = [...]float32{
	-0.12334939, 0.38210183, -0.33432007, 0.03674413, -0.07490768,
	0.052360304, 0.19452776, 0.16129977, -0.3032325, -1.2567583,
}

// Geluf is GELU, x·Φ(x) with Φ the standard normal distribution function,
// in float32 arithmetic: Φ(x) = erfc(-x/√2)/2, with erfc(z) for z = |x|/√2
// as t·exp(-x²/2)·exp(P(u)). x²/2 is split as xh²/2 + (x-xh)(x+xh)/2,
// with xh the top 12 bits of |x| (so that xh² is exact), so that the
// negative tail keeps its relative accuracy where x²/2 is large. Past
// |x| = 16 erfc is below float32's range and Φ is 0 or 1. It is within 8
// ulp of the rounded value; -Inf gives NaN (-Inf·0), as the formula does.
func Geluf(x float32) float32 {
	if x != x {
		return x
	}
	e2, e1, _ := geluParts(x)
	if x >= 0 {
		return x * (1 - e2*e1*0.5)
	}
	// The one product that can fall below the normal range comes last.
	return x * e2 * 0.5 * e1
}

// GeluGradf is GELU's derivative Φ(x) + x·φ(x), φ the standard normal
// density, from Geluf's parts (φ(x) = exp(-x²/2)/√(2π) with x²/2 split
// as there). It is within 2e-7 of the derivative, whose values lie in
// [-0.17, 1.13]; ±Inf give NaN (±Inf·0).
func GeluGradf(x float32) float32 {
	if x != x {
		return x
	}
	e2, e1, d := geluParts(x)
	pdf := e1 * Expf(-d) * (1 / 2.5066282746310002) // 1/√(2π)
	cdf := e2 * 0.5 * e1
	if x >= 0 {
		cdf = 1 - e2*e1*0.5
	}
	return cdf + x*pdf
}

// geluParts returns Geluf's e2 = t·exp(P(t) - d) and e1 = exp(-xh²/2),
// whose product is erfc(|x|/√2), and d = (|x|-xh)(|x|+xh)/2.
func geluParts(x float32) (e2, e1, d float32) {
	ax := min(math.Float32frombits(math.Float32bits(x)&^(1<<31)), 16)
	xh := math.Float32frombits(math.Float32bits(ax) &^ 0xfff)
	a := -(xh * xh * 0.5)
	d = (ax - xh) * (ax + xh) * 0.5
	h := ax * math.Sqrt2 / 2 * 0.5
	t := 1 / (h + 1)
	u := h * t
	// P(u) = u·Q(u) by Estrin's scheme: pairs b_k + b_(k+1)·u, combined
	// with u², u⁴ and u⁸ (b_k = geluErfcP[10-k]).
	c := &geluErfcP
	u2 := u * u
	u4 := u2 * u2
	u8 := u4 * u4
	r0 := (c[8]*u + c[9]) + (c[6]*u+c[7])*u2
	r1 := (c[4]*u + c[5]) + (c[2]*u+c[3])*u2
	r2 := c[0]*u + c[1]
	p := ((r0 + r1*u4) + r2*u8) * u
	return t * Expf(p-d), Expf(a), d
}

// GeluGrad32 sets dst[i] = GeluGradf(src[i]) for i < len(dst), with the
// same bits as Gelu32's loop does Geluf's. dst may be src. It panics with
// *Error if src is shorter than dst.
func GeluGrad32(dst, src []float32) {
	checkLen("gelugrad", len(dst), len(src))
	if len(dst) == 0 {
		return
	}
	if geluGrad32Fast != nil {
		geluGrad32Fast(dst, src[:len(dst)])
		return
	}
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = GeluGradf(v)
	}
}
