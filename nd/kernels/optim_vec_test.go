package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The assembly updates equal the Go loops bit for bit on every size around
// the 16-lane blocks, with special values in every input, into fresh
// outputs and in place; nothing past the end is written.
func TestOptimKernelsMatchGo(t *testing.T) {
	if momUpdate32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against themselves")
	}
	r := rand.New(rand.NewPCG(3, 5))
	for _, n := range vecSizes {
		w, g, mom, v := vecInput(r, n), vecInput(r, n), vecInput(r, n), vecInput(r, n)
		for i := range v {
			v[i] = float32(math.Abs(float64(v[i]))) // a second moment is never negative
		}
		for _, p := range [][4]float32{{0.9, 0.01, 0, 1}, {0.99, 0.1, 1e-4, 1.0 / 64}, {0, -3, 0.5, 7}} {
			for _, nesterov := range []bool{false, true} {
				name, update := "SGDMomUpdate32", SGDMomUpdate32
				if nesterov {
					name, update = "NAGMomUpdate32", NAGMomUpdate32
				}
				wantW, wantM := make([]float32, n), make([]float32, n)
				momUpdate32Go(wantW, wantM, w, g, mom, p[0], p[1], p[2], p[3], nesterov)
				gotW, gotM := withSentinel(n), withSentinel(n)
				update(gotW, gotM, w, g, mom, p[0], p[1], p[2], p[3])
				checkVecNaN(t, name+" weight", gotW[:n+1], wantW)
				checkVecNaN(t, name+" momentum", gotM[:n+1], wantM)
				inW, inM := withSentinel(n), withSentinel(n)
				copy(inW, w)
				copy(inM, mom)
				update(inW, inM, inW, g, inM, p[0], p[1], p[2], p[3])
				checkVecNaN(t, name+" in place weight", inW[:n+1], wantW)
				checkVecNaN(t, name+" in place momentum", inM[:n+1], wantM)
			}
		}
		for _, p := range []RMSPropParams{
			{Gamma1: 0.9, LR: 1e-3, Epsilon: 1e-8, Rescale: 1},
			{Gamma1: 0.95, LR: 0.3, Epsilon: 1e-3, WD: 0.01, Rescale: 1.0 / 32},
			{Gamma1: 0, LR: -1, Epsilon: 0, WD: 2, Rescale: 3},
		} {
			for _, adagrad := range []bool{false, true} {
				name, update := "RMSPropUpdate32", RMSPropUpdate32
				if adagrad {
					name, update = "AdaGradUpdate32", AdaGradUpdate32
				}
				wantW, wantN := make([]float32, n), make([]float32, n)
				rmspropUpdate32Go(wantW, wantN, w, g, v, &p, adagrad)
				gotW, gotN := withSentinel(n), withSentinel(n)
				update(gotW, gotN, w, g, v, p)
				checkVecNaN(t, name+" weight", gotW[:n+1], wantW)
				checkVecNaN(t, name+" state", gotN[:n+1], wantN)
				inW, inN := withSentinel(n), withSentinel(n)
				copy(inW, w)
				copy(inN, v)
				update(inW, inN, inW, g, inN, p)
				checkVecNaN(t, name+" in place weight", inW[:n+1], wantW)
				checkVecNaN(t, name+" in place state", inN[:n+1], wantN)
			}
		}
		for _, p := range []AdamParams{
			{Beta1: 0.9, Beta2: 0.999, LR: 1e-3, Epsilon: 1e-8, Rescale: 1, Eta: 1},
			{Beta1: 0.5, Beta2: 0.9, LR: 0.3, Epsilon: 1e-3, WD: 0.01, Rescale: 1.0 / 32, Eta: 0.5},
			{Beta1: 0, Beta2: 0, LR: -1, Epsilon: 0, WD: 2, Rescale: 3, Eta: 3},
		} {
			for _, decoupled := range []bool{false, true} {
				name, update := "AdamUpdate32", AdamUpdate32
				if decoupled {
					name, update = "AdamWUpdate32", AdamWUpdate32
				}
				wantW, wantM, wantV := make([]float32, n), make([]float32, n), make([]float32, n)
				adamUpdate32Go(wantW, wantM, wantV, w, g, mom, v, &p, decoupled)
				gotW, gotM, gotV := withSentinel(n), withSentinel(n), withSentinel(n)
				update(gotW, gotM, gotV, w, g, mom, v, p)
				checkVecNaN(t, name+" weight", gotW[:n+1], wantW)
				checkVecNaN(t, name+" mean", gotM[:n+1], wantM)
				checkVecNaN(t, name+" variance", gotV[:n+1], wantV)
				inW, inM, inV := withSentinel(n), withSentinel(n), withSentinel(n)
				copy(inW, w)
				copy(inM, mom)
				copy(inV, v)
				update(inW, inM, inV, inW, g, inM, inV, p)
				checkVecNaN(t, name+" in place weight", inW[:n+1], wantW)
				checkVecNaN(t, name+" in place mean", inM[:n+1], wantM)
				checkVecNaN(t, name+" in place variance", inV[:n+1], wantV)
			}
		}
	}
}

// checkVecNaN is checkVec with every NaN equal to every other: when two
// operands are NaN, which one an instruction passes on depends on operand
// order, which the compiler chooses.
func checkVecNaN(t *testing.T, name string, got []float32, want []float32) {
	t.Helper()
	got, want = append([]float32(nil), got...), append([]float32(nil), want...)
	for i := range want {
		if got[i] != got[i] && want[i] != want[i] {
			got[i], want[i] = 0, 0
		}
	}
	checkVec(t, name, got, want)
}

// One step of each update against values worked out by hand.
func TestOptimKernelsKnownValues(t *testing.T) {
	w, mom := []float32{1, -2}, []float32{0.5, 0}
	SGDMomUpdate32(w, mom, w, []float32{4, -8}, mom, 0.9, 0.25, 0.5, 0.5)
	// v = 0.9·0.5 - 0.5·1 - 0.25·(4·0.5) = -0.55; v = 0 + 1 - 0.25·(-4) = 2
	if mom[0] != float32(0.45)-0.5-0.5 || mom[1] != 2 || w[0] != 1+mom[0] || w[1] != 0 {
		t.Errorf("SGDMomUpdate32: w %v, mom %v; want w [%v 0], mom [%v 2]", w, mom, 1+mom[0], float32(0.45)-1)
	}
	w, mom = []float32{1, -2}, []float32{0.5, 0}
	NAGMomUpdate32(w, mom, w, []float32{4, -8}, mom, 0.5, 0.25, 0.5, 0.5)
	// gi = 2 + 0.5 = 2.5, mom = 0.25 + 2.5 = 2.75, w = 1 - 0.25·(2.5 + 1.375)
	// gi = -4 - 1 = -5, mom = -5, w = -2 - 0.25·(-5 - 2.5)
	if mom[0] != 2.75 || mom[1] != -5 || w[0] != 1-0.25*(2.5+1.375) || w[1] != -2+0.25*7.5 {
		t.Errorf("NAGMomUpdate32: w %v, mom %v; want w [%v %v], mom [2.75 -5]", w, mom, 1-0.25*(2.5+1.375), -2+0.25*7.5)
	}
	w, n := []float32{1}, []float32{1}
	RMSPropUpdate32(w, n, w, []float32{3}, n, RMSPropParams{Gamma1: 0.5, LR: 0.5, Epsilon: 1, WD: 1, Rescale: 1})
	// g = 3 + 1 = 4; n = 0.5·16 + 0.5·1 = 8.5; w = 1 - 0.5·4/√9.5
	if wantW := 1 - float32(2/math.Sqrt(9.5)); n[0] != 8.5 || w[0] != wantW {
		t.Errorf("RMSPropUpdate32: w %v, n %v; want %v, 8.5", w[0], n[0], wantW)
	}
	w, n = []float32{1}, []float32{1}
	AdaGradUpdate32(w, n, w, []float32{3}, n, RMSPropParams{LR: 0.5, Epsilon: 6, WD: 1, Rescale: 1})
	// g = 3; n = 1 + 9 = 10; w = 1 - 0.5·(3/√16 + 1) = 0.125
	if n[0] != 10 || w[0] != 0.125 {
		t.Errorf("AdaGradUpdate32: w %v, n %v; want 0.125, 10", w[0], n[0])
	}
	w, m, v := []float32{1}, []float32{0}, []float32{0}
	AdamUpdate32(w, m, v, w, []float32{2}, m, v, AdamParams{Beta1: 0.5, Beta2: 0.75, LR: 0.5, Epsilon: 0, WD: 1, Rescale: 0.5})
	// g = 2·0.5 + 1·1 = 2; m = 0.5·2 = 1; v = 0.25·4 = 1; w = 1 - 0.5·1/1 = 0.5
	if m[0] != 1 || v[0] != 1 || w[0] != 0.5 {
		t.Errorf("AdamUpdate32: w %v, m %v, v %v; want 0.5, 1, 1", w[0], m[0], v[0])
	}
	w, m, v = []float32{1}, []float32{0}, []float32{0}
	AdamWUpdate32(w, m, v, w, []float32{4}, m, v, AdamParams{Beta1: 0.5, Beta2: 0.75, LR: 0.5, Epsilon: 0, WD: 1, Rescale: 0.5, Eta: 0.5})
	// g = 4·0.5 = 2 (no decay term); m = 1; v = 1; w = 1 - 0.5·(0.5·1/1 + 1·1) = 0.25
	if m[0] != 1 || v[0] != 1 || w[0] != 0.25 {
		t.Errorf("AdamWUpdate32: w %v, m %v, v %v; want 0.25, 1, 1", w[0], m[0], v[0])
	}
}

func TestOptimKernelsPanicOnShortInput(t *testing.T) {
	s4, s3 := make([]float32, 4), make([]float32, 3)
	checkPanics(t, map[string]func(){
		"SGDMomUpdate32":  func() { SGDMomUpdate32(s4, s4, s4, s4, s3, 1, 1, 0, 1) },
		"NAGMomUpdate32":  func() { NAGMomUpdate32(s4, s3, s4, s4, s4, 1, 1, 0, 1) },
		"AdamUpdate32":    func() { AdamUpdate32(s4, s4, s4, s4, s4, s4, s3, AdamParams{}) },
		"RMSPropUpdate32": func() { RMSPropUpdate32(s4, s4, s3, s4, s4, RMSPropParams{}) },
		"AdaGradUpdate32": func() { AdaGradUpdate32(s4, s4, s4, s4, s3, RMSPropParams{}) },
		"AdamWUpdate32":   func() { AdamWUpdate32(s4, s3, s4, s4, s4, s4, s4, AdamParams{}) },
	})
}

func TestOptimKernelsAllocateNothing(t *testing.T) {
	x := make([]float32, 1000)
	if n := testing.AllocsPerRun(10, func() {
		SGDMomUpdate32(x, x, x, x, x, 0.9, 0.1, 0, 1)
		AdamUpdate32(x, x, x, x, x, x, x, AdamParams{Beta1: 0.9, Beta2: 0.999, LR: 1e-3, Epsilon: 1e-8, Rescale: 1})
		RMSPropUpdate32(x, x, x, x, x, RMSPropParams{Gamma1: 0.9, LR: 1e-3, Epsilon: 1e-8, Rescale: 1})
	}); n != 0 {
		t.Errorf("%v allocations per call, want 0", n)
	}
}

func BenchmarkOptimKernels(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	n := 200704
	w, g, m, v := vecInput(r, n), vecInput(r, n), vecInput(r, n), vecInput(r, n)
	p := AdamParams{Beta1: 0.9, Beta2: 0.999, LR: 1e-9, Epsilon: 1e-8, Rescale: 1}
	for _, impl := range []string{"asm", "go"} {
		b.Run(fmt.Sprintf("sgd_mom_%s_%d", impl, n), func(b *testing.B) {
			b.SetBytes(int64(20 * n))
			for b.Loop() {
				if impl == "go" {
					momUpdate32Go(w, m, w, g, m, 0.9, 1e-9, 0, 1, false)
				} else {
					SGDMomUpdate32(w, m, w, g, m, 0.9, 1e-9, 0, 1)
				}
			}
		})
		b.Run(fmt.Sprintf("adam_%s_%d", impl, n), func(b *testing.B) {
			b.SetBytes(int64(28 * n))
			for b.Loop() {
				if impl == "go" {
					adamUpdate32Go(w, m, v, w, g, m, v, &p, false)
				} else {
					AdamUpdate32(w, m, v, w, g, m, v, p)
				}
			}
		})
	}
}
