//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"

// The Unary32 loops, one per op: 16 lanes at a time under the tail mask
// K3 (masked-off lanes are neither read nor written). The op picks the
// loop once, before it starts.

// func unary32AVX512(op UnaryOp, dst, src *float32, n int)
TEXT ·unary32AVX512(SB), NOSPLIT, $0-32
	MOVQ op+0(FP), R9
	MOVQ dst+8(FP), DI
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), R8
	MOVL $0x80000000, BX
	VPBROADCASTD BX, Z30 // the sign bit
	MOVL $0x3f800000, BX
	VPBROADCASTD BX, Z31 // 1.0
	XORQ AX, AX
	CMPQ R9, $0
	JEQ  neg_loop
	CMPQ R9, $1
	JEQ  abs_loop
	CMPQ R9, $2
	JEQ  sqrt_loop
	CMPQ R9, $3
	JEQ  rsqrt_loop
	JMP  done

neg_loop:
	tailMask(done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VPXORD Z30, Z0, Z0
	VMOVUPS Z0, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  neg_loop

abs_loop:
	tailMask(done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VPANDND Z0, Z30, Z0
	VMOVUPS Z0, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  abs_loop

sqrt_loop:
	tailMask(done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VSQRTPS Z0, Z0
	VMOVUPS Z0, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  sqrt_loop

rsqrt_loop:
	tailMask(done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VSQRTPS Z0, Z0
	VDIVPS Z0, Z31, Z0
	VMOVUPS Z0, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  rsqrt_loop

done:
	VZEROUPPER
	RET

// func clip32AVX512(dst, src *float32, n int, lo, hi float32)
//
// VMAXPS and VMINPS return their second source when the values compare
// equal or either is NaN: with x second, NaN passes through, and where x
// equals the bound (zeros of either sign) the bits are x AND the bound
// for the maximum (+0 unless both are -0) and x OR the bound for the
// minimum, as Go's builtins give.
TEXT ·clip32AVX512(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), R8
	VBROADCASTSS lo+24(FP), Z30
	VBROADCASTSS hi+28(FP), Z31
	XORQ         AX, AX

clip_loop:
	tailMask(clip_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VMAXPS    Z0, Z30, Z1         // max(lo, x): x when NaN or equal
	VCMPPS    $0, Z30, Z0, K1     // x == lo
	VPANDD    Z30, Z0, K1, Z1
	VMINPS    Z1, Z31, Z2         // min(hi, y)
	VCMPPS    $0, Z31, Z1, K1     // y == hi
	VPORD     Z31, Z1, K1, Z2
	VMOVUPS   Z2, K3, (DI)(AX*4)
	ADDQ      $16, AX
	JMP       clip_loop

clip_done:
	VZEROUPPER
	RET
