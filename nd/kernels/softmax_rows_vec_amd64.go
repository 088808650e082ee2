//go:build !noasm

package kernels

import (
	"sync"

	"golang.org/x/sys/cpu"
)

//go:noescape
func softmaxRows32AVX512(dst, src, buf *float32, groups, n int, invT float32, log bool) int

//go:noescape
func softmaxGradRows32AVX512(dx, gy, y, buf *float32, groups, n int, rn, t float32, log, divide bool)

// shortRowsScratch is the assembly's buffer: a group's columns (64-byte
// aligned there, hence the extra 16 words) and its products g·y, and the
// last group's rows padded to 16 with zeros.
type shortRowsScratch struct {
	buf       [2*ShortRowsGroup*maxShortRow + 16]float32
	pad, pad2 [ShortRowsGroup * maxShortRow]float32
}

var shortRowsPool = sync.Pool{New: func() any { return new(shortRowsScratch) }}

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	softmaxRows32Fast = softmaxRows32Asm
	softmaxGradRows32Fast = softmaxGradRows32Asm
}

func softmaxRows32Asm(dst, src []float32, n int, invT float32, log bool) int {
	s := shortRowsPool.Get().(*shortRowsScratch)
	defer shortRowsPool.Put(s)
	rows := len(dst) / n
	full := rows / ShortRowsGroup * ShortRowsGroup
	if full > 0 {
		if done := softmaxRows32AVX512(&dst[0], &src[0], &s.buf[0], full/ShortRowsGroup, n, invT, log); done < full {
			return done
		}
	}
	if full == rows {
		return rows
	}
	// The last rows, padded to a group with rows of zeros.
	pad := s.pad[:ShortRowsGroup*n]
	k := copy(pad, src[full*n:])
	clear(pad[k:])
	if softmaxRows32AVX512(&pad[0], &pad[0], &s.buf[0], 1, n, invT, log) == 0 {
		return full
	}
	copy(dst[full*n:], pad[:k])
	return rows
}

func softmaxGradRows32Asm(dx, g, y []float32, n int, t float32, log bool) {
	s := shortRowsPool.Get().(*shortRowsScratch)
	defer shortRowsPool.Put(s)
	rows := len(dx) / n
	full := rows / ShortRowsGroup * ShortRowsGroup
	rn := 1 / float32(n)
	if full > 0 {
		softmaxGradRows32AVX512(&dx[0], &g[0], &y[0], &s.buf[0], full/ShortRowsGroup, n, rn, t, log, t != 1)
	}
	if full == rows {
		return
	}
	pg, py := s.pad[:ShortRowsGroup*n], s.pad2[:ShortRowsGroup*n]
	k := copy(pg, g[full*n:])
	copy(py, y[full*n:])
	clear(pg[k:])
	clear(py[k:])
	softmaxGradRows32AVX512(&pg[0], &pg[0], &py[0], &s.buf[0], 1, n, rn, t, log, t != 1)
	copy(dx[full*n:], pg[:k])
}
