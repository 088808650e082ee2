//go:build !purego

#include "textflag.h"

// func getg() uintptr
// Loads the goroutine pointer from thread-local storage, as the runtime's
// get_tls/g macros do.
TEXT ·getg(SB), NOSPLIT, $0-8
	MOVQ TLS, CX
	MOVQ 0(CX)(TLS*1), AX
	MOVQ AX, ret+0(FP)
	RET
