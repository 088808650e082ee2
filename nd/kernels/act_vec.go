package kernels

import "math"

// Float32 exp, sigmoid and tanh over slices, for the gate nonlinearities
// of recurrent cells. With AVX-512 they run in assembly, 16 lanes at a
// time; elsewhere, and under the noasm tag, the scalar Go functions below
// run. Both give the same bits (NaN payloads aside): the assembly does the
// same float32 operations in the same order. The scalar functions are
// also nd's float32 exp, sigmoid and tanh.

// Exp32 sets dst[i] = e**src[i] for i < len(dst), within 2 ulp; above
// 88.72 it gives +Inf, below -103.97 zero, and NaN stays NaN. dst may be
// src. It panics with *Error if src is shorter than dst.
func Exp32(dst, src []float32) {
	checkLen("exp", len(dst), len(src))
	if len(dst) == 0 {
		return
	}
	if exp32Fast != nil {
		exp32Fast(dst, src)
		return
	}
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = Expf(v)
	}
}

// Sigmoid32 sets dst[i] = 1/(1+e**-src[i]) for i < len(dst). dst may be
// src. It panics with *Error if src is shorter than dst.
func Sigmoid32(dst, src []float32) {
	checkLen("sigmoid", len(dst), len(src))
	if len(dst) == 0 {
		return
	}
	if sigmoid32Fast != nil {
		sigmoid32Fast(dst, src)
		return
	}
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = Sigmoidf(v)
	}
}

// Tanh32 sets dst[i] = tanh(src[i]) for i < len(dst). dst may be src. It
// panics with *Error if src is shorter than dst.
func Tanh32(dst, src []float32) {
	checkLen("tanh", len(dst), len(src))
	if len(dst) == 0 {
		return
	}
	if tanh32Fast != nil {
		tanh32Fast(dst, src)
		return
	}
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = Tanhf(v)
	}
}

// The assembly versions, set by init when the CPU has them; the slices
// are non-empty and src is at least len(dst) long.
var (
	exp32Fast     func(dst, src []float32)
	sigmoid32Fast func(dst, src []float32)
	tanh32Fast    func(dst, src []float32)
)

// Expf is e**x in float32 arithmetic, within 2 ulp of the rounded exact
// value over the whole float32 range: x = k*ln2 + r with |r| <= ln2/2,
// e**r by a degree-7 polynomial (the Cephes expf coefficients), then
// scaled by 2**k through the exponent bits.
func Expf(x float32) float32 {
	const (
		maxArg = 88.72283905206835   // log(MaxFloat32)
		minArg = -103.97208          // below: rounds to 0
		log2e  = 1.44269504088896341 // 1/ln 2
		ln2hi  = 0.693359375         // ln 2 split so k*ln2hi is exact
		ln2lo  = -2.12194440e-4
		// Adding 1.5*2**23 rounds to an integer held in the low mantissa
		// bits, which avoids a float-to-int conversion and a floor.
		shifter = 12582912
	)
	if !(x > minArg) { // also NaN
		if x != x {
			return x
		}
		return 0
	}
	if x > maxArg {
		return float32(math.Inf(1))
	}
	t := x*log2e + shifter
	fk := t - shifter
	k := int32(math.Float32bits(t) - math.Float32bits(shifter))
	r := x - fk*ln2hi - fk*ln2lo
	z := r * r
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	y := p*z + r + 1
	if k > -126 && k < 128 { // 2**k is a normal float: one exact product
		return y * math.Float32frombits(uint32(k+127)<<23)
	}
	// k runs from -150 to 128: scale in two steps, each by a normal power
	// of two, so that only the last product rounds (the same bits as one
	// product where 2**k is normal, so the assembly always takes two).
	k1 := k >> 1
	k2 := k - k1
	return y * math.Float32frombits(uint32(k1+127)<<23) * math.Float32frombits(uint32(k2+127)<<23)
}

// Sigmoidf is 1/(1+e**-x) in float32, from e**-|x| so that nothing overflows.
func Sigmoidf(x float32) float32 {
	e := Expf(-math.Float32frombits(math.Float32bits(x) &^ (1 << 31)))
	r := 1 / (1 + e)
	if x < 0 {
		r *= e // e/(1+e)
	}
	return r
}

// Tanhf is tanh in float32: an odd polynomial near 0 (the Cephes tanhf
// coefficients), 1 - 2/(e**2|x| + 1) elsewhere.
func Tanhf(x float32) float32 {
	ax := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	if ax < 0.625 {
		z := x * x
		return ((((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z-3.33332819422e-1)*z*x + x
	}
	if ax != ax {
		return x
	}
	y := 1 - 2/(Expf(2*ax)+1)
	if x < 0 {
		return -y
	}
	return y
}
