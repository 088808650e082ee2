//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"
#include "exp_amd64.h"

// The softmax row loops, 16 lanes at a time under the tail mask K3, in
// the order of rowMax32Go and expShiftSum32Go.

// foldLanes adds the 16 float64 lane sums in Z8 (elements 0-7 of each
// 16) and Z9 (8-15) into X8's low lane, in foldLanes' order: l+8, l+4,
// l+2, l+1.
#define foldLanes \
	VADDPD        Z9, Z8, Z8 \
	VEXTRACTF64X4 $1, Z8, Y9 \
	VADDPD        Y9, Y8, Y8 \
	VEXTRACTF128  $1, Y8, X9 \
	VADDPD        X9, X8, X8 \
	VPERMILPD     $1, X8, X9 \
	VADDSD        X9, X8, X8

// func rowMax32AVX512(x *float32, n int) float32
TEXT ·rowMax32AVX512(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), R8
	VBROADCASTSS (SI), Z1
	VMOVAPS Z1, Z0
	XORQ AX, AX

max_loop:
	tailMask(max_done)
	VMOVAPS Z1, Z2
	VMOVUPS (SI)(AX*4), K3, Z2 // lanes past the end keep x[0]
	VMAXPS  Z2, Z0, Z0
	ADDQ $16, AX
	JMP  max_loop

max_done:
	VEXTRACTF32X8 $1, Z0, Y1
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VMAXPS        X1, X0, X0
	MOVSS         X0, ret+16(FP)
	VZEROUPPER
	RET

// func expShiftSum32AVX512(dst, src *float32, n int, m, invT float32, storeExp bool) float64
TEXT ·expShiftSum32AVX512(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), R8
	VBROADCASTSS m+24(FP), Z6
	VBROADCASTSS invT+28(FP), Z7
	MOVBLZX      storeExp+32(FP), R9
	actConsts
	VXORPD       Z8, Z8, Z8 // lane sums of elements 0-7 of each 16
	VXORPD       Z9, Z9, Z9 // and of elements 8-15
	XORQ         AX, AX

es_pairs: // two blocks of 16 while 32 are left
	MOVQ    R8, CX
	SUBQ    AX, CX
	CMPQ    CX, $32
	JLT     es_loop
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z12
	VSUBPS  Z6, Z0, Z0
	VMULPS  Z7, Z0, Z0
	VSUBPS  Z6, Z12, Z12
	VMULPS  Z7, Z12, Z12
	expLanes(Z0, Z1)
	expLanesR(Z12, Z13, Z14, Z15, Z10, Z11, K4, K5)
	TESTQ   R9, R9
	JZ      es_pairs_shifted
	VMOVUPS Z1, (DI)(AX*4)
	VMOVUPS Z13, 64(DI)(AX*4)
	JMP     es_pairs_sum

es_pairs_shifted:
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z12, 64(DI)(AX*4)

es_pairs_sum:
	// The first block's lanes, then the second's, as the Go loop adds.
	VCVTPS2PD     Y1, Z10
	VEXTRACTF32X8 $1, Z1, Y11
	VCVTPS2PD     Y11, Z11
	VADDPD        Z10, Z8, Z8
	VADDPD        Z11, Z9, Z9
	VCVTPS2PD     Y13, Z10
	VEXTRACTF32X8 $1, Z13, Y11
	VCVTPS2PD     Y11, Z11
	VADDPD        Z10, Z8, Z8
	VADDPD        Z11, Z9, Z9
	ADDQ          $32, AX
	JMP           es_pairs

es_loop:
	tailMask(es_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VSUBPS    Z6, Z0, Z0
	VMULPS    Z7, Z0, Z0
	expLanes(Z0, Z1)
	VMOVAPS.Z Z1, K3, Z1 // lanes past the end add nothing
	TESTQ     R9, R9
	JZ        es_shifted
	VMOVUPS   Z1, K3, (DI)(AX*4)
	JMP       es_sum

es_shifted:
	VMOVUPS Z0, K3, (DI)(AX*4)

es_sum:
	VCVTPS2PD     Y1, Z10
	VEXTRACTF32X8 $1, Z1, Y11
	VCVTPS2PD     Y11, Z11
	VADDPD        Z10, Z8, Z8
	VADDPD        Z11, Z9, Z9
	ADDQ          $16, AX
	JMP           es_loop

es_done:
	foldLanes
	MOVSD         X8, ret+40(FP)
	VZEROUPPER
	RET

// func softmaxGradSum32AVX512(gy, y *float32, n int, log bool) float64
TEXT ·softmaxGradSum32AVX512(SB), NOSPLIT, $0-40
	MOVQ    gy+0(FP), SI
	MOVQ    y+8(FP), DX
	MOVQ    n+16(FP), R8
	MOVBLZX log+24(FP), R9
	VXORPD  Z8, Z8, Z8
	VXORPD  Z9, Z9, Z9
	XORQ    AX, AX

gs_loop:
	tailMask(gs_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	TESTQ     R9, R9
	JNZ       gs_add
	VMOVUPS.Z (DX)(AX*4), K3, Z1
	VMULPS    Z1, Z0, Z0

gs_add:
	VCVTPS2PD     Y0, Z10
	VEXTRACTF32X8 $1, Z0, Y11
	VCVTPS2PD     Y11, Z11
	VADDPD        Z10, Z8, Z8
	VADDPD        Z11, Z9, Z9
	ADDQ          $16, AX
	JMP           gs_loop

gs_done:
	foldLanes
	MOVSD         X8, ret+32(FP)
	VZEROUPPER
	RET

// func softmaxGrad32AVX512(dx, gy, y *float32, n int, s, t float32, log, divide bool)
TEXT ·softmaxGrad32AVX512(SB), NOSPLIT, $0-42
	MOVQ         dx+0(FP), DI
	MOVQ         gy+8(FP), SI
	MOVQ         y+16(FP), DX
	MOVQ         n+24(FP), R8
	VBROADCASTSS s+32(FP), Z6
	VBROADCASTSS t+36(FP), Z7
	MOVBLZX      log+40(FP), R9
	MOVBLZX      divide+41(FP), R10
	actConsts
	XORQ         AX, AX

sg_loop:
	tailMask(sg_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VMOVUPS.Z (DX)(AX*4), K3, Z12
	TESTQ     R9, R9
	JNZ       sg_log
	VSUBPS    Z6, Z0, Z1
	VMULPS    Z1, Z12, Z1
	JMP       sg_div

sg_log:
	expLanes(Z12, Z13)
	VMULPS Z6, Z13, Z13
	VSUBPS Z13, Z0, Z1

sg_div:
	TESTQ  R10, R10
	JZ     sg_store
	VDIVPS Z7, Z1, Z1

sg_store:
	VMOVUPS Z1, K3, (DI)(AX*4)
	ADDQ    $16, AX
	JMP     sg_loop

sg_done:
	VZEROUPPER
	RET
