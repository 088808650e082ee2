package nd

import "github.com/mxgo/mxgo/nd/kernels"

// Direct float32/float64 loops for the common binary ops: same shapes,
// one side a single value, and row broadcasting (a bias over a batch). The
// generic binaryApply calls a function value per element; these loops
// compute exactly the same values.

// binaryDirect computes o = a op b for kind (kindLeft is the op with a as
// the scalar) and reports whether it had a loop for the shapes.
func binaryDirect[T nnFloat](kind, kindLeft scalarKind, o, a, b []T, os, as, bs Shape) bool {
	if kind == scalarGeneric || kindLeft == scalarGeneric {
		return false
	}
	// Arrays too small to split run their loop directly: building the
	// parallel body would cost a closure allocation per op.
	small := len(o) < 2*scalarGrain
	switch {
	case as.Equal(bs) && small:
		binaryLoop(kind, o, a[:len(o)], b[:len(o)])
	case as.Equal(bs):
		a, b = a[:len(o)], b[:len(o)]
		kernels.ParallelFor(len(o), scalarGrain, func(lo, hi int) { binaryLoop(kind, o[lo:hi], a[lo:hi], b[lo:hi]) })
	case len(b) == 1 && len(a) == len(o) && small:
		scalarLoop(kind, o, a, b[0])
	case len(b) == 1 && len(a) == len(o):
		s := b[0]
		kernels.ParallelFor(len(o), scalarGrain, func(lo, hi int) { scalarLoop(kind, o[lo:hi], a[lo:hi], s) })
	case len(a) == 1 && len(b) == len(o) && small:
		scalarLoop(kindLeft, o, b, a[0])
	case len(a) == 1 && len(b) == len(o):
		s := a[0]
		kernels.ParallelFor(len(o), scalarGrain, func(lo, hi int) { scalarLoop(kindLeft, o[lo:hi], b[lo:hi], s) })
	default:
		binaryRows(kind, kindLeft, o, a, b, os, as, bs)
	}
	return true
}

// binaryRows walks the broadcast output row by row (the last dimension),
// running a direct loop on each.
func binaryRows[T nnFloat](kind, kindLeft scalarKind, o, a, b []T, os, as, bs Shape) {
	sa, sb := bcastStrides(as, os), bcastStrides(bs, os)
	pos := 0
	forEachRow(os, [][]int{sa, sb}, func(offs []int, n int, steps []int) {
		ai, bi := offs[0], offs[1]
		dst := o[pos : pos+n]
		pos += n
		switch {
		case steps[0] != 0 && steps[1] != 0:
			binaryLoop(kind, dst, a[ai:ai+n], b[bi:bi+n])
		case steps[0] != 0:
			scalarLoop(kind, dst, a[ai:ai+n], b[bi])
		case steps[1] != 0:
			scalarLoop(kindLeft, dst, b[bi:bi+n], a[ai])
		default:
			scalarLoop(kind, dst[:1], a[ai:ai+1], b[bi])
			for j := 1; j < n; j++ {
				dst[j] = dst[0]
			}
		}
	})
}

// binaryLoop computes o = a op b elementwise; comparisons give 1 or 0.
func binaryLoop[T nnFloat](kind scalarKind, o, a, b []T) {
	a, b = a[:len(o)], b[:len(o)]
	switch kind {
	case scalarPlus:
		for i := range o {
			o[i] = a[i] + b[i]
		}
	case scalarMinus:
		for i := range o {
			o[i] = a[i] - b[i]
		}
	case scalarRminus:
		for i := range o {
			o[i] = b[i] - a[i]
		}
	case scalarMul:
		for i := range o {
			o[i] = a[i] * b[i]
		}
	case scalarDiv:
		for i := range o {
			o[i] = a[i] / b[i]
		}
	case scalarRdiv:
		for i := range o {
			o[i] = b[i] / a[i]
		}
	case scalarMaximum:
		for i := range o {
			o[i] = max(a[i], b[i])
		}
	case scalarMinimum:
		for i := range o {
			o[i] = min(a[i], b[i])
		}
	case scalarEqual:
		for i := range o {
			o[i] = T(scalarB2I(a[i] == b[i]))
		}
	case scalarNotEqual:
		for i := range o {
			o[i] = T(scalarB2I(a[i] != b[i]))
		}
	case scalarGreater:
		for i := range o {
			o[i] = T(scalarB2I(a[i] > b[i]))
		}
	case scalarGreaterEqual:
		for i := range o {
			o[i] = T(scalarB2I(a[i] >= b[i]))
		}
	case scalarLesser:
		for i := range o {
			o[i] = T(scalarB2I(a[i] < b[i]))
		}
	case scalarLesserEqual:
		for i := range o {
			o[i] = T(scalarB2I(a[i] <= b[i]))
		}
	default:
		panicf("", "binaryLoop: no loop for kind %d", kind)
	}
}
