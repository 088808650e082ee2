package mxboard

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

// Plugin names TensorBoard dispatches summaries on.
const (
	PluginScalars   = "scalars"
	PluginText      = "text"
	PluginPRCurves  = "pr_curves"
	PluginHistogram = "histograms"
	PluginImages    = "images"
	PluginAudio     = "audio"
)

func summaryEvent(step int64, values ...*tbproto.Summary_Value) *tbproto.Event {
	return &tbproto.Event{
		WallTime: wallTime(),
		Step:     step,
		What:     &tbproto.Event_Summary{Summary: &tbproto.Summary{Value: values}},
	}
}

// pluginMetadata marks a value as belonging to a TensorBoard plugin.
func pluginMetadata(plugin string, content proto.Message) (*tbproto.SummaryMetadata, error) {
	md := &tbproto.SummaryMetadata{PluginData: &tbproto.SummaryMetadata_PluginData{PluginName: plugin}}
	if content != nil {
		b, err := proto.Marshal(content)
		if err != nil {
			return nil, err
		}
		md.PluginData.Content = b
	}
	return md, nil
}

// AddScalar logs value under tag at step, as an old-style simple_value that
// TensorBoard shows in its scalars dashboard. It only queues the value, so
// it is cheap enough to call every iteration.
func (w *SummaryWriter) AddScalar(tag string, value float64, step int64) error {
	return w.send(item{kind: kindScalar, tag: tag, step: step, value: float32(value), wall: wallTime()})
}

// AddScalars logs several series in one chart, as mxboard does: each name
// gets its own event file in logdir/tag/name, and every file uses tag, so
// TensorBoard draws the series as runs of one chart.
func (w *SummaryWriter) AddScalars(tag string, values map[string]float64, step int64) error {
	wall := wallTime()
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		run := filepath.Join(tag, name)
		if !filepath.IsLocal(tag) || !filepath.IsLocal(name) {
			return fmt.Errorf("mxboard: add scalars %q: series %q does not name a directory inside the logdir", tag, name)
		}
		if err := w.send(item{kind: kindScalar, run: run, tag: tag, step: step, value: float32(values[name]), wall: wall}); err != nil {
			return err
		}
	}
	return nil
}

// AddText logs text (shown as Markdown) under tag, with the text plugin's
// metadata.
func (w *SummaryWriter) AddText(tag, text string, step int64) error {
	md, err := pluginMetadata(PluginText, &tbproto.TextPluginData{})
	if err != nil {
		return fmt.Errorf("mxboard: add text %q: %w", tag, err)
	}
	tensor := &tbproto.TensorProto{
		Dtype:       tbproto.DataType_DT_STRING,
		TensorShape: shapeProto([]int{1}),
		StringVal:   [][]byte{[]byte(text)},
	}
	return w.addEvent("", summaryEvent(step, &tbproto.Summary_Value{
		Tag: tag, Metadata: md, Value: &tbproto.Summary_Value_Tensor{Tensor: tensor},
	}))
}

func shapeProto(shape []int) *tbproto.TensorShapeProto {
	sp := &tbproto.TensorShapeProto{}
	for _, d := range shape {
		sp.Dim = append(sp.Dim, &tbproto.TensorShapeProto_Dim{Size: int64(d)})
	}
	return sp
}

// DefaultHistogramEdges returns TensorBoard's default bucket limits:
// -DBL_MAX, then ±1e-12·1.1^k for 1e-12·1.1^k < 1e20 on both sides of 0,
// then DBL_MAX. The returned slice is shared; do not modify it.
func DefaultHistogramEdges() []float64 { return defaultEdges() }

var defaultEdges = sync.OnceValue(func() []float64 {
	var pos []float64
	for v := 1e-12; v < 1e20; v *= 1.1 {
		pos = append(pos, v)
	}
	edges := make([]float64, 0, 2*len(pos)+3)
	edges = append(edges, -math.MaxFloat64)
	for i := len(pos) - 1; i >= 0; i-- {
		edges = append(edges, -pos[i])
	}
	edges = append(edges, 0)
	edges = append(edges, pos...)
	return append(edges, math.MaxFloat64)
})

// LinearEdges returns n+1 evenly spaced edges from lo to hi, for n buckets.
func LinearEdges(lo, hi float64, n int) []float64 {
	edges := make([]float64, n+1)
	for i := range edges {
		edges[i] = lo + (hi-lo)*float64(i)/float64(n)
	}
	edges[n] = hi
	return edges
}

// AddHistogram logs the distribution of values ([]float32, []float64,
// []int or a Tensor) with TensorBoard's default buckets (see
// DefaultHistogramEdges). Runs of empty buckets are merged as TensorFlow
// does, so the record stays small.
func (w *SummaryWriter) AddHistogram(tag string, values any, step int64) error {
	h, err := defaultHistogram(values)
	if err != nil {
		return fmt.Errorf("mxboard: add histogram %q: %w", tag, err)
	}
	return w.addEvent("", summaryEvent(step, &tbproto.Summary_Value{Tag: tag, Value: &tbproto.Summary_Value_Histo{Histo: h}}))
}

// AddHistogramEdges logs the distribution of values over explicit bucket
// edges, like numpy.histogram: len(edges)-1 buckets [e[i], e[i+1]), the last
// one closed, and values outside [e[0], e[n]] left out of the counts.
func (w *SummaryWriter) AddHistogramEdges(tag string, values any, step int64, edges []float64) error {
	h, err := edgesHistogram(values, edges)
	if err != nil {
		return fmt.Errorf("mxboard: add histogram %q: %w", tag, err)
	}
	return w.addEvent("", summaryEvent(step, &tbproto.Summary_Value{Tag: tag, Value: &tbproto.Summary_Value_Histo{Histo: h}}))
}

// histogramStats fills min, max, num, sum and sum_squares.
func histogramStats(vals []float64) (*tbproto.HistogramProto, error) {
	if len(vals) == 0 {
		return nil, fmt.Errorf("no values")
	}
	h := &tbproto.HistogramProto{Min: math.Inf(1), Max: math.Inf(-1), Num: float64(len(vals))}
	for _, v := range vals {
		if math.IsNaN(v) {
			return nil, fmt.Errorf("values contain NaN")
		}
		h.Min = min(h.Min, v)
		h.Max = max(h.Max, v)
		h.Sum += v
		h.SumSquares += v * v
	}
	return h, nil
}

func defaultHistogram(values any) (*tbproto.HistogramProto, error) {
	vals, err := float64s(values)
	if err != nil {
		return nil, err
	}
	h, err := histogramStats(vals)
	if err != nil {
		return nil, err
	}
	edges := defaultEdges()
	counts := make([]float64, len(edges))
	for _, v := range vals {
		// Bucket i holds edges[i-1] <= v < edges[i] (TensorFlow's upper_bound).
		i := sort.Search(len(edges), func(i int) bool { return edges[i] > v })
		counts[min(i, len(edges)-1)]++
	}
	for i := 0; i < len(counts); {
		limit, count := edges[i], counts[i]
		i++
		for count == 0 && i < len(counts) && counts[i] == 0 {
			limit = edges[i]
			i++
		}
		h.BucketLimit = append(h.BucketLimit, limit)
		h.Bucket = append(h.Bucket, count)
	}
	return h, nil
}

func edgesHistogram(values any, edges []float64) (*tbproto.HistogramProto, error) {
	if len(edges) < 2 {
		return nil, fmt.Errorf("need at least 2 edges, got %d", len(edges))
	}
	for i := 1; i < len(edges); i++ {
		if !(edges[i] > edges[i-1]) {
			return nil, fmt.Errorf("edges must increase: edges[%d]=%g, edges[%d]=%g", i-1, edges[i-1], i, edges[i])
		}
	}
	vals, err := float64s(values)
	if err != nil {
		return nil, err
	}
	h, err := histogramStats(vals)
	if err != nil {
		return nil, err
	}
	n := len(edges) - 1
	counts := make([]float64, n)
	for _, v := range vals {
		if v < edges[0] || v > edges[n] {
			continue
		}
		i := sort.Search(len(edges), func(i int) bool { return edges[i] > v }) - 1
		counts[min(i, n-1)]++
	}
	h.BucketLimit = append([]float64(nil), edges[1:]...)
	h.Bucket = counts
	return h, nil
}

// DefaultPRThresholds is mxboard's default number of PR curve thresholds.
const DefaultPRThresholds = 127

// AddPRCurve logs a precision-recall curve for binary labels (0/1 or bool)
// and predicted probabilities in [0,1], over numThresholds thresholds
// (DefaultPRThresholds when 0), in the pr_curves plugin's layout: a float32
// tensor [6, numThresholds] of TP, FP, TN, FN, precision and recall.
func (w *SummaryWriter) AddPRCurve(tag string, labels, predictions any, numThresholds int, step int64) error {
	if numThresholds == 0 {
		numThresholds = DefaultPRThresholds
	}
	data, err := prCurve(labels, predictions, numThresholds)
	if err != nil {
		return fmt.Errorf("mxboard: add pr curve %q: %w", tag, err)
	}
	md, err := pluginMetadata(PluginPRCurves, &tbproto.PrCurvePluginData{NumThresholds: uint32(numThresholds)})
	if err != nil {
		return fmt.Errorf("mxboard: add pr curve %q: %w", tag, err)
	}
	tensor := &tbproto.TensorProto{
		Dtype:       tbproto.DataType_DT_FLOAT,
		TensorShape: shapeProto([]int{6, numThresholds}),
		FloatVal:    data,
	}
	return w.addEvent("", summaryEvent(step, &tbproto.Summary_Value{
		Tag: tag, Metadata: md, Value: &tbproto.Summary_Value_Tensor{Tensor: tensor},
	}))
}

// prCurve computes the [6, t] rows TP, FP, TN, FN, precision, recall: each
// prediction lands in bucket floor(p·(t-1)); counts at threshold i are the
// sums over buckets >= i.
func prCurve(labels, predictions any, t int) ([]float32, error) {
	if t < 2 {
		return nil, fmt.Errorf("need at least 2 thresholds, got %d", t)
	}
	lab, err := float64s(labels)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	pred, err := float64s(predictions)
	if err != nil {
		return nil, fmt.Errorf("predictions: %w", err)
	}
	if len(lab) != len(pred) {
		return nil, fmt.Errorf("%d labels but %d predictions", len(lab), len(pred))
	}
	tpBucket := make([]float64, t)
	fpBucket := make([]float64, t)
	for i, p := range pred {
		if !(p >= 0 && p <= 1) {
			return nil, fmt.Errorf("prediction %d is %g, outside [0,1]", i, p)
		}
		if lab[i] != 0 && lab[i] != 1 {
			return nil, fmt.Errorf("label %d is %g, want 0 or 1", i, lab[i])
		}
		b := int(math.Floor(p * float64(t-1)))
		tpBucket[b] += lab[i]
		fpBucket[b] += 1 - lab[i]
	}
	const minCount = 1e-7 // keeps 0/0 at 0, as TensorBoard's own writer does
	out := make([]float32, 6*t)
	var tp, fp float64
	tps, fps := make([]float64, t), make([]float64, t)
	for i := t - 1; i >= 0; i-- {
		tp += tpBucket[i]
		fp += fpBucket[i]
		tps[i], fps[i] = tp, fp
	}
	for i := 0; i < t; i++ {
		tn := fps[0] - fps[i]
		fn := tps[0] - tps[i]
		out[i] = float32(tps[i])
		out[t+i] = float32(fps[i])
		out[2*t+i] = float32(tn)
		out[3*t+i] = float32(fn)
		out[4*t+i] = float32(tps[i] / max(minCount, tps[i]+fps[i]))
		out[5*t+i] = float32(tps[i] / max(minCount, tps[i]+fn))
	}
	return out, nil
}
