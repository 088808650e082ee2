package kernels

// Float32 products accumulated in float64: nd's prod. As SumOfF64 does
// for sums, ProdOfF64 keeps 64 partial products, so that the multiplies
// do not wait on each other, in an order fixed by the length alone:
//
//   - element i of x multiplies partial product i%64, the partials
//     taking their elements in index order, each starting from 1;
//   - the partials p[0..63] are then combined as SumOfF64's partial sums
//     are, with products for sums:
//     z[l] = ((p[l]·p[8+l])·(p[16+l]·p[24+l]))·((p[32+l]·p[40+l])·(p[48+l]·p[56+l]))
//     for l < 8, y[l] = z[l]·z[l+4], w[l] = y[l]·y[l+2], and the result
//     is w[0]·w[1].
//
// The assembly (AVX-512) and the Go loops below follow the same order and
// agree bit for bit, NaN payloads aside (the assembly's masked-off tail
// lanes multiply by 1, which changes nothing). The rounding differs from
// a sequential product's by a few float64 ulps, far below float32
// precision; a product that overflows or underflows float64 on the way
// may differ more, as any reordering may.
//
// MulRowsOfF64 multiplies rows into a float64 accumulator row, acc[j] *=
// x[j] one row at a time: one rounding per element, each column in row
// order, the same in assembly and Go.

// prodPartials is the number of partial products of ProdOfF64.
const prodPartials = 64

// ProdOfF64 is the product of the elements of x in float64, in the
// order above; 1 for an empty x.
func ProdOfF64(x []float32) float64 {
	if len(x) == 0 {
		return 1
	}
	if prodOfF64Fast != nil {
		return prodOfF64Fast(x)
	}
	return prodOfF64Go(x)
}

// MulRowsOfF64 multiplies rows rows of x, the rows stride elements
// apart, into acc: for each r < rows in turn, acc[j] *=
// float64(x[r*stride+j]) for j < len(acc). It panics with *Error if x is
// shorter than (rows-1)*stride + len(acc) or stride is negative.
func MulRowsOfF64(acc []float64, x []float32, rows, stride int) {
	if len(acc) == 0 || rows <= 0 {
		return
	}
	if stride < 0 {
		panicf("mul_rows", "negative stride %d", stride)
	}
	checkLen("mul_rows", (rows-1)*stride+len(acc), len(x))
	if mulRowsOfF64Fast != nil {
		mulRowsOfF64Fast(acc, x, rows, stride)
		return
	}
	for r := range rows {
		mulRowOfF64Go(acc, x[r*stride:])
	}
}

var (
	prodOfF64Fast    func(x []float32) float64
	mulRowsOfF64Fast func(acc []float64, x []float32, rows, stride int)
)

func prodOfF64Go(x []float32) float64 {
	var p [prodPartials]float64
	for l := range p {
		p[l] = 1
	}
	// Whole blocks of 64, then the rest into the first partials: element
	// i always lands in p[i%64].
	for ; len(x) >= prodPartials; x = x[prodPartials:] {
		for l, v := range x[:prodPartials] {
			p[l] *= float64(v)
		}
	}
	for l, v := range x {
		p[l] *= float64(v)
	}
	var z [8]float64
	for l := range z {
		z[l] = ((p[l] * p[8+l]) * (p[16+l] * p[24+l])) * ((p[32+l] * p[40+l]) * (p[48+l] * p[56+l]))
	}
	y0, y1, y2, y3 := z[0]*z[4], z[1]*z[5], z[2]*z[6], z[3]*z[7]
	w0, w1 := y0*y2, y1*y3
	return w0 * w1
}

func mulRowOfF64Go(acc []float64, x []float32) {
	x = x[:len(acc)]
	for j, v := range x {
		acc[j] *= float64(v)
	}
}
