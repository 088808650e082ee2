//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"

// Vector loops for the matrix-vector shapes of SGEMM (see vec_amd64.h).

// func dot32AVX512(a, b *float32, n int) float32
TEXT ·dot32AVX512(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ n+16(FP), R8
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	XORQ AX, AX
	MOVQ R8, DX
	ANDQ $-32, DX
	JEQ  dot_tail

dot_loop:
	VMOVUPS (DI)(AX*4), Z2
	VMOVUPS 64(DI)(AX*4), Z3
	VFMADD231PS (SI)(AX*4), Z2, Z0
	VFMADD231PS 64(SI)(AX*4), Z3, Z1
	ADDQ $32, AX
	CMPQ AX, DX
	JLT  dot_loop

dot_tail:
	tailMask(dot_sum)
	VMOVUPS.Z (DI)(AX*4), K3, Z2
	VMOVUPS.Z (SI)(AX*4), K3, Z3
	VFMADD231PS Z3, Z2, Z0
	ADDQ $16, AX
	JMP  dot_tail

dot_sum:
	VADDPS Z1, Z0, Z0
	VEXTRACTF32X8 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VPERMILPS $0x4E, X0, X1
	VADDPS X1, X0, X0
	VPERMILPS $0xB1, X0, X1
	VADDPS X1, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func axpy32AVX512(dst, src *float32, n int, s float32)
TEXT ·axpy32AVX512(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	VBROADCASTSS s+24(FP), Z31
	XORQ AX, AX
	MOVQ R8, DX
	ANDQ $-32, DX
	JEQ  axpy_tail

axpy_loop:
	VMOVUPS (DI)(AX*4), Z0
	VMOVUPS 64(DI)(AX*4), Z1
	VFMADD231PS (SI)(AX*4), Z31, Z0
	VFMADD231PS 64(SI)(AX*4), Z31, Z1
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z1, 64(DI)(AX*4)
	ADDQ $32, AX
	CMPQ AX, DX
	JLT  axpy_loop

axpy_tail:
	tailMask(axpy_done)
	VMOVUPS.Z (DI)(AX*4), K3, Z0
	VMOVUPS.Z (SI)(AX*4), K3, Z1
	VFMADD231PS Z1, Z31, Z0
	VMOVUPS Z0, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  axpy_tail

axpy_done:
	VZEROUPPER
	RET

// func scale32AVX512(dst, src *float32, n int, s float32)
TEXT ·scale32AVX512(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), R8
	VBROADCASTSS s+24(FP), Z31
	XORQ AX, AX
	MOVQ R8, DX
	ANDQ $-32, DX
	JEQ  scale_tail

scale_loop:
	VMULPS (SI)(AX*4), Z31, Z0
	VMULPS 64(SI)(AX*4), Z31, Z1
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z1, 64(DI)(AX*4)
	ADDQ $32, AX
	CMPQ AX, DX
	JLT  scale_loop

scale_tail:
	tailMask(scale_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z1
	VMULPS Z1, Z31, Z0
	VMOVUPS Z0, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  scale_tail

scale_done:
	VZEROUPPER
	RET
