//go:build !purego

#include "textflag.h"

// func getg() uintptr
// R28 holds the goroutine pointer on arm64.
TEXT ·getg(SB), NOSPLIT, $0-8
	MOVD g, R0
	MOVD R0, ret+0(FP)
	RET
