package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Float32 sgd_mom_update, nag_mom_update, rmsprop_update, adagrad_update,
// adam_update and _adamw_update without clipping run the vector
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
		for _, c := range []struct {
			name   string
			span   func(j *optSGDJob[float32], lo, hi int)
			update func(w, g, mom *NDArray, a SGDAttrs)
		}{
			{"sgd_mom", optSGDMomSpan[float32], SGDMomUpdate},
			{"nag_mom", optNAGSpan[float32], NAGMomUpdate},
		} {
			t.Run(fmt.Sprintf("%s_%d", c.name, n), func(t *testing.T) {
				a := SGDAttrs{LR: 0.05, Momentum: 0.9, WD: 1e-3, RescaleGrad: 0.25}
				ow, om := make([]float32, n), make([]float32, n)
				j := &optSGDJob[float32]{a: a, w: in[0], g: in[1], mom: in[2], ow: ow, omom: om}
				c.span(j, 0, n)
				got := arrays(3)
				c.update(got[0], got[1], got[2], a)
				vecSameBits(t, "weight", got[0].Float32s(), ow)
				vecSameBits(t, "momentum", got[2].Float32s(), om)
			})
		}
		for _, c := range []struct {
			name    string
			a       AdamAttrs
			generic func(a any, in, out [][]float32)
			update  func(w, g, m, v *NDArray, a AdamAttrs)
		}{
			{"adam", AdamAttrs{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, WD: 1e-4, RescaleGrad: 0.5}, optAdam[float32], AdamUpdate},
			{"adamw", AdamAttrs{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-6, WD: 0.01, Eta: 0.5, RescaleGrad: 0.5}, optAdamW[float32], AdamWUpdate},
		} {
			t.Run(fmt.Sprintf("%s_%d", c.name, n), func(t *testing.T) {
				out := [][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
				c.generic(c.a, in, out)
				got := arrays(4)
				c.update(got[0], got[1], got[2], got[3], c.a)
				vecSameBits(t, "weight", got[0].Float32s(), out[0])
				vecSameBits(t, "mean", got[2].Float32s(), out[1])
				vecSameBits(t, "variance", got[3].Float32s(), out[2])
			})
		}
		for _, c := range []struct {
			name    string
			generic func(a any, in, out [][]float32)
			update  func(w, g, n *NDArray, a RMSPropAttrs)
		}{
			{"rmsprop", optRMSProp[float32], RMSPropUpdate},
			{"adagrad", optAdaGrad[float32], AdaGradUpdate},
		} {
			t.Run(fmt.Sprintf("%s_%d", c.name, n), func(t *testing.T) {
				a := RMSPropAttrs{LR: 1e-3, Gamma1: 0.95, Epsilon: 1e-8, WD: 1e-4, RescaleGrad: 0.5}
				out := [][]float32{make([]float32, n), make([]float32, n)}
				c.generic(a, in[:3], out)
				got := arrays(3)
				c.update(got[0], got[1], got[2], a)
				vecSameBits(t, "weight", got[0].Float32s(), out[0])
				vecSameBits(t, "state", got[2].Float32s(), out[1])
			})
		}
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

// The generic updates (the rest of the Adam and RMSProp families) split
// large weights into parts over the threads, cutting every weight-sized
// array and passing shorter ones (LAMB's norms) whole: the results equal
// one call over the whole arrays, and an update allocates nothing.
func TestGenericOptimizersSplit(t *testing.T) {
	for _, n := range []int{1000, 100003} {
		w, g, m, u := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range w {
			w[i], g[i], m[i], u[i] = float32(i%7)-3, float32(i%5)-2, float32(i%3)*0.1, float32(i%4)*0.5
		}
		a := AdamAttrs{LR: 0.01, Beta1: 0.9, Beta2: 0.99, WD: 1e-3, RescaleGrad: 0.5}
		out := [][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
		optAdamax[float32](a, [][]float32{w, g, m, u}, out)
		wa, ma, ua := ArrayOf(append([]float32(nil), w...), Shape{n}), ArrayOf(append([]float32(nil), m...), Shape{n}), ArrayOf(append([]float32(nil), u...), Shape{n})
		ga := ArrayOf(g, Shape{n})
		AdamaxUpdate(wa, ga, ma, ua, a)
		vecSameBits(t, "adamax weight", wa.Float32s(), out[0])
		vecSameBits(t, "adamax mean", ma.Float32s(), out[1])
		vecSameBits(t, "adamax u", ua.Float32s(), out[2])

		l2 := LambPhase2Attrs{LR: 0.1}
		want := make([]float32, n)
		optLamb2[float32](l2, [][]float32{w, g, {2}, {4}}, [][]float32{want})
		wl := ArrayOf(append([]float32(nil), w...), Shape{n})
		LambUpdatePhase2(wl, ga, ArrayOf([]float32{2}, Shape{1}), ArrayOf([]float32{4}, Shape{1}), l2)
		vecSameBits(t, "lamb phase 2 weight", wl.Float32s(), want)

		if kernelAllocsRace {
			continue // sync.Pool drops records under the race detector
		}
		var attrs any = a
		op, _ := LookupOp("adamax_update")
		in, outs := []*NDArray{wa, ga, ma, ua}, []*NDArray{wa, ma, ua}
		update := func() {
			InvokeInto(op, attrs, in, outs)
			if err := wa.WaitToRead(); err != nil {
				t.Fatal(err)
			}
		}
		update()
		if allocs := testing.AllocsPerRun(20, update); allocs != 0 {
			t.Errorf("n=%d: adamax_update allocates %v times per call, want 0", n, allocs)
		}
	}
}
