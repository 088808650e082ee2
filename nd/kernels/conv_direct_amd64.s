//go:build !noasm

#include "textflag.h"

// Direct 2-D convolution for layers with few taps (in-channels × kernel
// rows × kernel columns, LeNet's first layer: 1×5×5), where im2col plus
// GEMM spends most of its time copying: one output row segment of up to
// 32 columns for 10 filters at once, 20 accumulators, one pass over the
// taps. Per tap it loads the 32 inputs the segment reads at that tap's
// offset and multiplies them by each filter's weight.

// Filter f's two accumulators are Z(2f) and Z(2f+1), for the segment's
// columns 0-15 and 16-31.

// biasInit starts filter f's accumulators (lo, hi) from its bias at
// byte offset off of R11.
#define biasInit(off, lo, hi) \
	VBROADCASTSS off(R11), lo \
	VMOVAPS lo, hi

// filterTap adds the tap's inputs (Z20, Z21) times filter f's weight,
// at byte offset off of R9, broadcast into w.
#define filterTap(off, w, lo, hi) \
	VBROADCASTSS off(R9), w \
	VFMADD231PS Z20, w, lo \
	VFMADD231PS Z21, w, hi

// storeFilter writes filter f's row segment at DI and, unless it was the
// last of the nf (R12) filters, moves DI to the next filter's row.
#define storeFilter(lo, hi, f1) \
	VMOVUPS lo, K1, (DI) \
	VMOVUPS hi, K2, 64(DI) \
	CMPQ R12, $f1 \
	JLE  convDirect10_done \
	ADDQ R8, DI

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
	biasInit(0, Z0, Z1)
	biasInit(4, Z2, Z3)
	biasInit(8, Z4, Z5)
	biasInit(12, Z6, Z7)
	biasInit(16, Z8, Z9)
	biasInit(20, Z10, Z11)
	biasInit(24, Z12, Z13)
	biasInit(28, Z14, Z15)
	biasInit(32, Z16, Z17)
	biasInit(36, Z18, Z19)
	TESTQ CX, CX
	JEQ convDirect10_store
convDirect10_loop:
	MOVLQSX (DX), R10
	VMOVUPS.Z (SI)(R10*4), K1, Z20
	VMOVUPS.Z 64(SI)(R10*4), K2, Z21
	filterTap(0, Z22, Z0, Z1)
	filterTap(4, Z23, Z2, Z3)
	filterTap(8, Z22, Z4, Z5)
	filterTap(12, Z23, Z6, Z7)
	filterTap(16, Z22, Z8, Z9)
	filterTap(20, Z23, Z10, Z11)
	filterTap(24, Z22, Z12, Z13)
	filterTap(28, Z23, Z14, Z15)
	filterTap(32, Z22, Z16, Z17)
	filterTap(36, Z23, Z18, Z19)
	ADDQ $40, R9
	ADDQ $4, DX
	DECQ CX
	JNZ convDirect10_loop
convDirect10_store:
	storeFilter(Z0, Z1, 1)
	storeFilter(Z2, Z3, 2)
	storeFilter(Z4, Z5, 3)
	storeFilter(Z6, Z7, 4)
	storeFilter(Z8, Z9, 5)
	storeFilter(Z10, Z11, 6)
	storeFilter(Z12, Z13, 7)
	storeFilter(Z14, Z15, 8)
	storeFilter(Z16, Z17, 9)
	VMOVUPS Z18, K1, (DI)
	VMOVUPS Z19, K2, 64(DI)
convDirect10_done:
	VZEROUPPER
	RET
