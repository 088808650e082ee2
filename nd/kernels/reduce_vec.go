package kernels

import "math"

// Float32 sums accumulated in float64: the sums, means and norms of nd's
// reductions. Each element is converted to float64 exactly, and the adds
// round in float64, so a float32 sum of millions of terms keeps float32
// precision; the cost is the conversion (VCVTPS2PD, 8 lanes at a time).
//
// SumOfF64 is latency-bound as a single chain of adds (one 3-4 cycle add
// per element), so it keeps 64 partial sums (eight 8-lane float64
// accumulators) and adds them at the end. Its order is fixed by the
// length alone:
//
//   - element i of x goes to partial sum i%64, the partial sums adding
//     their elements in index order, each starting from +0;
//   - the partials p[0..63] are then combined as
//     z[l] = ((p[l]+p[8+l]) + (p[16+l]+p[24+l])) + ((p[32+l]+p[40+l]) + (p[48+l]+p[56+l]))
//     for l < 8, y[l] = z[l]+z[l+4] for l < 4, w[l] = y[l]+y[l+2] for
//     l < 2, and the result is w[0]+w[1].
//
// This is not the sequential order of a loop over x, so the rounding of a
// sum differs from one (by a few float64 ulps of the largest partial,
// far below float32 precision), but the same input always gives the same
// bits, with AVX-512 in assembly and elsewhere (and under the noasm tag)
// in the Go loops below, which follow the same order: the two agree bit
// for bit, NaN payloads aside. (A partial sum starts at +0 and so is
// never -0: the assembly's zero-masked tail lanes add +0, which changes
// nothing, where the Go loop adds nothing.)
//
// AddColsOfF64 adds one row into a float64 accumulator row, acc[j] +=
// term(x[j]): one rounding per element, the same in assembly and Go, so
// a reduction over leading axes walked row by row equals the sequential
// per-column sum exactly. AddRowsOfF64 adds several rows the same way,
// keeping 32 columns of acc in registers over the rows.

// Acc64 selects the term a float64 accumulation adds for each float32
// element x.
type Acc64 uint8

const (
	AccValue  Acc64 = iota // x (sum, mean)
	AccSquare              // x·x, exact in float64 (the 2-norm)
	AccAbs                 // |x| (the 1-norm)
	AccNonNaN              // x, or nothing where x is NaN (nansum)
)

// sumPartials is the number of partial sums of SumOfF64.
const sumPartials = 64

// SumF64 is the sum of x accumulated in float64, in SumOfF64's order.
func SumF64(x []float32) float64 { return SumOfF64(AccValue, x) }

// SumOfF64 is the sum of term(x[i]) over x, accumulated in float64 in the
// fixed order given above; 0 for an empty x.
func SumOfF64(term Acc64, x []float32) float64 {
	if len(x) == 0 {
		return 0
	}
	if sumOfF64Fast != nil {
		return sumOfF64Fast(term, x)
	}
	return sumOfF64Go(term, x)
}

// AddColsF64 sets acc[j] += float64(x[j]) for j < len(acc).
func AddColsF64(acc []float64, x []float32) { AddColsOfF64(AccValue, acc, x) }

// AddColsOfF64 sets acc[j] += term(x[j]) for j < len(acc) (for AccNonNaN,
// leaves acc[j] where x[j] is NaN). It panics with *Error if x is shorter
// than acc.
func AddColsOfF64(term Acc64, acc []float64, x []float32) {
	checkLen("add_cols", len(acc), len(x))
	AddRowsOfF64(term, acc, x, 1, 0)
}

// AddRowsOfF64 adds rows rows of x, the rows stride elements apart, into
// acc: for each r < rows in turn, AddColsOfF64(term, acc,
// x[r*stride:]). Each column adds its terms in row order, so the result
// is that of the row-by-row calls bit for bit; the assembly keeps strips
// of acc in registers over all the rows (pass a few rows at a time: the
// rows are read side by side). It panics with *Error if x is shorter than
// (rows-1)*stride + len(acc) or stride is negative.
func AddRowsOfF64(term Acc64, acc []float64, x []float32, rows, stride int) {
	if len(acc) == 0 || rows <= 0 {
		return
	}
	if stride < 0 {
		panicf("add_rows", "negative stride %d", stride)
	}
	checkLen("add_rows", (rows-1)*stride+len(acc), len(x))
	if addRowsOfF64Fast != nil {
		addRowsOfF64Fast(term, acc, x, rows, stride)
		return
	}
	for r := range rows {
		addColsOfF64Go(term, acc, x[r*stride:])
	}
}

var (
	sumOfF64Fast     func(term Acc64, x []float32) float64
	addRowsOfF64Fast func(term Acc64, acc []float64, x []float32, rows, stride int)
)

func sumOfF64Go(term Acc64, x []float32) float64 {
	var p [sumPartials]float64
	// Whole blocks of 64, then the rest into the first partials: element
	// i always lands in p[i%64].
	switch term {
	case AccSquare:
		for ; len(x) >= sumPartials; x = x[sumPartials:] {
			for l, v := range x[:sumPartials] {
				p[l] += float64(v) * float64(v)
			}
		}
		for l, v := range x {
			p[l] += float64(v) * float64(v)
		}
	case AccAbs:
		for ; len(x) >= sumPartials; x = x[sumPartials:] {
			for l, v := range x[:sumPartials] {
				p[l] += math.Abs(float64(v))
			}
		}
		for l, v := range x {
			p[l] += math.Abs(float64(v))
		}
	case AccNonNaN:
		for ; len(x) >= sumPartials; x = x[sumPartials:] {
			for l, v := range x[:sumPartials] {
				if v == v {
					p[l] += float64(v)
				}
			}
		}
		for l, v := range x {
			if v == v {
				p[l] += float64(v)
			}
		}
	default:
		for ; len(x) >= sumPartials; x = x[sumPartials:] {
			for l, v := range x[:sumPartials] {
				p[l] += float64(v)
			}
		}
		for l, v := range x {
			p[l] += float64(v)
		}
	}
	return sumCombine(&p)
}

// sumCombine adds the partial sums in SumOfF64's fixed tree, as the
// assembly's lane-wise adds and halvings do.
func sumCombine(p *[sumPartials]float64) float64 {
	var z [8]float64
	for l := range z {
		z[l] = ((p[l] + p[8+l]) + (p[16+l] + p[24+l])) + ((p[32+l] + p[40+l]) + (p[48+l] + p[56+l]))
	}
	y0, y1, y2, y3 := z[0]+z[4], z[1]+z[5], z[2]+z[6], z[3]+z[7]
	w0, w1 := y0+y2, y1+y3
	return w0 + w1
}

func addColsOfF64Go(term Acc64, acc []float64, x []float32) {
	x = x[:len(acc)]
	switch term {
	case AccSquare:
		for j, v := range x {
			acc[j] += float64(v) * float64(v)
		}
	case AccAbs:
		for j, v := range x {
			acc[j] += math.Abs(float64(v))
		}
	case AccNonNaN:
		for j, v := range x {
			if v == v {
				acc[j] += float64(v)
			}
		}
	default:
		for j, v := range x {
			acc[j] += float64(v)
		}
	}
}
