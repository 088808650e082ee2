//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"
#include "exp_amd64.h"

// The short-row softmax loops of softmaxRows32Go and softmaxGradRows32Go,
// 16 whole rows (a group) at a time with row l in lane l, so that the
// maxima, the float64 sums (Z9 for rows 0-7, Z10 for rows 8-15) and their
// logs are lane-wise. The rows come in by 16×16 transposes in registers
// (16 masked row loads, 64 shuffles), a tile of 16 columns at a time, into
// buf (64-byte aligned), where column j of the group is the 64 bytes at
// 64j; the forward's results go out by the same transposes. Rows are n
// elements (R8 = 4n bytes, R9 = 12n) and the row bases of a tile are
// R10-R13 (rows 0, 4, 8, 12); K5 holds the tile's columns. The transposes
// use Z0-Z15 and Z30, so that the constants of expLanes stay in
// Z16-Z29.

// rowsLane: the lane numbers 0-15.
DATA rowsLane<>+0(SB)/4, $0
DATA rowsLane<>+4(SB)/4, $1
DATA rowsLane<>+8(SB)/4, $2
DATA rowsLane<>+12(SB)/4, $3
DATA rowsLane<>+16(SB)/4, $4
DATA rowsLane<>+20(SB)/4, $5
DATA rowsLane<>+24(SB)/4, $6
DATA rowsLane<>+28(SB)/4, $7
DATA rowsLane<>+32(SB)/4, $8
DATA rowsLane<>+36(SB)/4, $9
DATA rowsLane<>+40(SB)/4, $10
DATA rowsLane<>+44(SB)/4, $11
DATA rowsLane<>+48(SB)/4, $12
DATA rowsLane<>+52(SB)/4, $13
DATA rowsLane<>+56(SB)/4, $14
DATA rowsLane<>+60(SB)/4, $15
GLOBL rowsLane<>(SB), RODATA|NOPTR, $64

// lnSumConsts (float64): 1.5, 0.5, 1, ln2, then lnSumC.
DATA lnSumConsts<>+0(SB)/8, $0x3ff8000000000000
DATA lnSumConsts<>+8(SB)/8, $0x3fe0000000000000
DATA lnSumConsts<>+16(SB)/8, $0x3ff0000000000000
DATA lnSumConsts<>+24(SB)/8, $0x3fe62e42fefa39ef
DATA lnSumConsts<>+32(SB)/8, $0x3fb8618618618618
DATA lnSumConsts<>+40(SB)/8, $0x3fbaf286bca1af28
DATA lnSumConsts<>+48(SB)/8, $0x3fbe1e1e1e1e1e1e
DATA lnSumConsts<>+56(SB)/8, $0x3fc1111111111111
DATA lnSumConsts<>+64(SB)/8, $0x3fc3b13b13b13b14
DATA lnSumConsts<>+72(SB)/8, $0x3fc745d1745d1746
DATA lnSumConsts<>+80(SB)/8, $0x3fcc71c71c71c71c
DATA lnSumConsts<>+88(SB)/8, $0x3fd2492492492492
DATA lnSumConsts<>+96(SB)/8, $0x3fd999999999999a
DATA lnSumConsts<>+104(SB)/8, $0x3fe5555555555555
DATA lnSumConsts<>+112(SB)/8, $0x4000000000000000
GLOBL lnSumConsts<>(SB), RODATA|NOPTR, $120

#define lnC(k, A, X) VFMADD213PD.BCST lnSumConsts<>+(32+8*k)(SB), A, X

// lnSum sets X (8 float64 lanes) to lnSum64(X), with A-C and K as
// scratch: m in [1, 2) and e by VGETMANTPD and VGETEXPPD, m halved and e
// raised where m >= 3/2, then the series in f = (m-1)/(m+1).
#define lnSum(X, A, B, C, K) \
	VGETMANTPD  $0, X, A \
	VGETEXPPD   X, B \
	VCMPPD.BCST $0x1d, lnSumConsts<>+0(SB), A, K \
	VMULPD.BCST lnSumConsts<>+8(SB), A, K, A \
	VADDPD.BCST lnSumConsts<>+16(SB), B, K, B \
	VSUBPD.BCST lnSumConsts<>+16(SB), A, C \
	VADDPD.BCST lnSumConsts<>+16(SB), A, A \
	VDIVPD      A, C, C \
	VMULPD      C, C, A \
	VBROADCASTSD lnSumConsts<>+32(SB), X \
	lnC(1, A, X) \
	lnC(2, A, X) \
	lnC(3, A, X) \
	lnC(4, A, X) \
	lnC(5, A, X) \
	lnC(6, A, X) \
	lnC(7, A, X) \
	lnC(8, A, X) \
	lnC(9, A, X) \
	lnC(10, A, X) \
	VMULPD      C, X, X \
	VFMADD231PD.BCST lnSumConsts<>+24(SB), B, X

// addSum adds the 16 float32 lanes of V (VY its low half) to the
// float64 sums LO (lanes 0-7) and HI (8-15), with Z15 as scratch.
#define addSum(V, VY, LO, HI) \
	VCVTPS2PD     VY, Z15 \
	VADDPD        Z15, LO, LO \
	VEXTRACTF64X4 $1, V, Y15 \
	VCVTPS2PD     Y15, Z15 \
	VADDPD        Z15, HI, HI

// tileMask sets K5 to the lanes of the min(16, CX-AX) columns of the
// tile at column AX (CX = n); it uses CX and R14.
#define tileMask \
	SUBQ    AX, CX \
	MOVQ    $16, R14 \
	CMPQ    CX, R14 \
	CMOVQLT CX, R14 \
	MOVQ    R14, CX \
	MOVL    $1, R14 \
	SHLL    CX, R14 \
	DECL    R14 \
	KMOVW   R14, K5

// rowBases sets R10-R13 to the tile's rows 0, 4, 8 and 12 from the
// group's first row at P (AX the tile's column).
#define rowBases(P) \
	LEAQ P(AX*4), R10 \
	LEAQ (R10)(R8*4), R11 \
	LEAQ (R11)(R8*4), R12 \
	LEAQ (R12)(R8*4), R13

// nextGroup moves P on by a group (16 rows).
#define nextGroup(P) \
	LEAQ (P)(R8*8), P \
	LEAQ (P)(R8*8), P

// transpose16 transposes the 16×16 words in Z0-Z15 (row i in Zi) in
// four rounds of shuffles (pairs of words, of double words, of 128-bit
// lanes twice), each pair of outputs written over its inputs with Z30 as
// the one spare: column c lands in the c-th of Z10, Z11, Z13, Z12, Z2,
// Z3, Z5, Z4, Z14, Z6, Z7, Z9, Z15, Z30, Z1, Z0, and Z8 is left free.
// Transposing columns gives the rows in the same registers.
#define transpose16 \
	VUNPCKLPS Z1, Z0, Z30 \
	VUNPCKHPS Z1, Z0, Z0 \
	VUNPCKLPS Z3, Z2, Z1 \
	VUNPCKHPS Z3, Z2, Z2 \
	VUNPCKLPS Z5, Z4, Z3 \
	VUNPCKHPS Z5, Z4, Z4 \
	VUNPCKLPS Z7, Z6, Z5 \
	VUNPCKHPS Z7, Z6, Z6 \
	VUNPCKLPS Z9, Z8, Z7 \
	VUNPCKHPS Z9, Z8, Z8 \
	VUNPCKLPS Z11, Z10, Z9 \
	VUNPCKHPS Z11, Z10, Z10 \
	VUNPCKLPS Z13, Z12, Z11 \
	VUNPCKHPS Z13, Z12, Z12 \
	VUNPCKLPS Z15, Z14, Z13 \
	VUNPCKHPS Z15, Z14, Z14 \
	VUNPCKLPD Z1, Z30, Z15 \
	VUNPCKHPD Z1, Z30, Z30 \
	VUNPCKLPD Z2, Z0, Z1 \
	VUNPCKHPD Z2, Z0, Z0 \
	VUNPCKLPD Z5, Z3, Z2 \
	VUNPCKHPD Z5, Z3, Z3 \
	VUNPCKLPD Z6, Z4, Z5 \
	VUNPCKHPD Z6, Z4, Z4 \
	VUNPCKLPD Z9, Z7, Z6 \
	VUNPCKHPD Z9, Z7, Z7 \
	VUNPCKLPD Z10, Z8, Z9 \
	VUNPCKHPD Z10, Z8, Z8 \
	VUNPCKLPD Z13, Z11, Z10 \
	VUNPCKHPD Z13, Z11, Z11 \
	VUNPCKLPD Z14, Z12, Z13 \
	VUNPCKHPD Z14, Z12, Z12 \
	VSHUFF32X4 $0x88, Z2, Z15, Z14 \
	VSHUFF32X4 $0xdd, Z2, Z15, Z15 \
	VSHUFF32X4 $0x88, Z10, Z6, Z2 \
	VSHUFF32X4 $0xdd, Z10, Z6, Z6 \
	VSHUFF32X4 $0x88, Z2, Z14, Z10 \
	VSHUFF32X4 $0xdd, Z2, Z14, Z14 \
	VSHUFF32X4 $0x88, Z6, Z15, Z2 \
	VSHUFF32X4 $0xdd, Z6, Z15, Z15 \
	VSHUFF32X4 $0x88, Z3, Z30, Z6 \
	VSHUFF32X4 $0xdd, Z3, Z30, Z30 \
	VSHUFF32X4 $0x88, Z11, Z7, Z3 \
	VSHUFF32X4 $0xdd, Z11, Z7, Z7 \
	VSHUFF32X4 $0x88, Z3, Z6, Z11 \
	VSHUFF32X4 $0xdd, Z3, Z6, Z6 \
	VSHUFF32X4 $0x88, Z7, Z30, Z3 \
	VSHUFF32X4 $0xdd, Z7, Z30, Z30 \
	VSHUFF32X4 $0x88, Z5, Z1, Z7 \
	VSHUFF32X4 $0xdd, Z5, Z1, Z1 \
	VSHUFF32X4 $0x88, Z13, Z9, Z5 \
	VSHUFF32X4 $0xdd, Z13, Z9, Z9 \
	VSHUFF32X4 $0x88, Z5, Z7, Z13 \
	VSHUFF32X4 $0xdd, Z5, Z7, Z7 \
	VSHUFF32X4 $0x88, Z9, Z1, Z5 \
	VSHUFF32X4 $0xdd, Z9, Z1, Z1 \
	VSHUFF32X4 $0x88, Z4, Z0, Z9 \
	VSHUFF32X4 $0xdd, Z4, Z0, Z0 \
	VSHUFF32X4 $0x88, Z12, Z8, Z4 \
	VSHUFF32X4 $0xdd, Z12, Z8, Z8 \
	VSHUFF32X4 $0x88, Z4, Z9, Z12 \
	VSHUFF32X4 $0xdd, Z4, Z9, Z9 \
	VSHUFF32X4 $0x88, Z8, Z0, Z4 \
	VSHUFF32X4 $0xdd, Z8, Z0, Z0

// loadRows loads the tile's part of the 16 rows (the columns K5 holds,
// zeros past them) into Z0-Z15.
#define loadRows \
	VMOVUPS.Z (R10), K5, Z0 \
	VMOVUPS.Z (R10)(R8*1), K5, Z1 \
	VMOVUPS.Z (R10)(R8*2), K5, Z2 \
	VMOVUPS.Z (R10)(R9*1), K5, Z3 \
	VMOVUPS.Z (R11), K5, Z4 \
	VMOVUPS.Z (R11)(R8*1), K5, Z5 \
	VMOVUPS.Z (R11)(R8*2), K5, Z6 \
	VMOVUPS.Z (R11)(R9*1), K5, Z7 \
	VMOVUPS.Z (R12), K5, Z8 \
	VMOVUPS.Z (R12)(R8*1), K5, Z9 \
	VMOVUPS.Z (R12)(R8*2), K5, Z10 \
	VMOVUPS.Z (R12)(R9*1), K5, Z11 \
	VMOVUPS.Z (R13), K5, Z12 \
	VMOVUPS.Z (R13)(R8*1), K5, Z13 \
	VMOVUPS.Z (R13)(R8*2), K5, Z14 \
	VMOVUPS.Z (R13)(R9*1), K5, Z15



// storeCols stores the 16 columns transpose16 left at BX, 64 bytes apart.
#define storeCols \
	VMOVAPS Z10, 0(BX) \
	VMOVAPS Z11, 64(BX) \
	VMOVAPS Z13, 128(BX) \
	VMOVAPS Z12, 192(BX) \
	VMOVAPS Z2, 256(BX) \
	VMOVAPS Z3, 320(BX) \
	VMOVAPS Z5, 384(BX) \
	VMOVAPS Z4, 448(BX) \
	VMOVAPS Z14, 512(BX) \
	VMOVAPS Z6, 576(BX) \
	VMOVAPS Z7, 640(BX) \
	VMOVAPS Z9, 704(BX) \
	VMOVAPS Z15, 768(BX) \
	VMOVAPS Z30, 832(BX) \
	VMOVAPS Z1, 896(BX) \
	VMOVAPS Z0, 960(BX)

// storeRows stores the tile's part of the 16 rows transpose16 left (the
// columns K5 holds).
#define storeRows \
	VMOVUPS Z10, K5, (R10) \
	VMOVUPS Z11, K5, (R10)(R8*1) \
	VMOVUPS Z13, K5, (R10)(R8*2) \
	VMOVUPS Z12, K5, (R10)(R9*1) \
	VMOVUPS Z2, K5, (R11) \
	VMOVUPS Z3, K5, (R11)(R8*1) \
	VMOVUPS Z5, K5, (R11)(R8*2) \
	VMOVUPS Z4, K5, (R11)(R9*1) \
	VMOVUPS Z14, K5, (R12) \
	VMOVUPS Z6, K5, (R12)(R8*1) \
	VMOVUPS Z7, K5, (R12)(R8*2) \
	VMOVUPS Z9, K5, (R12)(R9*1) \
	VMOVUPS Z15, K5, (R13) \
	VMOVUPS Z30, K5, (R13)(R8*1) \
	VMOVUPS Z1, K5, (R13)(R8*2) \
	VMOVUPS Z0, K5, (R13)(R9*1)


// loadColsSub loads the 16 columns at BX into Z0-Z15, each less Z31.
#define loadColsSub \
	VMOVAPS 0(BX), Z0 \
	VSUBPS Z31, Z0, Z0 \
	VMOVAPS 64(BX), Z1 \
	VSUBPS Z31, Z1, Z1 \
	VMOVAPS 128(BX), Z2 \
	VSUBPS Z31, Z2, Z2 \
	VMOVAPS 192(BX), Z3 \
	VSUBPS Z31, Z3, Z3 \
	VMOVAPS 256(BX), Z4 \
	VSUBPS Z31, Z4, Z4 \
	VMOVAPS 320(BX), Z5 \
	VSUBPS Z31, Z5, Z5 \
	VMOVAPS 384(BX), Z6 \
	VSUBPS Z31, Z6, Z6 \
	VMOVAPS 448(BX), Z7 \
	VSUBPS Z31, Z7, Z7 \
	VMOVAPS 512(BX), Z8 \
	VSUBPS Z31, Z8, Z8 \
	VMOVAPS 576(BX), Z9 \
	VSUBPS Z31, Z9, Z9 \
	VMOVAPS 640(BX), Z10 \
	VSUBPS Z31, Z10, Z10 \
	VMOVAPS 704(BX), Z11 \
	VSUBPS Z31, Z11, Z11 \
	VMOVAPS 768(BX), Z12 \
	VSUBPS Z31, Z12, Z12 \
	VMOVAPS 832(BX), Z13 \
	VSUBPS Z31, Z13, Z13 \
	VMOVAPS 896(BX), Z14 \
	VSUBPS Z31, Z14, Z14 \
	VMOVAPS 960(BX), Z15 \
	VSUBPS Z31, Z15, Z15

// loadColsMul loads the 16 columns at BX into Z0-Z15, each times Z31.
#define loadColsMul \
	VMULPS 0(BX), Z31, Z0 \
	VMULPS 64(BX), Z31, Z1 \
	VMULPS 128(BX), Z31, Z2 \
	VMULPS 192(BX), Z31, Z3 \
	VMULPS 256(BX), Z31, Z4 \
	VMULPS 320(BX), Z31, Z5 \
	VMULPS 384(BX), Z31, Z6 \
	VMULPS 448(BX), Z31, Z7 \
	VMULPS 512(BX), Z31, Z8 \
	VMULPS 576(BX), Z31, Z9 \
	VMULPS 640(BX), Z31, Z10 \
	VMULPS 704(BX), Z31, Z11 \
	VMULPS 768(BX), Z31, Z12 \
	VMULPS 832(BX), Z31, Z13 \
	VMULPS 896(BX), Z31, Z14 \
	VMULPS 960(BX), Z31, Z15


// func softmaxRows32AVX512(dst, src, buf *float32, groups, n int, invT float32, log bool) int
TEXT ·softmaxRows32AVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ buf+16(FP), DX
	ADDQ $63, DX
	ANDQ $~63, DX
	MOVQ n+32(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	MOVQ $0, ret+48(FP)
	actConsts

sr_group:
	CMPQ groups+24(FP), $0
	JEQ  sr_done

	// The group's columns into buf.
	XORQ AX, AX
	MOVQ DX, BX

sr_in:
	MOVQ n+32(FP), CX
	tileMask
	rowBases((SI))
	loadRows
	transpose16
	storeCols
	ADDQ $1024, BX
	ADDQ $16, AX
	CMPQ AX, n+32(FP)
	JLT  sr_in

	// The maxima: x_0, then max(x_j, m) keeps m unless x_j is larger.
	MOVQ    n+32(FP), CX
	VMOVAPS (DX), Z8
	LEAQ    64(DX), BX
	JMP     sr_max_next

sr_max:
	VMOVAPS (BX), Z0
	VMAXPS  Z8, Z0, Z8
	ADDQ    $64, BX

sr_max_next:
	DECQ     CX
	JNZ      sr_max
	VSUBPS   Z8, Z8, Z0        // NaN where m is NaN or infinite: stop
	VCMPPS   $3, Z0, Z0, K4
	KORTESTW K4, K4
	JNZ      sr_done

	// The sums of e = exp((x-m)·invT): in Z9, Z10 for log-softmax, which
	// keeps x-m in buf; the even columns' there and the odd ones' in Z11,
	// Z12 for softmax, which keeps e.
	VBROADCASTSS invT+40(FP), Z6
	VXORPD       Z9, Z9, Z9
	VXORPD       Z10, Z10, Z10
	VXORPD       Z11, Z11, Z11
	VXORPD       Z12, Z12, Z12
	MOVQ         DX, BX
	MOVQ         n+32(FP), CX

sr_pair:
	CMPQ    CX, $2
	JLT     sr_last
	VMOVAPS (BX), Z0
	VMOVAPS 64(BX), Z13
	VSUBPS  Z8, Z0, Z0
	VMULPS  Z6, Z0, Z0
	VSUBPS  Z8, Z13, Z13
	VMULPS  Z6, Z13, Z13
	expLanes(Z0, Z1)
	expLanes(Z13, Z14)
	addSum(Z1, Y1, Z9, Z10)
	CMPB    log+44(FP), $0
	JNE     sr_pair_log
	addSum(Z14, Y14, Z11, Z12)
	VMOVAPS Z1, (BX)
	VMOVAPS Z14, 64(BX)
	JMP     sr_pair_next

sr_pair_log:
	addSum(Z14, Y14, Z9, Z10)
	VMOVAPS Z0, (BX)
	VMOVAPS Z13, 64(BX)

sr_pair_next:
	ADDQ $128, BX
	SUBQ $2, CX
	JMP  sr_pair

sr_last:
	TESTQ   CX, CX
	JZ      sr_norm
	VMOVAPS (BX), Z0
	VSUBPS  Z8, Z0, Z0
	VMULPS  Z6, Z0, Z0
	expLanes(Z0, Z1)
	addSum(Z1, Y1, Z9, Z10)
	VMOVAPS Z1, (BX)
	CMPB    log+44(FP), $0
	JEQ     sr_norm
	VMOVAPS Z0, (BX)

sr_norm: // Z31: each row's ln Σe (log-softmax) or 1/Σe, as float32
	CMPB log+44(FP), $0
	JEQ  sr_inv
	lnSum(Z9, Z0, Z1, Z2, K1)
	lnSum(Z10, Z3, Z4, Z5, K2)
	JMP  sr_pack

sr_inv:
	VADDPD       Z11, Z9, Z9
	VADDPD       Z12, Z10, Z10
	VBROADCASTSD lnSumConsts<>+16(SB), Z0
	VDIVPD       Z9, Z0, Z9
	VDIVPD       Z10, Z0, Z10

sr_pack:
	VCVTPD2PS    Z9, Y9
	VCVTPD2PS    Z10, Y10
	VINSERTF64X4 $1, Y10, Z9, Z31

	// The outputs, a tile at a time: s - ln Σe or e·(1/Σe), transposed
	// back into the rows.
	XORQ AX, AX
	MOVQ DX, BX

sr_out:
	MOVQ n+32(FP), CX
	tileMask
	rowBases((DI))
	CMPB log+44(FP), $0
	JEQ  sr_out_mul
	loadColsSub
	JMP  sr_out_rows

sr_out_mul:
	loadColsMul

sr_out_rows:
	transpose16
	storeRows
	ADDQ $1024, BX
	ADDQ $16, AX
	CMPQ AX, n+32(FP)
	JLT  sr_out

	nextGroup(SI)
	nextGroup(DI)
	ADDQ $16, ret+48(FP)
	DECQ groups+24(FP)
	JMP  sr_group

sr_done:
	VZEROUPPER
	RET

// func softmaxGradRows32AVX512(dx, gy, y, buf *float32, groups, n int, rn, t float32, log, divide bool)
//
// buf holds the columns, then (4096 bytes on) softmax's products g·y of
// the group in row order. The gradients go out in row order, 16 at a
// time: output p of the group belongs to row trunc((p+½)·(1/n)) (exact:
// the float32 error stays far below ½/n), whose sum VPERMPS fetches.
TEXT ·softmaxGradRows32AVX512(SB), NOSPLIT, $0-58
	MOVQ dx+0(FP), DI
	MOVQ gy+8(FP), SI
	MOVQ buf+24(FP), DX
	ADDQ $63, DX
	ANDQ $~63, DX
	MOVQ n+40(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	actConsts

gr_group:
	CMPQ groups+32(FP), $0
	JEQ  gr_done
	XORQ AX, AX
	MOVQ DX, BX
	CMPB log+56(FP), $0
	JNE  gr_in_g

	// Softmax sums g·y, each product in float32: the products first.
	MOVQ y+16(FP), R10
	MOVQ R8, CX
	SHLQ $4, CX          // the group's bytes

gr_prod:
	VMOVUPS (SI)(AX*1), Z0
	VMULPS  (R10)(AX*1), Z0, Z0
	VMOVAPS Z0, 4096(DX)(AX*1)
	ADDQ    $64, AX
	CMPQ    AX, CX
	JLT     gr_prod
	XORQ    AX, AX

gr_in_prod:
	MOVQ n+40(FP), CX
	tileMask
	rowBases(4096(DX))
	loadRows
	transpose16
	storeCols
	ADDQ $1024, BX
	ADDQ $16, AX
	CMPQ AX, n+40(FP)
	JLT  gr_in_prod
	JMP  gr_sum

gr_in_g:
	MOVQ n+40(FP), CX
	tileMask
	rowBases((SI))
	loadRows
	transpose16
	storeCols
	ADDQ $1024, BX
	ADDQ $16, AX
	CMPQ AX, n+40(FP)
	JLT  gr_in_g

gr_sum:
	VXORPD Z9, Z9, Z9
	VXORPD Z10, Z10, Z10
	MOVQ   DX, BX
	MOVQ   n+40(FP), CX

gr_sum_col:
	VMOVAPS (BX), Z0
	addSum(Z0, Y0, Z9, Z10)
	ADDQ    $64, BX
	DECQ    CX
	JNZ     gr_sum_col
	VCVTPD2PS    Z9, Y9
	VCVTPD2PS    Z10, Y10
	VINSERTF64X4 $1, Y10, Z9, Z8    // each row's sum s

	// dx = g - exp(y)·s or y·(g - s), divided by t, a vector at a time.
	VBROADCASTSS t+52(FP), Z6
	VCVTDQ2PS    rowsLane<>(SB), Z10
	VADDPS       Z25, Z10, Z10      // the outputs' positions plus ½
	VBROADCASTSS rn+48(FP), Z11
	bcast(0x41800000, Z12)          // 16
	MOVQ         y+16(FP), R10
	XORQ         AX, AX
	MOVQ         n+40(FP), CX

gr_out:
	VMULPS     Z11, Z10, Z13
	VCVTTPS2DQ Z13, Z13
	VPERMPS    Z8, Z13, Z14         // the sum of each lane's row
	VMOVUPS    (SI)(AX*1), Z0
	VMOVUPS    (R10)(AX*1), Z1
	CMPB       log+56(FP), $0
	JEQ        gr_softmax
	expLanes(Z1, Z15)
	VMULPS     Z14, Z15, Z15
	VSUBPS     Z15, Z0, Z0
	JMP        gr_div

gr_softmax:
	VSUBPS Z14, Z0, Z0
	VMULPS Z1, Z0, Z0

gr_div:
	CMPB   divide+57(FP), $0
	JEQ    gr_store
	VDIVPS Z6, Z0, Z0

gr_store:
	VMOVUPS Z0, (DI)(AX*1)
	VADDPS  Z12, Z10, Z10
	ADDQ    $64, AX
	DECQ    CX
	JNZ     gr_out

	nextGroup(SI)
	nextGroup(DI)
	nextGroup(R10)
	MOVQ R10, y+16(FP)
	DECQ groups+32(FP)
	JMP  gr_group

gr_done:
	VZEROUPPER
	RET
