//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"

// The loops of binary_vec.go: 32 elements per iteration in two registers,
// then the rest 16 at a time under the tail mask K3. Each iteration loads
// its inputs before it stores, so an output may be an input. One skeleton
// per operand form (vector-vector, vector-scalar, scalar-vector), filled
// in with an op macro per operation.

// The op macros set D = X op Y, lane by lane; X and Y are left alone and D
// is neither of them.
#define opAdd(X, Y, D) VADDPS Y, X, D
#define opSub(X, Y, D) VSUBPS Y, X, D
#define opMul(X, Y, D) VMULPS Y, X, D
#define opDiv(X, Y, D) VDIVPS Y, X, D

// opMax is Go's max: VMAXPS gives Y where the lanes are equal or either
// is NaN; equal lanes instead get X AND Y (+0 from -0 and +0, the value
// itself otherwise) and unordered ones X + Y (a NaN). It uses K1 and K2.
#define opMax(X, Y, D) \
	VMAXPS Y, X, D \
	VCMPPS $0, Y, X, K1 \
	VPANDD Y, X, K1, D \
	VCMPPS $3, Y, X, K2 \
	VADDPS Y, X, K2, D

// opMin is Go's min: as opMax, equal lanes get X OR Y (-0 from -0 and +0).
#define opMin(X, Y, D) \
	VMINPS Y, X, D \
	VCMPPS $0, Y, X, K1 \
	VPORD  Y, X, K1, D \
	VCMPPS $3, Y, X, K2 \
	VADDPS Y, X, K2, D

// vvFunc defines name(o, a, b *float32, n int): o[i] = a[i] OP b[i].
#define vvFunc(name, OP) \
TEXT name(SB), NOSPLIT, $0-32 \
	MOVQ o+0(FP), DI \
	MOVQ a+8(FP), SI \
	MOVQ b+16(FP), DX \
	MOVQ n+24(FP), R8 \
	XORQ AX, AX \
	MOVQ R8, R9 \
	ANDQ $-32, R9 \
	JEQ  tail \
loop: \
	VMOVUPS (SI)(AX*4), Z0 \
	VMOVUPS 64(SI)(AX*4), Z1 \
	VMOVUPS (DX)(AX*4), Z2 \
	VMOVUPS 64(DX)(AX*4), Z3 \
	OP(Z0, Z2, Z4) \
	OP(Z1, Z3, Z5) \
	VMOVUPS Z4, (DI)(AX*4) \
	VMOVUPS Z5, 64(DI)(AX*4) \
	ADDQ $32, AX \
	CMPQ AX, R9 \
	JLT  loop \
tail: \
	tailMask(done) \
	VMOVUPS.Z (SI)(AX*4), K3, Z0 \
	VMOVUPS.Z (DX)(AX*4), K3, Z2 \
	OP(Z0, Z2, Z4) \
	VMOVUPS Z4, K3, (DI)(AX*4) \
	ADDQ $16, AX \
	JMP  tail \
done: \
	VZEROUPPER \
	RET

// vsFunc defines name(o, a *float32, n int, s float32): o[i] = a[i] OP s.
#define vsFunc(name, OP) \
TEXT name(SB), NOSPLIT, $0-28 \
	MOVQ o+0(FP), DI \
	MOVQ a+8(FP), SI \
	MOVQ n+16(FP), R8 \
	VBROADCASTSS s+24(FP), Z31 \
	XORQ AX, AX \
	MOVQ R8, R9 \
	ANDQ $-32, R9 \
	JEQ  tail \
loop: \
	VMOVUPS (SI)(AX*4), Z0 \
	VMOVUPS 64(SI)(AX*4), Z1 \
	OP(Z0, Z31, Z4) \
	OP(Z1, Z31, Z5) \
	VMOVUPS Z4, (DI)(AX*4) \
	VMOVUPS Z5, 64(DI)(AX*4) \
	ADDQ $32, AX \
	CMPQ AX, R9 \
	JLT  loop \
tail: \
	tailMask(done) \
	VMOVUPS.Z (SI)(AX*4), K3, Z0 \
	OP(Z0, Z31, Z4) \
	VMOVUPS Z4, K3, (DI)(AX*4) \
	ADDQ $16, AX \
	JMP  tail \
done: \
	VZEROUPPER \
	RET

// svFunc defines name(o, a *float32, n int, s float32): o[i] = s OP a[i].
#define svFunc(name, OP) \
TEXT name(SB), NOSPLIT, $0-28 \
	MOVQ o+0(FP), DI \
	MOVQ a+8(FP), SI \
	MOVQ n+16(FP), R8 \
	VBROADCASTSS s+24(FP), Z31 \
	XORQ AX, AX \
	MOVQ R8, R9 \
	ANDQ $-32, R9 \
	JEQ  tail \
loop: \
	VMOVUPS (SI)(AX*4), Z0 \
	VMOVUPS 64(SI)(AX*4), Z1 \
	OP(Z31, Z0, Z4) \
	OP(Z31, Z1, Z5) \
	VMOVUPS Z4, (DI)(AX*4) \
	VMOVUPS Z5, 64(DI)(AX*4) \
	ADDQ $32, AX \
	CMPQ AX, R9 \
	JLT  loop \
tail: \
	tailMask(done) \
	VMOVUPS.Z (SI)(AX*4), K3, Z0 \
	OP(Z31, Z0, Z4) \
	VMOVUPS Z4, K3, (DI)(AX*4) \
	ADDQ $16, AX \
	JMP  tail \
done: \
	VZEROUPPER \
	RET

vvFunc(·addVV32, opAdd)
vvFunc(·subVV32, opSub)
vvFunc(·mulVV32, opMul)
vvFunc(·divVV32, opDiv)
vvFunc(·maxVV32, opMax)
vvFunc(·minVV32, opMin)

vsFunc(·addVS32, opAdd)
vsFunc(·subVS32, opSub)
vsFunc(·mulVS32, opMul)
vsFunc(·divVS32, opDiv)
vsFunc(·maxVS32, opMax)
vsFunc(·minVS32, opMin)

// Addition, multiplication, maximum and minimum commute (NaN payloads
// aside): their scalar-left forms are vsFunc's.
svFunc(·subSV32, opSub)
svFunc(·divSV32, opDiv)
