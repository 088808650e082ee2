//go:build noasm || !amd64

package kernels

// asmSgemmKernels returns none: this build uses the pure-Go kernel.
func asmSgemmKernels() []*microKernel[float32] { return nil }
