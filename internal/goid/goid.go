// Package goid identifies the calling goroutine cheaply, so that per-goroutine
// state (autograd's recording and training flags, like MXNet's thread-local
// ones) can be looked up without a global flag shared by all goroutines.
//
// The identity is the address of the runtime's goroutine descriptor. It is
// unique among live goroutines and may be reused after a goroutine exits, so
// state keyed by it must be removed before the goroutine returns (autograd's
// scopes guarantee this).
package goid

// Current returns an identifier of the calling goroutine.
func Current() uintptr { return current() }
