package metric

import (
	"fmt"
	"math"

	"github.com/mxgo/mxgo/nd"
)

// binaryStats counts a binary confusion matrix; predictions (N, 2) are
// scores whose argmax is the predicted class.
type binaryStats struct{ tp, fp, tn, fn float64 }

func (s *binaryStats) update(op string, label, pred *nd.NDArray) {
	if pred.Ndim() != 2 || pred.Shape()[1] != 2 {
		panic(&nd.Error{Op: "metric." + op, Msg: fmt.Sprintf("prediction shape %v: want (batch, 2) scores of a binary classifier", pred.Shape())})
	}
	pl, lv := nd.Argmax(pred, []int{1}, false).Float64s(), label.Float64s()
	checkSize(op, lv, pl)
	for i, l := range lv {
		if l != 0 && l != 1 {
			panic(&nd.Error{Op: "metric." + op, Msg: fmt.Sprintf("label %v: only binary labels 0 and 1 are supported", l)})
		}
		switch p := pl[i] == 1; {
		case p && l == 1:
			s.tp++
		case p:
			s.fp++
		case l == 1:
			s.fn++
		default:
			s.tn++
		}
	}
}

func (s binaryStats) total() float64 { return s.tp + s.fp + s.tn + s.fn }

func (s binaryStats) f1() float64 {
	var prec, rec float64
	if s.tp+s.fp > 0 {
		prec = s.tp / (s.tp + s.fp)
	}
	if s.tp+s.fn > 0 {
		rec = s.tp / (s.tp + s.fn)
	}
	if prec+rec == 0 {
		return 0
	}
	return 2 * prec * rec / (prec + rec)
}

// mcc is Matthews' correlation; zero factors of the denominator count as
// 1 (MXNet's convention, so a constant predictor scores 0).
func (s binaryStats) mcc() float64 {
	den := 1.0
	for _, t := range []float64{s.tp + s.fp, s.tp + s.fn, s.tn + s.fp, s.tn + s.fn} {
		if t != 0 {
			den *= t
		}
	}
	return (s.tp*s.tn - s.fp*s.fn) / math.Sqrt(den)
}

// binaryMetric is F1 or MCC with Gluon's averaging: "macro" (default)
// averages the score of each Update call, "micro" scores all counts.
type binaryMetric struct {
	running
	Average string
	stats   binaryStats
	score   func(binaryStats) float64
}

func (m *binaryMetric) update(op string, labels, preds []*nd.NDArray) {
	checkPairs(op, labels, preds)
	for i, p := range preds {
		m.stats.update(op, labels[i], p)
	}
	switch m.Average {
	case "macro", "":
		m.sum += m.score(m.stats)
		m.num++
		m.stats = binaryStats{}
	case "micro":
		m.sum = m.score(m.stats) * m.stats.total()
		m.num = m.stats.total()
	default:
		panic(&nd.Error{Op: "metric." + op, Msg: fmt.Sprintf("average %q: want macro or micro", m.Average)})
	}
}

// Reset implements Metric.
func (m *binaryMetric) Reset() { m.running.Reset(); m.stats = binaryStats{} }

// F1 is the F1 score (harmonic mean of precision and recall) of a binary
// classifier. Shapes: label (N,), pred (N, 2).
type F1 struct{ binaryMetric }

// NewF1 returns an F1 metric named "f1" with macro averaging.
func NewF1() *F1 {
	return &F1{binaryMetric{running: running{name: "f1"}, Average: "macro", score: binaryStats.f1}}
}

// Update implements Metric.
func (m *F1) Update(labels, preds []*nd.NDArray) { m.update("F1", labels, preds) }

// MCC is Matthews' correlation coefficient of a binary classifier.
// Shapes: label (N,), pred (N, 2).
type MCC struct{ binaryMetric }

// NewMCC returns an MCC metric named "mcc" with macro averaging.
func NewMCC() *MCC {
	return &MCC{binaryMetric{running: running{name: "mcc"}, Average: "macro", score: binaryStats.mcc}}
}

// Update implements Metric.
func (m *MCC) Update(labels, preds []*nd.NDArray) { m.update("MCC", labels, preds) }
