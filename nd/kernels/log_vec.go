package kernels

import "math"

// Log32 sets dst[i] = ln(src[i]) for i < len(dst), within 2 ulp: -Inf at
// ±0, NaN below 0 and for NaN, +Inf at +Inf. With AVX-512 it runs 16
// lanes at a time, elsewhere Logf; both give the same bits. dst may be
// src. It panics with *Error if src is shorter than dst.
func Log32(dst, src []float32) {
	checkLen("log", len(dst), len(src))
	if len(dst) == 0 {
		return
	}
	if log32Fast != nil {
		log32Fast(dst, src[:len(dst)])
		return
	}
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = Logf(v)
	}
}

// log32Fast is the assembly version, set by init when the CPU has it; the
// slices are non-empty and of one length.
var log32Fast func(dst, src []float32)

// Logf is ln x in float32 arithmetic, within 2 ulp of the rounded exact
// value: x = m·2**e with m in [√½, √2), ln(m) = f - f²/2 + f³·P(f) for
// f = m-1 (the Cephes logf coefficients), plus e·ln2 in two parts.
// Subnormal inputs are exact in the split, as the assembly's
// VGETMANTPS/VGETEXPPS make them.
func Logf(x float32) float32 {
	const (
		sqrtHalf = 0.70710678118654752440
		ln2hi    = 0.693359375
		ln2lo    = -2.12194440e-4
	)
	switch {
	case x != x || x > math.MaxFloat32: // NaN, +Inf
		return x
	case x < 0:
		return float32(math.NaN())
	case x == 0:
		return float32(math.Inf(-1))
	}
	frac, exp := math.Frexp(float64(x)) // exact: frac in [0.5, 1)
	m, e := float32(frac), float32(exp)
	if m < sqrtHalf {
		e--
		m = m + m - 1 // exact
	} else {
		m-- // exact
	}
	z := m * m
	p := ((((((((7.0376836292e-2*m-1.1514610310e-1)*m+1.1676998740e-1)*m-1.2420140846e-1)*m+1.4249322787e-1)*m-1.6668057665e-1)*m+2.0000714765e-1)*m-2.4999993993e-1)*m + 3.3333331174e-1)
	y := p * m * z
	y += ln2lo * e
	y += -0.5 * z
	r := m + y
	return r + ln2hi*e
}
