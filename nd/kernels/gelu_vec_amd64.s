//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"
#include "exp_amd64.h"

// The Gelu32 loop: Geluf's float32 operations in the same order (no
// fused multiply-add), four blocks of 16 lanes per iteration while 64
// elements are left, then one at a time under the tail mask K3. A block
// is one long dependent chain (the erfc polynomial, a division, the
// exponentials), so that one block per iteration left the core waiting
// on latency: with four independent chains in flight GeluGrad32 takes a
// quarter less time, Gelu32 a third (more blocks gain nothing on Zen 5).
// Their values take most registers: of the constants only the sign mask
// (Z30) and part of actConsts (Z16-Z19, Z25 = ½, Z26 = 1) stay in
// registers; the rest are memory operands broadcast from geluConsts.

// geluConsts: 16, the mask of xh's top 12 bits, 0.5, √2/2, then the
// erfc polynomial's coefficients, highest degree first (geluErfcP), then
// 1/√(2π), then the exponential's limits and +Inf (actConsts' Z27-Z29),
// 0, and the exponential's polynomial (actConsts' Z20-Z24).
DATA geluConsts<>+0(SB)/4, $0x41800000
DATA geluConsts<>+4(SB)/4, $0xfffff000
DATA geluConsts<>+8(SB)/4, $0x3f000000
DATA geluConsts<>+12(SB)/4, $0x3f3504f3
DATA geluConsts<>+16(SB)/4, $0xbdfc9e9b
DATA geluConsts<>+20(SB)/4, $0x3ec3a2da
DATA geluConsts<>+24(SB)/4, $0xbeab2c00
DATA geluConsts<>+28(SB)/4, $0x3d168103
DATA geluConsts<>+32(SB)/4, $0xbd996933
DATA geluConsts<>+36(SB)/4, $0x3d5677c2
DATA geluConsts<>+40(SB)/4, $0x3e473249
DATA geluConsts<>+44(SB)/4, $0x3e252bc4
DATA geluConsts<>+48(SB)/4, $0xbe9b414a
DATA geluConsts<>+52(SB)/4, $0xbfa0dd75
DATA geluConsts<>+56(SB)/4, $0x3ecc422a
DATA geluConsts<>+60(SB)/4, $0x42b17218
DATA geluConsts<>+64(SB)/4, $0xc2cff1b4
DATA geluConsts<>+68(SB)/4, $0x7f800000
DATA geluConsts<>+72(SB)/4, $0x00000000
DATA geluConsts<>+76(SB)/4, $0x39506967
DATA geluConsts<>+80(SB)/4, $0x3ab743ce
DATA geluConsts<>+84(SB)/4, $0x3c088908
DATA geluConsts<>+88(SB)/4, $0x3d2aa9c1
DATA geluConsts<>+92(SB)/4, $0x3e2aaaaa
GLOBL geluConsts<>(SB), RODATA|NOPTR, $96

// expLanesM is expLanesR (exp_amd64.h) with its polynomial, limits and
// +Inf taken from memory: the same operations, the same bits, in half
// the registers.
#define expLanesM(X, Y, A, B, C, D, KA, KB) \
	VMULPS Z16, X, A \
	VADDPS Z17, A, A \
	VSUBPS Z17, A, A \
	VMULPS Z18, A, B \
	VSUBPS B, X, B \
	VMULPS Z19, A, C \
	VSUBPS C, B, B \
	VMULPS B, B, C \
	VMULPS.BCST geluConsts<>+76(SB), B, D \
	VADDPS.BCST geluConsts<>+80(SB), D, D \
	VMULPS B, D, D \
	VADDPS.BCST geluConsts<>+84(SB), D, D \
	VMULPS B, D, D \
	VADDPS.BCST geluConsts<>+88(SB), D, D \
	VMULPS B, D, D \
	VADDPS.BCST geluConsts<>+92(SB), D, D \
	VMULPS B, D, D \
	VADDPS Z25, D, D \
	VMULPS C, D, D \
	VADDPS B, D, D \
	VADDPS Z26, D, D \
	VSCALEFPS A, D, Y \
	VCMPPS.BCST $0x1e, geluConsts<>+64(SB), X, KA \
	VMOVAPS.Z Y, KA, Y \
	VCMPPS.BCST $0x1e, geluConsts<>+60(SB), X, KB \
	VBROADCASTSS geluConsts<>+68(SB), KB, Y \
	VCMPPS $3, X, X, KB \
	VMOVAPS X, KB, Y

// geluFront sets geluParts of the block X: t in T, p-d in PD, a in A and
// d in D, with R1-R4 as scratch. P(u) goes by Estrin's scheme, as
// geluParts does: its dependent chain is a third of Horner's.
#define geluFront(X, T, PD, A, D, R1, R2, R3, R4) \
	VPANDND     X, Z30, R1 \
	VMINPS.BCST geluConsts<>+0(SB), R1, R1 \
	VPANDD.BCST geluConsts<>+4(SB), R1, R2 \
	VMULPS      R2, R2, A \
	VMULPS      Z25, A, A \
	VPXORD      Z30, A, A \
	VSUBPS      R2, R1, D \
	VADDPS      R2, R1, R3 \
	VMULPS      R3, D, D \
	VMULPS      Z25, D, D \
	VMULPS.BCST geluConsts<>+12(SB), R1, R2 \
	VMULPS      Z25, R2, R2 \
	VADDPS      Z26, R2, T \
	VDIVPS      T, Z26, T \
	VMULPS      T, R2, R2 \
	VMULPS      R2, R2, R1 \
	VMULPS.BCST geluConsts<>+48(SB), R2, PD \
	VADDPS.BCST geluConsts<>+52(SB), PD, PD \
	VMULPS.BCST geluConsts<>+40(SB), R2, R3 \
	VADDPS.BCST geluConsts<>+44(SB), R3, R3 \
	VMULPS      R1, R3, R3 \
	VADDPS      R3, PD, PD \
	VMULPS.BCST geluConsts<>+32(SB), R2, R3 \
	VADDPS.BCST geluConsts<>+36(SB), R3, R3 \
	VMULPS.BCST geluConsts<>+24(SB), R2, R4 \
	VADDPS.BCST geluConsts<>+28(SB), R4, R4 \
	VMULPS      R1, R4, R4 \
	VADDPS      R4, R3, R3 \
	VMULPS      R1, R1, R1 \
	VMULPS      R1, R3, R3 \
	VADDPS      R3, PD, PD \
	VMULPS.BCST geluConsts<>+16(SB), R2, R3 \
	VADDPS.BCST geluConsts<>+20(SB), R3, R3 \
	VMULPS      R1, R1, R1 \
	VMULPS      R1, R3, R3 \
	VADDPS      R3, PD, PD \
	VMULPS      R2, PD, PD \
	VSUBPS      D, PD, PD

// geluFrontA is geluFront with Z20-Z24 as D and scratch: Gelu32's (which
// drops d).
#define geluFrontA(X, T, PD, A) geluFront(X, T, PD, A, Z20, Z21, Z22, Z23, Z24)

// geluExps sets T to e2 = t·exp(p-d) and PD to e1 = exp(a), with Z20-Z24
// as scratch.
#define geluExps(T, PD, A) \
	expLanesM(PD, Z20, Z21, Z22, Z23, Z24, K1, K2) \
	VMULPS Z20, T, T \
	expLanesM(A, PD, Z21, Z22, Z23, Z24, K1, K2)

// geluBack finishes Gelu32's block X from e2 in E2 and e1 in E1 into
// E2, with R and K4 as scratch: x·(1 - e2·e1·½) for x >= 0, x·e2·½·e1
// below, NaN itself.
#define geluBack(X, E2, E1, R) \
	VMULPS      E1, E2, R \
	VMULPS      Z25, R, R \
	VSUBPS      R, Z26, R \
	VMULPS      R, X, R \
	VMULPS      E2, X, E2 \
	VMULPS      Z25, E2, E2 \
	VMULPS      E1, E2, E2 \
	VCMPPS.BCST $0x1d, geluConsts<>+72(SB), X, K4 \
	VMOVAPS     R, K4, E2 \
	VCMPPS      $3, X, X, K4 \
	VMOVAPS     X, K4, E2

// gelu finishes the block in X (T, PD, A as scratch) into T.
#define gelu(X, T, PD, A) \
	geluFrontA(X, T, PD, A) \
	geluExps(T, PD, A) \
	geluBack(X, T, PD, A)

// func gelu32AVX512(dst, src *float32, n int)
TEXT ·gelu32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	actConsts
	XORQ AX, AX

gelu_blocks: // x in Z0, Z4, Z8, Z12; each block's values in the next three
	MOVQ    R8, CX
	SUBQ    AX, CX
	CMPQ    CX, $64
	JLT     gelu_loop
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z4
	VMOVUPS 128(SI)(AX*4), Z8
	VMOVUPS 192(SI)(AX*4), Z12
	geluFrontA(Z0, Z1, Z2, Z3)
	geluFrontA(Z4, Z5, Z6, Z7)
	geluFrontA(Z8, Z9, Z10, Z11)
	geluFrontA(Z12, Z13, Z14, Z15)
	geluExps(Z1, Z2, Z3)
	geluExps(Z5, Z6, Z7)
	geluExps(Z9, Z10, Z11)
	geluExps(Z13, Z14, Z15)
	geluBack(Z0, Z1, Z2, Z3)
	geluBack(Z4, Z5, Z6, Z7)
	geluBack(Z8, Z9, Z10, Z11)
	geluBack(Z12, Z13, Z14, Z15)
	VMOVUPS Z1, (DI)(AX*4)
	VMOVUPS Z5, 64(DI)(AX*4)
	VMOVUPS Z9, 128(DI)(AX*4)
	VMOVUPS Z13, 192(DI)(AX*4)
	ADDQ    $64, AX
	JMP     gelu_blocks

gelu_loop:
	tailMask(gelu_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	gelu(Z0, Z1, Z2, Z3)
	VMOVUPS   Z1, K3, (DI)(AX*4)
	ADDQ      $16, AX
	JMP       gelu_loop

gelu_done:
	VZEROUPPER
	RET

// geluGradFront is geluFront with Z24, Z27-Z29 as scratch, and -d in D.
#define geluGradFront(X, T, PD, A, D) \
	geluFront(X, T, PD, A, D, Z24, Z27, Z28, Z29) \
	VPXORD Z30, D, D

// geluGradExps sets T to e2 = t·exp(p-d), PD to e1 = exp(a) and A to
// exp(-d), with Z24, Z27-Z29 and Z31 as scratch.
#define geluGradExps(T, PD, A, D) \
	expLanesM(PD, Z31, Z24, Z27, Z28, Z29, K1, K2) \
	VMULPS Z31, T, T \
	expLanesM(A, PD, Z24, Z27, Z28, Z29, K1, K2) \
	expLanesM(D, A, Z24, Z27, Z28, Z29, K1, K2)

// geluGradBack finishes GeluGrad32's block X from e2 in E2, e1 in E1 and
// exp(-d) in ED into E2, with R and K4 as scratch: Φ + x·φ with
// φ = e1·exp(-d)/√(2π) and Φ = 1 - e2·e1·½ for x >= 0, e2·½·e1 below,
// NaN itself.
#define geluGradBack(X, E2, E1, ED, R) \
	VMULPS      ED, E1, ED \
	VMULPS.BCST geluConsts<>+56(SB), ED, ED \
	VMULPS      E1, E2, R \
	VMULPS      Z25, R, R \
	VSUBPS      R, Z26, R \
	VMULPS      Z25, E2, E2 \
	VMULPS      E1, E2, E2 \
	VCMPPS.BCST $0x1d, geluConsts<>+72(SB), X, K4 \
	VMOVAPS     R, K4, E2 \
	VMULPS      ED, X, ED \
	VADDPS      ED, E2, E2 \
	VCMPPS      $3, X, X, K4 \
	VMOVAPS     X, K4, E2

// geluGrad finishes the block in X (T, PD, A, D as scratch) into T.
#define geluGrad(X, T, PD, A, D) \
	geluGradFront(X, T, PD, A, D) \
	geluGradExps(T, PD, A, D) \
	geluGradBack(X, T, PD, A, D)

// func geluGrad32AVX512(dst, src *float32, n int)
TEXT ·geluGrad32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	actConsts
	XORQ AX, AX

grad_blocks: // x in Z0, Z5, Z10, Z15; each block's values in the next four
	MOVQ    R8, CX
	SUBQ    AX, CX
	CMPQ    CX, $64
	JLT     grad_loop
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z5
	VMOVUPS 128(SI)(AX*4), Z10
	VMOVUPS 192(SI)(AX*4), Z15
	geluGradFront(Z0, Z1, Z2, Z3, Z4)
	geluGradFront(Z5, Z6, Z7, Z8, Z9)
	geluGradFront(Z10, Z11, Z12, Z13, Z14)
	geluGradFront(Z15, Z20, Z21, Z22, Z23)
	geluGradExps(Z1, Z2, Z3, Z4)
	geluGradExps(Z6, Z7, Z8, Z9)
	geluGradExps(Z11, Z12, Z13, Z14)
	geluGradExps(Z20, Z21, Z22, Z23)
	geluGradBack(Z0, Z1, Z2, Z3, Z4)
	geluGradBack(Z5, Z6, Z7, Z8, Z9)
	geluGradBack(Z10, Z11, Z12, Z13, Z14)
	geluGradBack(Z15, Z20, Z21, Z22, Z23)
	VMOVUPS Z1, (DI)(AX*4)
	VMOVUPS Z6, 64(DI)(AX*4)
	VMOVUPS Z11, 128(DI)(AX*4)
	VMOVUPS Z20, 192(DI)(AX*4)
	ADDQ    $64, AX
	JMP     grad_blocks

grad_loop:
	tailMask(grad_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	geluGrad(Z0, Z1, Z2, Z3, Z4)
	VMOVUPS   Z1, K3, (DI)(AX*4)
	ADDQ      $16, AX
	JMP       grad_loop

grad_done:
	VZEROUPPER
	RET
