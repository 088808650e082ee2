package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Transpose32 against the definition over sizes around the 16×16 tiles,
// padded strides and a size that splits over the pool: every word moves
// unchanged (random bit patterns, signalling NaNs among them), and the
// padding between dst's rows keeps its sentinel.
func TestTranspose32(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 13))
	sizes := []int{1, 7, 15, 16, 17, 31, 32, 33, 100}
	type shape struct{ m, n, padS, padD int }
	var shapes []shape
	for _, m := range sizes {
		for _, n := range sizes {
			shapes = append(shapes, shape{m, n, 0, 0}, shape{m, n, 3, 5})
		}
	}
	shapes = append(shapes, shape{600, 700, 0, 0}, shape{513, 1023, 1, 2})
	for _, s := range shapes {
		lds, ldd := s.n+s.padS, s.m+s.padD
		src := make([]uint32, (s.m-1)*lds+s.n)
		for i := range src {
			src[i] = r.Uint32()
		}
		const sentinel = 0x7f800001 // a signalling NaN's bits
		dst := make([]uint32, (s.n-1)*ldd+s.m+1)
		for i := range dst {
			dst[i] = sentinel
		}
		Transpose32(dst, src, s.m, s.n, lds, ldd)
		name := fmt.Sprintf("%dx%d strides %d,%d", s.m, s.n, lds, ldd)
		for j := range s.n {
			for i := range ldd {
				if j == s.n-1 && i > s.m {
					break
				}
				got := dst[j*ldd+i]
				want := uint32(sentinel)
				if i < s.m {
					want = src[i*lds+j]
				}
				if got != want {
					t.Fatalf("%s: dst[%d][%d] = %#x, want %#x", name, j, i, got, want)
				}
			}
		}
	}
}

func TestTranspose32Panics(t *testing.T) {
	checkPanics(t, map[string]func(){
		"short src":  func() { Transpose32(make([]uint32, 6), make([]uint32, 5), 2, 3, 3, 2) },
		"short dst":  func() { Transpose32(make([]uint32, 5), make([]uint32, 6), 2, 3, 3, 2) },
		"src stride": func() { Transpose32(make([]uint32, 6), make([]uint32, 6), 2, 3, 2, 2) },
		"dst stride": func() { Transpose32(make([]uint32, 6), make([]uint32, 6), 2, 3, 3, 1) },
		"negative m": func() { Transpose32(nil, nil, -1, 3, 3, 1) },
	})
	Transpose32(nil, nil, 0, 5, 5, 0) // empty: nothing to do
}

func TestTranspose32AllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	src, dst := make([]uint32, 600*700), make([]uint32, 600*700)
	Transpose32(dst, src, 600, 700, 700, 600)
	if a := testing.AllocsPerRun(10, func() { Transpose32(dst, src, 600, 700, 700, 600) }); a != 0 {
		t.Fatalf("%v allocations per call", a)
	}
}

func BenchmarkTranspose32(b *testing.B) {
	for _, s := range [][2]int{{256, 1024}, {1024, 4096}} {
		m, n := s[0], s[1]
		src, dst := make([]uint32, m*n), make([]uint32, m*n)
		b.Run(fmt.Sprintf("%dx%d", m, n), func(b *testing.B) {
			b.SetBytes(8 * int64(m*n))
			for b.Loop() {
				Transpose32(dst, src, m, n, n, m)
			}
		})
	}
}
