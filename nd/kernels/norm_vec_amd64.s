//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"

// The normalization loops of norm_vec.go. AX is the element index, R8
// the length, R9 the end of the unmasked blocks.
//
// Row sums: 32 elements per step in four 8-element chunks; chunk k goes
// to accumulator k (Z0-Z3, and Z4-Z7 for a second sum), float64 lanes.
// The last partial step runs the same chunks under the masks K1, K2, K4,
// K5 (loads zero-masked, accumulators merge-masked), then reduceLanes
// combines the accumulators in norm_vec.go's order.
//
// Column sums (a rows×cols block, rows stride elements apart): 32 columns
// at a time, their float64 sums in registers while a loop runs down the
// rows; the last partial chunk runs under masks. The elementwise column
// loops go along the rows (see colsSetup). Row elementwise loops: 32 per
// step, the rest 16 at a time under tailMask's K3.

// quadMask sets K1, K2, K4, K5 to the lanes of the four 8-element chunks
// of the R8-AX < 32 elements left, and jumps to done when none are left;
// it uses BX and CX.
#define quadMask(done) \
	MOVQ  R8, CX \
	SUBQ  AX, CX \
	JLE   done \
	MOVQ  $1, BX \
	SHLQ  CX, BX \
	DECQ  BX \
	KMOVW BX, K1 \
	SHRQ  $8, BX \
	KMOVW BX, K2 \
	SHRQ  $8, BX \
	KMOVW BX, K4 \
	SHRQ  $8, BX \
	KMOVW BX, K5

// reduceLanes leaves in the low lane of x0 ((a0+a1)+(a2+a3)) summed over
// its eight lanes as l+4, then l+2, then 0+1; y0/x0 name a0's lower
// halves, y1/x1 a1's.
#define reduceLanes(a0, a1, a2, a3, y0, y1, x0, x1) \
	VADDPD        a1, a0, a0 \
	VADDPD        a3, a2, a2 \
	VADDPD        a2, a0, a0 \
	VEXTRACTF64X4 $1, a0, y1 \
	VADDPD        y1, y0, y0 \
	VEXTRACTF128  $1, y0, x1 \
	VADDPD        x1, x0, x0 \
	VPERMILPD     $1, x0, x1 \
	VADDSD        x1, x0, x0

#define zeroAcc4(a0, a1, a2, a3) \
	VPXORQ a0, a0, a0 \
	VPXORQ a1, a1, a1 \
	VPXORQ a2, a2, a2 \
	VPXORQ a3, a3, a3

// func normSum32AVX512(x *float32, n int) float64
TEXT ·normSum32AVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), R8
	zeroAcc4(Z0, Z1, Z2, Z3)
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  sum_tail

sum_loop:
	VCVTPS2PD (SI)(AX*4), Z4
	VCVTPS2PD 32(SI)(AX*4), Z5
	VCVTPS2PD 64(SI)(AX*4), Z6
	VCVTPS2PD 96(SI)(AX*4), Z7
	VADDPD    Z4, Z0, Z0
	VADDPD    Z5, Z1, Z1
	VADDPD    Z6, Z2, Z2
	VADDPD    Z7, Z3, Z3
	ADDQ      $32, AX
	CMPQ      AX, R9
	JLT       sum_loop

sum_tail:
	quadMask(sum_done)
	VMOVUPS.Z (SI)(AX*4), K1, Y4
	VMOVUPS.Z 32(SI)(AX*4), K2, Y5
	VMOVUPS.Z 64(SI)(AX*4), K4, Y6
	VMOVUPS.Z 96(SI)(AX*4), K5, Y7
	VCVTPS2PD Y4, Z4
	VCVTPS2PD Y5, Z5
	VCVTPS2PD Y6, Z6
	VCVTPS2PD Y7, Z7
	VADDPD    Z4, Z0, K1, Z0
	VADDPD    Z5, Z1, K2, Z1
	VADDPD    Z6, Z2, K4, Z2
	VADDPD    Z7, Z3, K5, Z3

sum_done:
	reduceLanes(Z0, Z1, Z2, Z3, Y0, Y1, X0, X1)
	VMOVSD X0, ret+16(FP)
	VZEROUPPER
	RET

// sqDevChunk adds the squared deviations from Z31 of the 8 floats at
// off(SI)(AX*4) to acc.
#define sqDevChunk(off, acc, t) \
	VCVTPS2PD off(SI)(AX*4), t \
	VSUBPD    Z31, t, t \
	VMULPD    t, t, t \
	VADDPD    t, acc, acc

// sqDevTail is sqDevChunk under the mask k.
#define sqDevTail(off, k, acc, ty, t) \
	VMOVUPS.Z off(SI)(AX*4), k, ty \
	VCVTPS2PD ty, t \
	VSUBPD    Z31, t, t \
	VMULPD    t, t, t \
	VADDPD    t, acc, k, acc

// func normSqDev32AVX512(x *float32, n int, m float64) float64
TEXT ·normSqDev32AVX512(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), R8
	VBROADCASTSD m+16(FP), Z31
	zeroAcc4(Z0, Z1, Z2, Z3)
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  sqdev_tail

sqdev_loop:
	sqDevChunk(0, Z0, Z4)
	sqDevChunk(32, Z1, Z5)
	sqDevChunk(64, Z2, Z6)
	sqDevChunk(96, Z3, Z7)
	ADDQ $32, AX
	CMPQ AX, R9
	JLT  sqdev_loop

sqdev_tail:
	quadMask(sqdev_done)
	sqDevTail(0, K1, Z0, Y4, Z4)
	sqDevTail(32, K2, Z1, Y5, Z5)
	sqDevTail(64, K4, Z2, Y6, Z6)
	sqDevTail(96, K5, Z3, Y7, Z7)

sqdev_done:
	reduceLanes(Z0, Z1, Z2, Z3, Y0, Y1, X0, X1)
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// dotChunk adds the 8 gradients at off(DX)(AX*4) to sg and their
// products with x - m (x at off(SI)(AX*4), m in Y31) to sgx.
#define dotChunk(off, sg, sgx, t, u, uy) \
	VCVTPS2PD off(DX)(AX*4), t \
	VADDPD    t, sg, sg \
	VMOVUPS   off(SI)(AX*4), uy \
	VSUBPS    Y31, uy, uy \
	VMULPS    off(DX)(AX*4), uy, uy \
	VCVTPS2PD uy, u \
	VADDPD    u, sgx, sgx

// dotTail is dotChunk under the mask k.
#define dotTail(off, k, sg, sgx, t, ty, u, uy, g) \
	VMOVUPS.Z off(DX)(AX*4), k, g \
	VCVTPS2PD g, t \
	VADDPD    t, sg, k, sg \
	VMOVUPS.Z off(SI)(AX*4), k, uy \
	VSUBPS    Y31, uy, uy \
	VMULPS    g, uy, uy \
	VCVTPS2PD uy, u \
	VADDPD    u, sgx, k, sgx

// func normDotSums32AVX512(gy, x *float32, n int, m float32) (sg, sgx float64)
TEXT ·normDotSums32AVX512(SB), NOSPLIT, $0-48
	MOVQ         gy+0(FP), DX
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), R8
	VBROADCASTSS m+24(FP), Z31
	zeroAcc4(Z0, Z1, Z2, Z3)
	zeroAcc4(Z4, Z5, Z6, Z7)
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  dot_tail

dot_loop:
	dotChunk(0, Z0, Z4, Z8, Z9, Y9)
	dotChunk(32, Z1, Z5, Z10, Z11, Y11)
	dotChunk(64, Z2, Z6, Z12, Z13, Y13)
	dotChunk(96, Z3, Z7, Z14, Z15, Y15)
	ADDQ $32, AX
	CMPQ AX, R9
	JLT  dot_loop

dot_tail:
	quadMask(dot_done)
	dotTail(0, K1, Z0, Z4, Z8, Y8, Z9, Y9, Y16)
	dotTail(32, K2, Z1, Z5, Z10, Y10, Z11, Y11, Y17)
	dotTail(64, K4, Z2, Z6, Z12, Y12, Z13, Y13, Y18)
	dotTail(96, K5, Z3, Z7, Z14, Y14, Z15, Y15, Y19)

dot_done:
	reduceLanes(Z0, Z1, Z2, Z3, Y0, Y1, X0, X1)
	reduceLanes(Z4, Z5, Z6, Z7, Y4, Y5, X4, X5)
	VMOVSD X0, sg+32(FP)
	VMOVSD X4, sgx+40(FP)
	VZEROUPPER
	RET

// rowBackChunk is one 8-element chunk of normRowBackSums32: x at
// off(SI), gy at off(DX), gamma at off(R11); m in Y30, r in Y31.
#define rowBackChunk(off, s1, s2) \
	VMOVUPS   off(SI)(AX*4), Y8 \
	VSUBPS    Y30, Y8, Y8 \
	VMULPS    Y31, Y8, Y8 \
	VMOVUPS   off(DX)(AX*4), Y9 \
	VMULPS    off(R11)(AX*4), Y9, Y10 \
	VCVTPS2PD Y10, Z11 \
	VADDPD    Z11, s1, s1 \
	VMULPS    Y8, Y10, Y10 \
	VCVTPS2PD Y10, Z11 \
	VADDPD    Z11, s2, s2

// rowBackTail is rowBackChunk under the mask k.
#define rowBackTail(off, k, s1, s2) \
	VMOVUPS.Z off(SI)(AX*4), k, Y8 \
	VSUBPS    Y30, Y8, Y8 \
	VMULPS    Y31, Y8, Y8 \
	VMOVUPS.Z off(DX)(AX*4), k, Y9 \
	VMOVUPS.Z off(R11)(AX*4), k, Y13 \
	VMULPS    Y13, Y9, Y10 \
	VCVTPS2PD Y10, Z11 \
	VADDPD    Z11, s1, k, s1 \
	VMULPS    Y8, Y10, Y10 \
	VCVTPS2PD Y10, Z11 \
	VADDPD    Z11, s2, k, s2

// func normRowBackSums32AVX512(gy, x, gamma *float32, n int, m, r float32) (s1, s2 float64)
TEXT ·normRowBackSums32AVX512(SB), NOSPLIT, $0-56
	MOVQ         gy+0(FP), DX
	MOVQ         x+8(FP), SI
	MOVQ         gamma+16(FP), R11
	MOVQ         n+24(FP), R8
	VBROADCASTSS m+32(FP), Z30
	VBROADCASTSS r+36(FP), Z31
	zeroAcc4(Z0, Z1, Z2, Z3)
	zeroAcc4(Z4, Z5, Z6, Z7)
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  rowback_tail

rowback_loop:
	rowBackChunk(0, Z0, Z4)
	rowBackChunk(32, Z1, Z5)
	rowBackChunk(64, Z2, Z6)
	rowBackChunk(96, Z3, Z7)
	ADDQ $32, AX
	CMPQ AX, R9
	JLT  rowback_loop

rowback_tail:
	quadMask(rowback_done)
	rowBackTail(0, K1, Z0, Z4)
	rowBackTail(32, K2, Z1, Z5)
	rowBackTail(64, K4, Z2, Z6)
	rowBackTail(96, K5, Z3, Z7)

rowback_done:
	reduceLanes(Z0, Z1, Z2, Z3, Y0, Y1, X0, X1)
	reduceLanes(Z4, Z5, Z6, Z7, Y4, Y5, X4, X5)
	VMOVSD X0, s1+40(FP)
	VMOVSD X4, s2+48(FP)
	VZEROUPPER
	RET

// The column loops. AX is the first column of the chunk, R8 the column
// count, R9 the row stride in bytes, R10 the byte offset of the chunk in
// the current row, BX the rows left.

// nextChunk jumps to tail unless a whole chunk of 32 columns is left at
// AX; it uses CX.
#define nextChunk(tail) \
	LEAQ 32(AX), CX \
	CMPQ CX, R8 \
	JGT  tail

// rowsStart points R10 at the chunk in the first row; the caller then
// sets BX to the row count.
#define rowsStart \
	MOVQ AX, R10 \
	SHLQ $2, R10

// rowsNext steps R10 to the next row and loops to row while rows are
// left.
#define rowsNext(row) \
	ADDQ R9, R10 \
	DECQ BX \
	JNZ  row

#define loadAcc4(p, a0, a1, a2, a3) \
	VMOVUPD (p)(AX*8), a0 \
	VMOVUPD 64(p)(AX*8), a1 \
	VMOVUPD 128(p)(AX*8), a2 \
	VMOVUPD 192(p)(AX*8), a3

#define storeAcc4(p, a0, a1, a2, a3) \
	VMOVUPD a0, (p)(AX*8) \
	VMOVUPD a1, 64(p)(AX*8) \
	VMOVUPD a2, 128(p)(AX*8) \
	VMOVUPD a3, 192(p)(AX*8)

#define loadAcc4Masked(p, a0, a1, a2, a3) \
	VMOVUPD.Z (p)(AX*8), K1, a0 \
	VMOVUPD.Z 64(p)(AX*8), K2, a1 \
	VMOVUPD.Z 128(p)(AX*8), K4, a2 \
	VMOVUPD.Z 192(p)(AX*8), K5, a3

#define storeAcc4Masked(p, a0, a1, a2, a3) \
	VMOVUPD a0, K1, (p)(AX*8) \
	VMOVUPD a1, K2, 64(p)(AX*8) \
	VMOVUPD a2, K4, 128(p)(AX*8) \
	VMOVUPD a3, K5, 192(p)(AX*8)

// The tails of the float64 column loops leave garbage (sums of zeros and
// whatever masked-off lanes compute) in lanes they never store.

// func normColSums32AVX512(acc *float64, x *float32, cols, rows, stride int)
TEXT ·normColSums32AVX512(SB), NOSPLIT, $0-40
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ cols+16(FP), R8
	MOVQ stride+32(FP), R9
	SHLQ $2, R9
	XORQ AX, AX

colsums_chunk:
	nextChunk(colsums_tail)
	loadAcc4(DI, Z0, Z1, Z2, Z3)
	rowsStart
	MOVQ rows+24(FP), BX

colsums_row:
	VCVTPS2PD (SI)(R10*1), Z4
	VCVTPS2PD 32(SI)(R10*1), Z5
	VCVTPS2PD 64(SI)(R10*1), Z6
	VCVTPS2PD 96(SI)(R10*1), Z7
	VADDPD    Z4, Z0, Z0
	VADDPD    Z5, Z1, Z1
	VADDPD    Z6, Z2, Z2
	VADDPD    Z7, Z3, Z3
	rowsNext(colsums_row)
	storeAcc4(DI, Z0, Z1, Z2, Z3)
	ADDQ $32, AX
	JMP  colsums_chunk

colsums_tail:
	quadMask(colsums_done)
	loadAcc4Masked(DI, Z0, Z1, Z2, Z3)
	rowsStart
	MOVQ rows+24(FP), BX

colsums_tail_row:
	VMOVUPS.Z (SI)(R10*1), K1, Y4
	VMOVUPS.Z 32(SI)(R10*1), K2, Y5
	VMOVUPS.Z 64(SI)(R10*1), K4, Y6
	VMOVUPS.Z 96(SI)(R10*1), K5, Y7
	VCVTPS2PD Y4, Z4
	VCVTPS2PD Y5, Z5
	VCVTPS2PD Y6, Z6
	VCVTPS2PD Y7, Z7
	VADDPD    Z4, Z0, Z0
	VADDPD    Z5, Z1, Z1
	VADDPD    Z6, Z2, Z2
	VADDPD    Z7, Z3, Z3
	rowsNext(colsums_tail_row)
	storeAcc4Masked(DI, Z0, Z1, Z2, Z3)

colsums_done:
	VZEROUPPER
	RET

// colSqDev adds the squared deviations of 8 columns at off(SI)(R10*1)
// from the float64 means in m to acc.
#define colSqDev(off, m, acc, t) \
	VCVTPS2PD off(SI)(R10*1), t \
	VSUBPD    m, t, t \
	VMULPD    t, t, t \
	VADDPD    t, acc, acc

#define colSqDevMasked(off, k, m, acc, ty, t) \
	VMOVUPS.Z off(SI)(R10*1), k, ty \
	VCVTPS2PD ty, t \
	VSUBPD    m, t, t \
	VMULPD    t, t, t \
	VADDPD    t, acc, acc

// func normColSqDevs32AVX512(acc *float64, x *float32, m *float64, cols, rows, stride int)
TEXT ·normColSqDevs32AVX512(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ cols+24(FP), R8
	MOVQ stride+40(FP), R9
	SHLQ $2, R9
	XORQ AX, AX

colsq_chunk:
	nextChunk(colsq_tail)
	loadAcc4(DI, Z0, Z1, Z2, Z3)
	loadAcc4(DX, Z8, Z9, Z10, Z11)
	rowsStart
	MOVQ rows+32(FP), BX

colsq_row:
	colSqDev(0, Z8, Z0, Z4)
	colSqDev(32, Z9, Z1, Z5)
	colSqDev(64, Z10, Z2, Z6)
	colSqDev(96, Z11, Z3, Z7)
	rowsNext(colsq_row)
	storeAcc4(DI, Z0, Z1, Z2, Z3)
	ADDQ $32, AX
	JMP  colsq_chunk

colsq_tail:
	quadMask(colsq_done)
	loadAcc4Masked(DI, Z0, Z1, Z2, Z3)
	loadAcc4Masked(DX, Z8, Z9, Z10, Z11)
	rowsStart
	MOVQ rows+32(FP), BX

colsq_tail_row:
	colSqDevMasked(0, K1, Z8, Z0, Y4, Z4)
	colSqDevMasked(32, K2, Z9, Z1, Y5, Z5)
	colSqDevMasked(64, K4, Z10, Z2, Y6, Z6)
	colSqDevMasked(96, K5, Z11, Z3, Y7, Z7)
	rowsNext(colsq_tail_row)
	storeAcc4Masked(DI, Z0, Z1, Z2, Z3)

colsq_done:
	VZEROUPPER
	RET

// colDot adds 8 columns of a row: sg += gy (off(DX)(R10*1)); sgx +=
// gy·(x (off(SI)(R10*1)) - m (float32, my)).
#define colDot(off, my, sg, sgx, t, u, uy) \
	VCVTPS2PD off(DX)(R10*1), t \
	VADDPD    t, sg, sg \
	VMOVUPS   off(SI)(R10*1), uy \
	VSUBPS    my, uy, uy \
	VMULPS    off(DX)(R10*1), uy, uy \
	VCVTPS2PD uy, u \
	VADDPD    u, sgx, sgx

#define colDotMasked(off, k, my, sg, sgx, t, u, uy, g) \
	VMOVUPS.Z off(DX)(R10*1), k, g \
	VCVTPS2PD g, t \
	VADDPD    t, sg, sg \
	VMOVUPS.Z off(SI)(R10*1), k, uy \
	VSUBPS    my, uy, uy \
	VMULPS    g, uy, uy \
	VCVTPS2PD uy, u \
	VADDPD    u, sgx, sgx

// func normColDotSums32AVX512(sg, sgx *float64, gy, x, m *float32, cols, rows, stride int)
TEXT ·normColDotSums32AVX512(SB), NOSPLIT, $0-64
	MOVQ sg+0(FP), DI
	MOVQ sgx+8(FP), R12
	MOVQ gy+16(FP), DX
	MOVQ x+24(FP), SI
	MOVQ m+32(FP), R11
	MOVQ cols+40(FP), R8
	MOVQ stride+56(FP), R9
	SHLQ $2, R9
	XORQ AX, AX

coldot_chunk:
	nextChunk(coldot_tail)
	loadAcc4(DI, Z0, Z1, Z2, Z3)
	loadAcc4(R12, Z4, Z5, Z6, Z7)
	VMOVUPS (R11)(AX*4), Y8
	VMOVUPS 32(R11)(AX*4), Y9
	VMOVUPS 64(R11)(AX*4), Y10
	VMOVUPS 96(R11)(AX*4), Y11
	rowsStart
	MOVQ rows+48(FP), BX

coldot_row:
	colDot(0, Y8, Z0, Z4, Z12, Z13, Y13)
	colDot(32, Y9, Z1, Z5, Z14, Z15, Y15)
	colDot(64, Y10, Z2, Z6, Z16, Z17, Y17)
	colDot(96, Y11, Z3, Z7, Z18, Z19, Y19)
	rowsNext(coldot_row)
	storeAcc4(DI, Z0, Z1, Z2, Z3)
	storeAcc4(R12, Z4, Z5, Z6, Z7)
	ADDQ $32, AX
	JMP  coldot_chunk

coldot_tail:
	quadMask(coldot_done)
	loadAcc4Masked(DI, Z0, Z1, Z2, Z3)
	loadAcc4Masked(R12, Z4, Z5, Z6, Z7)
	VMOVUPS.Z (R11)(AX*4), K1, Y8
	VMOVUPS.Z 32(R11)(AX*4), K2, Y9
	VMOVUPS.Z 64(R11)(AX*4), K4, Y10
	VMOVUPS.Z 96(R11)(AX*4), K5, Y11
	rowsStart
	MOVQ rows+48(FP), BX

coldot_tail_row:
	colDotMasked(0, K1, Y8, Z0, Z4, Z12, Z13, Y13, Y20)
	colDotMasked(32, K2, Y9, Z1, Z5, Z14, Z15, Y15, Y21)
	colDotMasked(64, K4, Y10, Z2, Z6, Z16, Z17, Y17, Y22)
	colDotMasked(96, K5, Y11, Z3, Z7, Z18, Z19, Y19, Y23)
	rowsNext(coldot_tail_row)
	storeAcc4Masked(DI, Z0, Z1, Z2, Z3)
	storeAcc4Masked(R12, Z4, Z5, Z6, Z7)

coldot_done:
	VZEROUPPER
	RET

// paramGrad adds 8 columns of a row: with x̂ = (x (off(SI)(R10*1)) - m
// (Y30))·r (Y31), dg += gy (off(DX)(R10*1))·x̂ and db += gy.
#define paramGrad(off, dg, db, xy, gy, p, pz, gz) \
	VMOVUPS   off(SI)(R10*1), xy \
	VSUBPS    Y30, xy, xy \
	VMULPS    Y31, xy, xy \
	VMOVUPS   off(DX)(R10*1), gy \
	VMULPS    xy, gy, p \
	VCVTPS2PD p, pz \
	VADDPD    pz, dg, dg \
	VCVTPS2PD gy, gz \
	VADDPD    gz, db, db

#define paramGradMasked(off, k, dg, db, xy, gy, p, pz, gz) \
	VMOVUPS.Z off(SI)(R10*1), k, xy \
	VSUBPS    Y30, xy, xy \
	VMULPS    Y31, xy, xy \
	VMOVUPS.Z off(DX)(R10*1), k, gy \
	VMULPS    xy, gy, p \
	VCVTPS2PD p, pz \
	VADDPD    pz, dg, dg \
	VCVTPS2PD gy, gz \
	VADDPD    gz, db, db

// func normRowParamGrads32AVX512(dg, db *float64, gy, x, m, r *float32, cols, rows, stride int)
TEXT ·normRowParamGrads32AVX512(SB), NOSPLIT, $0-72
	MOVQ dg+0(FP), DI
	MOVQ db+8(FP), R12
	MOVQ gy+16(FP), DX
	MOVQ x+24(FP), SI
	MOVQ cols+48(FP), R8
	MOVQ stride+64(FP), R9
	SHLQ $2, R9
	XORQ AX, AX

pgrad_chunk:
	nextChunk(pgrad_tail)
	loadAcc4(DI, Z0, Z1, Z2, Z3)
	loadAcc4(R12, Z4, Z5, Z6, Z7)
	rowsStart
	MOVQ rows+56(FP), BX
	MOVQ m+32(FP), R11
	MOVQ r+40(FP), R13

pgrad_row:
	VBROADCASTSS (R11), Z30
	VBROADCASTSS (R13), Z31
	paramGrad(0, Z0, Z4, Y8, Y9, Y10, Z10, Z9)
	paramGrad(32, Z1, Z5, Y11, Y12, Y13, Z13, Z12)
	paramGrad(64, Z2, Z6, Y14, Y15, Y16, Z16, Z15)
	paramGrad(96, Z3, Z7, Y17, Y18, Y19, Z19, Z18)
	ADDQ $4, R11
	ADDQ $4, R13
	rowsNext(pgrad_row)
	storeAcc4(DI, Z0, Z1, Z2, Z3)
	storeAcc4(R12, Z4, Z5, Z6, Z7)
	ADDQ $32, AX
	JMP  pgrad_chunk

pgrad_tail:
	quadMask(pgrad_done)
	loadAcc4Masked(DI, Z0, Z1, Z2, Z3)
	loadAcc4Masked(R12, Z4, Z5, Z6, Z7)
	rowsStart
	MOVQ rows+56(FP), BX
	MOVQ m+32(FP), R11
	MOVQ r+40(FP), R13

pgrad_tail_row:
	VBROADCASTSS (R11), Z30
	VBROADCASTSS (R13), Z31
	paramGradMasked(0, K1, Z0, Z4, Y8, Y9, Y10, Z10, Z9)
	paramGradMasked(32, K2, Z1, Z5, Y11, Y12, Y13, Z13, Z12)
	paramGradMasked(64, K4, Z2, Z6, Y14, Y15, Y16, Z16, Z15)
	paramGradMasked(96, K5, Z3, Z7, Y17, Y18, Y19, Z19, Z18)
	ADDQ $4, R11
	ADDQ $4, R13
	rowsNext(pgrad_tail_row)
	storeAcc4Masked(DI, Z0, Z1, Z2, Z3)
	storeAcc4Masked(R12, Z4, Z5, Z6, Z7)

pgrad_done:
	VZEROUPPER
	RET

// func normRow32AVX512(y, x *float32, n int, m, r, gam, b float32)
TEXT ·normRow32AVX512(SB), NOSPLIT, $0-40
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), R8
	VBROADCASTSS m+24(FP), Z28
	VBROADCASTSS r+28(FP), Z29
	VBROADCASTSS gam+32(FP), Z30
	VBROADCASTSS b+36(FP), Z31
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  row_tail

row_loop:
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z1
	VSUBPS  Z28, Z0, Z0
	VSUBPS  Z28, Z1, Z1
	VMULPS  Z29, Z0, Z0
	VMULPS  Z29, Z1, Z1
	VMULPS  Z30, Z0, Z0
	VMULPS  Z30, Z1, Z1
	VADDPS  Z31, Z0, Z0
	VADDPS  Z31, Z1, Z1
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z1, 64(DI)(AX*4)
	ADDQ    $32, AX
	CMPQ    AX, R9
	JLT     row_loop

row_tail:
	tailMask(row_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VSUBPS    Z28, Z0, Z0
	VMULPS    Z29, Z0, Z0
	VMULPS    Z30, Z0, Z0
	VADDPS    Z31, Z0, Z0
	VMOVUPS   Z0, K3, (DI)(AX*4)
	ADDQ      $16, AX
	JMP       row_tail

row_done:
	VZEROUPPER
	RET

// func normRowAffine32AVX512(y, x, gamma, beta *float32, n int, m, r float32)
TEXT ·normRowAffine32AVX512(SB), NOSPLIT, $0-48
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         gamma+16(FP), R11
	MOVQ         beta+24(FP), R12
	MOVQ         n+32(FP), R8
	VBROADCASTSS m+40(FP), Z30
	VBROADCASTSS r+44(FP), Z31
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  affine_tail

affine_loop:
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z1
	VSUBPS  Z30, Z0, Z0
	VSUBPS  Z30, Z1, Z1
	VMULPS  Z31, Z0, Z0
	VMULPS  Z31, Z1, Z1
	VMULPS  (R11)(AX*4), Z0, Z0
	VMULPS  64(R11)(AX*4), Z1, Z1
	VADDPS  (R12)(AX*4), Z0, Z0
	VADDPS  64(R12)(AX*4), Z1, Z1
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z1, 64(DI)(AX*4)
	ADDQ    $32, AX
	CMPQ    AX, R9
	JLT     affine_loop

affine_tail:
	tailMask(affine_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VMOVUPS.Z (R11)(AX*4), K3, Z1
	VMOVUPS.Z (R12)(AX*4), K3, Z2
	VSUBPS    Z30, Z0, Z0
	VMULPS    Z31, Z0, Z0
	VMULPS    Z1, Z0, Z0
	VADDPS    Z2, Z0, Z0
	VMOVUPS   Z0, K3, (DI)(AX*4)
	ADDQ      $16, AX
	JMP       affine_tail

affine_done:
	VZEROUPPER
	RET

// The elementwise column loops go row by row, 16 columns at a time with
// the per-column vectors read from memory (they stay in the L1 cache),
// the last cols%16 under K3; stores run along the rows, which a loop down
// the columns (as the sums') would scatter over a line per row. R10 is
// the columns of the unmasked steps, BX the rows left.

// colsSetup sets R10 to cols&^15 and K3 to the lanes of cols%16; it uses
// CX.
#define colsSetup \
	MOVQ  R8, R10 \
	ANDQ  $-16, R10 \
	MOVQ  R8, CX \
	ANDQ  $15, CX \
	MOVL  $1, AX \
	SHLL  CX, AX \
	DECL  AX \
	KMOVW AX, K3

// func normCols32AVX512(y, x, m, r, gam, b *float32, cols, rows, stride int)
TEXT ·normCols32AVX512(SB), NOSPLIT, $0-72
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ m+16(FP), R11
	MOVQ r+24(FP), R12
	MOVQ gam+32(FP), R13
	MOVQ b+40(FP), R14
	MOVQ cols+48(FP), R8
	MOVQ rows+56(FP), BX
	MOVQ stride+64(FP), R9
	SHLQ $2, R9
	colsSetup

cols_row:
	XORQ AX, AX
	CMPQ R10, $0
	JEQ  cols_tail

cols_loop:
	VMOVUPS (SI)(AX*4), Z0
	VSUBPS  (R11)(AX*4), Z0, Z0
	VMULPS  (R12)(AX*4), Z0, Z0
	VMULPS  (R13)(AX*4), Z0, Z0
	VADDPS  (R14)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, R10
	JLT     cols_loop

cols_tail:
	CMPQ      AX, R8
	JGE       cols_next
	VMOVUPS.Z (SI)(AX*4), K3, Z0
	VMOVUPS.Z (R11)(AX*4), K3, Z1
	VMOVUPS.Z (R12)(AX*4), K3, Z2
	VMOVUPS.Z (R13)(AX*4), K3, Z3
	VMOVUPS.Z (R14)(AX*4), K3, Z4
	VSUBPS    Z1, Z0, Z0
	VMULPS    Z2, Z0, Z0
	VMULPS    Z3, Z0, Z0
	VADDPS    Z4, Z0, Z0
	VMOVUPS   Z0, K3, (DI)(AX*4)

cols_next:
	ADDQ R9, SI
	ADDQ R9, DI
	DECQ BX
	JNZ  cols_row
	VZEROUPPER
	RET

// func normBackRow32AVX512(dx, gy, x *float32, n int, ga, m, b, c float32)
TEXT ·normBackRow32AVX512(SB), NOSPLIT, $0-48
	MOVQ         dx+0(FP), DI
	MOVQ         gy+8(FP), DX
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), R8
	VBROADCASTSS ga+32(FP), Z28
	VBROADCASTSS m+36(FP), Z29
	VBROADCASTSS b+40(FP), Z30
	VBROADCASTSS c+44(FP), Z31
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  backrow_tail

backrow_loop:
	VMOVUPS (DX)(AX*4), Z0
	VMOVUPS 64(DX)(AX*4), Z2
	VMOVUPS (SI)(AX*4), Z1
	VMOVUPS 64(SI)(AX*4), Z3
	VMULPS  Z28, Z0, Z0
	VMULPS  Z28, Z2, Z2
	VSUBPS  Z29, Z1, Z1
	VSUBPS  Z29, Z3, Z3
	VMULPS  Z30, Z1, Z1
	VMULPS  Z30, Z3, Z3
	VADDPS  Z1, Z0, Z0
	VADDPS  Z3, Z2, Z2
	VADDPS  Z31, Z0, Z0
	VADDPS  Z31, Z2, Z2
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z2, 64(DI)(AX*4)
	ADDQ    $32, AX
	CMPQ    AX, R9
	JLT     backrow_loop

backrow_tail:
	tailMask(backrow_done)
	VMOVUPS.Z (DX)(AX*4), K3, Z0
	VMOVUPS.Z (SI)(AX*4), K3, Z1
	VMULPS    Z28, Z0, Z0
	VSUBPS    Z29, Z1, Z1
	VMULPS    Z30, Z1, Z1
	VADDPS    Z1, Z0, Z0
	VADDPS    Z31, Z0, Z0
	VMOVUPS   Z0, K3, (DI)(AX*4)
	ADDQ      $16, AX
	JMP       backrow_tail

backrow_done:
	VZEROUPPER
	RET

// func normBackRowAffine32AVX512(dx, gy, x, gamma *float32, n int, a, m, b, c float32)
TEXT ·normBackRowAffine32AVX512(SB), NOSPLIT, $0-56
	MOVQ         dx+0(FP), DI
	MOVQ         gy+8(FP), DX
	MOVQ         x+16(FP), SI
	MOVQ         gamma+24(FP), R11
	MOVQ         n+32(FP), R8
	VBROADCASTSS a+40(FP), Z28
	VBROADCASTSS m+44(FP), Z29
	VBROADCASTSS b+48(FP), Z30
	VBROADCASTSS c+52(FP), Z31
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-32, R9
	JEQ  backaff_tail

backaff_loop:
	VMOVUPS (DX)(AX*4), Z0
	VMOVUPS 64(DX)(AX*4), Z2
	VMOVUPS (SI)(AX*4), Z1
	VMOVUPS 64(SI)(AX*4), Z3
	VMULPS  (R11)(AX*4), Z0, Z0
	VMULPS  64(R11)(AX*4), Z2, Z2
	VMULPS  Z28, Z0, Z0
	VMULPS  Z28, Z2, Z2
	VSUBPS  Z29, Z1, Z1
	VSUBPS  Z29, Z3, Z3
	VMULPS  Z30, Z1, Z1
	VMULPS  Z30, Z3, Z3
	VADDPS  Z1, Z0, Z0
	VADDPS  Z3, Z2, Z2
	VADDPS  Z31, Z0, Z0
	VADDPS  Z31, Z2, Z2
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z2, 64(DI)(AX*4)
	ADDQ    $32, AX
	CMPQ    AX, R9
	JLT     backaff_loop

backaff_tail:
	tailMask(backaff_done)
	VMOVUPS.Z (DX)(AX*4), K3, Z0
	VMOVUPS.Z (SI)(AX*4), K3, Z1
	VMOVUPS.Z (R11)(AX*4), K3, Z2
	VMULPS    Z2, Z0, Z0
	VMULPS    Z28, Z0, Z0
	VSUBPS    Z29, Z1, Z1
	VMULPS    Z30, Z1, Z1
	VADDPS    Z1, Z0, Z0
	VADDPS    Z31, Z0, Z0
	VMOVUPS   Z0, K3, (DI)(AX*4)
	ADDQ      $16, AX
	JMP       backaff_tail

backaff_done:
	VZEROUPPER
	RET

// func normBackCols32AVX512(dx, gy, x, ga, m, b, c *float32, cols, rows, stride int)
TEXT ·normBackCols32AVX512(SB), NOSPLIT, $0-80
	MOVQ dx+0(FP), DI
	MOVQ gy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ ga+24(FP), R11
	MOVQ m+32(FP), R12
	MOVQ b+40(FP), R13
	MOVQ c+48(FP), R14
	MOVQ cols+56(FP), R8
	MOVQ rows+64(FP), BX
	MOVQ stride+72(FP), R9
	SHLQ $2, R9
	colsSetup

backcols_row:
	XORQ AX, AX
	CMPQ R10, $0
	JEQ  backcols_tail

backcols_loop:
	VMOVUPS (DX)(AX*4), Z0
	VMOVUPS (SI)(AX*4), Z1
	VMULPS  (R11)(AX*4), Z0, Z0
	VSUBPS  (R12)(AX*4), Z1, Z1
	VMULPS  (R13)(AX*4), Z1, Z1
	VADDPS  Z1, Z0, Z0
	VADDPS  (R14)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, R10
	JLT     backcols_loop

backcols_tail:
	CMPQ      AX, R8
	JGE       backcols_next
	VMOVUPS.Z (DX)(AX*4), K3, Z0
	VMOVUPS.Z (SI)(AX*4), K3, Z1
	VMOVUPS.Z (R11)(AX*4), K3, Z2
	VMOVUPS.Z (R12)(AX*4), K3, Z3
	VMOVUPS.Z (R13)(AX*4), K3, Z4
	VMOVUPS.Z (R14)(AX*4), K3, Z5
	VMULPS    Z2, Z0, Z0
	VSUBPS    Z3, Z1, Z1
	VMULPS    Z4, Z1, Z1
	VADDPS    Z1, Z0, Z0
	VADDPS    Z5, Z0, Z0
	VMOVUPS   Z0, K3, (DI)(AX*4)

backcols_next:
	ADDQ R9, DX
	ADDQ R9, SI
	ADDQ R9, DI
	DECQ BX
	JNZ  backcols_row
	VZEROUPPER
	RET
