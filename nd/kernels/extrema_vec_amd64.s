//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"

// The loops of extrema_vec.go. The whole-slice ones keep four registers
// of running extrema over 64 elements an iteration, then 16 at a time
// under the tail mask K3 into the first, and stop at the first block
// holding a NaN (UNORD of two vectors is true where either lane is NaN),
// which the Go side then finds. With no NaN in play VMAXPS and VMINPS are
// plain comparisons, so only the sign of a zero result (which Go looks
// up) depends on the order the lanes fold in.

// lane index i in lane i: the arg loops' index offsets.
DATA argIota<>+0(SB)/4, $0
DATA argIota<>+4(SB)/4, $1
DATA argIota<>+8(SB)/4, $2
DATA argIota<>+12(SB)/4, $3
DATA argIota<>+16(SB)/4, $4
DATA argIota<>+20(SB)/4, $5
DATA argIota<>+24(SB)/4, $6
DATA argIota<>+28(SB)/4, $7
DATA argIota<>+32(SB)/4, $8
DATA argIota<>+36(SB)/4, $9
DATA argIota<>+40(SB)/4, $10
DATA argIota<>+44(SB)/4, $11
DATA argIota<>+48(SB)/4, $12
DATA argIota<>+52(SB)/4, $13
DATA argIota<>+56(SB)/4, $14
DATA argIota<>+60(SB)/4, $15
GLOBL argIota<>(SB), RODATA|NOPTR, $64

// nanCheck4 jumps to nan when any lane of Z4-Z7 is NaN; it uses K1, K2.
#define nanCheck4(nan) \
	VCMPPS   $3, Z5, Z4, K1 \
	VCMPPS   $3, Z7, Z6, K2 \
	KORW     K1, K2, K1 \
	KORTESTW K1, K1 \
	JNE      nan

// load4 loads the 64 elements at (SI)(AX*4) into Z4-Z7.
#define load4 \
	VMOVUPS (SI)(AX*4), Z4 \
	VMOVUPS 64(SI)(AX*4), Z5 \
	VMOVUPS 128(SI)(AX*4), Z6 \
	VMOVUPS 192(SI)(AX*4), Z7

// foldAll sets every lane of D to the OP (VMAXPS or VMINPS) of the lanes
// of Z0-Z3, using T.
#define foldAll(OP, D, T) \
	OP Z1, Z0, D \
	OP Z3, Z2, T \
	OP T, D, D \
	VSHUFF32X4 $0x4e, D, D, T \
	OP T, D, D \
	VSHUFF32X4 $0xb1, D, D, T \
	OP T, D, D \
	VPERMILPS $0x4e, D, T \
	OP T, D, D \
	VPERMILPS $0xb1, D, T \
	OP T, D, D

// extremeFunc defines name(x *float32, n int) (m float32, nan bool): the
// OP of the n >= 1 elements at x, or nan set when one is NaN.
#define extremeFunc(name, OP) \
TEXT name(SB), NOSPLIT, $0-21 \
	MOVQ x+0(FP), SI \
	MOVQ n+8(FP), R8 \
	VBROADCASTSS (SI), Z0 \
	VMOVAPS Z0, Z1 \
	VMOVAPS Z0, Z2 \
	VMOVAPS Z0, Z3 \
	XORQ AX, AX \
	MOVQ R8, R9 \
	ANDQ $-64, R9 \
	JEQ  tail \
loop: \
	load4 \
	nanCheck4(nan) \
	OP Z4, Z0, Z0 \
	OP Z5, Z1, Z1 \
	OP Z6, Z2, Z2 \
	OP Z7, Z3, Z3 \
	ADDQ $64, AX \
	CMPQ AX, R9 \
	JLT  loop \
tail: \
	tailMask(fold) \
	VMOVUPS.Z (SI)(AX*4), K3, Z4 \
	VCMPPS $3, Z4, Z4, K1 \
	KORTESTW K1, K1 \
	JNE  nan \
	OP Z4, Z0, K3, Z0 \
	ADDQ $16, AX \
	JMP  tail \
fold: \
	foldAll(OP, Z8, Z9) \
	VMOVSS X8, m+16(FP) \
	MOVB $0, nan+20(FP) \
	VZEROUPPER \
	RET \
nan: \
	VMOVSS X0, m+16(FP) \
	MOVB $1, nan+20(FP) \
	VZEROUPPER \
	RET

extremeFunc(·max32AVX512, VMAXPS)
extremeFunc(·min32AVX512, VMINPS)

// argFunc defines name(x *float32, n int) int: the index of the first
// best of the n >= 1 elements at x, best meaning CMP (a VCMPPS predicate:
// lane > best, or lane < best) and OP folding them, or -1 when one is
// NaN. Z0-Z3 hold each lane's best, Z8-Z11 the start of the block it came
// from (its index less the lane's offset in the block), Z12 the block's
// start. Lanes start at x[0] from block 0, which claims indices past 0
// for x[0]'s value: harmless, as the least index among the lanes holding
// the best value is taken, and if that value is x[0]'s, lane 0 of Z0 holds
// index 0.
#define argFunc(name, CMP, OP) \
TEXT name(SB), NOSPLIT, $0-24 \
	MOVQ x+0(FP), SI \
	MOVQ n+8(FP), R8 \
	VBROADCASTSS (SI), Z0 \
	VMOVAPS Z0, Z1 \
	VMOVAPS Z0, Z2 \
	VMOVAPS Z0, Z3 \
	VPXORD Z8, Z8, Z8 \
	VPXORD Z9, Z9, Z9 \
	VPXORD Z10, Z10, Z10 \
	VPXORD Z11, Z11, Z11 \
	VPXORD Z12, Z12, Z12 \
	MOVL $64, BX \
	VPBROADCASTD BX, Z13 \
	XORQ AX, AX \
	MOVQ R8, R9 \
	ANDQ $-64, R9 \
	JEQ  tail \
loop: \
	load4 \
	nanCheck4(nan) \
	VCMPPS $CMP, Z0, Z4, K1 \
	VCMPPS $CMP, Z1, Z5, K2 \
	VCMPPS $CMP, Z2, Z6, K4 \
	VCMPPS $CMP, Z3, Z7, K5 \
	VMOVAPS Z4, K1, Z0 \
	VMOVAPS Z5, K2, Z1 \
	VMOVAPS Z6, K4, Z2 \
	VMOVAPS Z7, K5, Z3 \
	VMOVDQA32 Z12, K1, Z8 \
	VMOVDQA32 Z12, K2, Z9 \
	VMOVDQA32 Z12, K4, Z10 \
	VMOVDQA32 Z12, K5, Z11 \
	VPADDD Z13, Z12, Z12 \
	ADDQ $64, AX \
	CMPQ AX, R9 \
	JLT  loop \
tail: \
	tailMask(fold) \
	VMOVUPS.Z (SI)(AX*4), K3, Z4 \
	VCMPPS $3, Z4, Z4, K1 \
	KORTESTW K1, K1 \
	JNE  nan \
	VCMPPS $CMP, Z0, Z4, K3, K1 \
	VPBROADCASTD AX, Z14 \
	VMOVAPS Z4, K1, Z0 \
	VMOVDQA32 Z14, K1, Z8 \
	ADDQ $16, AX \
	JMP  tail \
fold: \
	VMOVDQU32 argIota<>(SB), Z15 \
	MOVL $16, BX \
	VPBROADCASTD BX, Z16 \
	VPADDD Z15, Z8, Z8 \
	VPADDD Z16, Z15, Z15 \
	VPADDD Z15, Z9, Z9 \
	VPADDD Z16, Z15, Z15 \
	VPADDD Z15, Z10, Z10 \
	VPADDD Z16, Z15, Z15 \
	VPADDD Z15, Z11, Z11 \
	foldAll(OP, Z4, Z5) \
	MOVL $0x7fffffff, BX \
	VPBROADCASTD BX, Z6 \
	VCMPPS $0, Z4, Z0, K1 \
	VPMINSD Z8, Z6, K1, Z6 \
	VCMPPS $0, Z4, Z1, K1 \
	VPMINSD Z9, Z6, K1, Z6 \
	VCMPPS $0, Z4, Z2, K1 \
	VPMINSD Z10, Z6, K1, Z6 \
	VCMPPS $0, Z4, Z3, K1 \
	VPMINSD Z11, Z6, K1, Z6 \
	VSHUFI32X4 $0x4e, Z6, Z6, Z7 \
	VPMINSD Z7, Z6, Z6 \
	VSHUFI32X4 $0xb1, Z6, Z6, Z7 \
	VPMINSD Z7, Z6, Z6 \
	VPSHUFD $0x4e, Z6, Z7 \
	VPMINSD Z7, Z6, Z6 \
	VPSHUFD $0xb1, Z6, Z7 \
	VPMINSD Z7, Z6, Z6 \
	VMOVD X6, BX \
	MOVQ BX, ret+16(FP) \
	VZEROUPPER \
	RET \
nan: \
	MOVQ $-1, ret+16(FP) \
	VZEROUPPER \
	RET

// GT_OQ and LT_OQ: false for NaN, which the loops never compare.
argFunc(·argmax32AVX512, 0x1e, VMAXPS)
argFunc(·argmin32AVX512, 0x11, VMINPS)

// rowsFunc defines name(acc, x *float32, n, rows, stride int): for each
// of the rows > 0 rows of x, stride elements apart, acc[j] = v
// where v = x[r*stride+j] wins by OP (VMAXPS, VMINPS: v OP acc is v only
// where v is strictly better) or is NaN (VMAXPS would keep acc there; the
// UNORD mask puts v back). 64 columns a time held in Z0-Z3 over all the
// rows, then 16 under the tail mask K3.
#define rowsFunc(name, OP) \
TEXT name(SB), NOSPLIT, $0-40 \
	MOVQ acc+0(FP), DI \
	MOVQ x+8(FP), SI \
	MOVQ n+16(FP), R8 \
	MOVQ rows+24(FP), R11 \
	MOVQ stride+32(FP), R12 \
	SHLQ $2, R12 \
	XORQ AX, AX \
	MOVQ R8, R10 \
	ANDQ $-64, R10 \
strip: \
	CMPQ AX, R10 \
	JGE  tail \
	VMOVUPS (DI)(AX*4), Z0 \
	VMOVUPS 64(DI)(AX*4), Z1 \
	VMOVUPS 128(DI)(AX*4), Z2 \
	VMOVUPS 192(DI)(AX*4), Z3 \
	LEAQ (SI)(AX*4), DX \
	MOVQ R11, CX \
row: \
	VMOVUPS (DX), Z4 \
	VMOVUPS 64(DX), Z5 \
	VMOVUPS 128(DX), Z6 \
	VMOVUPS 192(DX), Z7 \
	OP Z0, Z4, Z0 \
	OP Z1, Z5, Z1 \
	OP Z2, Z6, Z2 \
	OP Z3, Z7, Z3 \
	VCMPPS $3, Z4, Z4, K1 \
	VCMPPS $3, Z5, Z5, K2 \
	VCMPPS $3, Z6, Z6, K4 \
	VCMPPS $3, Z7, Z7, K5 \
	VMOVAPS Z4, K1, Z0 \
	VMOVAPS Z5, K2, Z1 \
	VMOVAPS Z6, K4, Z2 \
	VMOVAPS Z7, K5, Z3 \
	ADDQ R12, DX \
	DECQ CX \
	JNZ  row \
	VMOVUPS Z0, (DI)(AX*4) \
	VMOVUPS Z1, 64(DI)(AX*4) \
	VMOVUPS Z2, 128(DI)(AX*4) \
	VMOVUPS Z3, 192(DI)(AX*4) \
	ADDQ $64, AX \
	JMP  strip \
tail: \
	tailMask(done) \
	VMOVUPS.Z (DI)(AX*4), K3, Z0 \
	LEAQ (SI)(AX*4), DX \
	MOVQ R11, CX \
tailrow: \
	VMOVUPS.Z (DX), K3, Z4 \
	OP Z0, Z4, Z0 \
	VCMPPS $3, Z4, Z4, K1 \
	VMOVAPS Z4, K1, Z0 \
	ADDQ R12, DX \
	DECQ CX \
	JNZ  tailrow \
	VMOVUPS Z0, K3, (DI)(AX*4) \
	ADDQ $16, AX \
	JMP  tail \
done: \
	VZEROUPPER \
	RET

rowsFunc(·maxRows32AVX512, VMAXPS)
rowsFunc(·minRows32AVX512, VMINPS)
