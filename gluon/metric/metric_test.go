package metric_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/mxgo/mxgo/gluon/metric"
	"github.com/mxgo/mxgo/nd"
)

func a(v []float32, shape ...int) *nd.NDArray { return nd.Array(v, shape...) }

func list(xs ...*nd.NDArray) []*nd.NDArray { return xs }

func check(t *testing.T, m metric.Metric, name string, want float64) {
	t.Helper()
	names, values := m.Get()
	if len(names) != 1 || names[0] != name {
		t.Fatalf("names %v, want [%s]", names, name)
	}
	if math.Abs(values[0]-want) > 1e-9 {
		t.Fatalf("%s = %v, want %v", name, values[0], want)
	}
}

// Expected values are worked by hand in the comments (Pearson's from
// numpy.corrcoef).
func TestMetrics(t *testing.T) {
	acc := metric.NewAccuracy()
	// argmax [1 0 1] vs [1 1 1]: 2 of 3; then labels-shaped [0 1] vs [0 0]: 1 of 2
	acc.Update(list(a([]float32{1, 1, 1}, 3)), list(a([]float32{0.1, 0.9, 0.8, 0.2, 0.3, 0.7}, 3, 2)))
	acc.Update(list(a([]float32{0, 0}, 2)), list(a([]float32{0, 1}, 2)))
	check(t, acc, "accuracy", 3.0/5)

	topk := metric.NewTopKAccuracy(2)
	// label scores .4 (one above), .1 (two above), .2 (two above)
	topk.Update(list(a([]float32{2, 2, 0}, 3)), list(a([]float32{0.1, 0.5, 0.4, 0.6, 0.3, 0.1, 0.2, 0.3, 0.5}, 3, 3)))
	check(t, topk, "top_k_accuracy_2", 1.0/3)

	// labels [1 0 1 1 0], predicted [1 1 0 1 0]: tp 2, fp 1, fn 1, tn 1
	lab := a([]float32{1, 0, 1, 1, 0}, 5)
	pred := a([]float32{0, 1, 0, 1, 1, 0, 0, 1, 1, 0}, 5, 2)
	lab2, pred2 := a([]float32{1, 0}, 2), a([]float32{0, 1, 1, 0}, 2, 2)
	f1 := metric.NewF1()
	f1.Update(list(lab), list(pred))
	check(t, f1, "f1", 2.0/3)
	f1.Update(list(lab2), list(pred2)) // perfect batch: macro mean (2/3 + 1)/2
	check(t, f1, "f1", 5.0/6)
	micro := metric.NewF1()
	micro.Average = "micro"
	micro.Update(list(lab), list(pred))
	micro.Update(list(lab2), list(pred2)) // tp 3, fp 1, fn 1: P = R = 3/4
	check(t, micro, "f1", 0.75)
	mcc := metric.NewMCC()
	mcc.Update(list(lab), list(pred)) // (2·1 - 1·1)/√(3·3·2·2)
	check(t, mcc, "mcc", 1.0/6)

	// per-sample errors: (|.5|+0)/2 and (1+1)/2; squared: .125 and 1
	l, p := a([]float32{1, 2, 3, 4}, 2, 2), a([]float32{1.5, 2, 2, 5}, 2, 2)
	for _, tc := range []struct {
		m    metric.Metric
		name string
		want float64
	}{
		{metric.NewMAE(), "mae", 0.625},
		{metric.NewMSE(), "mse", 0.5625},
		{metric.NewRMSE(), "rmse", 0.75},
	} {
		tc.m.Update(list(l), list(p))
		check(t, tc.m, tc.name, tc.want)
	}

	pr := metric.NewPearsonCorrelation()
	pr.Update(list(a([]float32{1, 2, 3, 4}, 4)), list(a([]float32{2, 4, 5, 9}, 4)))
	pr.Update(list(a([]float32{0.5, -1}, 2)), list(a([]float32{1, 0}, 2)))
	check(t, pr, "pearsonr", 0.9593396210252525)

	probs := a([]float32{0.5, 0.5, 0.25, 0.75}, 2, 2)
	labels := a([]float32{0, 1}, 2)
	ce := metric.NewCrossEntropy()
	ce.Update(list(labels), list(probs))
	wantCE := -(math.Log(0.5+1e-12) + math.Log(0.75+1e-12)) / 2
	check(t, ce, "cross-entropy", wantCE)
	ppl := metric.NewPerplexity()
	ppl.Update(list(labels), list(probs))
	check(t, ppl, "perplexity", math.Exp(-(math.Log(0.5)+math.Log(0.75))/2))
	ignore := 0
	ppl.IgnoreLabel = &ignore
	ppl.Reset()
	ppl.Update(list(labels), list(probs))
	check(t, ppl, "perplexity", 4.0/3)

	loss := metric.NewLoss()
	loss.Update(nil, list(a([]float32{1, 2, 3}, 3), a([]float32{4}, 1)))
	check(t, loss, "loss", 2.5)
}

func TestCompositeCustomReset(t *testing.T) {
	exact := metric.NewCustom("exact", func(label, pred *nd.NDArray) (float64, int) {
		l, p := label.Float64s(), pred.Float64s()
		s := 0.0
		for i := range l {
			if l[i] == p[i] {
				s++
			}
		}
		return s, len(l)
	})
	c := metric.NewComposite(metric.NewAccuracy())
	c.Add(exact)
	c.Update(list(a([]float32{1, 2, 3, 4}, 4)), list(a([]float32{1, 2, 0, 4}, 4)))
	names, values := c.Get()
	if len(names) != 2 || names[0] != "accuracy" || names[1] != "exact" || values[0] != 0.75 || values[1] != 0.75 {
		t.Fatalf("composite: %v %v", names, values)
	}
	c.Reset()
	if _, v := c.Get(); !math.IsNaN(v[0]) || !math.IsNaN(v[1]) {
		t.Fatalf("after Reset: %v, want NaN", v)
	}
	pr := metric.NewPearsonCorrelation()
	if _, v := pr.Get(); !math.IsNaN(v[0]) {
		t.Fatalf("empty pearson: %v", v)
	}
}

func TestCreate(t *testing.T) {
	for _, n := range []string{"acc", "Accuracy", "f1", "mcc", "mae", "mse", "rmse", "pearsonr", "ce", "perplexity", "loss", "top_k_accuracy"} {
		if _, err := metric.Create(n); err != nil {
			t.Errorf("Create(%s): %v", n, err)
		}
	}
	if _, err := metric.Create("nope"); err == nil {
		t.Error("unknown metric: no error")
	}
}

func TestMisuse(t *testing.T) {
	two := a([]float32{0, 1}, 2)
	for name, f := range map[string]func(){
		"pairs":         func() { metric.NewAccuracy().Update(list(two), nil) },
		"sizes":         func() { metric.NewMAE().Update(list(two), list(a([]float32{1, 2, 3}, 3))) },
		"f1 not binary": func() { metric.NewF1().Update(list(a([]float32{2, 0}, 2)), list(a([]float32{0, 1, 1, 0}, 2, 2))) },
		"f1 shape":      func() { metric.NewF1().Update(list(two), list(two)) },
		"topk k":        func() { metric.NewTopKAccuracy(0) },
		"ce label":      func() { metric.NewCrossEntropy().Update(list(a([]float32{5}, 1)), list(a([]float32{0.5, 0.5}, 1, 2))) },
		"f1 average": func() {
			m := metric.NewF1()
			m.Average = "weighted"
			m.Update(list(two), list(a([]float32{0, 1, 1, 0}, 2, 2)))
		},
	} {
		if err := nd.Try(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func ExampleAccuracy() {
	acc := metric.NewAccuracy()
	scores := nd.Array([]float32{0.9, 0.1, 0.2, 0.8, 0.6, 0.4}, 3, 2)
	labels := nd.Array([]float32{0, 1, 1})
	acc.Update([]*nd.NDArray{labels}, []*nd.NDArray{scores})
	names, values := acc.Get()
	fmt.Printf("%s=%.4f\n", names[0], values[0])
	// Output: accuracy=0.6667
}
