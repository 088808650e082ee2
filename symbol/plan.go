package symbol

import "sort"

// Memory planning. A cached graph keeps the values that live only during
// one pass in a single workspace: each gets an offset there when the pass
// is planned, and a value's bytes are reused by later values once its last
// reader has run (MXNet's static memory plan).

// planAlign keeps every planned buffer 64-byte aligned, as pool memory is.
const planAlign = 64

// arena hands out offsets in a growing buffer and takes them back.
type arena struct {
	size int
	free []span // sorted by offset, coalesced
}

type span struct{ off, n int }

func alignUp(n int) int { return (n + planAlign - 1) &^ (planAlign - 1) }

// alloc returns the offset of n free bytes: the smallest free span that
// fits, or the end of the buffer (growing a free span that ends there).
func (a *arena) alloc(n int) int {
	n = alignUp(n)
	if n == 0 {
		return 0
	}
	best := -1
	for i, s := range a.free {
		if s.n >= n && (best < 0 || s.n < a.free[best].n) {
			best = i
		}
	}
	if best >= 0 {
		s := a.free[best]
		if s.n == n {
			a.free = append(a.free[:best], a.free[best+1:]...)
		} else {
			a.free[best] = span{s.off + n, s.n - n}
		}
		return s.off
	}
	if k := len(a.free); k > 0 && a.free[k-1].off+a.free[k-1].n == a.size {
		last := a.free[k-1]
		a.free = a.free[:k-1]
		a.size = last.off + n
		return last.off
	}
	off := a.size
	a.size += n
	return off
}

// release returns n bytes at off (as given by alloc) to the free list.
func (a *arena) release(off, n int) {
	n = alignUp(n)
	if n == 0 {
		return
	}
	i := sort.Search(len(a.free), func(i int) bool { return a.free[i].off > off })
	a.free = append(a.free, span{})
	copy(a.free[i+1:], a.free[i:])
	a.free[i] = span{off, n}
	// Merge with the following and then the preceding span.
	if i+1 < len(a.free) && a.free[i].off+a.free[i].n == a.free[i+1].off {
		a.free[i].n += a.free[i+1].n
		a.free = append(a.free[:i+1], a.free[i+2:]...)
	}
	if i > 0 && a.free[i-1].off+a.free[i-1].n == a.free[i].off {
		a.free[i-1].n += a.free[i].n
		a.free = append(a.free[:i], a.free[i+1:]...)
	}
}
