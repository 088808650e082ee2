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

// geluErfcP is P of erfc(z) = t·exp(-z² + P(t)), t = 1/(1 + z/2), z >= 0,
// highest degree first: a least-squares fit (testdata/gen_erfc.py) within
// 5.2e-8 of erfc's relative value.
var geluErfcP = [...]float32{
	-0.08191782, 0.6216421, -1.8944561, 2.9325328, -2.3460321, 0.93402654,
	-0.41565263, 0.14747748, 0.36741462, 1.0004904, -1.2655252,
}

// Geluf is GELU, x·Φ(x) with Φ the standard normal distribution function,
// in float32 arithmetic: Φ(x) = erfc(-x/√2)/2, with erfc(z) for z = |x|/√2
// as t·exp(-x²/2)·exp(P(t)). x²/2 is split as xh²/2 + (x-xh)(x+xh)/2,
// with xh the top 12 bits of |x| (so that xh² is exact), so that the
// negative tail keeps its relative accuracy where x²/2 is large. Past
// |x| = 16 erfc is below float32's range and Φ is 0 or 1. It is within 10
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
// as there). It is within 10 ulp of the rounded value, or 2e-7 where the
// derivative crosses 0 (near x = -0.75); ±Inf give NaN (±Inf·0).
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
	t := 1 / (ax*math.Sqrt2/2*0.5 + 1)
	// P(t) by Estrin's scheme: pairs a_k + a_(k+1)·t, combined with t²,
	// t⁴ and t⁸ (a_k = geluErfcP[10-k]).
	c := &geluErfcP
	t2 := t * t
	t4 := t2 * t2
	t8 := t4 * t4
	r0 := (c[9]*t + c[10]) + (c[7]*t+c[8])*t2
	r1 := (c[5]*t + c[6]) + (c[3]*t+c[4])*t2
	r2 := (c[1]*t + c[2]) + c[0]*t2
	p := (r0 + r1*t4) + r2*t8
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
