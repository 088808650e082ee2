package bench

import (
	"math"
	"testing"
)

func TestMLPTrainingLowersLoss(t *testing.T) {
	tr := newMLP(16)
	first, err := tr.step()
	if err != nil {
		t.Fatal(err)
	}
	// Random weights on 10 classes: the loss starts near ln 10.
	if first < 1 || first > 6 {
		t.Fatalf("initial loss %.3f, want near ln 10 = 2.30", first)
	}
	var last float64
	for range 30 {
		if last, err = tr.step(); err != nil {
			t.Fatal(err)
		}
	}
	if !(last < first*0.9) {
		t.Fatalf("loss %.4f after 30 SGD steps on one batch, started at %.4f: not learning", last, first)
	}
}

func TestLeNetTrainingLowersLoss(t *testing.T) {
	tr := newLeNet(4)
	first, err := tr.step()
	if err != nil {
		t.Fatal(err)
	}
	var last float64
	for range 8 {
		if last, err = tr.step(); err != nil {
			t.Fatal(err)
		}
	}
	if math.IsNaN(last) || !(last < first) {
		t.Fatalf("loss %.4f after 8 SGD steps on one batch, started at %.4f", last, first)
	}
}

func TestResNet18OutputShape(t *testing.T) {
	m := newResNet18()
	// 32×32 goes through every stage down to 1×1 before the global pool.
	y, err := m.infer(randArray(newRand(), 2, 3, 32, 32))
	if err != nil {
		t.Fatal(err)
	}
	if got := y.Shape(); len(got) != 2 || got[0] != 2 || got[1] != 1000 {
		t.Fatalf("output shape %v, want (2, 1000)", got)
	}
	for i, v := range y.Float32s() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("output[%d] = %v", i, v)
		}
	}
}

func TestModelResultsWellFormed(t *testing.T) {
	cfg := tinyConfig()
	cfg.CPU = true
	for _, c := range []struct {
		name string
		run  func() ([]Result, error)
	}{
		{"mlp_b4", func() ([]Result, error) { return MLP(cfg, 4) }},
		{"lenet_b2", func() ([]Result, error) { return LeNet(cfg, 2) }},
		{"resnet18_b1", func() ([]Result, error) { return resNet18Results(cfg, 1, 32) }},
	} {
		rs, err := c.run()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		checkResults(t, rs, "ms", c.name, c.name+"_cpu")
	}
}

func TestModelsRejectBadBatch(t *testing.T) {
	for name, run := range map[string]func(Config, int) ([]Result, error){"mlp": MLP, "lenet": LeNet, "resnet18": ResNet18} {
		if _, err := run(tinyConfig(), 0); err == nil {
			t.Errorf("%s with batch 0: no error", name)
		}
	}
}

func BenchmarkMLPStep(b *testing.B) {
	for _, batch := range []int{64, 256} {
		b.Run(sizeName("b", batch), func(b *testing.B) { benchStep(b, newMLP(batch)) })
	}
}

func BenchmarkLeNetStep(b *testing.B) { benchStep(b, newLeNet(64)) }

func BenchmarkResNet18Infer(b *testing.B) {
	m := newResNet18()
	x := randArray(newRand(), 1, 3, 224, 224)
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		if _, err := m.infer(x); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-c0)/1e6/float64(b.N), "cpu-ms/op")
}

// benchStep reports wall time per step (ns/op), allocations, and the
// process CPU time per step ("cpu-ms/op", getrusage), which a busy machine
// disturbs less.
func benchStep(b *testing.B, t *trainer) {
	if _, err := t.step(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for b.Loop() {
		if _, err := t.step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-c0)/1e6/float64(b.N), "cpu-ms/op")
}
