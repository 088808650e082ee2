//go:build !(amd64 || arm64) || purego

package goid

import (
	"runtime"
	"strconv"
	"strings"
)

// current parses the goroutine number from the stack header. It is slow
// (about a microsecond) but needs no assembly.
func current() uintptr {
	var buf [64]byte
	s := string(buf[:runtime.Stack(buf[:], false)])
	s = strings.TrimPrefix(s, "goroutine ")
	if i := strings.IndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	id, _ := strconv.ParseUint(s, 10, 64)
	return uintptr(id)
}
