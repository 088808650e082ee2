package kernels

// The extrema of float32 slices: nd's max, min, argmax and argmin. They
// give exactly what a loop that walks x in order and keeps its best
// element on ties gives, NaN payloads included:
//
//   - Max32 and Min32 return the first NaN of x when it holds one, else
//     the largest (smallest) value, and when that is a zero, the first
//     zero of x: a -0 before any +0 gives -0.
//   - Argmax32 and Argmin32 return the index of the first NaN when x
//     holds one, else that of the first largest (smallest) element, -0
//     and +0 counting as equal (NumPy's rule).
//   - MaxRows32 and MinRows32 fold rows into an accumulator row: a
//     column keeps its value unless a row's is larger (smaller) or NaN.
//
// With AVX-512 the whole-slice forms keep 64 lanes of running extrema
// (and, for the arg forms, the index where each lane's was found), so the
// order of the lanes is lost; what depends on it is recovered exactly: a
// NaN ends the loop early and the Go code finds the first one, a zero
// result is replaced by x's first zero (which the arg loop finds), and
// the arg forms take the least index among the lanes holding the extreme
// value. The row folds compare
// each column in row order, as the Go loop does.

// Max32 returns the largest element of x as described above. It panics
// with *Error if x is empty.
func Max32(x []float32) float32 { return extreme32("max", x, false) }

// Min32 returns the smallest element of x, as Max32 the largest.
func Min32(x []float32) float32 { return extreme32("min", x, true) }

// Argmax32 returns the index of the first NaN of x, or else of its first
// largest element. It panics with *Error if x is empty.
func Argmax32(x []float32) int { return argExtreme32("argmax", x, false) }

// Argmin32 returns the index of the first NaN of x, or else of its first
// smallest element, as Argmax32.
func Argmin32(x []float32) int { return argExtreme32("argmin", x, true) }

// MaxRows32 folds rows rows of x, the rows stride elements apart, into
// acc: for each r < rows in turn and j < len(acc), with v =
// x[r*stride+j], acc[j] = v where v > acc[j] or v is NaN. A NaN, once in
// acc[j], stays (nothing compares above it), and acc[j] keeps the first
// of equal values (-0 or +0). It panics with *Error if x is shorter than
// (rows-1)*stride + len(acc) or stride is negative.
func MaxRows32(acc, x []float32, rows, stride int) {
	extremeRows32("max_rows", acc, x, rows, stride, false)
}

// MinRows32 is MaxRows32 keeping the smaller values.
func MinRows32(acc, x []float32, rows, stride int) {
	extremeRows32("min_rows", acc, x, rows, stride, true)
}

// extremeVecMin is the length from which the whole-slice assembly runs:
// below one vector the Go loop is as fast.
const extremeVecMin = 16

// argChunk bounds the elements one assembly call searches: its lanes
// count indices in int32.
const argChunk = 1 << 30

// The assembly loops where the CPU has them. extreme32Fast reports a NaN
// in x instead of a value; argExtreme32Fast returns -1 for one. Both take
// x of at least extremeVecMin elements, argExtreme32Fast at most argChunk.
var (
	extreme32Fast     func(x []float32, isMin bool) (m float32, nan bool)
	argExtreme32Fast  func(x []float32, isMin bool) int
	extremeRows32Fast func(acc, x []float32, rows, stride int, isMin bool)
)

func extreme32(op string, x []float32, isMin bool) float32 {
	if len(x) == 0 {
		panicf(op, "empty slice")
	}
	if extreme32Fast == nil || len(x) < extremeVecMin {
		return extreme32Go(x, isMin)
	}
	m, nan := extreme32Fast(x, isMin)
	switch {
	case nan:
		return x[firstNaN32(x)]
	case m == 0:
		// The first zero is the first extreme element, -0 and +0 equal.
		return x[argExtreme32(op, x, isMin)]
	}
	return m
}

func argExtreme32(op string, x []float32, isMin bool) int {
	if len(x) == 0 {
		panicf(op, "empty slice")
	}
	if argExtreme32Fast == nil || len(x) < extremeVecMin {
		return argExtreme32Go(x, isMin)
	}
	// Chunks of argChunk, the first NaN or the first best of each kept in
	// order (one chunk but for arrays of gigabytes).
	best := -1
	for lo := 0; lo < len(x); lo += argChunk {
		c := x[lo:min(lo+argChunk, len(x))]
		if len(c) < extremeVecMin {
			if i := lo + argExtreme32Go(c, isMin); best < 0 || ArgBetter32(x[i], x[best], isMin) {
				best = i
			}
			continue
		}
		i := argExtreme32Fast(c, isMin)
		if i < 0 {
			return lo + firstNaN32(c)
		}
		if i += lo; best < 0 || ArgBetter32(x[i], x[best], isMin) {
			best = i
		}
	}
	return best
}

// ArgBetter32 is the rule of [Argmax32] and [Argmin32] (and of nd's
// argmax and argmin), for combining the results of pieces in order: v
// replaces best unless best is NaN, if v is NaN, else when v is strictly
// larger (with isMin, smaller).
func ArgBetter32(v, best float32, isMin bool) bool {
	switch {
	case best != best:
		return false
	case v != v:
		return true
	case isMin:
		return v < best
	}
	return v > best
}

func extremeRows32(op string, acc, x []float32, rows, stride int, isMin bool) {
	if len(acc) == 0 || rows <= 0 {
		return
	}
	if stride < 0 {
		panicf(op, "negative stride %d", stride)
	}
	checkLen(op, (rows-1)*stride+len(acc), len(x))
	if extremeRows32Fast != nil {
		extremeRows32Fast(acc, x, rows, stride, isMin)
		return
	}
	for r := range rows {
		extremeRow32Go(acc, x[r*stride:], isMin)
	}
}

// firstNaN32 is the index of x's first NaN, or -1.
func firstNaN32(x []float32) int {
	for i, v := range x {
		if v != v {
			return i
		}
	}
	return -1
}

// extreme32Go is Max32 (Min32) as one loop over x.
func extreme32Go(x []float32, isMin bool) float32 {
	m := x[0]
	if m != m {
		return m
	}
	if isMin {
		for _, v := range x[1:] {
			if v < m {
				m = v
			} else if v != v {
				return v
			}
		}
		return m
	}
	for _, v := range x[1:] {
		if v > m {
			m = v
		} else if v != v {
			return v
		}
	}
	return m
}

// argExtreme32Go is Argmax32 (Argmin32) as one loop over x.
func argExtreme32Go(x []float32, isMin bool) int {
	best, bi := x[0], 0
	for i := 1; i < len(x) && best == best; i++ {
		if v := x[i]; ArgBetter32(v, best, isMin) {
			best, bi = v, i
		}
	}
	return bi
}

// extremeRow32Go folds one row x[:len(acc)] into acc.
func extremeRow32Go(acc, x []float32, isMin bool) {
	x = x[:len(acc)]
	if isMin {
		for j, v := range x {
			if v < acc[j] || v != v {
				acc[j] = v
			}
		}
		return
	}
	for j, v := range x {
		if v > acc[j] || v != v {
			acc[j] = v
		}
	}
}
