package nd

import (
	"math"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Direct loops for 1-D and 2-D max, avg and sum pooling (any kernel,
// stride, pad and convention), with an unrolled path for the common 2×2
// stride-2 window that tiles the input. They work on plain slices, with no
// call per window; poolForwardGeneric and poolBackwardGeneric are the
// reference they are tested against. Max pooling keeps the generic rule
// for ties and NaN: the first maximum in row-major window order wins, and
// a NaN replaces the running maximum.

// pool2DSpan is one output position's window along one dimension: the
// clipped input range [lo, hi) and the factor it adds to avg's divisor.
type pool2DSpan struct{ lo, hi, count int }

// pool2DSpans lists the windows of out positions along a dimension of
// length n with kernel k, stride s and pad p (as poolGeom.window does),
// in dst's memory when it is large enough.
func pool2DSpans(dst []pool2DSpan, out, n, k, s, p int, includePad bool) []pool2DSpan {
	if cap(dst) < out {
		dst = make([]pool2DSpan, out)
	}
	spans := dst[:out]
	for o := range spans {
		start := o*s - p
		end := min(start+k, n+p)
		lo, hi := max(start, 0), min(end, n)
		count := end - start
		if !includePad {
			count = max(hi-lo, 0)
		}
		spans[o] = pool2DSpan{lo, hi, count}
	}
	return spans
}

// pool2DTiled reports whether the windows are disjoint full 2×2 blocks at
// stride 2 inside the plane, so each one is four loads.
func (g *poolGeom) pool2DTiled() bool {
	return g.k[1] == 2 && g.k[2] == 2 && g.s[1] == 2 && g.s[2] == 2 && g.p[1] == 0 && g.p[2] == 0 &&
		2*g.out[1] <= g.in[1] && 2*g.out[2] <= g.in[2]
}

// poolArgmax4 is the position (0-3) of the maximum of a window read in
// the order a, b, c, d, under the generic rule (first maximum; the last
// NaN if there is one). It serves only windows holding a NaN: the tiled
// loop handles the others without branches.
func poolArgmax4(a, b, c, d float64) int {
	i := 0
	for j, v := range [4]float64{a, b, c, d} {
		if v != v {
			i = j
		}
	}
	return i
}

// poolMaskMaxTiled64 scatters dy to the argmax of each tiled 2×2 window
// of one float64 row pair: d0/d1 are the two dx rows, r0/r1 the x rows
// and yr the forward's output row (each window's maximum, so it need not
// be found again). The gradient goes to the first position equal to the
// maximum: a tie of -0 and +0 compares equal, as under the generic rule.
// A NaN maximum takes poolArgmax4. Comparisons on random data mispredict
// as branches, so they become bit masks. Float32 planes run
// kernels.MaxPool2x2GradPlane32, the same rule (vectorized with AVX-512).
func poolMaskMaxTiled64(gr, yr, r0, r1, d0, d1 []float64) {
	n := len(gr)
	yr, r0, r1, d0, d1 = yr[:n], r0[:2*n], r1[:2*n], d0[:2*n], d1[:2*n]
	for ow, gv := range gr {
		m := yr[ow]
		if m != m {
			var w [4]float64
			w[poolArgmax4(r0[2*ow], r0[2*ow+1], r1[2*ow], r1[2*ow+1])] = gv
			d0[2*ow], d0[2*ow+1], d1[2*ow], d1[2*ow+1] = w[0], w[1], w[2], w[3]
			continue
		}
		// rest is the gradient not yet taken by an earlier position.
		rest := math.Float64bits(gv)
		k := -poolBit64(r0[2*ow] == m)
		d0[2*ow] = math.Float64frombits(rest & k)
		rest &^= k
		k = -poolBit64(r0[2*ow+1] == m)
		d0[2*ow+1] = math.Float64frombits(rest & k)
		rest &^= k
		k = -poolBit64(r1[2*ow] == m)
		d1[2*ow] = math.Float64frombits(rest & k)
		d1[2*ow+1] = math.Float64frombits(rest &^ k)
	}
}

func poolBit64(b bool) uint64 {
	var x uint64
	if b {
		x = 1
	}
	return x
}

// pool2DTask is a 2-D pooling (forward or backward) split over planes; see
// kernel_task.go. It keeps its window lists for the next call.
type pool2DTask[T nnFloat] struct {
	x, y, dy, dx     []T
	g                poolGeom
	tiled, separable bool
	hs, ws           []pool2DSpan
	body             func(p0, p1 int)
}

var pool2DForwardTasks, pool2DBackwardTasks kernelTasks

func newPool2DForwardTask[T nnFloat]() *pool2DTask[T] {
	t := new(pool2DTask[T])
	t.body = t.forward
	return t
}

func newPool2DBackwardTask[T nnFloat]() *pool2DTask[T] {
	t := new(pool2DTask[T])
	t.body = t.backward
	return t
}

// setup fills in the geometry and, unless the windows tile the plane, the
// window lists.
func (t *pool2DTask[T]) setup(g *poolGeom) {
	t.g = *g
	t.tiled = g.pool2DTiled()
	t.hs, t.ws = t.hs[:0], t.ws[:0]
	if !t.tiled {
		t.hs = pool2DSpans(t.hs, g.out[1], g.in[1], g.k[1], g.s[1], g.p[1], g.includePad)
		t.ws = pool2DSpans(t.ws, g.out[2], g.in[2], g.k[2], g.s[2], g.p[2], g.includePad)
	}
}

// release drops the arrays t points into and returns it to its pool.
func (t *pool2DTask[T]) release(p *kernelTasks) {
	t.x, t.y, t.dy, t.dx = nil, nil, nil, nil
	putKernelTask[T](p, t)
}

func pool2DForward[T nnFloat](x, y []T, g *poolGeom) {
	t := getKernelTask[T](&pool2DForwardTasks, newPool2DForwardTask[T])
	t.setup(g)
	t.x, t.y = x, y
	t.separable = !t.tiled && g.mode == poolMax && pool2DSpansNonEmpty(t.hs) && pool2DSpansNonEmpty(t.ws)
	kernels.ParallelFor(g.planes, g.poolGrain(), t.body)
	t.release(&pool2DForwardTasks)
}

// forward pools planes [p0, p1).
func (t *pool2DTask[T]) forward(p0, p1 int) {
	g := &t.g
	W, OH, OW := g.in[2], g.out[1], g.out[2]
	var rowBuf *[]T
	if t.separable {
		rowBuf = nnGetBuf[T](W)
		defer nnPutBuf(rowBuf)
	}
	for pl := p0; pl < p1; pl++ {
		xp, yp := t.x[pl*g.inSz:(pl+1)*g.inSz], t.y[pl*g.outSz:(pl+1)*g.outSz]
		switch {
		case t.tiled:
			pool2DForwardTiled(xp, yp, W, OH, OW, g.mode)
		case t.separable:
			pool2DMaxSeparable(xp, yp, (*rowBuf)[:W], W, t.hs, t.ws)
		default:
			pool2DForwardPlane(xp, yp, W, t.hs, t.ws, g.mode)
		}
	}
}

// pool2DSpansNonEmpty reports whether every window holds an input.
func pool2DSpansNonEmpty(spans []pool2DSpan) bool {
	for _, s := range spans {
		if s.hi <= s.lo {
			return false
		}
	}
	return true
}

// pool2DMaxSeparable is max pooling as a column max over each window's
// rows into row (length W) followed by a max along it: branch-free, where
// the per-element comparisons of pool2DForwardPlane mispredict on real
// data (ResNet's 3×3 stride-2 pad-1 pool). The builtin max propagates NaN
// like the generic rule and differs only in which zero a tie of -0 and +0
// keeps. Every window must be non-empty.
func pool2DMaxSeparable[T nnFloat](xp, yp, row []T, W int, hs, ws []pool2DSpan) {
	row32, vec := any(row).([]float32)
	// [a, b): the run of full 3-wide windows at stride 2 (all but the
	// padded edges of ResNet's 3×3/2 pooling), vectorized for float32.
	a, b := 0, 0
	if vec {
		a, b = pool2DWindow3Stride2Run(ws)
	}
	for oh, sh := range hs {
		copy(row, xp[sh.lo*W:(sh.lo+1)*W])
		for h := sh.lo + 1; h < sh.hi; h++ {
			src := xp[h*W : (h+1)*W]
			if vec {
				kernels.MaxTo32(row32[:W], any(src).([]float32))
				continue
			}
			for w, v := range src {
				row[w] = max(row[w], v)
			}
		}
		yr := yp[oh*len(ws) : (oh+1)*len(ws)]
		if b > a {
			kernels.MaxWindow3Stride2(any(yr[a:b]).([]float32), row32[ws[a].lo:W])
		}
		for ow, sw := range ws {
			if ow >= a && ow < b {
				continue // done above
			}
			m := row[sw.lo]
			for _, v := range row[sw.lo+1 : sw.hi] {
				m = max(m, v)
			}
			yr[ow] = m
		}
	}
}

// pool2DWindow3Stride2Run returns the longest run [a, b) of windows in ws
// that are 3 wide and start 2 apart.
func pool2DWindow3Stride2Run(ws []pool2DSpan) (a, b int) {
	for i := 0; i < len(ws); {
		j := i
		for j < len(ws) && ws[j].hi-ws[j].lo == 3 && (j == i || ws[j].lo == ws[j-1].lo+2) {
			j++
		}
		if j-i > b-a {
			a, b = i, j
		}
		i = max(j, i+1)
	}
	return a, b
}

func pool2DForwardTiled[T nnFloat](xp, yp []T, W, OH, OW int, mode poolMode) {
	if x32, ok := any(xp).([]float32); ok && mode == poolMax {
		kernels.MaxPool2x2Plane32(any(yp).([]float32), x32, W, OH, OW)
		return
	}
	for oh := range OH {
		r0 := xp[2*oh*W : 2*oh*W+2*OW]
		r1 := xp[(2*oh+1)*W : (2*oh+1)*W+2*OW]
		yr := yp[oh*OW : (oh+1)*OW]
		if mode == poolMax {
			for ow := range yr {
				// The builtin max differs from the generic rule only in
				// which zero a tie of -0 and +0 keeps.
				yr[ow] = max(max(r0[2*ow], r0[2*ow+1]), max(r1[2*ow], r1[2*ow+1]))
			}
			continue
		}
		for ow := range yr {
			var acc T
			acc += r0[2*ow]
			acc += r0[2*ow+1]
			acc += r1[2*ow]
			acc += r1[2*ow+1]
			if mode == poolAvg {
				acc /= 4
			}
			yr[ow] = acc
		}
	}
}

func pool2DForwardPlane[T nnFloat](xp, yp []T, W int, hs, ws []pool2DSpan, mode poolMode) {
	for oh, sh := range hs {
		yr := yp[oh*len(ws) : (oh+1)*len(ws)]
		for ow, sw := range ws {
			if mode == poolMax {
				best, found := T(0), false
				for h := sh.lo; h < sh.hi; h++ {
					for _, v := range xp[h*W+sw.lo : h*W+max(sw.hi, sw.lo)] {
						if !found || v > best || v != v {
							best, found = v, true
						}
					}
				}
				yr[ow] = best
				continue
			}
			var acc T
			for h := sh.lo; h < sh.hi; h++ {
				for _, v := range xp[h*W+sw.lo : h*W+max(sw.hi, sw.lo)] {
					acc += v
				}
			}
			if count := sh.count * sw.count; mode == poolAvg && count > 0 {
				acc /= T(count)
			}
			yr[ow] = acc
		}
	}
}

// pool2DBackward computes dx from dy; y is the forward's output, read by
// max pooling's 2×2 tiled path.
func pool2DBackward[T nnFloat](dy, x, y, dx []T, g *poolGeom) {
	t := getKernelTask[T](&pool2DBackwardTasks, newPool2DBackwardTask[T])
	t.setup(g)
	t.dy, t.x, t.y, t.dx = dy, x, y, dx
	kernels.ParallelFor(g.planes, g.poolGrain(), t.body)
	t.release(&pool2DBackwardTasks)
}

// backward computes dx for planes [p0, p1).
func (t *pool2DTask[T]) backward(p0, p1 int) {
	g := &t.g
	W, OH, OW := g.in[2], g.out[1], g.out[2]
	for pl := p0; pl < p1; pl++ {
		xp, dxp := t.x[pl*g.inSz:(pl+1)*g.inSz], t.dx[pl*g.inSz:(pl+1)*g.inSz]
		dyp := t.dy[pl*g.outSz : (pl+1)*g.outSz]
		if t.tiled {
			var yp []T
			if g.mode == poolMax {
				yp = t.y[pl*g.outSz : (pl+1)*g.outSz]
			}
			pool2DBackwardTiled(dyp, yp, xp, dxp, W, OH, OW, g.mode)
		} else {
			pool2DBackwardPlane(dyp, xp, dxp, W, t.hs, t.ws, g.mode)
		}
	}
}

// pool2DBackwardTiled writes every element of dx once: the windows are
// disjoint, so nothing accumulates and only the uncovered edge is cleared.
func pool2DBackwardTiled[T nnFloat](dyp, yp, xp, dxp []T, W, OH, OW int, mode poolMode) {
	if dx32, ok := any(dxp).([]float32); ok && mode == poolMax {
		kernels.MaxPool2x2GradPlane32(dx32, any(dyp).([]float32), any(yp).([]float32), any(xp).([]float32), W, OH, OW)
	} else {
		for oh := range OH {
			r0 := xp[2*oh*W : 2*oh*W+2*OW]
			r1 := xp[(2*oh+1)*W : (2*oh+1)*W+2*OW]
			d0 := dxp[2*oh*W : 2*oh*W+2*OW]
			d1 := dxp[(2*oh+1)*W : (2*oh+1)*W+2*OW]
			gr := dyp[oh*OW : (oh+1)*OW]
			if mode == poolMax { // float64: float32 took the kernel above
				poolMaskMaxTiled64(any(gr).([]float64), any(yp[oh*OW:(oh+1)*OW]).([]float64),
					any(r0).([]float64), any(r1).([]float64), any(d0).([]float64), any(d1).([]float64))
				continue
			}
			for ow, gv := range gr {
				if mode == poolAvg {
					gv /= 4
				}
				d0[2*ow], d0[2*ow+1], d1[2*ow], d1[2*ow+1] = gv, gv, gv, gv
			}
		}
	}
	// The uncovered edge: columns past 2·OW, rows past 2·OH.
	for r := range 2 * OH {
		clear(dxp[r*W+2*OW : (r+1)*W])
	}
	clear(dxp[2*OH*W:])
}

func pool2DBackwardPlane[T nnFloat](dyp, xp, dxp []T, W int, hs, ws []pool2DSpan, mode poolMode) {
	clear(dxp)
	for oh, sh := range hs {
		gr := dyp[oh*len(ws) : (oh+1)*len(ws)]
		for ow, sw := range ws {
			gv := gr[ow]
			if mode == poolMax {
				best, bi := T(0), -1
				for h := sh.lo; h < sh.hi; h++ {
					for w := sw.lo; w < sw.hi; w++ {
						if v := xp[h*W+w]; bi < 0 || v > best || v != v {
							best, bi = v, h*W+w
						}
					}
				}
				if bi >= 0 {
					dxp[bi] += gv
				}
				continue
			}
			if mode == poolAvg {
				count := sh.count * sw.count
				if count == 0 {
					continue
				}
				gv /= T(count)
			}
			for h := sh.lo; h < sh.hi; h++ {
				for w := sw.lo; w < sw.hi; w++ {
					dxp[h*W+w] += gv
				}
			}
		}
	}
}
