//go:build !(amd64 || arm64) || purego

package goid

import (
	"runtime"
	"sync"
)

// stackBufs holds the buffers runtime.Stack writes into (a buffer passed
// to it escapes, so a local array would be a heap allocation per call).
var stackBufs = sync.Pool{New: func() any { return new([64]byte) }}

// current parses the goroutine number from the stack header ("goroutine
// 18 [running]:"). It is slow (about a microsecond) but needs no assembly,
// and it allocates nothing (autograd looks it up on every recorded op).
func current() uintptr {
	buf := stackBufs.Get().(*[64]byte)
	defer stackBufs.Put(buf)
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return 0
	}
	var id uintptr
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uintptr(c-'0')
	}
	return id
}
