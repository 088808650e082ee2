//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func fmaLoopAVX512(n int)

//go:noescape
func fmaLoopAVX2(n int)

func init() {
	switch {
	case cpu.X86.HasAVX512F:
		// 12 FMAs of 16 lanes, 2 flops each.
		fmaLoop = func(n int) int { fmaLoopAVX512(n); return 12 * 16 * 2 }
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		fmaLoop = func(n int) int { fmaLoopAVX2(n); return 12 * 8 * 2 }
	}
}
