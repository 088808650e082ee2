package autograd

import (
	"slices"
	"sync"
	"sync/atomic"
)

// The per-goroutine modes live in a small copy-on-write table: every
// recorded op looks its goroutine up, while scopes begin and end rarely
// (a few times per training step), so lookups are a lock-free scan of a
// few entries. An entry stays in the table when its goroutine leaves its
// last scope (its mode becomes nil), so the next scope of that goroutine
// (the next training step) only swaps the mode pointer: steady-state
// training allocates nothing here. The table is copied only to add a
// goroutine; a full table first drops the entries of goroutines outside
// any scope. Goroutines beyond tableMax in scopes at once go to a
// sync.Map, so that many concurrent scopes cannot make each lookup long.

// gentry is one goroutine's entry. g never changes; m is nil while the
// goroutine is outside every scope, and only changes under tableMu.
type gentry struct {
	g uintptr
	m atomic.Pointer[mode]
}

const tableMax = 16

var (
	tableMu   sync.Mutex
	table     atomic.Pointer[[]*gentry] // immutable slice; nil when empty
	overflow  sync.Map                  // uintptr -> *mode
	overflowN atomic.Int64              // entries in overflow
)

// The four modes are shared values, so that entering a scope allocates no
// mode.
var modes [2][2]mode

func init() {
	for r := range 2 {
		for t := range 2 {
			modes[r][t] = mode{recording: r == 1, training: t == 1}
		}
	}
}

// modeOf returns the shared value equal to m.
func modeOf(m mode) *mode {
	r, t := 0, 0
	if m.recording {
		r = 1
	}
	if m.training {
		t = 1
	}
	return &modes[r][t]
}

// lookupMode returns g's mode, if g is inside a scope.
func lookupMode(g uintptr) (*mode, bool) {
	if t := table.Load(); t != nil {
		for _, e := range *t {
			if e.g == g {
				m := e.m.Load()
				return m, m != nil
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

// storeMode sets g's mode (m != nil) or ends it (m == nil). Only g itself
// changes its mode, so g always reads back what it stored.
func storeMode(g uintptr, m *mode) {
	tableMu.Lock()
	defer tableMu.Unlock()
	var old []*gentry
	if t := table.Load(); t != nil {
		old = *t
	}
	for _, e := range old {
		if e.g == g {
			e.m.Store(m)
			return
		}
	}
	if _, ok := overflow.Load(g); ok {
		if m == nil {
			overflow.Delete(g)
			overflowN.Add(-1)
		} else {
			overflow.Store(g, m)
		}
		return
	}
	if m == nil {
		return
	}
	if len(old) == tableMax {
		// Drop goroutines outside any scope; their m cannot change while
		// tableMu is held.
		old = slices.DeleteFunc(slices.Clone(old), func(e *gentry) bool { return e.m.Load() == nil })
	}
	if len(old) == tableMax {
		overflow.Store(g, m)
		overflowN.Add(1)
		return
	}
	e := &gentry{g: g}
	e.m.Store(m)
	t := append(slices.Clip(old), e)
	table.Store(&t)
}
