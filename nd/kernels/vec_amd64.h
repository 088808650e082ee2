// Shared by the AVX-512 vector loops (mlp_vec_amd64.s, gemv_amd64.s):
// 32 elements per iteration in two registers, then the rest 16 at a time
// under a lane mask (masked-off lanes are neither read nor written, so
// nothing past the end is touched).

// tailMask sets K3 to the lanes of min(16, R8-AX) elements and jumps to
// done when none are left; it uses BX and CX.
#define tailMask(done) \
	MOVQ R8, CX \
	SUBQ AX, CX \
	JLE  done \
	MOVL $0xffff, BX \
	CMPQ CX, $16 \
	JGE  4(PC) \
	MOVL $1, BX \
	SHLL CX, BX \
	DECL BX \
	KMOVW BX, K3

// pairTailMask is tailMask for loops whose inputs are pairs of outputs
// (2×2 pooling): K3 gets the lanes of the min(16, R8-AX) outputs left,
// K6 and K7 those of their twice as many inputs in two registers; it
// jumps to done when no output is left and uses BX and CX.
#define pairTailMask(done) \
	MOVQ R8, CX \
	SUBQ AX, CX \
	JLE  done \
	MOVL $1, BX \
	SHLL CX, BX \
	DECL BX \
	KMOVW BX, K3 \
	SHLQ $1, CX \
	MOVQ $1, BX \
	SHLQ CX, BX \
	DECQ BX \
	KMOVW BX, K6 \
	SHRQ $16, BX \
	KMOVW BX, K7
