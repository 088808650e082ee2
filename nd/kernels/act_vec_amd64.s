//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"

// The exp, sigmoid and tanh loops: 16 lanes at a time under the tail
// mask K3. They perform the float32 operations of exp32Go, sigmoid32Go
// and tanh32Go in the same order (no fused multiply-add), and scale by
// 2**k with VSCALEFPS, which rounds once as the two-step scaling does.

#define bcast(bits, Z) \
	MOVL $bits, BX \
	VPBROADCASTD BX, Z

// actConsts loads the constants of expLanes into Z16-Z31.
#define actConsts \
	bcast(0x3fb8aa3b, Z16) \
	bcast(0x4b400000, Z17) \
	bcast(0x3f318000, Z18) \
	bcast(0xb95e8083, Z19) \
	bcast(0x39506967, Z20) \
	bcast(0x3ab743ce, Z21) \
	bcast(0x3c088908, Z22) \
	bcast(0x3d2aa9c1, Z23) \
	bcast(0x3e2aaaaa, Z24) \
	bcast(0x3f000000, Z25) \
	bcast(0x3f800000, Z26) \
	bcast(0x42b17218, Z27) \
	bcast(0xc2cff1b4, Z28) \
	bcast(0x7f800000, Z29) \
	bcast(0x80000000, Z30) \
	VPXORD Z31, Z31, Z31

// expLanes sets Y to e**X lane by lane; it uses Z2-Z5, K1 and K2.
// fk = round(x/ln2), r = x - fk*ln2 in two parts, e**r by the
// polynomial, then y*2**fk; x <= minArg gives 0, x > maxArg +Inf and NaN
// itself.
#define expLanes(X, Y) \
	VMULPS Z16, X, Z2 \
	VADDPS Z17, Z2, Z2 \
	VSUBPS Z17, Z2, Z2 \
	VMULPS Z18, Z2, Z3 \
	VSUBPS Z3, X, Z3 \
	VMULPS Z19, Z2, Z4 \
	VSUBPS Z4, Z3, Z3 \
	VMULPS Z3, Z3, Z4 \
	VMULPS Z20, Z3, Z5 \
	VADDPS Z21, Z5, Z5 \
	VMULPS Z3, Z5, Z5 \
	VADDPS Z22, Z5, Z5 \
	VMULPS Z3, Z5, Z5 \
	VADDPS Z23, Z5, Z5 \
	VMULPS Z3, Z5, Z5 \
	VADDPS Z24, Z5, Z5 \
	VMULPS Z3, Z5, Z5 \
	VADDPS Z25, Z5, Z5 \
	VMULPS Z4, Z5, Z5 \
	VADDPS Z3, Z5, Z5 \
	VADDPS Z26, Z5, Z5 \
	VSCALEFPS Z2, Z5, Y \
	VCMPPS $0x1e, Z28, X, K1 \
	VMOVAPS.Z Y, K1, Y \
	VCMPPS $0x1e, Z27, X, K2 \
	VMOVAPS Z29, K2, Y \
	VCMPPS $3, X, X, K2 \
	VMOVAPS X, K2, Y

// func exp32AVX512(dst, src *float32, n int)
TEXT ·exp32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	actConsts
	XORQ AX, AX

exp_loop:
	tailMask(exp_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	expLanes(Z0, Z1)
	VMOVUPS Z1, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  exp_loop

exp_done:
	VZEROUPPER
	RET

// func sigmoid32AVX512(dst, src *float32, n int)
TEXT ·sigmoid32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	actConsts
	XORQ AX, AX

sig_loop:
	tailMask(sig_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	// e = e**-|x|; r = 1/(1+e), times e where x < 0.
	VPORD   Z30, Z0, Z6
	expLanes(Z6, Z1)
	VADDPS  Z26, Z1, Z7
	VDIVPS  Z7, Z26, Z7
	VCMPPS  $1, Z31, Z0, K4
	VMULPS  Z1, Z7, K4, Z7
	VMOVUPS Z7, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  sig_loop

sig_done:
	VZEROUPPER
	RET

// func tanh32AVX512(dst, src *float32, n int)
TEXT ·tanh32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	actConsts
	bcast(0x3f200000, Z8)
	bcast(0xbbbaf0ea, Z9)
	bcast(0x3ca9134e, Z10)
	bcast(0xbd5c1e2d, Z11)
	bcast(0x3e088393, Z12)
	bcast(0xbeaaaa99, Z13)
	bcast(0x40000000, Z14)
	bcast(0x7fffffff, Z15)
	XORQ AX, AX

tanh_loop:
	tailMask(tanh_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	// |x| >= 0.625: 1 - 2/(e**2|x| + 1) with the sign of x.
	VPANDD Z15, Z0, Z6
	VADDPS Z6, Z6, Z7
	expLanes(Z7, Z1)
	VADDPS Z26, Z1, Z1
	VDIVPS Z1, Z14, Z1
	VSUBPS Z1, Z26, Z1
	VPANDD Z30, Z0, Z7
	VPORD  Z7, Z1, Z1
	// |x| < 0.625: the odd polynomial.
	VMULPS Z0, Z0, Z2
	VMULPS Z9, Z2, Z3
	VADDPS Z10, Z3, Z3
	VMULPS Z2, Z3, Z3
	VADDPS Z11, Z3, Z3
	VMULPS Z2, Z3, Z3
	VADDPS Z12, Z3, Z3
	VMULPS Z2, Z3, Z3
	VADDPS Z13, Z3, Z3
	VMULPS Z2, Z3, Z3
	VMULPS Z0, Z3, Z3
	VADDPS Z0, Z3, Z3
	VCMPPS $1, Z8, Z6, K4
	VMOVAPS Z3, K4, Z1
	VCMPPS $3, Z0, Z0, K4
	VMOVAPS Z0, K4, Z1
	VMOVUPS Z1, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  tanh_loop

tanh_done:
	VZEROUPPER
	RET
