package kernels

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"unsafe"
)

// TestSmallSharedPanelStates checks the lazy packing of the shared
// operand: the first request packs the panel in place and marks it
// packed, later ones reuse it, and a request that finds the panel being
// packed by another thread gets a private copy in scratch with the same
// values, leaving the shared panel to its packer.
func TestSmallSharedPanelStates(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, byRows := range []bool{true, false} {
		m, n, k := 40, 70, 9
		a, b := randSlice(r, m*k), randSlice(r, k*n)
		kern := &microKernel[float32]{name: "test", mr: 14, nr: 32, kc: 256}
		s := newSmallGemm[float32]()
		s.g = gemmArgs[float32]{false, false, m, n, k, 2, a, k, b, n, 0, nil, n}
		s.kern, s.byRows, s.kcMax = kern, byRows, k
		s.rowTiles, s.panels = ceilDiv(m, 14), ceilDiv(n, 32)
		count, width := s.panels, 32
		if !byRows {
			count, width = s.rowTiles, 14
		}
		s.shared = make([]float32, count*width*k)
		s.sharedState = make([]atomic.Uint32, count)
		scratch := make([]float32, width*k)
		x := count - 1 // the edge panel, padded with zeros

		want := make([]float32, width*k)
		if byRows {
			packPanel(want, b, n, false, 0, k, x*32, n-x*32, 32, 1)
		} else {
			packPanel(want, a, k, true, 0, k, x*14, m-x*14, 14, 2)
		}
		same := func(p *float32, what string) {
			got := unsafe.Slice(p, width*k)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("byRows=%v %s: panel[%d] = %v, want %v", byRows, what, i, got[i], want[i])
				}
			}
		}

		s.sharedState[x].Store(panelPacking) // another thread is packing it
		p := s.sharedPanel(0, k, x, scratch)
		if p != &scratch[0] {
			t.Fatalf("byRows=%v: panel being packed elsewhere was not copied to scratch", byRows)
		}
		same(p, "private copy")
		if st := s.sharedState[x].Load(); st != panelPacking {
			t.Fatalf("byRows=%v: private copy changed the panel state to %d", byRows, st)
		}

		s.sharedState[x].Store(panelUnpacked)
		clear(scratch)
		p = s.sharedPanel(0, k, x, scratch)
		if st := s.sharedState[x].Load(); st != panelPacked {
			t.Fatalf("byRows=%v: state after packing = %d, want packed", byRows, st)
		}
		if uintptr(unsafe.Pointer(p)) < uintptr(unsafe.Pointer(&s.shared[0])) || p == &scratch[0] {
			t.Fatalf("byRows=%v: first request did not pack into the shared buffer", byRows)
		}
		same(p, "shared")
		if q := s.sharedPanel(0, k, x, scratch); q != p {
			t.Fatalf("byRows=%v: second request returned another panel", byRows)
		}
	}
}
