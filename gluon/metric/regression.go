package metric

import (
	"fmt"
	"math"

	"github.com/mxgo/mxgo/nd"
)

// perSample calls f with each sample's label and prediction values (the
// arrays viewed as (N, -1), N the first dimension of label).
func perSample(op string, labels, preds []*nd.NDArray, f func(l, p []float64)) {
	checkPairs(op, labels, preds)
	for i, p := range preds {
		lv, pv := labels[i].Float64s(), p.Float64s()
		checkSize(op, lv, pv)
		n := 1
		if labels[i].Ndim() > 0 {
			n = labels[i].Shape()[0]
		}
		if n == 0 {
			continue
		}
		k := len(lv) / n
		for s := 0; s < n; s++ {
			f(lv[s*k:(s+1)*k], pv[s*k:(s+1)*k])
		}
	}
}

// errorMetric averages, over samples, the mean of an elementwise error.
type errorMetric struct {
	running
	elem func(d float64) float64
}

func (m *errorMetric) update(op string, labels, preds []*nd.NDArray) {
	perSample(op, labels, preds, func(l, p []float64) {
		s := 0.0
		for j := range l {
			s += m.elem(l[j] - p[j])
		}
		m.sum += s / float64(len(l))
		m.num++
	})
}

// MAE is the mean absolute error per sample, averaged over samples.
type MAE struct{ errorMetric }

// NewMAE returns an MAE metric named "mae".
func NewMAE() *MAE { return &MAE{errorMetric{running{name: "mae"}, math.Abs}} }

// Update implements Metric.
func (m *MAE) Update(labels, preds []*nd.NDArray) { m.update("MAE", labels, preds) }

// MSE is the mean squared error per sample, averaged over samples.
type MSE struct{ errorMetric }

func square(d float64) float64 { return d * d }

// NewMSE returns an MSE metric named "mse".
func NewMSE() *MSE { return &MSE{errorMetric{running{name: "mse"}, square}} }

// Update implements Metric.
func (m *MSE) Update(labels, preds []*nd.NDArray) { m.update("MSE", labels, preds) }

// RMSE is the square root of the MSE over everything seen so far.
type RMSE struct{ errorMetric }

// NewRMSE returns an RMSE metric named "rmse".
func NewRMSE() *RMSE { return &RMSE{errorMetric{running{name: "rmse"}, square}} }

// Update implements Metric.
func (m *RMSE) Update(labels, preds []*nd.NDArray) { m.update("RMSE", labels, preds) }

// Get implements Metric.
func (m *RMSE) Get() ([]string, []float64) {
	return []string{m.name}, []float64{math.Sqrt(m.value())}
}

// PearsonCorrelation is Pearson's r between all label and prediction
// values seen so far (accumulated, not averaged per batch).
type PearsonCorrelation struct {
	n, sx, sy, sxx, syy, sxy float64
}

// NewPearsonCorrelation returns the metric named "pearsonr".
func NewPearsonCorrelation() *PearsonCorrelation { return &PearsonCorrelation{} }

// Update implements Metric.
func (m *PearsonCorrelation) Update(labels, preds []*nd.NDArray) {
	checkPairs("PearsonCorrelation", labels, preds)
	for i, p := range preds {
		lv, pv := labels[i].Float64s(), p.Float64s()
		checkSize("PearsonCorrelation", lv, pv)
		for j, x := range lv {
			y := pv[j]
			m.n++
			m.sx, m.sy = m.sx+x, m.sy+y
			m.sxx, m.syy, m.sxy = m.sxx+x*x, m.syy+y*y, m.sxy+x*y
		}
	}
}

// Get implements Metric.
func (m *PearsonCorrelation) Get() ([]string, []float64) {
	cov := m.n*m.sxy - m.sx*m.sy
	v := cov / math.Sqrt((m.n*m.sxx-m.sx*m.sx)*(m.n*m.syy-m.sy*m.sy))
	if m.n == 0 {
		v = math.NaN()
	}
	return []string{"pearsonr"}, []float64{v}
}

// Reset implements Metric.
func (m *PearsonCorrelation) Reset() { *m = PearsonCorrelation{} }

// CrossEntropy is the mean of -log(p[label] + ε) over samples, for
// predicted probabilities (ε = 1e-12).
//
// Shapes: label (N,), pred (N, C).
type CrossEntropy struct {
	running
	Eps float64
}

// NewCrossEntropy returns the metric named "cross-entropy".
func NewCrossEntropy() *CrossEntropy {
	return &CrossEntropy{running: running{name: "cross-entropy"}, Eps: 1e-12}
}

// Update implements Metric.
func (m *CrossEntropy) Update(labels, preds []*nd.NDArray) {
	checkPairs("CrossEntropy", labels, preds)
	for i, p := range preds {
		probs := pickProbs("CrossEntropy", labels[i], p, nil)
		for _, q := range probs {
			m.sum -= math.Log(q + m.Eps)
		}
		m.num += float64(len(probs))
	}
}

// pickProbs returns p[i, label[i]] for a (N, C) prediction (the last axis
// holding classes), skipping labels equal to *ignore.
func pickProbs(op string, label, pred *nd.NDArray, ignore *int) []float64 {
	if pred.Ndim() < 1 {
		panic(&nd.Error{Op: "metric." + op, Msg: "prediction is a scalar: want class probabilities"})
	}
	c := pred.Shape()[pred.Ndim()-1]
	lv, pv := label.Float64s(), pred.Float64s()
	if c == 0 || len(lv)*c != len(pv) {
		panic(&nd.Error{Op: "metric." + op, Msg: fmt.Sprintf("label shape %v does not match prediction shape %v", label.Shape(), pred.Shape())})
	}
	out := make([]float64, 0, len(lv))
	for i, l := range lv {
		k := int(l)
		if ignore != nil && k == *ignore {
			continue
		}
		if k < 0 || k >= c {
			panic(&nd.Error{Op: "metric." + op, Msg: fmt.Sprintf("label %v outside the %d classes", l, c)})
		}
		out = append(out, pv[i*c+k])
	}
	return out
}

// Perplexity is exp of the mean negative log-probability of the labels
// (probabilities floored at 1e-10), skipping IgnoreLabel when set.
//
// Shapes: label (...), pred (..., C).
type Perplexity struct {
	running
	IgnoreLabel *int
}

// NewPerplexity returns the metric named "perplexity".
func NewPerplexity() *Perplexity { return &Perplexity{running: running{name: "perplexity"}} }

// Update implements Metric.
func (m *Perplexity) Update(labels, preds []*nd.NDArray) {
	checkPairs("Perplexity", labels, preds)
	for i, p := range preds {
		probs := pickProbs("Perplexity", labels[i], p, m.IgnoreLabel)
		for _, q := range probs {
			m.sum -= math.Log(max(q, 1e-10))
		}
		m.num += float64(len(probs))
	}
}

// Get implements Metric.
func (m *Perplexity) Get() ([]string, []float64) {
	return []string{m.name}, []float64{math.Exp(m.value())}
}
