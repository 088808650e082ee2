// AVX-512 kernels of the F(2x2, 3x3) Winograd transforms; op_conv_winograd_amd64.go states their contracts.

//go:build !noasm

#include "textflag.h"

DATA convWinoEven<>+0(SB)/4, $0
DATA convWinoEven<>+4(SB)/4, $2
DATA convWinoEven<>+8(SB)/4, $4
DATA convWinoEven<>+12(SB)/4, $6
DATA convWinoEven<>+16(SB)/4, $8
DATA convWinoEven<>+20(SB)/4, $10
DATA convWinoEven<>+24(SB)/4, $12
DATA convWinoEven<>+28(SB)/4, $14
DATA convWinoEven<>+32(SB)/4, $16
DATA convWinoEven<>+36(SB)/4, $18
DATA convWinoEven<>+40(SB)/4, $20
DATA convWinoEven<>+44(SB)/4, $22
DATA convWinoEven<>+48(SB)/4, $24
DATA convWinoEven<>+52(SB)/4, $26
DATA convWinoEven<>+56(SB)/4, $28
DATA convWinoEven<>+60(SB)/4, $30
GLOBL convWinoEven<>(SB), RODATA|NOPTR, $64

DATA convWinoOdd<>+0(SB)/4, $1
DATA convWinoOdd<>+4(SB)/4, $3
DATA convWinoOdd<>+8(SB)/4, $5
DATA convWinoOdd<>+12(SB)/4, $7
DATA convWinoOdd<>+16(SB)/4, $9
DATA convWinoOdd<>+20(SB)/4, $11
DATA convWinoOdd<>+24(SB)/4, $13
DATA convWinoOdd<>+28(SB)/4, $15
DATA convWinoOdd<>+32(SB)/4, $17
DATA convWinoOdd<>+36(SB)/4, $19
DATA convWinoOdd<>+40(SB)/4, $21
DATA convWinoOdd<>+44(SB)/4, $23
DATA convWinoOdd<>+48(SB)/4, $25
DATA convWinoOdd<>+52(SB)/4, $27
DATA convWinoOdd<>+56(SB)/4, $29
DATA convWinoOdd<>+60(SB)/4, $31
GLOBL convWinoOdd<>(SB), RODATA|NOPTR, $64

DATA convWinoIota0<>+0(SB)/4, $0
DATA convWinoIota0<>+4(SB)/4, $1
DATA convWinoIota0<>+8(SB)/4, $2
DATA convWinoIota0<>+12(SB)/4, $3
DATA convWinoIota0<>+16(SB)/4, $4
DATA convWinoIota0<>+20(SB)/4, $5
DATA convWinoIota0<>+24(SB)/4, $6
DATA convWinoIota0<>+28(SB)/4, $7
DATA convWinoIota0<>+32(SB)/4, $8
DATA convWinoIota0<>+36(SB)/4, $9
DATA convWinoIota0<>+40(SB)/4, $10
DATA convWinoIota0<>+44(SB)/4, $11
DATA convWinoIota0<>+48(SB)/4, $12
DATA convWinoIota0<>+52(SB)/4, $13
DATA convWinoIota0<>+56(SB)/4, $14
DATA convWinoIota0<>+60(SB)/4, $15
GLOBL convWinoIota0<>(SB), RODATA|NOPTR, $64

DATA convWinoIota16<>+0(SB)/4, $16
DATA convWinoIota16<>+4(SB)/4, $17
DATA convWinoIota16<>+8(SB)/4, $18
DATA convWinoIota16<>+12(SB)/4, $19
DATA convWinoIota16<>+16(SB)/4, $20
DATA convWinoIota16<>+20(SB)/4, $21
DATA convWinoIota16<>+24(SB)/4, $22
DATA convWinoIota16<>+28(SB)/4, $23
DATA convWinoIota16<>+32(SB)/4, $24
DATA convWinoIota16<>+36(SB)/4, $25
DATA convWinoIota16<>+40(SB)/4, $26
DATA convWinoIota16<>+44(SB)/4, $27
DATA convWinoIota16<>+48(SB)/4, $28
DATA convWinoIota16<>+52(SB)/4, $29
DATA convWinoIota16<>+56(SB)/4, $30
DATA convWinoIota16<>+60(SB)/4, $31
GLOBL convWinoIota16<>(SB), RODATA|NOPTR, $64

DATA convWinoIota2<>+0(SB)/4, $2
DATA convWinoIota2<>+4(SB)/4, $3
DATA convWinoIota2<>+8(SB)/4, $4
DATA convWinoIota2<>+12(SB)/4, $5
DATA convWinoIota2<>+16(SB)/4, $6
DATA convWinoIota2<>+20(SB)/4, $7
DATA convWinoIota2<>+24(SB)/4, $8
DATA convWinoIota2<>+28(SB)/4, $9
DATA convWinoIota2<>+32(SB)/4, $10
DATA convWinoIota2<>+36(SB)/4, $11
DATA convWinoIota2<>+40(SB)/4, $12
DATA convWinoIota2<>+44(SB)/4, $13
DATA convWinoIota2<>+48(SB)/4, $14
DATA convWinoIota2<>+52(SB)/4, $15
DATA convWinoIota2<>+56(SB)/4, $16
DATA convWinoIota2<>+60(SB)/4, $17
GLOBL convWinoIota2<>(SB), RODATA|NOPTR, $64

DATA convWinoIota18<>+0(SB)/4, $18
DATA convWinoIota18<>+4(SB)/4, $19
DATA convWinoIota18<>+8(SB)/4, $20
DATA convWinoIota18<>+12(SB)/4, $21
DATA convWinoIota18<>+16(SB)/4, $22
DATA convWinoIota18<>+20(SB)/4, $23
DATA convWinoIota18<>+24(SB)/4, $24
DATA convWinoIota18<>+28(SB)/4, $25
DATA convWinoIota18<>+32(SB)/4, $26
DATA convWinoIota18<>+36(SB)/4, $27
DATA convWinoIota18<>+40(SB)/4, $28
DATA convWinoIota18<>+44(SB)/4, $29
DATA convWinoIota18<>+48(SB)/4, $30
DATA convWinoIota18<>+52(SB)/4, $31
DATA convWinoIota18<>+56(SB)/4, $32
DATA convWinoIota18<>+60(SB)/4, $33
GLOBL convWinoIota18<>(SB), RODATA|NOPTR, $64

DATA convWinoZipLo<>+0(SB)/4, $0
DATA convWinoZipLo<>+4(SB)/4, $16
DATA convWinoZipLo<>+8(SB)/4, $1
DATA convWinoZipLo<>+12(SB)/4, $17
DATA convWinoZipLo<>+16(SB)/4, $2
DATA convWinoZipLo<>+20(SB)/4, $18
DATA convWinoZipLo<>+24(SB)/4, $3
DATA convWinoZipLo<>+28(SB)/4, $19
DATA convWinoZipLo<>+32(SB)/4, $4
DATA convWinoZipLo<>+36(SB)/4, $20
DATA convWinoZipLo<>+40(SB)/4, $5
DATA convWinoZipLo<>+44(SB)/4, $21
DATA convWinoZipLo<>+48(SB)/4, $6
DATA convWinoZipLo<>+52(SB)/4, $22
DATA convWinoZipLo<>+56(SB)/4, $7
DATA convWinoZipLo<>+60(SB)/4, $23
GLOBL convWinoZipLo<>(SB), RODATA|NOPTR, $64

DATA convWinoZipHi<>+0(SB)/4, $8
DATA convWinoZipHi<>+4(SB)/4, $24
DATA convWinoZipHi<>+8(SB)/4, $9
DATA convWinoZipHi<>+12(SB)/4, $25
DATA convWinoZipHi<>+16(SB)/4, $10
DATA convWinoZipHi<>+20(SB)/4, $26
DATA convWinoZipHi<>+24(SB)/4, $11
DATA convWinoZipHi<>+28(SB)/4, $27
DATA convWinoZipHi<>+32(SB)/4, $12
DATA convWinoZipHi<>+36(SB)/4, $28
DATA convWinoZipHi<>+40(SB)/4, $13
DATA convWinoZipHi<>+44(SB)/4, $29
DATA convWinoZipHi<>+48(SB)/4, $14
DATA convWinoZipHi<>+52(SB)/4, $30
DATA convWinoZipHi<>+56(SB)/4, $15
DATA convWinoZipHi<>+60(SB)/4, $31
GLOBL convWinoZipHi<>(SB), RODATA|NOPTR, $64

DATA convWinoMasks<>+0(SB)/2, $0
DATA convWinoMasks<>+2(SB)/2, $1
DATA convWinoMasks<>+4(SB)/2, $3
DATA convWinoMasks<>+6(SB)/2, $7
DATA convWinoMasks<>+8(SB)/2, $15
DATA convWinoMasks<>+10(SB)/2, $31
DATA convWinoMasks<>+12(SB)/2, $63
DATA convWinoMasks<>+14(SB)/2, $127
DATA convWinoMasks<>+16(SB)/2, $255
DATA convWinoMasks<>+18(SB)/2, $511
DATA convWinoMasks<>+20(SB)/2, $1023
DATA convWinoMasks<>+22(SB)/2, $2047
DATA convWinoMasks<>+24(SB)/2, $4095
DATA convWinoMasks<>+26(SB)/2, $8191
DATA convWinoMasks<>+28(SB)/2, $16383
DATA convWinoMasks<>+30(SB)/2, $32767
DATA convWinoMasks<>+32(SB)/2, $65535
GLOBL convWinoMasks<>(SB), RODATA|NOPTR, $34

// func convWinoIn2AVX512(r0, r1, r2, r3 *float32, x0, w int, dst *float32, stride, cnt int)
TEXT ·convWinoIn2AVX512(SB), NOSPLIT, $0-72
	MOVQ r0+0(FP), R8
	MOVQ r1+8(FP), R9
	MOVQ r2+16(FP), R10
	MOVQ r3+24(FP), R11
	MOVQ x0+32(FP), AX
	MOVQ w+40(FP), BX
	MOVQ dst+48(FP), DI
	MOVQ stride+56(FP), DX
	MOVQ cnt+64(FP), CX
	LEAQ (DX)(DX*2), R12
	VPBROADCASTD BX, Z31
	VMOVUPS convWinoEven<>(SB), Z28
	VMOVUPS convWinoOdd<>(SB), Z29
	LEAQ convWinoMasks<>(SB), SI
in2_loop:
	TESTQ CX, CX
	JLE in2_done
	MOVQ $16, R13
	CMPQ CX, R13
	CMOVQLT CX, R13
	MOVWLZX (SI)(R13*2), R13
	KMOVW R13, K1
	VPBROADCASTD AX, Z30
	VPADDD convWinoIota0<>(SB), Z30, Z27
	VPCMPUD $1, Z31, Z27, K2
	VPADDD convWinoIota16<>(SB), Z30, Z27
	VPCMPUD $1, Z31, Z27, K3
	VPADDD convWinoIota2<>(SB), Z30, Z27
	VPCMPUD $1, Z31, Z27, K4
	VPADDD convWinoIota18<>(SB), Z30, Z27
	VPCMPUD $1, Z31, Z27, K5
	LEAQ (R8)(AX*4), R13
	VMOVUPS.Z (R13), K2, Z16
	VMOVUPS.Z 64(R13), K3, Z17
	VMOVUPS.Z 8(R13), K4, Z18
	VMOVUPS.Z 72(R13), K5, Z19
	VMOVAPS Z16, Z0
	VPERMT2PS Z17, Z28, Z0
	VMOVAPS Z16, Z1
	VPERMT2PS Z17, Z29, Z1
	VMOVAPS Z18, Z2
	VPERMT2PS Z19, Z28, Z2
	VMOVAPS Z18, Z3
	VPERMT2PS Z19, Z29, Z3
	LEAQ (R9)(AX*4), R13
	VMOVUPS.Z (R13), K2, Z16
	VMOVUPS.Z 64(R13), K3, Z17
	VMOVUPS.Z 8(R13), K4, Z18
	VMOVUPS.Z 72(R13), K5, Z19
	VMOVAPS Z16, Z4
	VPERMT2PS Z17, Z28, Z4
	VMOVAPS Z16, Z5
	VPERMT2PS Z17, Z29, Z5
	VMOVAPS Z18, Z6
	VPERMT2PS Z19, Z28, Z6
	VMOVAPS Z18, Z7
	VPERMT2PS Z19, Z29, Z7
	LEAQ (R10)(AX*4), R13
	VMOVUPS.Z (R13), K2, Z16
	VMOVUPS.Z 64(R13), K3, Z17
	VMOVUPS.Z 8(R13), K4, Z18
	VMOVUPS.Z 72(R13), K5, Z19
	VMOVAPS Z16, Z8
	VPERMT2PS Z17, Z28, Z8
	VMOVAPS Z16, Z9
	VPERMT2PS Z17, Z29, Z9
	VMOVAPS Z18, Z10
	VPERMT2PS Z19, Z28, Z10
	VMOVAPS Z18, Z11
	VPERMT2PS Z19, Z29, Z11
	LEAQ (R11)(AX*4), R13
	VMOVUPS.Z (R13), K2, Z16
	VMOVUPS.Z 64(R13), K3, Z17
	VMOVUPS.Z 8(R13), K4, Z18
	VMOVUPS.Z 72(R13), K5, Z19
	VMOVAPS Z16, Z12
	VPERMT2PS Z17, Z28, Z12
	VMOVAPS Z16, Z13
	VPERMT2PS Z17, Z29, Z13
	VMOVAPS Z18, Z14
	VPERMT2PS Z19, Z28, Z14
	VMOVAPS Z18, Z15
	VPERMT2PS Z19, Z29, Z15
	VSUBPS Z8, Z0, Z0
	VSUBPS Z12, Z4, Z12
	VADDPS Z8, Z4, Z20
	VSUBPS Z4, Z8, Z8
	VMOVAPS Z20, Z4
	VSUBPS Z9, Z1, Z1
	VSUBPS Z13, Z5, Z13
	VADDPS Z9, Z5, Z20
	VSUBPS Z5, Z9, Z9
	VMOVAPS Z20, Z5
	VSUBPS Z10, Z2, Z2
	VSUBPS Z14, Z6, Z14
	VADDPS Z10, Z6, Z20
	VSUBPS Z6, Z10, Z10
	VMOVAPS Z20, Z6
	VSUBPS Z11, Z3, Z3
	VSUBPS Z15, Z7, Z15
	VADDPS Z11, Z7, Z20
	VSUBPS Z7, Z11, Z11
	VMOVAPS Z20, Z7
	MOVQ DI, R13
	VSUBPS Z2, Z0, Z20
	VADDPS Z2, Z1, Z21
	VSUBPS Z1, Z2, Z22
	VSUBPS Z3, Z1, Z23
	VMOVUPS Z20, K1, (R13)
	VMOVUPS Z21, K1, (R13)(DX*1)
	VMOVUPS Z22, K1, (R13)(DX*2)
	VMOVUPS Z23, K1, (R13)(R12*1)
	LEAQ (R13)(DX*4), R13
	VSUBPS Z6, Z4, Z20
	VADDPS Z6, Z5, Z21
	VSUBPS Z5, Z6, Z22
	VSUBPS Z7, Z5, Z23
	VMOVUPS Z20, K1, (R13)
	VMOVUPS Z21, K1, (R13)(DX*1)
	VMOVUPS Z22, K1, (R13)(DX*2)
	VMOVUPS Z23, K1, (R13)(R12*1)
	LEAQ (R13)(DX*4), R13
	VSUBPS Z10, Z8, Z20
	VADDPS Z10, Z9, Z21
	VSUBPS Z9, Z10, Z22
	VSUBPS Z11, Z9, Z23
	VMOVUPS Z20, K1, (R13)
	VMOVUPS Z21, K1, (R13)(DX*1)
	VMOVUPS Z22, K1, (R13)(DX*2)
	VMOVUPS Z23, K1, (R13)(R12*1)
	LEAQ (R13)(DX*4), R13
	VSUBPS Z14, Z12, Z20
	VADDPS Z14, Z13, Z21
	VSUBPS Z13, Z14, Z22
	VSUBPS Z15, Z13, Z23
	VMOVUPS Z20, K1, (R13)
	VMOVUPS Z21, K1, (R13)(DX*1)
	VMOVUPS Z22, K1, (R13)(DX*2)
	VMOVUPS Z23, K1, (R13)(R12*1)
	ADDQ $64, DI
	ADDQ $32, AX
	SUBQ $16, CX
	JMP in2_loop
in2_done:
	VZEROUPPER
	RET

// func convWinoOut2AVX512(src *float32, sb int, y0, y1 *float32, rows, cnt, ncols int, bias float32)
TEXT ·convWinoOut2AVX512(SB), NOSPLIT, $0-60
	MOVQ src+0(FP), R8
	MOVQ sb+8(FP), DX
	MOVQ y0+16(FP), DI
	MOVQ y1+24(FP), R11
	MOVQ rows+32(FP), BX
	MOVQ cnt+40(FP), CX
	MOVQ ncols+48(FP), AX
	VBROADCASTSS bias+56(FP), Z31
	LEAQ (DX)(DX*2), R12
	VMOVUPS convWinoZipLo<>(SB), Z28
	VMOVUPS convWinoZipHi<>(SB), Z29
	LEAQ convWinoMasks<>(SB), SI
out2_loop:
	TESTQ CX, CX
	JLE out2_done
	MOVQ $16, R13
	CMPQ CX, R13
	CMOVQLT CX, R13
	MOVWLZX (SI)(R13*2), R13
	KMOVW R13, K1
	MOVQ $32, R9
	CMPQ AX, R9
	CMOVQLT AX, R9
	MOVQ $16, R10
	CMPQ R9, R10
	CMOVQLT R9, R10
	MOVWLZX (SI)(R10*2), R13
	KMOVW R13, K2
	SUBQ R10, R9
	MOVWLZX (SI)(R9*2), R13
	KMOVW R13, K3
	MOVQ R8, R9
	VMOVUPS.Z (R9), K1, Z0
	VMOVUPS.Z (R9)(DX*1), K1, Z1
	VMOVUPS.Z (R9)(DX*2), K1, Z2
	VMOVUPS.Z (R9)(R12*1), K1, Z3
	LEAQ (R9)(DX*4), R9
	VMOVUPS.Z (R9), K1, Z4
	VMOVUPS.Z (R9)(DX*1), K1, Z5
	VMOVUPS.Z (R9)(DX*2), K1, Z6
	VMOVUPS.Z (R9)(R12*1), K1, Z7
	LEAQ (R9)(DX*4), R9
	VMOVUPS.Z (R9), K1, Z8
	VMOVUPS.Z (R9)(DX*1), K1, Z9
	VMOVUPS.Z (R9)(DX*2), K1, Z10
	VMOVUPS.Z (R9)(R12*1), K1, Z11
	LEAQ (R9)(DX*4), R9
	VMOVUPS.Z (R9), K1, Z12
	VMOVUPS.Z (R9)(DX*1), K1, Z13
	VMOVUPS.Z (R9)(DX*2), K1, Z14
	VMOVUPS.Z (R9)(R12*1), K1, Z15
	VADDPS Z4, Z0, Z16
	VADDPS Z8, Z16, Z16
	VSUBPS Z8, Z4, Z20
	VSUBPS Z12, Z20, Z20
	VADDPS Z5, Z1, Z17
	VADDPS Z9, Z17, Z17
	VSUBPS Z9, Z5, Z21
	VSUBPS Z13, Z21, Z21
	VADDPS Z6, Z2, Z18
	VADDPS Z10, Z18, Z18
	VSUBPS Z10, Z6, Z22
	VSUBPS Z14, Z22, Z22
	VADDPS Z7, Z3, Z19
	VADDPS Z11, Z19, Z19
	VSUBPS Z11, Z7, Z23
	VSUBPS Z15, Z23, Z23
	VADDPS Z17, Z16, Z24
	VADDPS Z18, Z24, Z24
	VADDPS Z31, Z24, Z24
	VSUBPS Z18, Z17, Z25
	VSUBPS Z19, Z25, Z25
	VADDPS Z31, Z25, Z25
	VADDPS Z21, Z20, Z26
	VADDPS Z22, Z26, Z26
	VADDPS Z31, Z26, Z26
	VSUBPS Z22, Z21, Z27
	VSUBPS Z23, Z27, Z27
	VADDPS Z31, Z27, Z27
	VMOVAPS Z24, Z0
	VPERMT2PS Z25, Z28, Z0
	VMOVAPS Z24, Z1
	VPERMT2PS Z25, Z29, Z1
	VMOVUPS Z0, K2, (DI)
	VMOVUPS Z1, K3, 64(DI)
	CMPQ BX, $2
	JLT out2_next
	VMOVAPS Z26, Z2
	VPERMT2PS Z27, Z28, Z2
	VMOVAPS Z26, Z3
	VPERMT2PS Z27, Z29, Z3
	VMOVUPS Z2, K2, (R11)
	VMOVUPS Z3, K3, 64(R11)
out2_next:
	ADDQ $64, R8
	ADDQ $128, DI
	ADDQ $128, R11
	SUBQ $32, AX
	SUBQ $16, CX
	JMP out2_loop
out2_done:
	VZEROUPPER
	RET

DATA convWinoHalf<>+0(SB)/4, $0.5
GLOBL convWinoHalf<>(SB), RODATA|NOPTR, $4

// The F(2x2) filter transform of one output row of G g G^T: a0-a2 the
// row's three values, Z31 one half. Writes e = 4i .. 4i+3 at DI, DI+DX,
// DI+2DX, DI+R12 under mask K1. Same operations, in the same order, as
// convWinoFilter2, so the results are bit-for-bit equal.
#define WINO_FILTER2_ROW(a0, a1, a2) \
	VMOVUPS a0, K1, (DI); \
	VADDPS a1, a0, Z15; \
	VADDPS a2, Z15, Z15; \
	VMULPS Z31, Z15, Z15; \
	VMOVUPS Z15, K1, (DI)(DX*1); \
	VSUBPS a1, a0, Z16; \
	VADDPS a2, Z16, Z16; \
	VMULPS Z31, Z16, Z16; \
	VMOVUPS Z16, K1, (DI)(DX*2); \
	VMOVUPS a2, K1, (DI)(R12*1); \
	LEAQ (DI)(DX*4), DI

// func convWinoFilter2AVX512(w *float32, ldf, nf, nc int, u *float32, sb, ldu int)
TEXT ·convWinoFilter2AVX512(SB), NOSPLIT, $0-56
	MOVQ w+0(FP), BX
	MOVQ ldf+8(FP), AX
	MOVQ nf+16(FP), R13
	MOVQ nc+24(FP), CX
	MOVQ u+32(FP), SI
	MOVQ sb+40(FP), DX
	MOVQ ldu+48(FP), R11
	LEAQ (DX)(DX*2), R12
	VPBROADCASTD AX, Z30
	VPMULLD convWinoIota0<>(SB), Z30, Z30
	VBROADCASTSS convWinoHalf<>(SB), Z31
	LEAQ convWinoMasks<>(SB), R8
	MOVWLZX (R8)(R13*2), R13
	KMOVW R13, K1
filt2_loop:
	TESTQ CX, CX
	JLE filt2_done
	KMOVW K1, K2
	VGATHERDPS (BX)(Z30*4), K2, Z0
	KMOVW K1, K2
	VGATHERDPS 4(BX)(Z30*4), K2, Z1
	KMOVW K1, K2
	VGATHERDPS 8(BX)(Z30*4), K2, Z2
	KMOVW K1, K2
	VGATHERDPS 12(BX)(Z30*4), K2, Z3
	KMOVW K1, K2
	VGATHERDPS 16(BX)(Z30*4), K2, Z4
	KMOVW K1, K2
	VGATHERDPS 20(BX)(Z30*4), K2, Z5
	KMOVW K1, K2
	VGATHERDPS 24(BX)(Z30*4), K2, Z6
	KMOVW K1, K2
	VGATHERDPS 28(BX)(Z30*4), K2, Z7
	KMOVW K1, K2
	VGATHERDPS 32(BX)(Z30*4), K2, Z8
	// G g: rows 1 and 2 of each column j (rows 0 and 3 are g's own).
	VADDPS Z3, Z0, Z9
	VADDPS Z6, Z9, Z9
	VMULPS Z31, Z9, Z9
	VSUBPS Z3, Z0, Z12
	VADDPS Z6, Z12, Z12
	VMULPS Z31, Z12, Z12
	VADDPS Z4, Z1, Z10
	VADDPS Z7, Z10, Z10
	VMULPS Z31, Z10, Z10
	VSUBPS Z4, Z1, Z13
	VADDPS Z7, Z13, Z13
	VMULPS Z31, Z13, Z13
	VADDPS Z5, Z2, Z11
	VADDPS Z8, Z11, Z11
	VMULPS Z31, Z11, Z11
	VSUBPS Z5, Z2, Z14
	VADDPS Z8, Z14, Z14
	VMULPS Z31, Z14, Z14
	MOVQ SI, DI
	WINO_FILTER2_ROW(Z0, Z1, Z2)
	WINO_FILTER2_ROW(Z9, Z10, Z11)
	WINO_FILTER2_ROW(Z12, Z13, Z14)
	WINO_FILTER2_ROW(Z6, Z7, Z8)
	ADDQ $36, BX
	ADDQ R11, SI
	DECQ CX
	JMP filt2_loop
filt2_done:
	VZEROUPPER
	RET
