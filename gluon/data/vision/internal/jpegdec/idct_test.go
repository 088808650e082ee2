package jpegdec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIDCTVariantsAgree checks that the DC-only and 4×4 shortcuts give
// exactly the full transform's pixels.
func TestIDCTVariantsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		var blk [64]int32
		last := r.IntN(10) // the shortcuts' domain: zigzag 0..9
		if trial%5 == 0 {
			last = 0
		}
		for k := 0; k <= last; k++ {
			if k == 0 || r.IntN(2) == 0 {
				blk[unzig[k]] = int32(r.IntN(2048) - 1024)
			}
		}
		var full, fast [8 * 12]uint8 // stride 12: rows do not touch
		in := blk
		idct(&in, full[:], 12)
		in = blk
		idctBlock(&in, last, fast[:], 12)
		if full != fast {
			t.Fatalf("trial %d (last %d): shortcut %v, full %v", trial, last, fast, full)
		}
	}
}

// TestIDCTAccuracy compares the integer transform with the exact one on
// random coefficient blocks: errors of at most one level.
func TestIDCTAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	worst := 0.0
	for range 300 {
		var blk [64]int32
		for i := range blk {
			if r.IntN(3) == 0 {
				blk[i] = int32(r.IntN(256) - 128)
			}
		}
		var out [64]uint8
		in := blk
		idct(&in, out[:], 8)
		for y := range 8 {
			for x := range 8 {
				s := 0.0
				for v := range 8 {
					for u := range 8 {
						cu, cv := 1.0, 1.0
						if u == 0 {
							cu = math.Sqrt2 / 2
						}
						if v == 0 {
							cv = math.Sqrt2 / 2
						}
						s += cu * cv * float64(blk[v*8+u]) *
							math.Cos(float64(2*x+1)*float64(u)*math.Pi/16) *
							math.Cos(float64(2*y+1)*float64(v)*math.Pi/16)
					}
				}
				want := math.Min(255, math.Max(0, math.Round(s/4+128)))
				worst = math.Max(worst, math.Abs(float64(out[y*8+x])-want))
			}
		}
	}
	if worst > 1 {
		t.Fatalf("largest error %v levels, want <= 1", worst)
	}
}
