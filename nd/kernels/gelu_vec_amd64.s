//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"
#include "exp_amd64.h"

// The Gelu32 loop: Geluf's float32 operations in the same order (no
// fused multiply-add), 16 lanes at a time under the tail mask K3. The
// two exponentials are independent chains that the core overlaps.

// geluConsts: 16, the mask of xh's top 12 bits, 0.5, √2/2, then the
// erfc polynomial's coefficients, highest degree first (geluErfcP), then
// 1/√(2π).
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
GLOBL geluConsts<>(SB), RODATA|NOPTR, $60

// geluFront loads the block at SI+4·AX under K3 into Z0 and leaves
// t in Z9, p-d in Z10, a in Z7 and d in Z8 (geluParts' names), with Z1-Z6,
// Z11 and Z13 as scratch. P(u) goes by Estrin's scheme, as geluParts
// does: its dependent chain is a third of Horner's, and the loop is bound
// by the latency of its chains.
#define geluFront \
	VMOVUPS.Z (SI)(AX*4), K3, Z0 \
	VPANDND   Z0, Z30, Z1 \
	VBROADCASTSS geluConsts<>+0(SB), Z13 \
	VMINPS    Z13, Z1, Z1 \
	VPANDD    Z15, Z1, Z6 \
	VMULPS    Z6, Z6, Z7 \
	VMULPS    Z14, Z7, Z7 \
	VPXORD    Z30, Z7, Z7 \
	VSUBPS    Z6, Z1, Z8 \
	VADDPS    Z6, Z1, Z11 \
	VMULPS    Z11, Z8, Z8 \
	VMULPS    Z14, Z8, Z8 \
	VMULPS    Z12, Z1, Z13 \
	VMULPS    Z14, Z13, Z13 \
	VADDPS    Z26, Z13, Z9 \
	VDIVPS    Z9, Z26, Z9 \
	VMULPS    Z9, Z13, Z13 \
	VMULPS    Z13, Z13, Z1 \
	VMULPS    Z1, Z1, Z2 \
	VMULPS    Z2, Z2, Z3 \
	VBROADCASTSS geluConsts<>+48(SB), Z4 \
	VMULPS    Z13, Z4, Z4 \
	VBROADCASTSS geluConsts<>+52(SB), Z5 \
	VADDPS    Z5, Z4, Z4 \
	VBROADCASTSS geluConsts<>+40(SB), Z5 \
	VMULPS    Z13, Z5, Z5 \
	VBROADCASTSS geluConsts<>+44(SB), Z6 \
	VADDPS    Z6, Z5, Z5 \
	VMULPS    Z1, Z5, Z5 \
	VADDPS    Z5, Z4, Z4 \
	VBROADCASTSS geluConsts<>+32(SB), Z5 \
	VMULPS    Z13, Z5, Z5 \
	VBROADCASTSS geluConsts<>+36(SB), Z6 \
	VADDPS    Z6, Z5, Z5 \
	VBROADCASTSS geluConsts<>+24(SB), Z6 \
	VMULPS    Z13, Z6, Z6 \
	VBROADCASTSS geluConsts<>+28(SB), Z10 \
	VADDPS    Z10, Z6, Z6 \
	VMULPS    Z1, Z6, Z6 \
	VADDPS    Z6, Z5, Z5 \
	VBROADCASTSS geluConsts<>+16(SB), Z6 \
	VMULPS    Z13, Z6, Z6 \
	VBROADCASTSS geluConsts<>+20(SB), Z10 \
	VADDPS    Z10, Z6, Z6 \
	VMULPS    Z2, Z5, Z5 \
	VADDPS    Z5, Z4, Z4 \
	VMULPS    Z3, Z6, Z6 \
	VADDPS    Z6, Z4, Z4 \
	VMULPS    Z13, Z4, Z4 \
	VSUBPS    Z8, Z4, Z10

// func gelu32AVX512(dst, src *float32, n int)
TEXT ·gelu32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	actConsts
	VBROADCASTSS geluConsts<>+4(SB), Z15  // the xh mask
	VBROADCASTSS geluConsts<>+8(SB), Z14  // 0.5
	VBROADCASTSS geluConsts<>+12(SB), Z12 // √2/2
	XORQ AX, AX

gelu_loop:
	tailMask(gelu_done)
	geluFront
	expLanes(Z10, Z11)
	expLanesR(Z7, Z10, Z1, Z6, Z8, Z13, K5, K6)
	VMULPS    Z11, Z9, Z9 // e2 = t·exp(p-d); e1 = exp(a) in Z10
	VMULPS    Z10, Z9, Z1
	VMULPS    Z14, Z1, Z1
	VSUBPS    Z1, Z26, Z1
	VMULPS    Z1, Z0, Z1 // x >= 0: x·(1 - e2·e1·0.5)
	VMULPS    Z9, Z0, Z9
	VMULPS    Z14, Z9, Z9
	VMULPS    Z10, Z9, Z9 // x < 0: x·e2·0.5·e1
	VCMPPS    $0x1d, Z31, Z0, K4
	VMOVAPS   Z1, K4, Z9
	VCMPPS    $3, Z0, Z0, K4 // NaN: itself
	VMOVAPS   Z0, K4, Z9
	VMOVUPS   Z9, K3, (DI)(AX*4)
	ADDQ      $16, AX
	JMP       gelu_loop

gelu_done:
	VZEROUPPER
	RET

// func geluGrad32AVX512(dst, src *float32, n int)
TEXT ·geluGrad32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	actConsts
	VBROADCASTSS geluConsts<>+4(SB), Z15  // the xh mask
	VBROADCASTSS geluConsts<>+8(SB), Z14  // 0.5
	VBROADCASTSS geluConsts<>+12(SB), Z12 // √2/2
	XORQ AX, AX

grad_loop:
	tailMask(grad_done)
	geluFront
	VPXORD    Z30, Z8, Z8 // -d
	expLanes(Z10, Z11)
	VMULPS    Z11, Z9, Z9 // e2 = t·exp(p-d)
	expLanesR(Z7, Z10, Z1, Z6, Z13, Z11, K5, K6) // e1 = exp(a)
	expLanesR(Z8, Z1, Z2, Z3, Z4, Z5, K1, K2)
	VMULPS    Z1, Z10, Z1
	VBROADCASTSS geluConsts<>+56(SB), Z13
	VMULPS    Z13, Z1, Z1 // φ = e1·exp(-d)/√(2π)
	VMULPS    Z10, Z9, Z6
	VMULPS    Z14, Z6, Z6
	VSUBPS    Z6, Z26, Z6 // x >= 0: Φ = 1 - e2·e1·0.5
	VMULPS    Z14, Z9, Z9
	VMULPS    Z10, Z9, Z9 // x < 0: Φ = e2·0.5·e1
	VCMPPS    $0x1d, Z31, Z0, K4
	VMOVAPS   Z6, K4, Z9
	VMULPS    Z1, Z0, Z1
	VADDPS    Z1, Z9, Z9 // Φ + x·φ
	VCMPPS    $3, Z0, Z0, K4
	VMOVAPS   Z0, K4, Z9
	VMOVUPS   Z9, K3, (DI)(AX*4)
	ADDQ      $16, AX
	JMP       grad_loop

grad_done:
	VZEROUPPER
	RET
