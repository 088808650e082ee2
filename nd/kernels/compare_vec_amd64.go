//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// The AVX-512 loops of compare_vec_amd64.s. The VV forms set o[i] =
// a[i] op b[i], the VS forms o[i] = a[i] op s, as 1 or 0, for i < n
// (n > 0).

//go:noescape
func eqVV32(o, a, b *float32, n int)

//go:noescape
func neVV32(o, a, b *float32, n int)

//go:noescape
func gtVV32(o, a, b *float32, n int)

//go:noescape
func geVV32(o, a, b *float32, n int)

//go:noescape
func ltVV32(o, a, b *float32, n int)

//go:noescape
func leVV32(o, a, b *float32, n int)

//go:noescape
func eqVS32(o, a *float32, n int, s float32)

//go:noescape
func neVS32(o, a *float32, n int, s float32)

//go:noescape
func gtVS32(o, a *float32, n int, s float32)

//go:noescape
func geVS32(o, a *float32, n int, s float32)

//go:noescape
func ltVS32(o, a *float32, n int, s float32)

//go:noescape
func leVS32(o, a *float32, n int, s float32)

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	compareVec32Fast = compareVec32AVX512
	compareScalar32Fast = compareScalar32AVX512
}

// compareVec32AVX512 runs op's loop; the caller has checked op, that o
// is not empty and that a and b are as long.
func compareVec32AVX512(op CmpOp, o, a, b []float32) {
	n := len(o)
	_, _ = a[n-1], b[n-1]
	po, pa, pb := &o[0], &a[0], &b[0]
	switch op {
	case CmpEq:
		eqVV32(po, pa, pb, n)
	case CmpNe:
		neVV32(po, pa, pb, n)
	case CmpGt:
		gtVV32(po, pa, pb, n)
	case CmpGe:
		geVV32(po, pa, pb, n)
	case CmpLt:
		ltVV32(po, pa, pb, n)
	case CmpLe:
		leVV32(po, pa, pb, n)
	}
}

// compareScalar32AVX512 sets o = a op s; the caller has checked op, that
// o is not empty and that a is as long.
func compareScalar32AVX512(op CmpOp, o, a []float32, s float32) {
	n := len(o)
	_ = a[n-1]
	po, pa := &o[0], &a[0]
	switch op {
	case CmpEq:
		eqVS32(po, pa, n, s)
	case CmpNe:
		neVS32(po, pa, n, s)
	case CmpGt:
		gtVS32(po, pa, n, s)
	case CmpGe:
		geVS32(po, pa, n, s)
	case CmpLt:
		ltVS32(po, pa, n, s)
	case CmpLe:
		leVS32(po, pa, n, s)
	}
}
