package mxboard

import (
	"math"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

// lastValue closes w and returns the summary value of its last event.
func lastValue(t *testing.T, w *SummaryWriter) (*tbproto.Event, *tbproto.Summary_Value) {
	t.Helper()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	events := mustRead(t, w.Path())
	ev := events[len(events)-1]
	vals := ev.GetSummary().GetValue()
	if len(vals) != 1 {
		t.Fatalf("last event %v has %d values", ev, len(vals))
	}
	return ev, vals[0]
}

func TestDefaultHistogramEdges(t *testing.T) {
	e := DefaultHistogramEdges()
	// Python: v=1e-12; n=0; while v<1e20: n+=1; last=v; v*=1.1 -> 774, 9.920775621859783e+19
	const n = 774
	if len(e) != 2*n+3 {
		t.Fatalf("%d edges, want %d", len(e), 2*n+3)
	}
	if e[0] != -math.MaxFloat64 || e[len(e)-1] != math.MaxFloat64 || e[n+1] != 0 {
		t.Errorf("ends %g %g, middle %g", e[0], e[len(e)-1], e[n+1])
	}
	if e[n+2] != 1e-12 || e[n+12] != 2.593742460100002e-12 || e[2*n+1] != 9.920775621859783e+19 {
		t.Errorf("positive edges %v %v %v", e[n+2], e[n+12], e[2*n+1])
	}
	for i := 1; i <= n; i++ {
		if e[n+1-i] != -e[n+1+i] {
			t.Fatalf("edge %d not mirrored", i)
		}
	}
}

func TestAddHistogramDefaultBuckets(t *testing.T) {
	w := newTestWriter(t, Options{})
	vals := []float32{-2, -1, 0, 0, 1, 1, 1, 3}
	if err := w.AddHistogram("w", vals, 4); err != nil {
		t.Fatal(err)
	}
	ev, v := lastValue(t, w)
	h := v.GetHisto()
	if ev.GetStep() != 4 || v.GetTag() != "w" || h == nil {
		t.Fatalf("got %v", ev)
	}
	if h.Min != -2 || h.Max != 3 || h.Num != 8 || h.Sum != 3 || h.SumSquares != 17 {
		t.Errorf("stats min %v max %v num %v sum %v sumsq %v", h.Min, h.Max, h.Num, h.Sum, h.SumSquares)
	}
	var total float64
	for i, c := range h.Bucket {
		total += c
		if i > 0 && c == 0 && h.Bucket[i-1] == 0 {
			t.Errorf("empty buckets %d and %d were not merged", i-1, i)
		}
	}
	if total != 8 || len(h.Bucket) != len(h.BucketLimit) || len(h.Bucket) > 20 {
		t.Errorf("%d buckets holding %v values", len(h.Bucket), total)
	}
	// Each value must sit in the bucket whose range [previous limit, limit) holds it.
	want := map[float64]float64{-2: 1, -1: 1, 0: 2, 1: 3, 3: 1}
	for x, count := range want {
		for i, limit := range h.BucketLimit {
			lo := -math.MaxFloat64
			if i > 0 {
				lo = h.BucketLimit[i-1]
			}
			if x >= lo && x < limit && h.Bucket[i] != count {
				t.Errorf("value %v: bucket (%g,%g] holds %v, want %v", x, lo, limit, h.Bucket[i], count)
			}
		}
	}
}

func TestAddHistogramEdgesLikeNumpy(t *testing.T) {
	// numpy.histogram([0,1,2,3,4,5,9], bins=[0,2,4,5]) -> [2, 2, 2] (5 in the closed last bin, 9 dropped)
	h, err := edgesHistogram([]int{0, 1, 2, 3, 4, 5, 9}, []float64{0, 2, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	if !equalFloats(h.Bucket, []float64{2, 2, 2}) || !equalFloats(h.BucketLimit, []float64{2, 4, 5}) || h.Max != 9 {
		t.Errorf("buckets %v limits %v max %v", h.Bucket, h.BucketLimit, h.Max)
	}
	if _, err := edgesHistogram([]int{1}, []float64{1, 1}); err == nil {
		t.Error("non-increasing edges accepted")
	}
	if _, err := edgesHistogram([]float64{math.NaN()}, []float64{0, 1}); err == nil {
		t.Error("NaN accepted")
	}
	if _, err := edgesHistogram("nope", []float64{0, 1}); err == nil {
		t.Error("string values accepted")
	}
	if got := LinearEdges(0, 1, 4); !equalFloats(got, []float64{0, 0.25, 0.5, 0.75, 1}) {
		t.Errorf("LinearEdges = %v", got)
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAddText(t *testing.T) {
	w := newTestWriter(t, Options{})
	if err := w.AddText("notes", "**hello**", 2); err != nil {
		t.Fatal(err)
	}
	_, v := lastValue(t, w)
	if v.GetTag() != "notes" || v.GetNodeName() != "" {
		t.Errorf("tag %q node_name %q", v.GetTag(), v.GetNodeName())
	}
	pd := v.GetMetadata().GetPluginData()
	var content tbproto.TextPluginData
	if pd.GetPluginName() != "text" || proto.Unmarshal(pd.GetContent(), &content) != nil {
		t.Errorf("plugin data %v", pd)
	}
	tensor := v.GetTensor()
	if tensor.GetDtype() != tbproto.DataType_DT_STRING || len(tensor.GetStringVal()) != 1 || string(tensor.GetStringVal()[0]) != "**hello**" {
		t.Errorf("tensor %v", tensor)
	}
}

func TestAddPRCurve(t *testing.T) {
	w := newTestWriter(t, Options{})
	labels := []bool{true, false, true, false}
	preds := []float64{0.9, 0.6, 0.4, 0.1}
	if err := w.AddPRCurve("pr", []int{1}, []float64{1.5}, 3, 1); err == nil {
		t.Error("prediction 1.5 accepted")
	}
	if err := w.AddPRCurve("pr", []int{1, 0}, []float64{0.5}, 3, 1); err == nil {
		t.Error("length mismatch accepted")
	}
	if err := w.AddPRCurve("pr", labels, preds, 3, 1); err != nil {
		t.Fatal(err)
	}
	_, v := lastValue(t, w)
	var pd tbproto.PrCurvePluginData
	if v.GetMetadata().GetPluginData().GetPluginName() != "pr_curves" ||
		proto.Unmarshal(v.GetMetadata().GetPluginData().GetContent(), &pd) != nil || pd.NumThresholds != 3 {
		t.Fatalf("metadata %v", v.GetMetadata())
	}
	tensor := v.GetTensor()
	dims := tensor.GetTensorShape().GetDim()
	if len(dims) != 2 || dims[0].GetSize() != 6 || dims[1].GetSize() != 3 {
		t.Fatalf("shape %v", dims)
	}
	// Buckets floor(p*2): 0.9->1, 0.6->1, 0.4->0, 0.1->0.
	// Threshold 0: all predicted positive; 1: 0.9 and 0.6; 2: none.
	want := []float32{
		2, 1, 0, // TP
		2, 1, 0, // FP
		0, 1, 2, // TN
		0, 1, 2, // FN
		0.5, 0.5, 0, // precision
		1, 0.5, 0, // recall
	}
	got := tensor.GetFloatVal()
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("pr tensor = %v, want %v", got, want)
		}
	}
}
