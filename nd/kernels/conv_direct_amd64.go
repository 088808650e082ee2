//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func convDirect10AVX512(out *float32, ostride int, in *float32, off *int32, taps int, w, bias *float32, nf int, mask uint32)

func init() {
	if cpu.X86.HasAVX512F {
		convDirect10Fast = convDirect10AVX512
	}
}
