package kernels

// The float32 loops of the normalizations (nd's BatchNorm, LayerNorm,
// GroupNorm, InstanceNorm and their backward): group statistics in
// float64, the affine normalize, and the backward's sums and data
// gradient. As the loops of mlp_vec.go, they run in AVX-512 assembly
// where the CPU has it and as the Go loops below elsewhere (and under the
// noasm tag), with bit-identical results, NaN payloads aside: the
// assembly performs the same operations in the same order, without fused
// multiply-adds.
//
// Two families:
//
//   - Row sums (NormSum32, NormSqDev32, NormDotSums32, NormRowBackSums32)
//     reduce one contiguous row to float64 scalars. Element i is added to
//     lane i%8 of accumulator (i/8)%4 (4 accumulators of 8 float64 lanes,
//     32 elements per step), and the accumulators are combined as
//     (a0+a1)+(a2+a3), then lanes l and l+4, l and l+2, 0 and 1. This
//     order differs from a sequential sum (it is a 32-way blocked one,
//     at least as accurate); the Go loops keep it, so both forms agree
//     bit for bit.
//   - Column sums (NormColSums32, NormColSqDevs32, NormColDotSums32,
//     NormRowParamGrads32) add a block of rows into per-column float64
//     accumulators: each column's sum runs over the rows in order, as a
//     sequential loop would.
//
// The elementwise loops compute in float32 with the operation order given
// in their comments. Products whose sum is taken in float64 are rounded to
// float32 first (float32 products, float64 sums): each term carries one
// float32 rounding, and the sum does not grow that error with the length.

// NormSum32 returns Σ x[i], summed in float64 in the row order above.
func NormSum32(x []float32) float64 {
	if len(x) == 0 {
		return 0
	}
	if normSum32Fast != nil {
		return normSum32Fast(x)
	}
	return normSum32Go(x)
}

// NormSqDev32 returns Σ (x[i]-m)², in float64 (each x[i] converted
// exactly, the difference and square rounded to float64), summed in the
// row order above: the second pass of a two-pass variance.
func NormSqDev32(x []float32, m float64) float64 {
	if len(x) == 0 {
		return 0
	}
	if normSqDev32Fast != nil {
		return normSqDev32Fast(x, m)
	}
	return normSqDev32Go(x, m)
}

// NormDotSums32 returns sg = Σ gy[i] and sgx = Σ gy[i]·(x[i]-m), the
// difference and product in float32, the sums in float64 (row order). It
// panics with *Error if x is shorter than gy.
func NormDotSums32(gy, x []float32, m float32) (sg, sgx float64) {
	checkLen("norm_dot_sums", len(gy), len(x))
	if len(gy) == 0 {
		return 0, 0
	}
	if normDotSums32Fast != nil {
		return normDotSums32Fast(gy, x, m)
	}
	return normDotSums32Go(gy, x, m)
}

// NormRowBackSums32 is a layer norm's backward sums over one row of
// len(gy): with x̂ = (x[i]-m)·r and ĝ = gy[i]·gamma[i] in float32, it
// returns s1 = Σ ĝ and s2 = Σ ĝ·x̂ (float32 products, float64 sums in the
// row order). It panics with *Error if x or gamma is shorter than gy.
func NormRowBackSums32(gy, x, gamma []float32, m, r float32) (s1, s2 float64) {
	n := len(gy)
	checkLen("norm_row_back_sums", n, len(x))
	checkLen("norm_row_back_sums", n, len(gamma))
	if n == 0 {
		return 0, 0
	}
	if normRowBackSums32Fast != nil {
		return normRowBackSums32Fast(gy, x, gamma, m, r)
	}
	return normRowBackSums32Go(gy, x, gamma, m, r)
}

// The column loops run over a rows×cols block of a row-major matrix with
// rows stride elements apart (element (a, i) at a·stride+i): one call per
// block, its per-column state in registers.

// checkBlock panics with *Error unless a rows×cols block with the given
// stride fits in n elements.
func checkBlock(op string, n, rows, cols, stride int) {
	if rows < 0 || cols < 0 || rows > 1 && stride < cols {
		panicf(op, "bad block: %d rows of %d columns, stride %d", rows, cols, stride)
	}
	if rows > 0 && cols > 0 && n < (rows-1)*stride+cols {
		panicf(op, "input of length %d shorter than %d rows of %d columns, stride %d", n, rows, cols, stride)
	}
}

// NormColSums32 adds column sums into acc: acc[i] += Σ_a x[a·stride+i]
// over a < rows, in float64 in row order, for i < len(acc). It panics
// with *Error if x is too short.
func NormColSums32(acc []float64, x []float32, rows, stride int) {
	checkBlock("norm_col_sums", len(x), rows, len(acc), stride)
	if rows == 0 || len(acc) == 0 {
		return
	}
	if normColSums32Fast != nil {
		normColSums32Fast(acc, x, rows, stride)
		return
	}
	normColSums32Go(acc, x, rows, stride)
}

// NormColSqDevs32 adds squared deviations into acc: acc[i] += Σ_a
// (x[a·stride+i] - m[i])² in float64 in row order, for i < len(acc). It
// panics with *Error if x or m is too short.
func NormColSqDevs32(acc []float64, x []float32, m []float64, rows, stride int) {
	checkBlock("norm_col_sq_devs", len(x), rows, len(acc), stride)
	checkLen("norm_col_sq_devs", len(acc), len(m))
	if rows == 0 || len(acc) == 0 {
		return
	}
	if normColSqDevs32Fast != nil {
		normColSqDevs32Fast(acc, x, m, rows, stride)
		return
	}
	normColSqDevs32Go(acc, x, m, rows, stride)
}

// NormColDotSums32 adds a block into per-column backward sums, for i <
// len(sg): sg[i] += Σ_a gy[a·stride+i] and sgx[i] += Σ_a
// gy[a·stride+i]·(x[a·stride+i]-m[i]) (the difference and product in
// float32, the sums in float64 in row order). It panics with *Error if an
// input is too short.
func NormColDotSums32(sg, sgx []float64, gy, x, m []float32, rows, stride int) {
	n := len(sg)
	checkBlock("norm_col_dot_sums", len(gy), rows, n, stride)
	checkBlock("norm_col_dot_sums", len(x), rows, n, stride)
	checkLen("norm_col_dot_sums", n, len(sgx))
	checkLen("norm_col_dot_sums", n, len(m))
	if rows == 0 || n == 0 {
		return
	}
	if normColDotSums32Fast != nil {
		normColDotSums32Fast(sg, sgx, gy, x, m, rows, stride)
		return
	}
	normColDotSums32Go(sg, sgx, gy, x, m, rows, stride)
}

// NormRowParamGrads32 adds a layer norm block's parameter gradients into
// dg and db, for i < len(dg): with x̂ = (x[a·stride+i]-m[a])·r[a] in
// float32 (m and r per row), dg[i] += Σ_a gy[a·stride+i]·x̂ (float32
// products) and db[i] += Σ_a gy[a·stride+i], in float64 in row order. It
// panics with *Error if an input is too short.
func NormRowParamGrads32(dg, db []float64, gy, x, m, r []float32, rows, stride int) {
	n := len(dg)
	checkBlock("norm_row_param_grads", len(gy), rows, n, stride)
	checkBlock("norm_row_param_grads", len(x), rows, n, stride)
	checkLen("norm_row_param_grads", n, len(db))
	checkLen("norm_row_param_grads", rows, len(m))
	checkLen("norm_row_param_grads", rows, len(r))
	if rows == 0 || n == 0 {
		return
	}
	if normRowParamGrads32Fast != nil {
		normRowParamGrads32Fast(dg, db, gy, x, m, r, rows, stride)
		return
	}
	normRowParamGrads32Go(dg, db, gy, x, m, r, rows, stride)
}

// NormRow32 sets y[i] = ((x[i]-m)·r)·g + b for i < len(y): one group's
// normalize with its scale and shift. It panics with *Error if x is
// shorter than y. y may be x.
func NormRow32(y, x []float32, m, r, g, b float32) {
	checkLen("norm_row", len(y), len(x))
	if len(y) == 0 {
		return
	}
	if normRow32Fast != nil {
		normRow32Fast(y, x, m, r, g, b)
		return
	}
	normRow32Go(y, x, m, r, g, b)
}

// NormRowAffine32 sets y[i] = ((x[i]-m)·r)·gamma[i] + beta[i] for i <
// len(y): a layer norm's row. It panics with *Error if an input is
// shorter than y. y may be x.
func NormRowAffine32(y, x, gamma, beta []float32, m, r float32) {
	n := len(y)
	checkLen("norm_row_affine", n, len(x))
	checkLen("norm_row_affine", n, len(gamma))
	checkLen("norm_row_affine", n, len(beta))
	if n == 0 {
		return
	}
	if normRowAffine32Fast != nil {
		normRowAffine32Fast(y, x, gamma, beta, m, r)
		return
	}
	normRowAffine32Go(y, x, gamma, beta, m, r)
}

// NormCols32 normalizes a block whose channels are the columns: for a <
// rows and i < len(m), with j = a·stride+i, y[j] = ((x[j]-m[i])·r[i])·g[i]
// + b[i]. It panics with *Error if an input is too short. y may be x.
func NormCols32(y, x, m, r, g, b []float32, rows, stride int) {
	n := len(m)
	checkBlock("norm_cols", len(y), rows, n, stride)
	checkBlock("norm_cols", len(x), rows, n, stride)
	for _, s := range [...][]float32{r, g, b} {
		checkLen("norm_cols", n, len(s))
	}
	if rows == 0 || n == 0 {
		return
	}
	if normCols32Fast != nil {
		normCols32Fast(y, x, m, r, g, b, rows, stride)
		return
	}
	normCols32Go(y, x, m, r, g, b, rows, stride)
}

// NormBackRow32 sets dx[i] = (gy[i]·ga + (x[i]-m)·b) + c for i <
// len(dx): a group's data gradient with its scalars. It panics with
// *Error if gy or x is shorter than dx. dx may be gy or x.
func NormBackRow32(dx, gy, x []float32, ga, m, b, c float32) {
	checkLen("norm_back_row", len(dx), len(gy))
	checkLen("norm_back_row", len(dx), len(x))
	if len(dx) == 0 {
		return
	}
	if normBackRow32Fast != nil {
		normBackRow32Fast(dx, gy, x, ga, m, b, c)
		return
	}
	normBackRow32Go(dx, gy, x, ga, m, b, c)
}

// NormBackRowAffine32 sets dx[i] = ((gy[i]·gamma[i])·a + (x[i]-m)·b) + c
// for i < len(dx): a layer norm row's data gradient. It panics with
// *Error if an input is shorter than dx. dx may be gy or x.
func NormBackRowAffine32(dx, gy, x, gamma []float32, a, m, b, c float32) {
	n := len(dx)
	checkLen("norm_back_row_affine", n, len(gy))
	checkLen("norm_back_row_affine", n, len(x))
	checkLen("norm_back_row_affine", n, len(gamma))
	if n == 0 {
		return
	}
	if normBackRowAffine32Fast != nil {
		normBackRowAffine32Fast(dx, gy, x, gamma, a, m, b, c)
		return
	}
	normBackRowAffine32Go(dx, gy, x, gamma, a, m, b, c)
}

// NormBackCols32 is a batch norm's data gradient over a block whose
// channels are the columns: for a < rows and i < len(ga), with j =
// a·stride+i, dx[j] = (gy[j]·ga[i] + (x[j]-m[i])·b[i]) + c[i]. It panics
// with *Error if an input is too short. dx may be gy or x.
func NormBackCols32(dx, gy, x, ga, m, b, c []float32, rows, stride int) {
	n := len(ga)
	checkBlock("norm_back_cols", len(dx), rows, n, stride)
	checkBlock("norm_back_cols", len(gy), rows, n, stride)
	checkBlock("norm_back_cols", len(x), rows, n, stride)
	for _, s := range [...][]float32{m, b, c} {
		checkLen("norm_back_cols", n, len(s))
	}
	if rows == 0 || n == 0 {
		return
	}
	if normBackCols32Fast != nil {
		normBackCols32Fast(dx, gy, x, ga, m, b, c, rows, stride)
		return
	}
	normBackCols32Go(dx, gy, x, ga, m, b, c, rows, stride)
}

// The assembly versions, set by init when the CPU has them. The callers
// have checked the lengths; the slices and blocks are non-empty.
var (
	normSum32Fast           func(x []float32) float64
	normSqDev32Fast         func(x []float32, m float64) float64
	normDotSums32Fast       func(gy, x []float32, m float32) (float64, float64)
	normRowBackSums32Fast   func(gy, x, gamma []float32, m, r float32) (float64, float64)
	normColSums32Fast       func(acc []float64, x []float32, rows, stride int)
	normColSqDevs32Fast     func(acc []float64, x []float32, m []float64, rows, stride int)
	normColDotSums32Fast    func(sg, sgx []float64, gy, x, m []float32, rows, stride int)
	normRowParamGrads32Fast func(dg, db []float64, gy, x, m, r []float32, rows, stride int)
	normRow32Fast           func(y, x []float32, m, r, g, b float32)
	normRowAffine32Fast     func(y, x, gamma, beta []float32, m, r float32)
	normCols32Fast          func(y, x, m, r, g, b []float32, rows, stride int)
	normBackRow32Fast       func(dx, gy, x []float32, ga, m, b, c float32)
	normBackRowAffine32Fast func(dx, gy, x, gamma []float32, a, m, b, c float32)
	normBackCols32Fast      func(dx, gy, x, ga, m, b, c []float32, rows, stride int)
)

// normLanes are the row sums' accumulators: element i goes to lane i%8 of
// accumulator (i/8)%4.
type normLanes [4][8]float64

// sum combines the lanes as the assembly does.
func (a *normLanes) sum() float64 {
	var t [8]float64
	for l := range t {
		t[l] = (a[0][l] + a[1][l]) + (a[2][l] + a[3][l])
	}
	for l := range 4 {
		t[l] += t[l+4]
	}
	for l := range 2 {
		t[l] += t[l+2]
	}
	return t[0] + t[1]
}

func normSum32Go(x []float32) float64 {
	var a normLanes
	for i, v := range x {
		a[(i>>3)&3][i&7] += float64(v)
	}
	return a.sum()
}

func normSqDev32Go(x []float32, m float64) float64 {
	var a normLanes
	for i, v := range x {
		d := float64(v) - m
		a[(i>>3)&3][i&7] += float64(d * d) // rounded: no fused multiply-add
	}
	return a.sum()
}

func normDotSums32Go(gy, x []float32, m float32) (float64, float64) {
	var a, b normLanes
	x = x[:len(gy)]
	for i, g := range gy {
		a[(i>>3)&3][i&7] += float64(g)
		b[(i>>3)&3][i&7] += float64(g * (x[i] - m))
	}
	return a.sum(), b.sum()
}

func normRowBackSums32Go(gy, x, gamma []float32, m, r float32) (float64, float64) {
	var a, b normLanes
	n := len(gy)
	x, gamma = x[:n], gamma[:n]
	for i, g := range gy {
		xh := (x[i] - m) * r
		gg := g * gamma[i]
		a[(i>>3)&3][i&7] += float64(gg)
		b[(i>>3)&3][i&7] += float64(gg * xh)
	}
	return a.sum(), b.sum()
}

func normColSums32Go(acc []float64, x []float32, rows, stride int) {
	for a := range rows {
		row := x[a*stride : a*stride+len(acc)]
		for i, v := range row {
			acc[i] += float64(v)
		}
	}
}

func normColSqDevs32Go(acc []float64, x []float32, m []float64, rows, stride int) {
	m = m[:len(acc)]
	for a := range rows {
		row := x[a*stride : a*stride+len(acc)]
		for i, v := range row {
			d := float64(v) - m[i]
			acc[i] += float64(d * d) // rounded: no fused multiply-add
		}
	}
}

func normColDotSums32Go(sg, sgx []float64, gy, x, m []float32, rows, stride int) {
	n := len(sg)
	sgx, m = sgx[:n], m[:n]
	for a := range rows {
		gr, xr := gy[a*stride:a*stride+n], x[a*stride:a*stride+n]
		for i, g := range gr {
			sg[i] += float64(g)
			sgx[i] += float64(g * (xr[i] - m[i]))
		}
	}
}

func normRowParamGrads32Go(dg, db []float64, gy, x, m, r []float32, rows, stride int) {
	n := len(dg)
	db = db[:n]
	for a := range rows {
		gr, xr := gy[a*stride:a*stride+n], x[a*stride:a*stride+n]
		ma, ra := m[a], r[a]
		for i, g := range gr {
			xh := (xr[i] - ma) * ra
			dg[i] += float64(g * xh)
			db[i] += float64(g)
		}
	}
}

// The float32 loops round every product (float32(...)) so that no
// compiler fuses it into a multiply-add the assembly does not do.

func normRow32Go(y, x []float32, m, r, g, b float32) {
	x = x[:len(y)]
	for i, v := range x {
		y[i] = float32(float32((v-m)*r)*g) + b
	}
}

func normRowAffine32Go(y, x, gamma, beta []float32, m, r float32) {
	n := len(y)
	x, gamma, beta = x[:n], gamma[:n], beta[:n]
	for i, v := range x {
		y[i] = float32(float32((v-m)*r)*gamma[i]) + beta[i]
	}
}

func normCols32Go(y, x, m, r, g, b []float32, rows, stride int) {
	n := len(m)
	r, g, b = r[:n], g[:n], b[:n]
	for a := range rows {
		yr, xr := y[a*stride:a*stride+n], x[a*stride:a*stride+n]
		for i, v := range xr {
			yr[i] = float32(float32((v-m[i])*r[i])*g[i]) + b[i]
		}
	}
}

func normBackRow32Go(dx, gy, x []float32, ga, m, b, c float32) {
	n := len(dx)
	gy, x = gy[:n], x[:n]
	for i, g := range gy {
		dx[i] = (float32(g*ga) + float32((x[i]-m)*b)) + c
	}
}

func normBackRowAffine32Go(dx, gy, x, gamma []float32, a, m, b, c float32) {
	n := len(dx)
	gy, x, gamma = gy[:n], x[:n], gamma[:n]
	for i, g := range gy {
		dx[i] = (float32(float32(g*gamma[i])*a) + float32((x[i]-m)*b)) + c
	}
}

func normBackCols32Go(dx, gy, x, ga, m, b, c []float32, rows, stride int) {
	n := len(ga)
	m, b, c = m[:n], b[:n], c[:n]
	for a := range rows {
		dr, gr, xr := dx[a*stride:a*stride+n], gy[a*stride:a*stride+n], x[a*stride:a*stride+n]
		for i, g := range gr {
			dr[i] = (float32(g*ga[i]) + float32((xr[i]-m[i])*b[i])) + c[i]
		}
	}
}
