package kernels

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestSmallSharedPanelLazy checks the lazy packing of a thread's copy of
// the shared operand: a request before the thread has packed (packed
// false) packs the panel in place, at its slot for that kc slice, and a
// later one (packed true) returns the same slot without packing again.
func TestSmallSharedPanelLazy(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, byRows := range []bool{true, false} {
		m, n, k := 40, 70, 9
		a, b := randSlice(r, m*k), randSlice(r, k*n)
		kern := &microKernel[float32]{name: "test", mr: 14, nr: 32, kc: 256}
		s := newSmallGemm[float32]()
		s.g = gemmArgs[float32]{false, false, m, n, k, 2, a, k, b, n, 0, nil, n, nil}
		s.kern, s.byRows, s.kcMax = kern, byRows, k
		s.rowTiles, s.panels = ceilDiv(m, 14), ceilDiv(n, 32)
		count, width := s.panels, 32
		if !byRows {
			count, width = s.rowTiles, 14
		}
		shared := make([]float32, count*width*k)
		x := count - 1 // the edge panel, padded with zeros

		want := make([]float32, width*k)
		if byRows {
			packPanel(want, b, n, false, 0, k, x*32, n-x*32, 32, 1)
		} else {
			packPanel(want, a, k, true, 0, k, x*14, m-x*14, 14, 2)
		}
		for i := range shared {
			shared[i] = -1 // padding must be written too
		}
		op := s.sharedPanel(shared, false, 0, k, x)
		p := op.p
		if !op.packed || op.stride != width || p != &shared[x*width*k] {
			t.Fatalf("byRows=%v: panel %d not packed at its slot", byRows, x)
		}
		got := unsafe.Slice(p, width*k)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("byRows=%v: panel[%d] = %v, want %v", byRows, i, got[i], want[i])
			}
		}
		got[0] = 42 // a packed panel must not be packed again
		if q := s.sharedPanel(shared, true, 0, k, x); q.p != p || got[0] != 42 {
			t.Fatalf("byRows=%v: packed panel was repacked or moved", byRows)
		}
		// With in-place kernels, full panels are read where they lie (B
		// from row 0 of its slice, A row-major at alpha 1) and the edge
		// one is still packed.
		s.inPlaceA, s.inPlaceB, s.g.alpha = true, true, 1
		op = s.sharedPanel(shared, true, 0, k, 0)
		switch {
		case op.packed:
			t.Fatalf("byRows=%v: a full panel was packed with in-place kernels", byRows)
		case byRows && (op.p != &b[0] || op.stride != n || op.rows):
			t.Fatalf("byRows=%v: B panel 0 in place at %p stride %d, want %p stride %d", byRows, op.p, op.stride, &b[0], n)
		case !byRows && (op.p != &a[0] || op.stride != k || !op.rows):
			t.Fatalf("byRows=%v: A tile 0 in place at %p stride %d rows %v, want %p stride %d rows", byRows, op.p, op.stride, op.rows, &a[0], k)
		}
		if op = s.sharedPanel(shared, true, 0, k, x); !op.packed || op.p != p {
			t.Fatalf("byRows=%v: the edge panel was not taken from the packed copy", byRows)
		}
	}
}

// TestSgemmEdgeKernels checks every edge kernel (h rows, w columns, each
// write-back mode) against the full kernel through a scratch tile, and
// that C outside the h×w tile is left alone.
func TestSgemmEdgeKernels(t *testing.T) {
	for _, kern := range sgemmKernels {
		if kern.edge == nil {
			continue
		}
		r := rand.New(rand.NewPCG(11, 12))
		mr, nr, kc := kern.mr, kern.nr, 37
		a, b := randSlice(r, mr*kc), randSlice(r, nr*kc)
		full := make([]float32, mr*nr)
		kern.fn(kc, &a[0], &b[0], &full[0], nr, 0, modeStore)
		const ldc = 40
		for h := 1; h <= mr; h++ {
			for _, w := range []int{1, 5, 16, 17, 31, 32} {
				for _, mode := range []int{modeStore, modeAdd, modeScale} {
					c := randSlice(r, mr*ldc)
					orig := append([]float32(nil), c...)
					const beta = -0.5
					kern.edge[h](kc, &a[0], kern.mr, &b[0], kern.nr, &c[0], ldc, beta, mode, uint32(1)<<w-1)
					for i := range mr {
						for j := range ldc {
							got, want := c[i*ldc+j], orig[i*ldc+j]
							if i < h && j < w {
								switch mode {
								case modeStore:
									want = full[i*nr+j]
								case modeAdd:
									want += full[i*nr+j]
								default:
									want = beta*want + full[i*nr+j]
								}
							}
							if d := got - want; d > 1e-5 || d < -1e-5 {
								t.Fatalf("%s h=%d w=%d mode=%d: C[%d,%d] = %v, want %v", kern.name, h, w, mode, i, j, got, want)
							}
						}
					}
				}
			}
		}
	}
}
