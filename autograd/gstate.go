package autograd

import (
	"sync"
	"sync/atomic"
)

// The per-goroutine modes live in a small copy-on-write table: every
// recorded op looks its goroutine up, while scopes begin and end rarely
// (once per training step), so lookups are a lock-free scan of a few
// entries and updates copy the table under a lock. Goroutines beyond
// tableMax go to a sync.Map, so that many concurrent scopes cannot make
// each lookup long.

// gmode is one goroutine's entry.
type gmode struct {
	g uintptr
	m *mode
}

const tableMax = 16

var (
	tableMu   sync.Mutex
	table     atomic.Pointer[[]gmode] // immutable snapshot; nil when empty
	overflow  sync.Map                // uintptr -> *mode
	overflowN atomic.Int64            // entries in overflow
)

// lookupMode returns g's mode, if g is inside a scope.
func lookupMode(g uintptr) (*mode, bool) {
	if t := table.Load(); t != nil {
		for _, e := range *t {
			if e.g == g {
				return e.m, true
			}
		}
	}
	if overflowN.Load() > 0 {
		if m, ok := overflow.Load(g); ok {
			return m.(*mode), true
		}
	}
	return nil, false
}

// storeMode sets g's mode (m != nil) or removes g's entry (m == nil).
// Only g itself changes its entry, so g always reads back what it stored.
func storeMode(g uintptr, m *mode) {
	tableMu.Lock()
	defer tableMu.Unlock()
	var old []gmode
	if t := table.Load(); t != nil {
		old = *t
	}
	at := -1
	for i, e := range old {
		if e.g == g {
			at = i
			break
		}
	}
	switch {
	case at >= 0 && m != nil:
		t := append([]gmode(nil), old...)
		t[at].m = m
		table.Store(&t)
	case at >= 0:
		t := make([]gmode, 0, len(old)-1)
		t = append(append(t, old[:at]...), old[at+1:]...)
		if len(t) == 0 {
			table.Store(nil)
		} else {
			table.Store(&t)
		}
	case m == nil:
		if _, ok := overflow.LoadAndDelete(g); ok {
			overflowN.Add(-1)
		}
	default:
		if _, ok := overflow.Load(g); ok {
			overflow.Store(g, m)
			return
		}
		if len(old) < tableMax {
			t := append(append(make([]gmode, 0, len(old)+1), old...), gmode{g, m})
			table.Store(&t)
			return
		}
		overflow.Store(g, m)
		overflowN.Add(1)
	}
}
