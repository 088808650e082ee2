// The float32 exp of the AVX-512 activation and softmax loops
// (act_vec_amd64.s, softmax_vec_amd64.s): the constants in Z16-Z31 and
// expLanes, which performs exp32Go's float32 operations in the same order
// (no fused multiply-add) and scales by 2**k with VSCALEFPS, which rounds
// once as the two-step scaling does.

#define bcast(bits, Z) \
	MOVL $bits, BX \
	VPBROADCASTD BX, Z

// actConsts loads the constants of expLanes into Z16-Z31.
#define actConsts \
	bcast(0x3fb8aa3b, Z16) \
	bcast(0x4b400000, Z17) \
	bcast(0x3f318000, Z18) \
	bcast(0xb95e8083, Z19) \
	bcast(0x39506967, Z20) \
	bcast(0x3ab743ce, Z21) \
	bcast(0x3c088908, Z22) \
	bcast(0x3d2aa9c1, Z23) \
	bcast(0x3e2aaaaa, Z24) \
	bcast(0x3f000000, Z25) \
	bcast(0x3f800000, Z26) \
	bcast(0x42b17218, Z27) \
	bcast(0xc2cff1b4, Z28) \
	bcast(0x7f800000, Z29) \
	bcast(0x80000000, Z30) \
	VPXORD Z31, Z31, Z31

// expLanesR sets Y to e**X lane by lane, with A-D and KA, KB as scratch.
// fk = round(x/ln2), r = x - fk*ln2 in two parts, e**r by the
// polynomial, then y*2**fk; x <= minArg gives 0, x > maxArg +Inf and NaN
// itself. Its operations form one long dependent chain: loops run two
// independent chains (two sets of scratch registers) per iteration so
// that the core overlaps them.
#define expLanesR(X, Y, A, B, C, D, KA, KB) \
	VMULPS Z16, X, A \
	VADDPS Z17, A, A \
	VSUBPS Z17, A, A \
	VMULPS Z18, A, B \
	VSUBPS B, X, B \
	VMULPS Z19, A, C \
	VSUBPS C, B, B \
	VMULPS B, B, C \
	VMULPS Z20, B, D \
	VADDPS Z21, D, D \
	VMULPS B, D, D \
	VADDPS Z22, D, D \
	VMULPS B, D, D \
	VADDPS Z23, D, D \
	VMULPS B, D, D \
	VADDPS Z24, D, D \
	VMULPS B, D, D \
	VADDPS Z25, D, D \
	VMULPS C, D, D \
	VADDPS B, D, D \
	VADDPS Z26, D, D \
	VSCALEFPS A, D, Y \
	VCMPPS $0x1e, Z28, X, KA \
	VMOVAPS.Z Y, KA, Y \
	VCMPPS $0x1e, Z27, X, KB \
	VMOVAPS Z29, KB, Y \
	VCMPPS $3, X, X, KB \
	VMOVAPS X, KB, Y

// expLanes is expLanesR with Z2-Z5, K1 and K2 as scratch.
#define expLanes(X, Y) expLanesR(X, Y, Z2, Z3, Z4, Z5, K1, K2)
