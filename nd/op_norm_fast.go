package nd

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/mxgo/mxgo/nd/kernels"
)

// The float32 paths of the norms. normForward and normBackward visit x
// element by element through (a, d, b) index arithmetic; here the groups
// are walked as contiguous runs that the vector loops of kernels take
// whole:
//
//   - rows: layer norm over the last axis (b == 1), group and instance
//     norm. Group a is the row x[a·d : (a+1)·d]; its parameters are the
//     cg channels of group a%groups, each covering hw consecutive
//     elements (layer norm: one group, cg = d, hw = 1). Row moments, then
//     y = ((x-μ)·r)·γ + β by runs of one channel (hw > 1) or with γ and β
//     as vectors (hw == 1).
//   - planes: batch norm with b > 1 (NCHW). Channel d is the a planes
//     x[(a·D+d)·b :][:b].
//   - columns: batch norm with b < normPlaneMin (NC, NHWC, small planes).
//     x is an (a, d·b) matrix whose channel d is the b columns [d·b,
//     (d+1)·b); the column loops run down its rows with per-column
//     float64 sums, then a channel adds its b columns' sums.
//
// Layer norm over another axis (b > 1) and float64 keep the generic path,
// which the tests also use as the oracle.
//
// The conventions are the generic path's: mean and biased variance
// accumulated in float64, two passes (Σx, then Σ(x-μ)² about the float64
// mean), r = 1/√(σ²+eps) from the float32 variance, and the outputs and
// statistics as the op returns them. What differs is the order of the
// float64 sums (the rows' are 32-way blocked, see kernels.NormSum32; the
// columns' are sequential as before, so batch norm's NC and NHWC
// statistics are bit for bit the generic path's), that the backward's products are
// rounded to float32 before their float64 sums, and that the normalize and
// the data gradient run in float32 rather than float64:
//
//	y  = ((x-μ)·r)·γ + β                                  (batch norm had x·(γr) + (β-γrμ))
//	dx = (gy·γ)·r + (x-μ)·(gσ̂ - r²·Σĝx̂/M) + (gμ/M - r·Σĝ/M)   (ĝ = gy·γ, gσ̂ = 2gσ²/M)
//
// with the per-group scalars in float64 and rounded once. The results
// stay within a few float32 roundings of the generic path's.

// normGenericOnly turns the float32 paths off: tests run the generic path
// as the oracle with it.
var normGenericOnly atomic.Bool

// normLayout is how the float32 path walks a norm's groups.
type normLayout uint8

const (
	normGeneric normLayout = iota
	normRows
	normPlanes
	normCols
)

// normColBlock is the column count of one unit of a columns split: the
// column loops' chunk (kernels.NormColSums32 and the others keep 32
// columns in registers while they run down the rows).
const normColBlock = 32

// normPlaneMin is the plane size from which batch norm goes plane by
// plane; below it a kernel call per plane costs more than the plane, and
// the columns layout runs down all planes at once.
const normPlaneMin = 64

func (s *normSpec) layout() normLayout {
	switch {
	case normGenericOnly.Load() || s.a == 0 || s.d == 0 || s.b == 0:
		return normGeneric
	case s.keepMiddle && s.b < normPlaneMin:
		return normCols
	case s.keepMiddle:
		return normPlanes
	case s.b != 1 || s.fixGamma || s.global:
		// Layer norm over an inner axis; fix_gamma and global statistics
		// reach the other norms only through a hand-made _norm_backward.
		return normGeneric
	}
	return normRows
}

// normJob carries one float32 norm (forward or backward) to the threads
// through a method value bound once, with the scratch its parts use. It
// is pooled: a call allocates nothing once the pool is warm.
type normJob struct {
	s      normSpec
	layout normLayout
	back   bool
	parts  int // the split: part p runs units [p·units/parts, (p+1)·units/parts)
	units  int // rows, channels, or blocks of colChannels channels

	// forward: x, gamma, beta -> out, mean, vr (computed unless s.global);
	// backward: gy, x, gamma, mean, vr, gmean, gvar -> dx, dgamma, dbeta.
	x, gamma, beta, out, mean, vr      []float32
	gy, gmean, gvar, dx, dgamma, dbeta []float32

	// rows backward: per part, the partial dγ then dβ (nparam each), and
	// the float32 r of the rows of its current block (normRowBlock each).
	partial []float64
	rs      []float32
	// columns: two float64 and six float32 vectors of d·b (one element
	// per column).
	c64 []float64
	c32 []float32

	body func(lo, hi int)
}

var normJobs = sync.Pool{New: func() any {
	j := new(normJob)
	j.body = j.run
	return j
}}

// normForward32 runs the forward on the float32 path and reports whether
// it did: false leaves the work to normForward.
func normForward32(s *normSpec, x, gamma, beta, out, mean, variance []float32) bool {
	l := s.layout()
	if l == normGeneric {
		return false
	}
	j := normJobs.Get().(*normJob)
	j.s, j.layout, j.back = *s, l, false
	j.x, j.gamma, j.beta, j.out, j.mean, j.vr = x, gamma, beta, out, mean, variance
	j.start()
	j.release()
	return true
}

// normBackward32 is normBackward on the float32 path; false leaves the
// work to normBackward.
func normBackward32(s *normSpec, gy, x, gamma, mean, variance, gmean, gvar, dx, dgamma, dbeta []float32) bool {
	l := s.layout()
	if l == normGeneric {
		return false
	}
	j := normJobs.Get().(*normJob)
	j.s, j.layout, j.back = *s, l, true
	j.gy, j.x, j.gamma, j.mean, j.vr, j.gmean, j.gvar = gy, x, gamma, mean, variance, gmean, gvar
	j.dx, j.dgamma, j.dbeta = dx, dgamma, dbeta
	j.start()
	j.release()
	return true
}

// normGrainTest, when set, replaces vecGrain in normParts: tests split
// small arrays with it.
var normGrainTest atomic.Int64

// normUnitCost is what a row, channel or block of columns costs besides
// its elements (kernel calls, a square root), in elements.
const normUnitCost = 64

// normParts is the number of parts a norm over n elements in units
// splits into: one while its work (the elements, and normUnitCost per
// unit) is below the vector loops' split size (vecGrain), else up to one
// per thread, each with at least half that work.
func normParts(n, units int) int {
	grain := vecGrain()
	if g := normGrainTest.Load(); g > 0 {
		grain = int(g)
	}
	work := n + normUnitCost*units
	threads := kernels.NumThreads()
	if work < grain || threads <= 1 || units <= 1 {
		return 1
	}
	return max(1, min(threads, units, work/(grain/2)))
}

// start sizes the split and the scratch, runs the parts and combines
// their partial sums.
func (j *normJob) start() {
	s := &j.s
	switch j.layout {
	case normRows:
		j.units = s.a
	case normPlanes:
		j.units = s.d
	case normCols:
		j.units = (s.d + j.colChannels() - 1) / j.colChannels()
		db := s.d * s.b
		j.c64 = growSlice(j.c64, 2*db)
		j.c32 = growSlice(j.c32, 6*db)
		if j.back && s.global {
			ones, zeros := j.c32[4*db:5*db], j.c32[5*db:6*db]
			for i := range ones {
				ones[i] = 1
			}
			clear(zeros)
		}
	}
	split := normParts(s.a*s.d*s.b, j.units)
	j.parts = split
	rowsBack := j.back && j.layout == normRows
	if rowsBack {
		// The parameter gradients are summed per part, then over the
		// parts: their order must not follow vecGrain, which changes with
		// the helpers' state from call to call. The parts are one per
		// thread (as the generic path's), whether they then run split or
		// inline, so a result changes only with NumThreads.
		j.parts = max(1, min(kernels.NumThreads(), j.units))
		j.partial = growSlice(j.partial, 2*s.nparam*j.parts)
		clear(j.partial)
		j.rs = growSlice(j.rs, normRowBlock(s.d)*j.parts)
	}
	if split == 1 {
		j.run(0, j.parts)
	} else {
		kernels.ParallelFor(j.parts, 1, j.body)
	}
	if rowsBack {
		j.sumPartials()
	}
}

// release drops the job's arrays (the pool keeps no array alive) and
// pools it.
func (j *normJob) release() {
	j.x, j.gamma, j.beta, j.out, j.mean, j.vr = nil, nil, nil, nil, nil, nil
	j.gy, j.gmean, j.gvar, j.dx, j.dgamma, j.dbeta = nil, nil, nil, nil, nil, nil
	normJobs.Put(j)
}

func growSlice[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// run computes parts [lo, hi).
func (j *normJob) run(lo, hi int) {
	for p := lo; p < hi; p++ {
		u0, u1 := p*j.units/j.parts, (p+1)*j.units/j.parts
		switch {
		case j.layout == normRows && !j.back:
			for a := u0; a < u1; a++ {
				j.rowForward(a)
			}
		case j.layout == normRows:
			j.rowsBackward(p, u0, u1)
		case j.layout == normPlanes && !j.back:
			for d := u0; d < u1; d++ {
				j.planesForward(d)
			}
		case j.layout == normPlanes:
			for d := u0; d < u1; d++ {
				j.planesBackward(d)
			}
		default:
			// The sums one block of channels at a time, so that the second
			// pass finds the block in the cache the first left it in (the
			// whole part may not fit); then the normalize or the data
			// gradient along the part's rows.
			cb := j.colChannels()
			for u := u0; u < u1; u++ {
				c0, c1 := u*cb, min((u+1)*cb, j.s.d)
				if j.back {
					j.colsBackwardSums(c0, c1)
				} else {
					j.colsStats(c0, c1)
				}
			}
			c0, c1 := u0*cb, min(u1*cb, j.s.d)
			if j.back {
				j.colsBackwardData(c0, c1)
			} else {
				j.colsNormalize(c0, c1)
			}
		}
	}
}

// normRstd is 1/√(σ²+eps) from the stored variance, as the generic path
// computes it.
func normRstd(v float32, eps float64) float64 { return 1 / math.Sqrt(float64(v)+eps) }

// normRowMin is the length from which the rows layout calls the vector
// loops: a row's forward, a run of one channel forward and backward.
// Shorter ones cost less in scalar loops than in the calls (about 40 ns a
// row for the three of a forward).
const normRowMin = 12

// rowForward normalizes row a (rows layout).
func (j *normJob) rowForward(a int) {
	s := &j.s
	n := s.d
	if n < normRowMin {
		j.rowForwardScalar(a)
		return
	}
	x, y := j.x[a*n:(a+1)*n], j.out[a*n:(a+1)*n]
	m := kernels.NormSum32(x) / float64(n)
	v := kernels.NormSqDev32(x, m) / float64(n)
	j.mean[a], j.vr[a] = float32(m), float32(v)
	mf, r := j.mean[a], float32(normRstd(j.vr[a], s.eps))
	p0 := (a % s.groups) * s.cg
	if s.hw == 1 {
		kernels.NormRowAffine32(y, x, j.gamma[p0:p0+s.cg], j.beta[p0:p0+s.cg], mf, r)
		return
	}
	for c := range s.cg {
		o := c * s.hw
		if s.hw < normRowMin {
			normRunScalar(y[o:o+s.hw], x[o:o+s.hw], mf, r, j.gamma[p0+c], j.beta[p0+c])
			continue
		}
		kernels.NormRow32(y[o:o+s.hw], x[o:o+s.hw], mf, r, j.gamma[p0+c], j.beta[p0+c])
	}
}

// normRunScalar is kernels.NormRow32 as a scalar loop, for short runs.
func normRunScalar(y, x []float32, m, r, g, b float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = float32(float32((v-m)*r)*g) + b // rounded: no fused multiply-add
	}
}

// normRowBlock is the number of rows of length n whose parameter
// gradients a layer norm's backward adds at once (rowsBackward): about
// 256 KiB of gy and x, which stay in the L2 cache between the rows' pass
// and the block's.
func normRowBlock(n int) int { return max(1, min(64, (1<<15)/max(n, 1))) }

// rowForwardScalar is rowForward in scalar loops, for short rows: the
// sums run in order, as the generic path's.
func (j *normJob) rowForwardScalar(a int) {
	s := &j.s
	n := s.d
	x, y := j.x[a*n:(a+1)*n], j.out[a*n:(a+1)*n]
	var sum, sq float64
	for _, v := range x {
		sum += float64(v)
	}
	m := sum / float64(n)
	for _, v := range x {
		d := float64(v) - m
		sq += float64(d * d)
	}
	j.mean[a], j.vr[a] = float32(m), float32(sq/float64(n))
	mf, r := j.mean[a], float32(normRstd(j.vr[a], s.eps))
	p0 := (a % s.groups) * s.cg
	for i, v := range x {
		p := p0 + i/s.hw
		y[i] = float32(float32((v-mf)*r)*j.gamma[p]) + j.beta[p] // rounded: no fused multiply-add
	}
}

// rowsBackward computes rows [a0, a1) of part p (rows layout, batch
// statistics): each row's data gradient, its parameter gradients added
// into the part's partial sums. Where γ is a vector shared by all rows
// (layer norm), a block of rows at a time goes down the columns, so that
// the float64 partial sums are loaded and stored once per block rather
// than once per row; each column's sum still runs over the rows in order.
func (j *normJob) rowsBackward(p, a0, a1 int) {
	s := &j.s
	n, np := s.d, s.nparam
	dg, db := j.partial[2*p*np:(2*p+1)*np], j.partial[(2*p+1)*np:(2*p+2)*np]
	if s.hw > 1 {
		for a := a0; a < a1; a++ {
			j.rowBackwardRuns(a, dg, db)
		}
		return
	}
	block := normRowBlock(n)
	rs := j.rs[p*block : (p+1)*block]
	for b0 := a0; b0 < a1; b0 += block {
		b1 := min(b0+block, a1)
		for a := b0; a < b1; a++ {
			r := j.rowBackward(a)
			rs[a-b0] = r
			if s.groups > 1 { // γ differs from row to row
				p0 := (a % s.groups) * s.cg
				kernels.NormRowParamGrads32(dg[p0:p0+s.cg], db[p0:p0+s.cg], j.gy[a*n:], j.x[a*n:], j.mean[a:a+1], rs[a-b0:a-b0+1], 1, n)
			}
		}
		if s.groups == 1 {
			kernels.NormRowParamGrads32(dg, db, j.gy[b0*n:], j.x[b0*n:], j.mean[b0:b1], rs[:b1-b0], b1-b0, n)
		}
	}
}

// rowBackward computes row a's data gradient where each element has its
// own γ (hw == 1) and returns the row's r in float32.
func (j *normJob) rowBackward(a int) float32 {
	s := &j.s
	n := s.d
	gy, x, dx := j.gy[a*n:(a+1)*n], j.x[a*n:(a+1)*n], j.dx[a*n:(a+1)*n]
	m, r := j.mean[a], normRstd(j.vr[a], s.eps)
	p0 := (a % s.groups) * s.cg
	gamma := j.gamma[p0 : p0+s.cg]
	s1, s2 := kernels.NormRowBackSums32(gy, x, gamma, m, float32(r)) // Σ ĝ, Σ ĝ·x̂
	b, c := normBackScalars(s1, s2, r, float64(n), j.gmean[a], j.gvar[a])
	kernels.NormBackRowAffine32(dx, gy, x, gamma, float32(r), m, b, c)
	return float32(r)
}

// rowBackwardRuns computes row a's gradients where γ is constant over
// runs of hw elements (group and instance norm), adding its parameter
// gradients into dg and db.
func (j *normJob) rowBackwardRuns(a int, dg, db []float64) {
	s := &j.s
	n := s.d
	gy, x, dx := j.gy[a*n:(a+1)*n], j.x[a*n:(a+1)*n], j.dx[a*n:(a+1)*n]
	m, r := j.mean[a], normRstd(j.vr[a], s.eps)
	p0 := (a % s.groups) * s.cg
	var s1, s2 float64 // Σ ĝ, Σ ĝ·x̂
	for c := range s.cg {
		o, p := c*s.hw, p0+c
		var sg, sgx float64
		if s.hw < normRowMin {
			for i, g := range gy[o : o+s.hw] {
				sg += float64(g)
				sgx += float64(g * (x[o+i] - m))
			}
		} else {
			sg, sgx = kernels.NormDotSums32(gy[o:o+s.hw], x[o:o+s.hw], m)
		}
		g := float64(j.gamma[p])
		s1 += g * sg
		s2 += g * sgx
		dg[p] += sgx * r
		db[p] += sg
	}
	s2 *= r
	b, c := normBackScalars(s1, s2, r, float64(n), j.gmean[a], j.gvar[a])
	for ch := range s.cg {
		o := ch * s.hw
		ga := float32(float64(j.gamma[p0+ch]) * r)
		if s.hw < normRowMin {
			for i, g := range gy[o : o+s.hw] {
				dx[o+i] = (float32(g*ga) + float32((x[o+i]-m)*b)) + c // as kernels.NormBackRow32
			}
			continue
		}
		kernels.NormBackRow32(dx[o:o+s.hw], gy[o:o+s.hw], x[o:o+s.hw], ga, m, b, c)
	}
}

// normBackScalars returns the factor of (x-μ) and the constant of a
// group's data gradient dx = ĝ·r + (x-μ)·b + c, from s1 = Σ ĝ, s2 = Σ ĝ·x̂
// over the group's M elements and the gradients gm, gv reaching its mean
// and variance:
//
//	b = 2gv/M - r²·s2/M,  c = gm/M - r·s1/M.
func normBackScalars(s1, s2, r, M float64, gm, gv float32) (b, c float32) {
	return float32(2*float64(gv)/M - r*r*s2/M), float32(float64(gm)/M - r*s1/M)
}

// plane is plane a of channel d (planes layout).
func (j *normJob) plane(v []float32, a, d int) []float32 {
	b := j.s.b
	o := (a*j.s.d + d) * b
	return v[o : o+b]
}

func (j *normJob) gammaOf(d int) float32 {
	if j.s.fixGamma {
		return 1
	}
	return j.gamma[d]
}

// planesForward normalizes channel d (planes layout).
func (j *normJob) planesForward(d int) {
	s := &j.s
	if !s.global {
		M := float64(s.a * s.b)
		var sum, sq float64
		for a := range s.a {
			sum += kernels.NormSum32(j.plane(j.x, a, d))
		}
		m := sum / M
		for a := range s.a {
			sq += kernels.NormSqDev32(j.plane(j.x, a, d), m)
		}
		j.mean[d], j.vr[d] = float32(m), float32(sq/M)
	}
	m, r, g, b := j.mean[d], float32(normRstd(j.vr[d], s.eps)), j.gammaOf(d), j.beta[d]
	for a := range s.a {
		kernels.NormRow32(j.plane(j.out, a, d), j.plane(j.x, a, d), m, r, g, b)
	}
}

// planesBackward computes channel d's gradients (planes layout).
func (j *normJob) planesBackward(d int) {
	s := &j.s
	m, r, g := j.mean[d], normRstd(j.vr[d], s.eps), float64(j.gammaOf(d))
	var sg, sgx float64 // Σ gy, Σ gy·(x-μ)
	for a := range s.a {
		ps, pss := kernels.NormDotSums32(j.plane(j.gy, a, d), j.plane(j.x, a, d), m)
		sg += ps
		sgx += pss
	}
	j.dgamma[d], j.dbeta[d] = float32(sgx*r), float32(sg)
	if s.fixGamma {
		j.dgamma[d] = 0
	}
	ga := float32(g * r)
	if s.global { // dx = γr·gy
		for a := range s.a {
			kernels.NormRow32(j.plane(j.dx, a, d), j.plane(j.gy, a, d), 0, ga, 1, 0)
		}
		return
	}
	b, c := normBackScalars(g*sg, g*sgx*r, r, float64(s.a*s.b), j.gmean[d], j.gvar[d])
	for a := range s.a {
		kernels.NormBackRow32(j.plane(j.dx, a, d), j.plane(j.gy, a, d), j.plane(j.x, a, d), ga, m, b, c)
	}
}

// colChannels is the number of channels in a unit of the columns layout:
// about normColBlock columns.
func (j *normJob) colChannels() int { return max(1, normColBlock/j.s.b) }

// colVec is float32 column vector k (of the six in c32) over columns
// [j0, j1).
func (j *normJob) colVec(k, j0, j1 int) []float32 {
	db := j.s.d * j.s.b
	return j.c32[k*db+j0 : k*db+j1]
}

// colsStats computes the statistics of channels [c0, c1) (columns
// layout) and sets their columns' float32 vectors for colsNormalize: the
// (a, d·b) matrix's columns [c0·b, c1·b), each kernel call running down
// all a rows. A channel's b columns are summed apart, then added.
func (j *normJob) colsStats(c0, c1 int) {
	s := &j.s
	A, B, db := s.a, s.b, s.d*s.b
	j0, j1 := c0*B, c1*B
	sum, mean64 := j.c64[j0:j1], j.c64[db+j0:db+j1]
	x := j.x[j0:]
	if !s.global {
		M := float64(A * B)
		clear(sum)
		kernels.NormColSums32(sum, x, A, db)
		for c := c0; c < c1; c++ {
			cs := sum[(c-c0)*B : (c-c0+1)*B]
			m := normAdd(cs) / M
			for i := range cs {
				mean64[(c-c0)*B+i] = m
			}
		}
		clear(sum)
		kernels.NormColSqDevs32(sum, x, mean64, A, db)
		for c := c0; c < c1; c++ {
			j.mean[c], j.vr[c] = float32(mean64[(c-c0)*B]), float32(normAdd(sum[(c-c0)*B:(c-c0+1)*B])/M)
		}
	}
	mv, rv, gv, bv := j.colVec(0, j0, j1), j.colVec(1, j0, j1), j.colVec(2, j0, j1), j.colVec(3, j0, j1)
	for c := c0; c < c1; c++ {
		m, r, g, b := j.mean[c], float32(normRstd(j.vr[c], s.eps)), j.gammaOf(c), j.beta[c]
		for i := (c - c0) * B; i < (c-c0+1)*B; i++ {
			mv[i], rv[i], gv[i], bv[i] = m, r, g, b
		}
	}
}

// colsNormalize normalizes channels [c0, c1) with the vectors colsStats
// set.
func (j *normJob) colsNormalize(c0, c1 int) {
	s := &j.s
	j0, j1 := c0*s.b, c1*s.b
	kernels.NormCols32(j.out[j0:], j.x[j0:], j.colVec(0, j0, j1), j.colVec(1, j0, j1), j.colVec(2, j0, j1), j.colVec(3, j0, j1), s.a, s.d*s.b)
}

// normAdd is the sum of v in order.
func normAdd(v []float64) float64 {
	var t float64
	for _, x := range v {
		t += x
	}
	return t
}

// colsBackwardSums computes the parameter gradients of channels [c0, c1)
// (columns layout) and sets their columns' vectors for colsBackwardData.
func (j *normJob) colsBackwardSums(c0, c1 int) {
	s := &j.s
	A, B, db := s.a, s.b, s.d*s.b
	j0, j1 := c0*B, c1*B
	sg, sgx := j.c64[j0:j1], j.c64[db+j0:db+j1]
	mv, gav, bv, cv := j.colVec(0, j0, j1), j.colVec(1, j0, j1), j.colVec(2, j0, j1), j.colVec(3, j0, j1)
	for c := c0; c < c1; c++ {
		for i := (c - c0) * B; i < (c-c0+1)*B; i++ {
			mv[i] = j.mean[c]
		}
	}
	clear(sg)
	clear(sgx)
	kernels.NormColDotSums32(sg, sgx, j.gy[j0:], j.x[j0:], mv, A, db)
	M := float64(A * B)
	for c := c0; c < c1; c++ {
		o := (c - c0) * B
		tsg, tsgx := normAdd(sg[o:o+B]), normAdd(sgx[o:o+B]) // Σ gy, Σ gy·(x-μ)
		r, g := normRstd(j.vr[c], s.eps), float64(j.gammaOf(c))
		j.dgamma[c], j.dbeta[c] = float32(tsgx*r), float32(tsg)
		if s.fixGamma {
			j.dgamma[c] = 0
		}
		ga := float32(g * r)
		var b, cc float32
		if !s.global {
			b, cc = normBackScalars(g*tsg, g*tsgx*r, r, M, j.gmean[c], j.gvar[c])
		}
		for i := o; i < o+B; i++ {
			gav[i], bv[i], cv[i] = ga, b, cc
		}
	}
}

// colsBackwardData computes the data gradient of channels [c0, c1) with
// the vectors colsBackwardSums set.
func (j *normJob) colsBackwardData(c0, c1 int) {
	s := &j.s
	A, db := s.a, s.d*s.b
	j0, j1 := c0*s.b, c1*s.b
	gy, x, dx := j.gy[j0:], j.x[j0:], j.dx[j0:]
	mv, gav, bv, cv := j.colVec(0, j0, j1), j.colVec(1, j0, j1), j.colVec(2, j0, j1), j.colVec(3, j0, j1)
	if s.global { // dx = γr·gy: ((gy-0)·γr)·1 + 0
		ones, zeros := j.colVec(4, j0, j1), j.colVec(5, j0, j1)
		kernels.NormCols32(dx, gy, zeros, gav, ones, zeros, A, db)
		return
	}
	kernels.NormBackCols32(dx, gy, x, gav, mv, bv, cv, A, db)
}

// sumPartials adds the parts' parameter gradients into dgamma and dbeta
// (rows layout), in part order.
func (j *normJob) sumPartials() {
	n := j.s.nparam
	for q := range n {
		var sg, sb float64
		for p := range j.parts {
			sg += j.partial[2*p*n+q]
			sb += j.partial[(2*p+1)*n+q]
		}
		j.dgamma[q], j.dbeta[q] = float32(sg), float32(sb)
	}
}
