//go:build !noasm

#include "textflag.h"

// Direct 2-D convolution for layers with few taps (in-channels × kernel
// rows × kernel columns, LeNet's first layer: 1×5×5), where im2col plus
// GEMM spends most of its time copying: one output row segment of up to
// 32 columns for 10 filters at once, 20 accumulators, one pass over the
// taps. Per tap it loads the 32 inputs the segment reads at that tap's
// offset and multiplies them by each filter's weight.

// func convDirect10AVX512(out *float32, ostride int, in *float32, off *int32, taps int, w, bias *float32, nf int, mask uint32)
//
// out: row segment of filter 0, filter f at out + f·ostride; in: the
// segment's first input; off: taps element offsets from in; w: taps×10
// weights, tap-major; bias: 10 values the sums start from; nf: filters
// stored (1..10); mask: the segment's columns, bit j for column j.
TEXT ·convDirect10AVX512(SB), NOSPLIT, $0-68
	MOVQ out+0(FP), DI
	MOVQ ostride+8(FP), R8
	SHLQ $2, R8
	MOVQ in+16(FP), SI
	MOVQ off+24(FP), DX
	MOVQ taps+32(FP), CX
	MOVQ w+40(FP), R9
	MOVQ bias+48(FP), R11
	MOVQ nf+56(FP), R12
	MOVL mask+64(FP), AX
	KMOVW AX, K1
	SHRL $16, AX
	KMOVW AX, K2
	VBROADCASTSS 0(R11), Z0
	VMOVAPS Z0, Z1
	VBROADCASTSS 4(R11), Z2
	VMOVAPS Z2, Z3
	VBROADCASTSS 8(R11), Z4
	VMOVAPS Z4, Z5
	VBROADCASTSS 12(R11), Z6
	VMOVAPS Z6, Z7
	VBROADCASTSS 16(R11), Z8
	VMOVAPS Z8, Z9
	VBROADCASTSS 20(R11), Z10
	VMOVAPS Z10, Z11
	VBROADCASTSS 24(R11), Z12
	VMOVAPS Z12, Z13
	VBROADCASTSS 28(R11), Z14
	VMOVAPS Z14, Z15
	VBROADCASTSS 32(R11), Z16
	VMOVAPS Z16, Z17
	VBROADCASTSS 36(R11), Z18
	VMOVAPS Z18, Z19
	TESTQ CX, CX
	JEQ convDirect10_store
convDirect10_loop:
	MOVLQSX (DX), R10
	VMOVUPS.Z (SI)(R10*4), K1, Z20
	VMOVUPS.Z 64(SI)(R10*4), K2, Z21
	VBROADCASTSS 0(R9), Z22
	VFMADD231PS Z20, Z22, Z0
	VFMADD231PS Z21, Z22, Z1
	VBROADCASTSS 4(R9), Z23
	VFMADD231PS Z20, Z23, Z2
	VFMADD231PS Z21, Z23, Z3
	VBROADCASTSS 8(R9), Z22
	VFMADD231PS Z20, Z22, Z4
	VFMADD231PS Z21, Z22, Z5
	VBROADCASTSS 12(R9), Z23
	VFMADD231PS Z20, Z23, Z6
	VFMADD231PS Z21, Z23, Z7
	VBROADCASTSS 16(R9), Z22
	VFMADD231PS Z20, Z22, Z8
	VFMADD231PS Z21, Z22, Z9
	VBROADCASTSS 20(R9), Z23
	VFMADD231PS Z20, Z23, Z10
	VFMADD231PS Z21, Z23, Z11
	VBROADCASTSS 24(R9), Z22
	VFMADD231PS Z20, Z22, Z12
	VFMADD231PS Z21, Z22, Z13
	VBROADCASTSS 28(R9), Z23
	VFMADD231PS Z20, Z23, Z14
	VFMADD231PS Z21, Z23, Z15
	VBROADCASTSS 32(R9), Z22
	VFMADD231PS Z20, Z22, Z16
	VFMADD231PS Z21, Z22, Z17
	VBROADCASTSS 36(R9), Z23
	VFMADD231PS Z20, Z23, Z18
	VFMADD231PS Z21, Z23, Z19
	ADDQ $40, R9
	ADDQ $4, DX
	DECQ CX
	JNZ convDirect10_loop
convDirect10_store:
	VMOVUPS Z0, K1, (DI)
	VMOVUPS Z1, K2, 64(DI)
	CMPQ R12, $1
	JLE convDirect10_done
	ADDQ R8, DI
	VMOVUPS Z2, K1, (DI)
	VMOVUPS Z3, K2, 64(DI)
	CMPQ R12, $2
	JLE convDirect10_done
	ADDQ R8, DI
	VMOVUPS Z4, K1, (DI)
	VMOVUPS Z5, K2, 64(DI)
	CMPQ R12, $3
	JLE convDirect10_done
	ADDQ R8, DI
	VMOVUPS Z6, K1, (DI)
	VMOVUPS Z7, K2, 64(DI)
	CMPQ R12, $4
	JLE convDirect10_done
	ADDQ R8, DI
	VMOVUPS Z8, K1, (DI)
	VMOVUPS Z9, K2, 64(DI)
	CMPQ R12, $5
	JLE convDirect10_done
	ADDQ R8, DI
	VMOVUPS Z10, K1, (DI)
	VMOVUPS Z11, K2, 64(DI)
	CMPQ R12, $6
	JLE convDirect10_done
	ADDQ R8, DI
	VMOVUPS Z12, K1, (DI)
	VMOVUPS Z13, K2, 64(DI)
	CMPQ R12, $7
	JLE convDirect10_done
	ADDQ R8, DI
	VMOVUPS Z14, K1, (DI)
	VMOVUPS Z15, K2, 64(DI)
	CMPQ R12, $8
	JLE convDirect10_done
	ADDQ R8, DI
	VMOVUPS Z16, K1, (DI)
	VMOVUPS Z17, K2, 64(DI)
	CMPQ R12, $9
	JLE convDirect10_done
	ADDQ R8, DI
	VMOVUPS Z18, K1, (DI)
	VMOVUPS Z19, K2, 64(DI)
convDirect10_done:
	VZEROUPPER
	RET
