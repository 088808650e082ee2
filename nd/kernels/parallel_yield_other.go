//go:build !linux

package kernels

// osYield is a no-op where the OS yield is not wired up: runtime.Gosched
// alone yields the spinning helper's P.
func osYield() {}
