//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"

// The loops of compare_vec.go: 32 elements per iteration in two
// registers, then the rest 16 at a time under the tail mask K3. Each
// comparison sets a lane mask, which a zero-masked move of 1.0 (Z31)
// turns into ones and zeros. The predicates are the ordered, quiet
// VCMPPS ones (false where a lane is NaN), and unordered for not-equal
// (true there), as Go compares. Each iteration loads its inputs before
// it stores, so an output may be an input.

#define cmpEq 0x00 // EQ_OQ
#define cmpNe 0x04 // NEQ_UQ
#define cmpGt 0x1e // GT_OQ
#define cmpGe 0x1d // GE_OQ
#define cmpLt 0x11 // LT_OQ
#define cmpLe 0x12 // LE_OQ

// cmpVV defines name(o, a, b *float32, n int): o[i] = a[i] PRED b[i].
#define cmpVV(name, PRED) \
TEXT name(SB), NOSPLIT, $0-32 \
	MOVQ o+0(FP), DI \
	MOVQ a+8(FP), SI \
	MOVQ b+16(FP), DX \
	MOVQ n+24(FP), R8 \
	MOVL $0x3f800000, BX \
	VPBROADCASTD BX, Z31 \
	XORQ AX, AX \
	MOVQ R8, R9 \
	ANDQ $-32, R9 \
	JEQ  tail \
loop: \
	VMOVUPS (SI)(AX*4), Z0 \
	VMOVUPS 64(SI)(AX*4), Z1 \
	VCMPPS $PRED, (DX)(AX*4), Z0, K1 \
	VCMPPS $PRED, 64(DX)(AX*4), Z1, K2 \
	VMOVAPS.Z Z31, K1, Z4 \
	VMOVAPS.Z Z31, K2, Z5 \
	VMOVUPS Z4, (DI)(AX*4) \
	VMOVUPS Z5, 64(DI)(AX*4) \
	ADDQ $32, AX \
	CMPQ AX, R9 \
	JLT  loop \
tail: \
	tailMask(done) \
	VMOVUPS.Z (SI)(AX*4), K3, Z0 \
	VMOVUPS.Z (DX)(AX*4), K3, Z2 \
	VCMPPS $PRED, Z2, Z0, K1 \
	VMOVAPS.Z Z31, K1, Z4 \
	VMOVUPS Z4, K3, (DI)(AX*4) \
	ADDQ $16, AX \
	JMP  tail \
done: \
	VZEROUPPER \
	RET

// cmpVS defines name(o, a *float32, n int, s float32): o[i] = a[i] PRED s.
#define cmpVS(name, PRED) \
TEXT name(SB), NOSPLIT, $0-28 \
	MOVQ o+0(FP), DI \
	MOVQ a+8(FP), SI \
	MOVQ n+16(FP), R8 \
	VBROADCASTSS s+24(FP), Z30 \
	MOVL $0x3f800000, BX \
	VPBROADCASTD BX, Z31 \
	XORQ AX, AX \
	MOVQ R8, R9 \
	ANDQ $-32, R9 \
	JEQ  tail \
loop: \
	VMOVUPS (SI)(AX*4), Z0 \
	VMOVUPS 64(SI)(AX*4), Z1 \
	VCMPPS $PRED, Z30, Z0, K1 \
	VCMPPS $PRED, Z30, Z1, K2 \
	VMOVAPS.Z Z31, K1, Z4 \
	VMOVAPS.Z Z31, K2, Z5 \
	VMOVUPS Z4, (DI)(AX*4) \
	VMOVUPS Z5, 64(DI)(AX*4) \
	ADDQ $32, AX \
	CMPQ AX, R9 \
	JLT  loop \
tail: \
	tailMask(done) \
	VMOVUPS.Z (SI)(AX*4), K3, Z0 \
	VCMPPS $PRED, Z30, Z0, K1 \
	VMOVAPS.Z Z31, K1, Z4 \
	VMOVUPS Z4, K3, (DI)(AX*4) \
	ADDQ $16, AX \
	JMP  tail \
done: \
	VZEROUPPER \
	RET

cmpVV(·eqVV32, cmpEq)
cmpVV(·neVV32, cmpNe)
cmpVV(·gtVV32, cmpGt)
cmpVV(·geVV32, cmpGe)
cmpVV(·ltVV32, cmpLt)
cmpVV(·leVV32, cmpLe)

cmpVS(·eqVS32, cmpEq)
cmpVS(·neVS32, cmpNe)
cmpVS(·gtVS32, cmpGt)
cmpVS(·geVS32, cmpGe)
cmpVS(·ltVS32, cmpLt)
cmpVS(·leVS32, cmpLe)
