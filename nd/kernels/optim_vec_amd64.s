//go:build !noasm

#include "textflag.h"

#include "vec_amd64.h"

// The optimizer updates of optim_vec.go, 16 elements per iteration and a
// masked tail. Every input of a block is loaded before its outputs are
// stored, so an output may be its own input.

// momStep computes a momentum update of the lanes loaded in Z4 (mom),
// Z5 (w) and Z6 (g) into Z0 (the new momentum) and Z3 (the new weight),
// with the scalars in Z28-Z31 (momentum, lr, c, rescale). With R14 clear
// it is sgd_mom_update's (c = lr·wd):
//	v = momentum·mom - c·w - lr·(g·rescale); w + v
// with R14 set, nag_mom_update's (c = wd):
//	gi = g·rescale + c·w; v = momentum·mom + gi; w - lr·(gi + momentum·v)
#define momStep(nag, done) \
	TESTQ  R14, R14 \
	JNE    nag \
	VMULPS Z28, Z4, Z0 \
	VMULPS Z30, Z5, Z1 \
	VMULPS Z31, Z6, Z2 \
	VSUBPS Z1, Z0, Z0 \
	VMULPS Z29, Z2, Z2 \
	VSUBPS Z2, Z0, Z0 \
	VADDPS Z0, Z5, Z3 \
	JMP    done \
nag: \
	VMULPS Z31, Z6, Z1 \
	VMULPS Z30, Z5, Z2 \
	VADDPS Z2, Z1, Z1 \
	VMULPS Z28, Z4, Z0 \
	VADDPS Z1, Z0, Z0 \
	VMULPS Z28, Z0, Z2 \
	VADDPS Z2, Z1, Z2 \
	VMULPS Z29, Z2, Z2 \
	VSUBPS Z2, Z5, Z3 \
done:

// func momUpdate32AVX512(ow, omom, w, grad, mom *float32, n int, momentum, lr, c, rescale float32, nesterov bool)
TEXT ·momUpdate32AVX512(SB), NOSPLIT, $0-65
	MOVQ ow+0(FP), DI
	MOVQ omom+8(FP), R10
	MOVQ w+16(FP), SI
	MOVQ grad+24(FP), DX
	MOVQ mom+32(FP), R11
	MOVQ n+40(FP), R8
	VBROADCASTSS momentum+48(FP), Z28
	VBROADCASTSS lr+52(FP), Z29
	VBROADCASTSS c+56(FP), Z30
	VBROADCASTSS rescale+60(FP), Z31
	MOVBQZX nesterov+64(FP), R14
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-16, R9
	JEQ  mom_tail

mom_loop:
	VMOVUPS (R11)(AX*4), Z4
	VMOVUPS (SI)(AX*4), Z5
	VMOVUPS (DX)(AX*4), Z6
	momStep(mom_loop_nag, mom_loop_store)
	VMOVUPS Z0, (R10)(AX*4)
	VMOVUPS Z3, (DI)(AX*4)
	ADDQ $16, AX
	CMPQ AX, R9
	JLT  mom_loop

mom_tail:
	tailMask(mom_done)
	VMOVUPS.Z (R11)(AX*4), K3, Z4
	VMOVUPS.Z (SI)(AX*4), K3, Z5
	VMOVUPS.Z (DX)(AX*4), K3, Z6
	momStep(mom_tail_nag, mom_tail_store)
	VMOVUPS Z0, K3, (R10)(AX*4)
	VMOVUPS Z3, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  mom_tail

mom_done:
	VZEROUPPER
	RET

// adamStep computes the Adam update of the lanes loaded in Z5 (w), Z6 (g),
// Z7 (m) and Z8 (v) into Z1 (the new m), Z2 (the new v) and Z5 (the new
// weight), with the scalars in Z19-Z27 (Beta1, 1-Beta1, Beta2, 1-Beta2,
// LR, Epsilon, WD, Rescale, Eta). With R14 set it is AdamW's: the decay
// applies to the weight, scaled with the step by Eta, not to the gradient.
#define adamStep(gradOnly, sub) \
	VMULPS Z27, Z6, Z0 \
	TESTQ  R14, R14 \
	JNE    gradOnly \
	VMULPS Z26, Z5, Z1 \
	VADDPS Z1, Z0, Z0 \
gradOnly: \
	VMULPS Z20, Z7, Z1 \
	VMULPS Z21, Z0, Z2 \
	VADDPS Z2, Z1, Z1 \
	VMULPS Z22, Z8, Z2 \
	VMULPS Z23, Z0, Z3 \
	VMULPS Z0, Z3, Z3 \
	VADDPS Z3, Z2, Z2 \
	VSQRTPS Z2, Z3 \
	VADDPS Z25, Z3, Z3 \
	VMULPS Z24, Z1, Z4 \
	VDIVPS Z3, Z4, Z4 \
	TESTQ  R14, R14 \
	JEQ    sub \
	VMULPS Z26, Z5, Z3 \
	VADDPS Z3, Z4, Z4 \
	VMULPS Z19, Z4, Z4 \
sub: \
	VSUBPS Z4, Z5, Z5

// func adamUpdate32AVX512(ow, om, ov, w, grad, m, v *float32, n int, s *[9]float32, decoupled bool)
TEXT ·adamUpdate32AVX512(SB), NOSPLIT, $0-73
	MOVQ ow+0(FP), DI
	MOVQ om+8(FP), R10
	MOVQ ov+16(FP), R12
	MOVQ w+24(FP), SI
	MOVQ grad+32(FP), DX
	MOVQ m+40(FP), R11
	MOVQ v+48(FP), R13
	MOVQ n+56(FP), R8
	MOVQ s+64(FP), AX
	MOVBQZX decoupled+72(FP), R14
	VBROADCASTSS 0(AX), Z20
	VBROADCASTSS 4(AX), Z21
	VBROADCASTSS 8(AX), Z22
	VBROADCASTSS 12(AX), Z23
	VBROADCASTSS 16(AX), Z24
	VBROADCASTSS 20(AX), Z25
	VBROADCASTSS 24(AX), Z26
	VBROADCASTSS 28(AX), Z27
	VBROADCASTSS 32(AX), Z19
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-16, R9
	JEQ  adam_tail

adam_loop:
	VMOVUPS (SI)(AX*4), Z5
	VMOVUPS (DX)(AX*4), Z6
	VMOVUPS (R11)(AX*4), Z7
	VMOVUPS (R13)(AX*4), Z8
	adamStep(adam_loop_grad, adam_loop_sub)
	VMOVUPS Z1, (R10)(AX*4)
	VMOVUPS Z2, (R12)(AX*4)
	VMOVUPS Z5, (DI)(AX*4)
	ADDQ $16, AX
	CMPQ AX, R9
	JLT  adam_loop

adam_tail:
	tailMask(adam_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z5
	VMOVUPS.Z (DX)(AX*4), K3, Z6
	VMOVUPS.Z (R11)(AX*4), K3, Z7
	VMOVUPS.Z (R13)(AX*4), K3, Z8
	adamStep(adam_tail_grad, adam_tail_sub)
	VMOVUPS Z1, K3, (R10)(AX*4)
	VMOVUPS Z2, K3, (R12)(AX*4)
	VMOVUPS Z5, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  adam_tail

adam_done:
	VZEROUPPER
	RET

// rmspropStep computes the RMSProp update of the lanes loaded in Z5 (w),
// Z6 (g) and Z7 (n) into Z1 (the new n) and Z5 (the new weight), with the
// scalars in Z20-Z25 (Gamma1, 1-Gamma1, LR, Epsilon, WD, Rescale). With
// R14 set it is AdaGrad's (n the sum of squared gradients, WD decaying
// the weight apart from the gradient).
#define rmspropStep(adagrad, done) \
	VMULPS Z25, Z6, Z0 \
	TESTQ  R14, R14 \
	JNE    adagrad \
	VMULPS Z24, Z5, Z1 \
	VADDPS Z1, Z0, Z0 \
	VMULPS Z21, Z0, Z1 \
	VMULPS Z0, Z1, Z1 \
	VMULPS Z20, Z7, Z2 \
	VADDPS Z2, Z1, Z1 \
	VADDPS Z23, Z1, Z2 \
	VSQRTPS Z2, Z2 \
	VMULPS Z22, Z0, Z3 \
	VDIVPS Z2, Z3, Z3 \
	VSUBPS Z3, Z5, Z5 \
	JMP    done \
adagrad: \
	VMULPS Z0, Z0, Z1 \
	VADDPS Z1, Z7, Z1 \
	VADDPS Z23, Z1, Z2 \
	VSQRTPS Z2, Z2 \
	VDIVPS Z2, Z0, Z3 \
	VMULPS Z24, Z5, Z4 \
	VADDPS Z4, Z3, Z3 \
	VMULPS Z22, Z3, Z3 \
	VSUBPS Z3, Z5, Z5 \
done:

// func rmspropUpdate32AVX512(ow, on, w, grad, n *float32, cnt int, s *[6]float32, adagrad bool)
TEXT ·rmspropUpdate32AVX512(SB), NOSPLIT, $0-57
	MOVQ ow+0(FP), DI
	MOVQ on+8(FP), R10
	MOVQ w+16(FP), SI
	MOVQ grad+24(FP), DX
	MOVQ n+32(FP), R11
	MOVQ cnt+40(FP), R8
	MOVQ s+48(FP), AX
	MOVBQZX adagrad+56(FP), R14
	VBROADCASTSS 0(AX), Z20
	VBROADCASTSS 4(AX), Z21
	VBROADCASTSS 8(AX), Z22
	VBROADCASTSS 12(AX), Z23
	VBROADCASTSS 16(AX), Z24
	VBROADCASTSS 20(AX), Z25
	XORQ AX, AX
	MOVQ R8, R9
	ANDQ $-16, R9
	JEQ  rms_tail

rms_loop:
	VMOVUPS (SI)(AX*4), Z5
	VMOVUPS (DX)(AX*4), Z6
	VMOVUPS (R11)(AX*4), Z7
	rmspropStep(rms_loop_adagrad, rms_loop_store)
	VMOVUPS Z1, (R10)(AX*4)
	VMOVUPS Z5, (DI)(AX*4)
	ADDQ $16, AX
	CMPQ AX, R9
	JLT  rms_loop

rms_tail:
	tailMask(rms_done)
	VMOVUPS.Z (SI)(AX*4), K3, Z5
	VMOVUPS.Z (DX)(AX*4), K3, Z6
	VMOVUPS.Z (R11)(AX*4), K3, Z7
	rmspropStep(rms_tail_adagrad, rms_tail_store)
	VMOVUPS Z1, K3, (R10)(AX*4)
	VMOVUPS Z5, K3, (DI)(AX*4)
	ADDQ $16, AX
	JMP  rms_tail

rms_done:
	VZEROUPPER
	RET
