//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// The AVX-512 loops of binary_vec_amd64.s. The VV forms set
// o[i] = a[i] op b[i], the VS forms o[i] = a[i] op s, the SV forms
// o[i] = s op a[i], for i < n (n > 0).

//go:noescape
func addVV32(o, a, b *float32, n int)

//go:noescape
func subVV32(o, a, b *float32, n int)

//go:noescape
func mulVV32(o, a, b *float32, n int)

//go:noescape
func divVV32(o, a, b *float32, n int)

//go:noescape
func maxVV32(o, a, b *float32, n int)

//go:noescape
func minVV32(o, a, b *float32, n int)

//go:noescape
func addVS32(o, a *float32, n int, s float32)

//go:noescape
func subVS32(o, a *float32, n int, s float32)

//go:noescape
func mulVS32(o, a *float32, n int, s float32)

//go:noescape
func divVS32(o, a *float32, n int, s float32)

//go:noescape
func maxVS32(o, a *float32, n int, s float32)

//go:noescape
func minVS32(o, a *float32, n int, s float32)

//go:noescape
func subSV32(o, a *float32, n int, s float32)

//go:noescape
func divSV32(o, a *float32, n int, s float32)

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	binaryVec32Fast = binaryVec32AVX512
	binaryScalar32Fast = binaryScalar32AVX512
}

// binaryVec32AVX512 runs op's loop; the caller has checked op, that o is
// not empty and that a and b are as long.
func binaryVec32AVX512(op BinaryOp, o, a, b []float32) {
	n := len(o)
	_, _ = a[n-1], b[n-1]
	po, pa, pb := &o[0], &a[0], &b[0]
	switch op {
	case BinaryAdd:
		addVV32(po, pa, pb, n)
	case BinarySub:
		subVV32(po, pa, pb, n)
	case BinaryMul:
		mulVV32(po, pa, pb, n)
	case BinaryDiv:
		divVV32(po, pa, pb, n)
	case BinaryMax:
		maxVV32(po, pa, pb, n)
	case BinaryMin:
		minVV32(po, pa, pb, n)
	}
}

// binaryScalar32AVX512 sets o = a op s, or with left o = s op a; the
// caller has checked op, that o is not empty and that a is as long.
func binaryScalar32AVX512(op BinaryOp, o, a []float32, s float32, left bool) {
	n := len(o)
	_ = a[n-1]
	po, pa := &o[0], &a[0]
	switch op {
	case BinaryAdd:
		addVS32(po, pa, n, s)
	case BinarySub:
		if left {
			subSV32(po, pa, n, s)
		} else {
			subVS32(po, pa, n, s)
		}
	case BinaryMul:
		mulVS32(po, pa, n, s)
	case BinaryDiv:
		if left {
			divSV32(po, pa, n, s)
		} else {
			divVS32(po, pa, n, s)
		}
	case BinaryMax:
		maxVS32(po, pa, n, s)
	case BinaryMin:
		minVS32(po, pa, n, s)
	}
}
