//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"

// The Log32 loop: Logf's float32 operations in the same order (no fused
// multiply-add), 16 lanes at a time under the tail mask K3. VGETMANTPS
// and VGETEXPPS split x into m·2**e, m in [½, 1), exactly, subnormals
// included, as math.Frexp does.

#define bcastL(bits, Z) \
	MOVL $bits, BX \
	VPBROADCASTD BX, Z

// func log32AVX512(dst, src *float32, n int)
TEXT ·log32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	bcastL(0x3f3504f3, Z16) // √½
	bcastL(0x3f318000, Z17) // ln2 high part
	bcastL(0xb95e8083, Z18) // ln2 low part
	bcastL(0x3d9021bb, Z19) // the polynomial, highest degree first
	bcastL(0xbdebd1b8, Z20)
	bcastL(0x3def251a, Z21)
	bcastL(0xbdfe5d4f, Z22)
	bcastL(0x3e11e9bf, Z23)
	bcastL(0xbe2aae50, Z24)
	bcastL(0x3e4cceac, Z25)
	bcastL(0xbe7ffffc, Z26)
	bcastL(0x3eaaaaaa, Z27)
	bcastL(0xbf000000, Z28) // -0.5
	bcastL(0x3f800000, Z29) // 1
	bcastL(0xff800000, Z30) // -Inf
	bcastL(0x7fc00000, Z31) // NaN
	bcastL(0x7f800000, Z14) // +Inf
	VPXORD Z15, Z15, Z15
	XORQ   AX, AX

log_loop:
	tailMask(log_done)
	VMOVUPS.Z  (SI)(AX*4), K3, Z0
	VGETMANTPS $2, Z0, Z1         // m in [½, 1)
	VGETEXPPS  Z0, Z2
	VADDPS     Z29, Z2, Z2        // e, with x = m·2**e
	VCMPPS     $1, Z16, Z1, K1    // m < √½: e-1 and m+m-1
	VSUBPS     Z29, Z2, K1, Z2
	VADDPS     Z1, Z1, K1, Z1
	VSUBPS     Z29, Z1, Z1
	VMULPS     Z1, Z1, Z3         // z = m²
	VMULPS     Z19, Z1, Z4
	VADDPS     Z20, Z4, Z4
	VMULPS     Z1, Z4, Z4
	VADDPS     Z21, Z4, Z4
	VMULPS     Z1, Z4, Z4
	VADDPS     Z22, Z4, Z4
	VMULPS     Z1, Z4, Z4
	VADDPS     Z23, Z4, Z4
	VMULPS     Z1, Z4, Z4
	VADDPS     Z24, Z4, Z4
	VMULPS     Z1, Z4, Z4
	VADDPS     Z25, Z4, Z4
	VMULPS     Z1, Z4, Z4
	VADDPS     Z26, Z4, Z4
	VMULPS     Z1, Z4, Z4
	VADDPS     Z27, Z4, Z4
	VMULPS     Z1, Z4, Z4         // p·m
	VMULPS     Z3, Z4, Z4         // y = p·m·z
	VMULPS     Z18, Z2, Z5
	VADDPS     Z5, Z4, Z4         // y += ln2lo·e
	VMULPS     Z28, Z3, Z5
	VADDPS     Z5, Z4, Z4         // y += -0.5·z
	VADDPS     Z4, Z1, Z4         // r = m + y
	VMULPS     Z17, Z2, Z5
	VADDPS     Z5, Z4, Z4         // r + ln2hi·e
	VCMPPS     $0, Z15, Z0, K2    // ±0: -Inf
	VMOVAPS    Z30, K2, Z4
	VCMPPS     $1, Z15, Z0, K2    // below 0: NaN
	VMOVAPS    Z31, K2, Z4
	VCMPPS     $0, Z14, Z0, K2    // +Inf: itself
	VMOVAPS    Z0, K2, Z4
	VCMPPS     $3, Z0, Z0, K2     // NaN: itself
	VMOVAPS    Z0, K2, Z4
	VMOVUPS    Z4, K3, (DI)(AX*4)
	ADDQ       $16, AX
	JMP        log_loop

log_done:
	VZEROUPPER
	RET
