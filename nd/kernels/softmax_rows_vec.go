package kernels

import "math"

// The softmax kernels for short rows (a classifier's 10 logits), where a
// row fills a fraction of a vector: 16 rows go at a time, one per lane,
// so that the maxima, sums and logs are vertical operations. The assembly
// moves a group of rows into lanes by 16×16 transposes in registers, 16
// columns at a time, and the forward's results back the same way. On Zen
// 5, for 256 rows of 10, that took half to two thirds the time of loading
// the columns by gathers (VGATHERDPS), and a fifth of the time of the
// long rows' kernels (RowMax32, ExpShiftSum32) run a row at a time.

// SoftmaxRows32 computes softmax (log false) or log-softmax of the rows of
// n elements of src into dst, rows = len(dst)/n: per row, m is its
// maximum (x_0, unless a later element is larger: a NaN past x_0 is
// skipped), s_i = (x_i-m)·invT, e_i = Expf(s_i), and y_i = e_i·float32(1/Σe)
// or s_i - float32(ln Σe). The sums run in float64 in order (softmax's as
// two partial sums, the even and the odd elements, added last), and the
// log is lnSum64's. A NaN past x_0 makes the row's outputs NaN.
//
// A row whose maximum is NaN or infinite needs the caller's careful path:
// SoftmaxRows32 stops before the group of 16 rows (counted from the
// first) holding the first such row, writing nothing of it, and returns
// the number of rows done: rows when there is none. dst may be src. It
// panics with *Error if n < 1, len(dst) is not a multiple of n or src is
// shorter than dst.
func SoftmaxRows32(dst, src []float32, n int, invT float32, log bool) int {
	checkRows("softmaxrows", len(dst), n)
	checkLen("softmaxrows", len(dst), len(src))
	if len(dst) == 0 {
		return 0
	}
	src = src[:len(dst)]
	if softmaxRows32Fast != nil && n <= maxShortRow {
		return softmaxRows32Fast(dst, src, n, invT, log)
	}
	return softmaxRows32Go(dst, src, n, invT, log)
}

// SoftmaxGradRows32 computes the input gradients of softmax (log false) or
// log-softmax rows of n elements, dx from the output gradient g and the
// output y, rows = len(dx)/n: dx_i = y_i·(g_i - s) with s = float32(Σ g_j·y_j)
// (each product rounded to float32), or g_i - Expf(y_i)·s with
// s = float32(Σ g_j), each divided by t unless it is 1; the sums run in
// float64 in order. It runs 16 rows at a time, one per lane, as
// SoftmaxRows32 does. dx may be g or y. It panics with *Error if n < 1,
// len(dx) is not a multiple of n or g or y is shorter than dx.
func SoftmaxGradRows32(dx, g, y []float32, n int, t float32, log bool) {
	checkRows("softmaxgradrows", len(dx), n)
	checkLen("softmaxgradrows", len(dx), len(g))
	checkLen("softmaxgradrows", len(dx), len(y))
	if len(dx) == 0 {
		return
	}
	g, y = g[:len(dx)], y[:len(dx)]
	if softmaxGradRows32Fast != nil && n <= maxShortRow {
		softmaxGradRows32Fast(dx, g, y, n, t, log)
		return
	}
	softmaxGradRows32Go(dx, g, y, n, t, log)
}

// The assembly versions, set by init when the CPU has them; the slices
// are non-empty, of one length, a multiple of n.
var (
	softmaxRows32Fast     func(dst, src []float32, n int, invT float32, log bool) int
	softmaxGradRows32Fast func(dx, g, y []float32, n int, t float32, log bool)
)

// maxShortRow is the longest row the assembly takes: a group's columns
// fill its buffer (longer rows are better served a row at a time).
const maxShortRow = 64

func checkRows(op string, size, n int) {
	if n < 1 || size%n != 0 {
		panicf(op, "length %d is not a whole number of rows of %d", size, n)
	}
}

// ShortRowsGroup is how many rows SoftmaxRows32 and SoftmaxGradRows32 take
// at a time, one per vector lane.
const ShortRowsGroup = 16

func softmaxRows32Go(dst, src []float32, n int, invT float32, log bool) int {
	rows := len(dst) / n
	var maxes [ShortRowsGroup]float32
	for g := 0; g < rows; g += ShortRowsGroup {
		k := min(ShortRowsGroup, rows-g)
		for r := range k {
			x := src[(g+r)*n : (g+r+1)*n]
			m := x[0]
			for _, v := range x[1:] {
				if v > m {
					m = v
				}
			}
			if m != m || math.IsInf(float64(m), 0) {
				return g
			}
			maxes[r] = m
		}
		for r, m := range maxes[:k] {
			softmaxShortRow(dst[(g+r)*n:(g+r+1)*n], src[(g+r)*n:(g+r+1)*n], m, invT, log)
		}
	}
	return rows
}

// softmaxShortRow is one row of softmaxRows32Go, with its maximum m.
func softmaxShortRow(y, x []float32, m, invT float32, log bool) {
	if log {
		var sum float64
		for _, v := range x {
			sum += float64(Expf((v - m) * invT))
		}
		lse := float32(lnSum64(sum))
		for i, v := range x {
			y[i] = float32((v-m)*invT) - lse // (not fused, as the assembly)
		}
		return
	}
	var s [2]float64 // the even elements' sum and the odd ones'
	for i, v := range x {
		e := Expf((v - m) * invT)
		s[i%2] += float64(e)
		y[i] = e
	}
	inv := float32(1 / (s[0] + s[1]))
	for i := range y {
		y[i] *= inv
	}
}

func softmaxGradRows32Go(dx, g, y []float32, n int, t float32, log bool) {
	for o := 0; o < len(dx); o += n {
		gr, yr, dr := g[o:o+n], y[o:o+n], dx[o:o+n]
		var sum float64
		for i, v := range gr {
			if !log {
				v *= yr[i]
			}
			sum += float64(v)
		}
		s := float32(sum)
		for i, v := range gr {
			var d float32
			if log {
				d = v - float32(Expf(yr[i])*s)
			} else {
				d = yr[i] * (v - s)
			}
			if t != 1 {
				d /= t
			}
			dr[i] = d
		}
	}
}

// lnSumC are the coefficients of lnSum64's series, 2/(2k+1) for k = 10
// down to 0.
var lnSumC = [...]float64{
	2.0 / 21, 2.0 / 19, 2.0 / 17, 2.0 / 15, 2.0 / 13, 2.0 / 11, 2.0 / 9,
	2.0 / 7, 2.0 / 5, 2.0 / 3, 2,
}

// lnSum64 is ln x in float64 for the sums of softmax rows (x >= 1), as
// the assembly of SoftmaxRows32 computes it 8 lanes at a time (where
// VGETMANTPD and VGETEXPPD split x): x = m·2**e with m in [¾, 3/2),
// ln m = 2·atanh(f) = 2f + 2f³/3 + … to f²¹ for f = (m-1)/(m+1), |f| <= 1/5,
// by fused multiply-adds, plus e·ln2. It is within a few float64 ulp of
// ln x for positive normal x, so that its float32 rounding is ln x's;
// +Inf and NaN give themselves.
func lnSum64(x float64) float64 {
	if x != x || x > math.MaxFloat64 {
		return x
	}
	frac, exp := math.Frexp(x) // frac in [½, 1)
	m, e := 2*frac, float64(exp-1)
	if m >= 1.5 {
		m *= 0.5
		e++
	}
	f := (m - 1) / (m + 1)
	f2 := f * f
	p := lnSumC[0]
	for _, c := range lnSumC[1:] {
		p = math.FMA(p, f2, c)
	}
	return math.FMA(e, math.Ln2, p*f)
}
