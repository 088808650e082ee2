package bench

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestHybridizeAndLSTMResults(t *testing.T) {
	cfg := Config{Rounds: 1, Warmup: 1, SampleTime: time.Millisecond}
	rs, err := Hybridize(cfg, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"mlp_train_b2_eager", "mlp_train_b2_eager_peak_mb", "mlp_train_b2_hybrid", "mlp_train_b2_hybrid_peak_mb",
		"lenet_train_b2_eager", "lenet_train_b2_eager_peak_mb", "lenet_train_b2_hybrid", "lenet_train_b2_hybrid_peak_mb"}
	if len(rs) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(rs), len(want), rs)
	}
	for i, r := range rs {
		unit := "ms"
		if strings.HasSuffix(want[i], "_mb") {
			unit = "MB"
		}
		if r.Name != want[i] || r.Unit != unit || !(r.Value > 0) {
			t.Fatalf("result %d = %+v, want %s in %s", i, r, want[i], unit)
		}
	}
	if testing.Short() {
		return
	}
	ls, err := LSTM(cfg)
	if err != nil || len(ls) != 1 || ls[0].Name != "lstm_step" || !(ls[0].Value > 0) {
		t.Fatalf("LSTM: %+v %v", ls, err)
	}
}

// BenchmarkGluonStep profiles the training steps of bench hybridize:
// go test -run XXX -bench GluonStep -benchmem -cpuprofile cpu.prof ./internal/bench
func BenchmarkGluonStep(b *testing.B) {
	for _, model := range []string{"mlp", "lenet"} {
		for _, batch := range []int{1, 32} {
			for _, mode := range []string{"eager", "hybrid"} {
				b.Run(fmt.Sprintf("%s_b%d_%s", model, batch, mode), func(b *testing.B) {
					step, err := mnistStep(model, batch, mode == "hybrid", plainSGD)
					if err != nil {
						b.Fatal(err)
					}
					runSteps(b, step)
				})
			}
		}
	}
}

// BenchmarkOptimizerStep is the hybridized MLP step of BenchmarkGluonStep
// with the common optimizers: plain SGD, SGD with momentum, Nesterov's
// momentum, Adam, AdamW and RMSProp.
func BenchmarkOptimizerStep(b *testing.B) {
	opts := []optimizerChoice{
		plainSGD,
		{"sgd", map[string]any{"learning_rate": 0.01, "momentum": 0.9}},
		{"nag", map[string]any{"learning_rate": 0.01, "momentum": 0.9}},
		{"adam", map[string]any{"learning_rate": 1e-3}},
		{"adamw", map[string]any{"learning_rate": 1e-3, "wd": 0.01}},
		{"rmsprop", map[string]any{"learning_rate": 1e-3}},
	}
	names := []string{"sgd", "momentum", "nag", "adam", "adamw", "rmsprop"}
	for _, batch := range []int{1, 64} {
		for i, opt := range opts {
			b.Run(fmt.Sprintf("mlp_b%d_%s", batch, names[i]), func(b *testing.B) {
				step, err := mnistStep("mlp", batch, true, opt)
				if err != nil {
					b.Fatal(err)
				}
				runSteps(b, step)
			})
		}
	}
}

// BenchmarkLSTMStep profiles bench lstm's step:
// go test -run XXX -bench LSTMStep -cpuprofile cpu.prof ./internal/bench
func BenchmarkLSTMStep(b *testing.B) {
	runSteps(b, lstmStep())
}

// runSteps times b.N calls of step after two untimed ones (deferred
// initialization, tracing, the first plans and pools), reporting
// allocations.
func runSteps(b *testing.B, step func() error) {
	for range 2 {
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
}
