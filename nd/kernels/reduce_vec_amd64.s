//go:build !noasm

#include "textflag.h"

// The float64 accumulations of float32 elements of reduce_vec.go. Each
// 8 float32 elements are widened exactly (VCVTPS2PD) and added in float64
// lanes in the order that file describes; the Go loops there do the same.

// The terms, added from the float64 lanes t (which they may clobber) into
// acc. termAbs needs the sign-clearing mask in Z30, termValue, termAbs and
// termNonNaN 1.0 in every lane of Z31; termNonNaN uses K5. The adds are
// fused multiply-adds: acc + t·1.0 rounds once, as acc + t does, and
// acc + t·t rounds once, as the Go loop's multiply then add does (a
// float32's square is exact in float64). On AMD's Zen 4 they run on the
// multiply pipes, beside the conversions, which share the adders' pipes:
// a sum of 1024 elements takes 33 ns instead of the adds' 41.
#define termValue(t, acc) VFMADD231PD Z31, t, acc
#define termSquare(t, acc) VFMADD231PD t, t, acc
#define termAbs(t, acc) \
	VPANDQ Z30, t, t \
	VFMADD231PD Z31, t, acc
#define termNonNaN(t, acc) \
	VCMPPD $0, t, t, K5 \
	VFMADD231PD Z31, t, K5, acc

// terms8 adds Z8-Z15 into the partial sums Z0-Z7.
#define terms8(TERM) \
	TERM(Z8, Z0) \
	TERM(Z9, Z1) \
	TERM(Z10, Z2) \
	TERM(Z11, Z3) \
	TERM(Z12, Z4) \
	TERM(Z13, Z5) \
	TERM(Z14, Z6) \
	TERM(Z15, Z7)

// widenTail loads the R8-AX < 64 elements left at (SI)(AX*4) widened into
// Z8-Z15, element i in lane i%8 of Z(8+i/8) and zeros past the end (the
// masked-off lanes are not read), or jumps to done when none are left. It
// uses BX, CX, K1-K4 and Z16-Z19.
#define widenTail(done) \
	MOVQ R8, CX \
	SUBQ AX, CX \
	JLE  done \
	MOVQ $1, BX \
	SHLQ CX, BX \
	DECQ BX \
	KMOVW BX, K1 \
	SHRQ $16, BX \
	KMOVW BX, K2 \
	SHRQ $16, BX \
	KMOVW BX, K3 \
	SHRQ $16, BX \
	KMOVW BX, K4 \
	VMOVUPS.Z (SI)(AX*4), K1, Z16 \
	VMOVUPS.Z 64(SI)(AX*4), K2, Z17 \
	VMOVUPS.Z 128(SI)(AX*4), K3, Z18 \
	VMOVUPS.Z 192(SI)(AX*4), K4, Z19 \
	VCVTPS2PD Y16, Z8 \
	VEXTRACTF64X4 $1, Z16, Y16 \
	VCVTPS2PD Y16, Z9 \
	VCVTPS2PD Y17, Z10 \
	VEXTRACTF64X4 $1, Z17, Y17 \
	VCVTPS2PD Y17, Z11 \
	VCVTPS2PD Y18, Z12 \
	VEXTRACTF64X4 $1, Z18, Y18 \
	VCVTPS2PD Y18, Z13 \
	VCVTPS2PD Y19, Z14 \
	VEXTRACTF64X4 $1, Z19, Y19 \
	VCVTPS2PD Y19, Z15

// sumLoop adds the R8 elements at SI into the partial sums Z0-Z7, 64 a
// time (R10 is R8 rounded down to 64), then the tail, and jumps to done.
#define sumLoop(TERM, loop, tail, done) \
loop: \
	CMPQ AX, R10 \
	JGE  tail \
	VCVTPS2PD (SI)(AX*4), Z8 \
	VCVTPS2PD 32(SI)(AX*4), Z9 \
	VCVTPS2PD 64(SI)(AX*4), Z10 \
	VCVTPS2PD 96(SI)(AX*4), Z11 \
	VCVTPS2PD 128(SI)(AX*4), Z12 \
	VCVTPS2PD 160(SI)(AX*4), Z13 \
	VCVTPS2PD 192(SI)(AX*4), Z14 \
	VCVTPS2PD 224(SI)(AX*4), Z15 \
	terms8(TERM) \
	ADDQ $64, AX \
	JMP  loop \
tail: \
	widenTail(done) \
	terms8(TERM) \
	JMP  done

// func sumOfF64AVX512(x *float32, n int, term Acc64) float64
TEXT ·sumOfF64AVX512(SB), NOSPLIT, $0-32
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), R8
	MOVBQZX term+16(FP), R9
	MOVQ    $0x7fffffffffffffff, BX
	VPBROADCASTQ BX, Z30
	MOVQ    $0x3ff0000000000000, BX
	VPBROADCASTQ BX, Z31
	VPXORQ  Z0, Z0, Z0
	VPXORQ  Z1, Z1, Z1
	VPXORQ  Z2, Z2, Z2
	VPXORQ  Z3, Z3, Z3
	VPXORQ  Z4, Z4, Z4
	VPXORQ  Z5, Z5, Z5
	VPXORQ  Z6, Z6, Z6
	VPXORQ  Z7, Z7, Z7
	XORQ    AX, AX
	MOVQ    R8, R10
	ANDQ    $-64, R10
	CMPQ    R9, $1
	JEQ     sum_square
	CMPQ    R9, $2
	JEQ     sum_abs
	CMPQ    R9, $3
	JEQ     sum_nonnan
	sumLoop(termValue, sum_value_loop, sum_value_tail, sum_combine)

sum_square:
	sumLoop(termSquare, sum_square_loop, sum_square_tail, sum_combine)

sum_abs:
	sumLoop(termAbs, sum_abs_loop, sum_abs_tail, sum_combine)

sum_nonnan:
	sumLoop(termNonNaN, sum_nonnan_loop, sum_nonnan_tail, sum_combine)

sum_combine:
	// The fixed tree of sumCombine: lane-wise over the eight registers,
	// then halving the lanes.
	VADDPD Z1, Z0, Z0
	VADDPD Z3, Z2, Z2
	VADDPD Z5, Z4, Z4
	VADDPD Z7, Z6, Z6
	VADDPD Z2, Z0, Z0
	VADDPD Z6, Z4, Z4
	VADDPD Z4, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VPERMILPD $1, X0, X1
	VADDSD X1, X0, X0
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// rowsLoop adds term(x[r·stride+j]) into acc[j] for the R8 columns at
// DI (acc) and SI (x) and the R11 > 0 rows R12 bytes apart, row by row:
// 32 columns a time (R10 is R8 rounded down to 32) held in Z0-Z3 over
// all the rows, then 16 a time under lane masks (masked-off lanes
// neither read nor written); then jumps to done.
#define rowsLoop(TERM, strip, row, tail, tailrow, done) \
strip: \
	CMPQ AX, R10 \
	JGE  tail \
	VMOVUPD (DI)(AX*8), Z0 \
	VMOVUPD 64(DI)(AX*8), Z1 \
	VMOVUPD 128(DI)(AX*8), Z2 \
	VMOVUPD 192(DI)(AX*8), Z3 \
	LEAQ (SI)(AX*4), DX \
	MOVQ R11, CX \
row: \
	VCVTPS2PD (DX), Z8 \
	VCVTPS2PD 32(DX), Z9 \
	VCVTPS2PD 64(DX), Z10 \
	VCVTPS2PD 96(DX), Z11 \
	TERM(Z8, Z0) \
	TERM(Z9, Z1) \
	TERM(Z10, Z2) \
	TERM(Z11, Z3) \
	ADDQ R12, DX \
	DECQ CX \
	JNZ  row \
	VMOVUPD Z0, (DI)(AX*8) \
	VMOVUPD Z1, 64(DI)(AX*8) \
	VMOVUPD Z2, 128(DI)(AX*8) \
	VMOVUPD Z3, 192(DI)(AX*8) \
	ADDQ $32, AX \
	JMP  strip \
tail: \
	MOVQ R8, CX \
	SUBQ AX, CX \
	JLE  done \
	MOVQ $16, DX \
	CMPQ CX, DX \
	CMOVQGT DX, CX \
	MOVQ $1, BX \
	SHLQ CX, BX \
	DECQ BX \
	KMOVW BX, K1 \
	KMOVW BX, K2 \
	SHRQ $8, BX \
	KMOVW BX, K3 \
	VMOVUPD.Z (DI)(AX*8), K2, Z0 \
	VMOVUPD.Z 64(DI)(AX*8), K3, Z1 \
	LEAQ (SI)(AX*4), DX \
	MOVQ R11, CX \
tailrow: \
	VMOVUPS.Z (DX), K1, Z16 \
	VCVTPS2PD Y16, Z8 \
	VEXTRACTF64X4 $1, Z16, Y16 \
	VCVTPS2PD Y16, Z9 \
	TERM(Z8, Z0) \
	TERM(Z9, Z1) \
	ADDQ R12, DX \
	DECQ CX \
	JNZ  tailrow \
	VMOVUPD Z0, K2, (DI)(AX*8) \
	VMOVUPD Z1, K3, 64(DI)(AX*8) \
	ADDQ $16, AX \
	JMP  tail

// func addRowsOfF64AVX512(acc *float64, x *float32, n, rows, stride int, term Acc64)
TEXT ·addRowsOfF64AVX512(SB), NOSPLIT, $0-41
	MOVQ    acc+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    n+16(FP), R8
	MOVQ    rows+24(FP), R11
	MOVQ    stride+32(FP), R12
	SHLQ    $2, R12
	MOVBQZX term+40(FP), R9
	MOVQ    $0x7fffffffffffffff, BX
	VPBROADCASTQ BX, Z30
	MOVQ    $0x3ff0000000000000, BX
	VPBROADCASTQ BX, Z31
	XORQ    AX, AX
	MOVQ    R8, R10
	ANDQ    $-32, R10
	CMPQ    R9, $1
	JEQ     rows_square
	CMPQ    R9, $2
	JEQ     rows_abs
	CMPQ    R9, $3
	JEQ     rows_nonnan
	rowsLoop(termValue, rows_value_strip, rows_value_row, rows_value_tail, rows_value_tailrow, rows_done)

rows_square:
	rowsLoop(termSquare, rows_square_strip, rows_square_row, rows_square_tail, rows_square_tailrow, rows_done)

rows_abs:
	rowsLoop(termAbs, rows_abs_strip, rows_abs_row, rows_abs_tail, rows_abs_tailrow, rows_done)

rows_nonnan:
	rowsLoop(termNonNaN, rows_nonnan_strip, rows_nonnan_row, rows_nonnan_tail, rows_nonnan_tailrow, rows_done)

rows_done:
	VZEROUPPER
	RET
