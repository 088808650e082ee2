package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Float32 sgd_mom_update, adam_update and _adamw_update without clipping run the vector
// kernels, split over the threads for large weights: the results equal
// the generic per-element loops bit for bit, on sizes that run inline,
// split unevenly and split always.
func TestVectorOptimizersMatchGenericLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{1, 1000, 100003, 1<<20 + 5} {
		in := make([][]float32, 4) // w, g, m, v
		for i := range in {
			in[i] = make([]float32, n)
			for j := range in[i] {
				in[i][j] = float32(r.NormFloat64())
			}
		}
		for j := range in[3] {
			in[3][j] = float32(math.Abs(float64(in[3][j])))
		}
		arrays := func(k int) []*NDArray {
			var as []*NDArray
			for _, s := range in[:k] {
				as = append(as, ArrayOf(append([]float32(nil), s...), Shape{n}))
			}
			return as
		}
		t.Run(fmt.Sprintf("sgd_mom_%d", n), func(t *testing.T) {
			a := SGDAttrs{LR: 0.05, Momentum: 0.9, WD: 1e-3, RescaleGrad: 0.25}
			ow, om := make([]float32, n), make([]float32, n)
			j := &optSGDJob[float32]{a: a, w: in[0], g: in[1], mom: in[2], ow: ow, omom: om}
			optSGDMomSpan(j, 0, n)
			got := arrays(3)
			SGDMomUpdate(got[0], got[1], got[2], a)
			vecSameBits(t, "weight", got[0].Float32s(), ow)
			vecSameBits(t, "momentum", got[2].Float32s(), om)
		})
		t.Run(fmt.Sprintf("adam_%d", n), func(t *testing.T) {
			a := AdamAttrs{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, WD: 1e-4, RescaleGrad: 0.5}
			out := [][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
			optAdam[float32](a, in, out)
			got := arrays(4)
			AdamUpdate(got[0], got[1], got[2], got[3], a)
			vecSameBits(t, "weight", got[0].Float32s(), out[0])
			vecSameBits(t, "mean", got[2].Float32s(), out[1])
			vecSameBits(t, "variance", got[3].Float32s(), out[2])
		})
		t.Run(fmt.Sprintf("adamw_%d", n), func(t *testing.T) {
			a := AdamAttrs{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-6, WD: 0.01, Eta: 0.5, RescaleGrad: 0.5}
			out := [][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
			optAdamW[float32](a, in, out)
			got := arrays(4)
			AdamWUpdate(got[0], got[1], got[2], got[3], a)
			vecSameBits(t, "weight", got[0].Float32s(), out[0])
			vecSameBits(t, "mean", got[2].Float32s(), out[1])
			vecSameBits(t, "variance", got[3].Float32s(), out[2])
		})
	}
}

func vecSameBits(t *testing.T, name string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v (n=%d)", name, i, got[i], want[i], len(want))
		}
	}
}
