package metric

import (
	"fmt"
	"math"
	"strings"

	"github.com/mxgo/mxgo/nd"
)

// Metric accumulates an evaluation score over batches (Gluon's EvalMetric).
// Update takes parallel lists of labels and predictions; Get returns the
// score(s) so far (NaN before any update); Reset starts over. Metrics are
// not safe for concurrent use.
type Metric interface {
	Update(labels, preds []*nd.NDArray)
	Get() (names []string, values []float64)
	Reset()
}

// running is a sum over instances, the shape of most metrics.
type running struct {
	name string
	sum  float64
	num  float64
}

func (r *running) Get() ([]string, []float64) {
	return []string{r.name}, []float64{r.value()}
}

func (r *running) value() float64 {
	if r.num == 0 {
		return math.NaN()
	}
	return r.sum / r.num
}

// Reset implements Metric.
func (r *running) Reset() { r.sum, r.num = 0, 0 }

func checkPairs(op string, labels, preds []*nd.NDArray) {
	if len(labels) != len(preds) {
		panic(&nd.Error{Op: "metric." + op, Msg: fmt.Sprintf("%d labels and %d predictions", len(labels), len(preds))})
	}
}

func checkSize(op string, label, pred []float64) {
	if len(label) != len(pred) {
		panic(&nd.Error{Op: "metric." + op, Msg: fmt.Sprintf("label has %d values, prediction %d", len(label), len(pred))})
	}
}

// Accuracy is the fraction of predictions equal to the labels. A
// prediction with more dimensions than its label (class scores) is first
// reduced by argmax along Axis (default 1).
type Accuracy struct {
	running
	Axis int
}

// NewAccuracy returns an Accuracy metric named "accuracy".
func NewAccuracy() *Accuracy { return &Accuracy{running: running{name: "accuracy"}, Axis: 1} }

// Update implements Metric.
func (m *Accuracy) Update(labels, preds []*nd.NDArray) {
	checkPairs("Accuracy", labels, preds)
	for i, p := range preds {
		if !p.Shape().Equal(labels[i].Shape()) && p.Ndim() > 1 {
			p = nd.Argmax(p, []int{m.Axis}, false)
		}
		pv, lv := p.Float64s(), labels[i].Float64s()
		checkSize("Accuracy", lv, pv)
		for j, v := range pv {
			if int64(v) == int64(lv[j]) {
				m.sum++
			}
		}
		m.num += float64(len(pv))
	}
}

// TopKAccuracy counts a prediction correct when its label's score is among
// the K highest (fewer than K scores strictly above it).
//
// Shapes: label (N,), pred (N, C).
type TopKAccuracy struct {
	running
	K int
}

// NewTopKAccuracy returns a TopKAccuracy named "top_k_accuracy_<k>". It
// panics if k < 1.
func NewTopKAccuracy(k int) *TopKAccuracy {
	if k < 1 {
		panic(&nd.Error{Op: "metric.TopKAccuracy", Msg: fmt.Sprintf("top_k %d: must be at least 1", k)})
	}
	return &TopKAccuracy{running: running{name: fmt.Sprintf("top_k_accuracy_%d", k)}, K: k}
}

// Update implements Metric.
func (m *TopKAccuracy) Update(labels, preds []*nd.NDArray) {
	checkPairs("TopKAccuracy", labels, preds)
	for i, p := range preds {
		if p.Ndim() != 2 {
			panic(&nd.Error{Op: "metric.TopKAccuracy", Msg: fmt.Sprintf("prediction shape %v: want (batch, classes)", p.Shape())})
		}
		n, c := p.Shape()[0], p.Shape()[1]
		pv, lv := p.Float64s(), labels[i].Float64s()
		if len(lv) != n {
			panic(&nd.Error{Op: "metric.TopKAccuracy", Msg: fmt.Sprintf("%d labels for %d predictions", len(lv), n)})
		}
		for r := 0; r < n; r++ {
			row, l := pv[r*c:(r+1)*c], int(lv[r])
			if l < 0 || l >= c {
				continue // a label outside the classes is never in the top k
			}
			above := 0
			for _, v := range row {
				if v > row[l] {
					above++
				}
			}
			if above < m.K {
				m.sum++
			}
		}
		m.num += float64(n)
	}
}

// Loss averages loss values (the predictions; labels are ignored).
type Loss struct{ running }

// NewLoss returns a Loss metric named "loss".
func NewLoss() *Loss { return &Loss{running{name: "loss"}} }

// Update implements Metric; labels may be nil.
func (m *Loss) Update(_, preds []*nd.NDArray) {
	for _, p := range preds {
		for _, v := range p.Float64s() {
			m.sum += v
		}
		m.num += float64(p.Size())
	}
}

// Composite runs several metrics together; Get concatenates their results.
type Composite struct{ Metrics []Metric }

// NewComposite returns a Composite of ms.
func NewComposite(ms ...Metric) *Composite { return &Composite{Metrics: ms} }

// Add appends a metric.
func (c *Composite) Add(m Metric) { c.Metrics = append(c.Metrics, m) }

// Update implements Metric.
func (c *Composite) Update(labels, preds []*nd.NDArray) {
	for _, m := range c.Metrics {
		m.Update(labels, preds)
	}
}

// Get implements Metric.
func (c *Composite) Get() ([]string, []float64) {
	var names []string
	var values []float64
	for _, m := range c.Metrics {
		n, v := m.Get()
		names, values = append(names, n...), append(values, v...)
	}
	return names, values
}

// Reset implements Metric.
func (c *Composite) Reset() {
	for _, m := range c.Metrics {
		m.Reset()
	}
}

// Custom is a metric from a function returning, for one label/prediction
// pair, a sum of scores and the number of instances it covers (Gluon's
// CustomMetric); Get is the total sum over the total count.
type Custom struct {
	running
	Eval func(label, pred *nd.NDArray) (sum float64, num int)
}

// NewCustom returns a Custom metric called name.
func NewCustom(name string, eval func(label, pred *nd.NDArray) (float64, int)) *Custom {
	return &Custom{running: running{name: name}, Eval: eval}
}

// Update implements Metric.
func (m *Custom) Update(labels, preds []*nd.NDArray) {
	checkPairs("Custom", labels, preds)
	for i, p := range preds {
		s, n := m.Eval(labels[i], p)
		m.sum += s
		m.num += float64(n)
	}
}

// Create returns a metric by Gluon's name or alias: acc/accuracy,
// top_k_accuracy (k 5), f1, mcc, mae, mse, rmse, pearsonr,
// ce/cross-entropy, perplexity, loss.
func Create(name string) (Metric, error) {
	switch strings.ToLower(name) {
	case "acc", "accuracy":
		return NewAccuracy(), nil
	case "top_k_accuracy", "top_k_acc":
		return NewTopKAccuracy(5), nil
	case "f1":
		return NewF1(), nil
	case "mcc":
		return NewMCC(), nil
	case "mae":
		return NewMAE(), nil
	case "mse":
		return NewMSE(), nil
	case "rmse":
		return NewRMSE(), nil
	case "pearsonr", "pearsoncorrelation":
		return NewPearsonCorrelation(), nil
	case "ce", "cross-entropy", "crossentropy":
		return NewCrossEntropy(), nil
	case "perplexity":
		return NewPerplexity(), nil
	case "loss":
		return NewLoss(), nil
	}
	return nil, fmt.Errorf("metric: unknown metric %q", name)
}
