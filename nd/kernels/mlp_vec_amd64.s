//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"


// func relu32AVX512(o, x *float32, n int)
TEXT ·relu32AVX512(SB), NOSPLIT, $0-24
	MOVQ o+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), R8
	VPXORD Z31, Z31, Z31
	XORQ AX, AX
	MOVQ R8, DX
	ANDQ $-32, DX
	JEQ  relu_tail

relu_loop:
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z1
	// K = !(x <= 0): x > 0 or NaN keep x; the rest become +0.
	VCMPPS  $6, Z31, Z0, K1
	VCMPPS  $6, Z31, Z1, K2
	VMOVAPS.Z Z0, K1, Z0
	VMOVAPS.Z Z1, K2, Z1
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z1, 64(DI)(AX*4)
	ADDQ $32, AX
	CMPQ AX, DX
	JLT  relu_loop

relu_tail:
	tailMask(relu_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VCMPPS  $6, Z31, Z0, K1
	VMOVAPS.Z Z0, K1, Z0
	VMOVUPS Z0, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  relu_tail

relu_done:
	VZEROUPPER
	RET

// func reluGrad32AVX512(o, grad, x *float32, n int)
TEXT ·reluGrad32AVX512(SB), NOSPLIT, $0-32
	MOVQ o+0(FP), DI
	MOVQ grad+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), R8
	VPXORD Z31, Z31, Z31
	MOVL $0x3f800000, BX
	VPBROADCASTD BX, Z30
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  rgrad_tail

rgrad_loop:
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z1
	// K = x > 0 (ordered): the factor is 1 there and 0 elsewhere.
	VCMPPS  $30, Z31, Z0, K1
	VCMPPS  $30, Z31, Z1, K2
	VMOVAPS.Z Z30, K1, Z2
	VMOVAPS.Z Z30, K2, Z3
	VMULPS  (DX)(AX*4), Z2, Z2
	VMULPS  64(DX)(AX*4), Z3, Z3
	VMOVUPS Z2, (DI)(AX*4)
	VMOVUPS Z3, 64(DI)(AX*4)
	ADDQ $32, AX
	CMPQ AX, R9
	JLT  rgrad_loop

rgrad_tail:
	tailMask(rgrad_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VMOVUPS.Z (DX)(AX*4), K3, Z1
	VCMPPS  $30, Z31, Z0, K1
	VMOVAPS.Z Z30, K1, Z2
	VMULPS  Z1, Z2, Z2
	VMOVUPS Z2, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  rgrad_tail

rgrad_done:
	VZEROUPPER
	RET

// func sgdUpdate32AVX512(o, w, grad *float32, n int, decay, lr, rescale float32)
// o = decay*w - lr*(g*rescale), each product rounded as in Go.
TEXT ·sgdUpdate32AVX512(SB), NOSPLIT, $0-44
	MOVQ o+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ grad+16(FP), DX
	MOVQ n+24(FP), R8
	VBROADCASTSS decay+32(FP), Z29
	VBROADCASTSS lr+36(FP), Z30
	VBROADCASTSS rescale+40(FP), Z31
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  sgd_tail

sgd_loop:
	VMULPS (DX)(AX*4), Z31, Z2
	VMULPS 64(DX)(AX*4), Z31, Z3
	VMULPS (SI)(AX*4), Z29, Z0
	VMULPS 64(SI)(AX*4), Z29, Z1
	VMULPS Z30, Z2, Z2
	VMULPS Z30, Z3, Z3
	VSUBPS Z2, Z0, Z0
	VSUBPS Z3, Z1, Z1
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z1, 64(DI)(AX*4)
	ADDQ $32, AX
	CMPQ AX, R9
	JLT  sgd_loop

sgd_tail:
	tailMask(sgd_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VMOVUPS.Z (DX)(AX*4), K3, Z2
	VMULPS Z31, Z2, Z2
	VMULPS Z29, Z0, Z0
	VMULPS Z30, Z2, Z2
	VSUBPS Z2, Z0, Z0
	VMOVUPS Z0, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  sgd_tail

sgd_done:
	VZEROUPPER
	RET

// func addTo32AVX512(dst, src *float32, n int)
TEXT ·addTo32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  add_tail

add_loop:
	VMOVUPS (DI)(AX*4), Z0
	VMOVUPS 64(DI)(AX*4), Z1
	VADDPS  (SI)(AX*4), Z0, Z0
	VADDPS  64(SI)(AX*4), Z1, Z1
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z1, 64(DI)(AX*4)
	ADDQ $32, AX
	CMPQ AX, R9
	JLT  add_loop

add_tail:
	tailMask(add_done)
	VMOVUPS.Z (DI)(AX*4), K3, Z0
	VMOVUPS.Z (SI)(AX*4), K3, Z1
	VADDPS  Z1, Z0, Z0
	VMOVUPS Z0, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  add_tail

add_done:
	VZEROUPPER
	RET

// goMax sets r = max(a, b) as Go's max does: VMAXPS gives b where either
// is NaN or both are zeros, so equal values take a AND b (+0 if either
// zero is +0) and a NaN a is kept. It uses K1 and K2.
#define goMax(a, b, r) \
	VMAXPS  b, a, r \
	VCMPPS  $0, b, a, K1 \
	VPANDD  b, a, K1, r \
	VCMPPS  $3, a, a, K2 \
	VMOVAPS a, K2, r

// func maxTo32AVX512(dst, src *float32, n int)
TEXT ·maxTo32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  max_tail

max_loop:
	VMOVUPS (DI)(AX*4), Z0
	VMOVUPS 64(DI)(AX*4), Z1
	VMOVUPS (SI)(AX*4), Z2
	VMOVUPS 64(SI)(AX*4), Z3
	goMax(Z0, Z2, Z4)
	goMax(Z1, Z3, Z5)
	VMOVUPS Z4, (DI)(AX*4)
	VMOVUPS Z5, 64(DI)(AX*4)
	ADDQ $32, AX
	CMPQ AX, R9
	JLT  max_loop

max_tail:
	tailMask(max_done)
	VMOVUPS.Z (DI)(AX*4), K3, Z0
	VMOVUPS.Z (SI)(AX*4), K3, Z2
	goMax(Z0, Z2, Z4)
	VMOVUPS Z4, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  max_tail

max_done:
	VZEROUPPER
	RET

// Lane indices of the even and of the odd elements of two registers
// (VPERMI2PS: 0-15 the first, 16-31 the second).
DATA evenLanes<>+0(SB)/4, $0
DATA evenLanes<>+4(SB)/4, $2
DATA evenLanes<>+8(SB)/4, $4
DATA evenLanes<>+12(SB)/4, $6
DATA evenLanes<>+16(SB)/4, $8
DATA evenLanes<>+20(SB)/4, $10
DATA evenLanes<>+24(SB)/4, $12
DATA evenLanes<>+28(SB)/4, $14
DATA evenLanes<>+32(SB)/4, $16
DATA evenLanes<>+36(SB)/4, $18
DATA evenLanes<>+40(SB)/4, $20
DATA evenLanes<>+44(SB)/4, $22
DATA evenLanes<>+48(SB)/4, $24
DATA evenLanes<>+52(SB)/4, $26
DATA evenLanes<>+56(SB)/4, $28
DATA evenLanes<>+60(SB)/4, $30
GLOBL evenLanes<>(SB), RODATA|NOPTR, $64
DATA oddLanes<>+0(SB)/4, $1
DATA oddLanes<>+4(SB)/4, $3
DATA oddLanes<>+8(SB)/4, $5
DATA oddLanes<>+12(SB)/4, $7
DATA oddLanes<>+16(SB)/4, $9
DATA oddLanes<>+20(SB)/4, $11
DATA oddLanes<>+24(SB)/4, $13
DATA oddLanes<>+28(SB)/4, $15
DATA oddLanes<>+32(SB)/4, $17
DATA oddLanes<>+36(SB)/4, $19
DATA oddLanes<>+40(SB)/4, $21
DATA oddLanes<>+44(SB)/4, $23
DATA oddLanes<>+48(SB)/4, $25
DATA oddLanes<>+52(SB)/4, $27
DATA oddLanes<>+56(SB)/4, $29
DATA oddLanes<>+60(SB)/4, $31
GLOBL oddLanes<>(SB), RODATA|NOPTR, $64

// func maxPool2x2Row32AVX512(y, r0, r1 *float32, n int)
// y[i] = max of r0[2i], r0[2i+1], r1[2i], r1[2i+1] for i < n.
TEXT ·maxPool2x2Row32AVX512(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ r0+8(FP), SI
	MOVQ r1+16(FP), DX
	MOVQ n+24(FP), R8
	VMOVUPS evenLanes<>(SB), Z30
	VMOVUPS oddLanes<>(SB), Z31
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-16, R9
	JEQ  mp_tail

mp_loop:
	// AX counts outputs; the inputs are at 2·AX.
	VMOVUPS (SI)(AX*8), Z0
	VMOVUPS 64(SI)(AX*8), Z1
	VMOVUPS (DX)(AX*8), Z2
	VMOVUPS 64(DX)(AX*8), Z3
	goMax(Z0, Z2, Z4)
	goMax(Z1, Z3, Z5)
	VMOVAPS Z30, Z6
	VPERMI2PS Z5, Z4, Z6
	VMOVAPS Z31, Z7
	VPERMI2PS Z5, Z4, Z7
	goMax(Z6, Z7, Z8)
	VMOVUPS Z8, (DI)(AX*4)
	ADDQ $16, AX
	CMPQ AX, R9
	JLT  mp_loop

mp_tail:
	pairTailMask(mp_done)
	VMOVUPS.Z (SI)(AX*8), K6, Z0
	VMOVUPS.Z 64(SI)(AX*8), K7, Z1
	VMOVUPS.Z (DX)(AX*8), K6, Z2
	VMOVUPS.Z 64(DX)(AX*8), K7, Z3
	goMax(Z0, Z2, Z4)
	goMax(Z1, Z3, Z5)
	VMOVAPS Z30, Z6
	VPERMI2PS Z5, Z4, Z6
	VMOVAPS Z31, Z7
	VPERMI2PS Z5, Z4, Z7
	goMax(Z6, Z7, Z8)
	VMOVUPS Z8, K3, (DI)(AX*4)

mp_done:
	VZEROUPPER
	RET

// Lane indices interleaving two registers a and b: a0 b0 a1 b1 ... a7 b7,
// then a8 b8 ... a15 b15.
DATA interLo<>+0(SB)/4, $0
DATA interLo<>+4(SB)/4, $16
DATA interLo<>+8(SB)/4, $1
DATA interLo<>+12(SB)/4, $17
DATA interLo<>+16(SB)/4, $2
DATA interLo<>+20(SB)/4, $18
DATA interLo<>+24(SB)/4, $3
DATA interLo<>+28(SB)/4, $19
DATA interLo<>+32(SB)/4, $4
DATA interLo<>+36(SB)/4, $20
DATA interLo<>+40(SB)/4, $5
DATA interLo<>+44(SB)/4, $21
DATA interLo<>+48(SB)/4, $6
DATA interLo<>+52(SB)/4, $22
DATA interLo<>+56(SB)/4, $7
DATA interLo<>+60(SB)/4, $23
GLOBL interLo<>(SB), RODATA|NOPTR, $64
DATA interHi<>+0(SB)/4, $8
DATA interHi<>+4(SB)/4, $24
DATA interHi<>+8(SB)/4, $9
DATA interHi<>+12(SB)/4, $25
DATA interHi<>+16(SB)/4, $10
DATA interHi<>+20(SB)/4, $26
DATA interHi<>+24(SB)/4, $11
DATA interHi<>+28(SB)/4, $27
DATA interHi<>+32(SB)/4, $12
DATA interHi<>+36(SB)/4, $28
DATA interHi<>+40(SB)/4, $13
DATA interHi<>+44(SB)/4, $29
DATA interHi<>+48(SB)/4, $14
DATA interHi<>+52(SB)/4, $30
DATA interHi<>+56(SB)/4, $15
DATA interHi<>+60(SB)/4, $31
GLOBL interHi<>(SB), RODATA|NOPTR, $64

// maskBody routes the gradients Z9 of 16 windows to the first of their
// four inputs (Z4 Z5: row 0 even and odd, Z6: row 1 even) equal to the
// window maximum Z8 (the last input when none is), leaving +0 elsewhere,
// and interleaves the results into Z10 Z11 (dx row 0) and Z12 Z13 (row 1).
// It ORs the lanes whose maximum is NaN into R10 (the caller redoes those
// rows). It uses K1 K2 K4 K5, Z14-Z17 and BX.
#define maskBody \
	VCMPPS  $0, Z8, Z4, K1 \
	VCMPPS  $0, Z8, Z5, K2 \
	KANDNW  K2, K1, K2 \
	VCMPPS  $0, Z8, Z6, K4 \
	KORW    K1, K2, K5 \
	KANDNW  K4, K5, K4 \
	KORW    K5, K4, K5 \
	KNOTW   K5, K5 \
	VMOVAPS.Z Z9, K1, Z14 \
	VMOVAPS.Z Z9, K2, Z15 \
	VMOVAPS.Z Z9, K4, Z16 \
	VMOVAPS.Z Z9, K5, Z17 \
	VMOVAPS Z28, Z10 \
	VPERMI2PS Z15, Z14, Z10 \
	VMOVAPS Z29, Z11 \
	VPERMI2PS Z15, Z14, Z11 \
	VMOVAPS Z28, Z12 \
	VPERMI2PS Z17, Z16, Z12 \
	VMOVAPS Z29, Z13 \
	VPERMI2PS Z17, Z16, Z13 \
	VCMPPS  $3, Z8, Z8, K1 \
	KMOVW   K1, BX \
	ORL     BX, R10

// deinterleave splits two rows of 32 inputs Z0 Z1 (row 0) and Z2 Z3
// (row 1) into the even and odd lanes of row 0, Z4 Z5, and the even lanes
// of row 1, Z6 (its odd lanes, the last position, are never compared).
#define deinterleave \
	VMOVAPS Z30, Z4 \
	VPERMI2PS Z1, Z0, Z4 \
	VMOVAPS Z31, Z5 \
	VPERMI2PS Z1, Z0, Z5 \
	VMOVAPS Z30, Z6 \
	VPERMI2PS Z3, Z2, Z6

// func maxPool2x2GradRow32AVX512(d0, d1, dy, y, r0, r1 *float32, n int) bool
TEXT ·maxPool2x2GradRow32AVX512(SB), NOSPLIT, $0-57
	MOVQ d0+0(FP), DI
	MOVQ d1+8(FP), R11
	MOVQ dy+16(FP), R12
	MOVQ y+24(FP), R13
	MOVQ r0+32(FP), SI
	MOVQ r1+40(FP), DX
	MOVQ n+48(FP), R8
	VMOVUPS evenLanes<>(SB), Z30
	VMOVUPS oddLanes<>(SB), Z31
	VMOVUPS interLo<>(SB), Z28
	VMOVUPS interHi<>(SB), Z29
	XORQ R10, R10
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-16, R9
	JEQ  mg_tail

mg_loop:
	VMOVUPS (SI)(AX*8), Z0
	VMOVUPS 64(SI)(AX*8), Z1
	VMOVUPS (DX)(AX*8), Z2
	VMOVUPS 64(DX)(AX*8), Z3
	VMOVUPS (R13)(AX*4), Z8
	VMOVUPS (R12)(AX*4), Z9
	deinterleave
	maskBody
	VMOVUPS Z10, (DI)(AX*8)
	VMOVUPS Z11, 64(DI)(AX*8)
	VMOVUPS Z12, (R11)(AX*8)
	VMOVUPS Z13, 64(R11)(AX*8)
	ADDQ $16, AX
	CMPQ AX, R9
	JLT  mg_loop

mg_tail:
	pairTailMask(mg_done)
	VMOVUPS.Z (SI)(AX*8), K6, Z0
	VMOVUPS.Z 64(SI)(AX*8), K7, Z1
	VMOVUPS.Z (DX)(AX*8), K6, Z2
	VMOVUPS.Z 64(DX)(AX*8), K7, Z3
	VMOVUPS.Z (R13)(AX*4), K3, Z8
	VMOVUPS.Z (R12)(AX*4), K3, Z9
	deinterleave
	maskBody
	VMOVUPS Z10, K6, (DI)(AX*8)
	VMOVUPS Z11, K7, 64(DI)(AX*8)
	VMOVUPS Z12, K6, (R11)(AX*8)
	VMOVUPS Z13, K7, 64(R11)(AX*8)

mg_done:
	TESTL R10, R10
	SETNE ret+56(FP)
	VZEROUPPER
	RET

// func maxWindow3Stride2AVX512(y, row *float32, n int)
// y[i] = max(max(row[2i], row[2i+1]), row[2i+2]) for i < n, n a multiple
// of 16; reads row[:2n+2].
TEXT ·maxWindow3Stride2AVX512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ row+8(FP), SI
	MOVQ n+16(FP), R8
	VMOVUPS evenLanes<>(SB), Z30
	VMOVUPS oddLanes<>(SB), Z31
	XORQ AX, AX
	TESTQ R8, R8
	JEQ  mw_done

mw_loop:
	VMOVUPS (SI)(AX*8), Z0
	VMOVUPS 64(SI)(AX*8), Z1
	VMOVUPS 8(SI)(AX*8), Z2
	VMOVUPS 72(SI)(AX*8), Z3
	VMOVAPS Z30, Z4
	VPERMI2PS Z1, Z0, Z4
	VMOVAPS Z31, Z5
	VPERMI2PS Z1, Z0, Z5
	VMOVAPS Z30, Z6
	VPERMI2PS Z3, Z2, Z6
	goMax(Z4, Z5, Z7)
	goMax(Z7, Z6, Z8)
	VMOVUPS Z8, (DI)(AX*4)
	ADDQ $16, AX
	CMPQ AX, R8
	JLT  mw_loop

mw_done:
	VZEROUPPER
	RET
