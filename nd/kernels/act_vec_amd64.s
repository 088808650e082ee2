//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"
#include "exp_amd64.h"

// The exp, sigmoid and tanh loops: 16 lanes at a time under the tail
// mask K3. They perform the float32 operations of exp32Go, sigmoid32Go
// and tanh32Go in the same order (no fused multiply-add), and scale by
// 2**k with VSCALEFPS, which rounds once as the two-step scaling does.

// func exp32AVX512(dst, src *float32, n int)
TEXT ·exp32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	actConsts
	XORQ AX, AX

exp_pairs: // two blocks of 16 while 32 are left
	MOVQ    R8, CX
	SUBQ    AX, CX
	CMPQ    CX, $32
	JLT     exp_loop
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z12
	expLanes(Z0, Z1)
	expLanesR(Z12, Z13, Z6, Z7, Z8, Z9, K4, K5)
	VMOVUPS Z1, (DI)(AX*4)
	VMOVUPS Z13, 64(DI)(AX*4)
	ADDQ    $32, AX
	JMP     exp_pairs

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
