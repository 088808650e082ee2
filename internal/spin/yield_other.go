//go:build !linux

package spin

// osYield is a no-op where the OS yield is not wired up: runtime.Gosched
// alone yields the spinner's P.
func osYield() {}
