package data_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mxgo/mxgo/gluon/data"
	"github.com/mxgo/mxgo/nd"
)

func rangeDataset(n int) data.Dataset {
	xs := make([]float32, n)
	ys := make([]int, n)
	for i := range xs {
		xs[i] = float32(i)
		ys[i] = i % 3
	}
	ds, err := data.NewArrayDataset(nd.Array(xs, n, 1), ys)
	if err != nil {
		panic(err)
	}
	return ds
}

func collect(t *testing.T, l *data.DataLoader) [][]float32 {
	t.Helper()
	var out [][]float32
	for b, err := range l.Batches(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b[0].Float32s())
	}
	return out
}

func TestLoaderOrderAndLastBatch(t *testing.T) {
	for _, workers := range []int{0, 1, 3} {
		for _, tc := range []struct {
			last    data.LastBatch
			batches int
			lastLen int
		}{{data.Keep, 4, 1}, {data.Discard, 3, 3}, {data.Rollover, 3, 3}} {
			l, err := data.NewDataLoader(rangeDataset(10), data.LoaderOptions{BatchSize: 3, LastBatch: tc.last, NumWorkers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if l.Len() != tc.batches {
				t.Fatalf("%s: Len %d, want %d", tc.last, l.Len(), tc.batches)
			}
			got := collect(t, l)
			if len(got) != tc.batches || len(got[len(got)-1]) != tc.lastLen {
				t.Fatalf("workers %d %s: got %v", workers, tc.last, got)
			}
			for i, b := range got {
				for j, v := range b {
					if int(v) != i*3+j {
						t.Fatalf("workers %d: batch %d = %v: out of order", workers, i, b)
					}
				}
			}
		}
	}
	// rollover carries the leftover sample into the next epoch
	l, _ := data.NewDataLoader(rangeDataset(10), data.LoaderOptions{BatchSize: 3, LastBatch: data.Rollover})
	collect(t, l)
	second := collect(t, l)
	if second[0][0] != 9 || second[0][1] != 0 {
		t.Fatalf("rollover epoch 2 starts %v, want [9 0 1]", second[0])
	}
}

func TestLoaderShuffleSeeded(t *testing.T) {
	run := func() [][]float32 {
		l, _ := data.NewDataLoader(rangeDataset(20), data.LoaderOptions{BatchSize: 5, Shuffle: true, Seed: 7, NumWorkers: 2})
		return collect(t, l)
	}
	a, b := run(), run()
	seen := map[float32]bool{}
	same, sorted := true, true
	for i := range a {
		for j := range a[i] {
			seen[a[i][j]] = true
			same = same && a[i][j] == b[i][j]
			sorted = sorted && int(a[i][j]) == i*5+j
		}
	}
	if len(seen) != 20 || !same || sorted {
		t.Fatalf("shuffle: %d distinct, same across runs %v, still sorted %v", len(seen), same, sorted)
	}
}

type failing struct {
	data.Dataset
	bad   int
	panic bool
	block chan struct{}
}

func (f failing) Get(i int) (data.Sample, error) {
	if i == f.bad {
		if f.block != nil {
			<-f.block
		}
		if f.panic {
			panic("corrupt sample")
		}
		return nil, errors.New("unreadable")
	}
	return f.Dataset.Get(i)
}

func TestLoaderErrorsNameTheSample(t *testing.T) {
	for _, p := range []bool{false, true} {
		for _, workers := range []int{0, 2} {
			l, _ := data.NewDataLoader(failing{Dataset: rangeDataset(10), bad: 7, panic: p}, data.LoaderOptions{BatchSize: 2, NumWorkers: workers})
			var got error
			n := 0
			for _, err := range l.Batches(context.Background()) {
				if err != nil {
					got = err
					break
				}
				n++
			}
			var be *data.BatchError
			if !errors.As(got, &be) || be.Sample != 7 || be.Batch != 3 || n != 3 {
				t.Fatalf("panic=%v workers=%d: err %v after %d batches, want batch 3 sample 7", p, workers, got, n)
			}
		}
	}
}

func TestLoaderEarlyBreakAndCancelLeakNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	l, _ := data.NewDataLoader(rangeDataset(100), data.LoaderOptions{BatchSize: 2, NumWorkers: 4, Prefetch: 3})
	for range 5 {
		for range l.Batches(context.Background()) {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range l.Batches(ctx) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 2 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("after cancel: err %v, want context.Canceled", last)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Fatalf("%d goroutines after, %d before", g, before)
	}
}

func TestLoaderTimeout(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	l, _ := data.NewDataLoader(failing{Dataset: rangeDataset(10), bad: 0, block: block}, data.LoaderOptions{BatchSize: 2, NumWorkers: 1, Timeout: 50 * time.Millisecond})
	done := make(chan error)
	go func() {
		for _, err := range l.Batches(context.Background()) {
			done <- err
			return
		}
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "timed out") {
			t.Fatalf("err %v, want a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("loader hung past its timeout")
	}
}

func TestLoaderOptionErrors(t *testing.T) {
	ds := rangeDataset(4)
	for name, o := range map[string]data.LoaderOptions{
		"zero batch":      {},
		"bad last":        {BatchSize: 2, LastBatch: "sometimes"},
		"shuffle+sampler": {BatchSize: 2, Shuffle: true, Sampler: data.SequentialSampler{N: 4}},
		"neg workers":     {BatchSize: 2, NumWorkers: -1},
	} {
		if _, err := data.NewDataLoader(ds, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestBatchifyPadAndStackErrors(t *testing.T) {
	samples := []data.Sample{
		{nd.Array([]float32{1, 2, 3}), 1},
		{nd.Array([]float32{4}), 2},
	}
	b, err := data.Pad(-1, 4)(samples)
	if err != nil {
		t.Fatal(err)
	}
	if !b[0].Shape().Equal(nd.Shape{2, 4}) {
		t.Fatalf("padded shape %v", b[0].Shape())
	}
	want := []float32{1, 2, 3, -1, 4, -1, -1, -1}
	for i, v := range b[0].Float32s() {
		if v != want[i] {
			t.Fatalf("padded %v, want %v", b[0].Float32s(), want)
		}
	}
	if b[1].DType() != nd.Int32 {
		t.Fatalf("int labels batched as %v, want int32", b[1].DType())
	}
	if _, err := data.Stack(samples); err == nil {
		t.Fatal("stacking ragged arrays: no error")
	}
}

func TestDatasetHelpers(t *testing.T) {
	ds := rangeDataset(10)
	sh, err := data.Shard(ds, 3, 0)
	if err != nil || sh.Len() != 4 {
		t.Fatalf("shard 0 of 3: len %d err %v, want 4", sh.Len(), err)
	}
	if _, err := data.Shard(ds, 3, 3); err == nil {
		t.Fatal("shard index out of range: no error")
	}
	f, err := data.Filter(ds, func(s data.Sample) bool { return s[1].(int) == 0 })
	if err != nil || f.Len() != 4 {
		t.Fatalf("filter: len %d err %v", f.Len(), err)
	}
	tr := data.TransformFirst(data.Take(ds, 3), func(x any) (any, error) { return x.(*nd.NDArray).MulScalar(10), nil })
	s, err := tr.Get(2)
	if err != nil || s[0].(*nd.NDArray).Float32s()[0] != 20 {
		t.Fatalf("transform first: %v %v", s, err)
	}
	if _, err := tr.Get(3); err == nil {
		t.Fatal("Take(3).Get(3): no error")
	}
	if _, err := data.NewArrayDataset(nd.Zeros(nd.Shape{3}), []int{1, 2}); err == nil {
		t.Fatal("ArrayDataset with unequal lengths: no error")
	}
}

func TestStackFloatSliceLabels(t *testing.T) {
	b, err := data.Stack([]data.Sample{{[]float32{1, 2, 3}}, {[]float32{4, 5, 6}}})
	if err != nil {
		t.Fatal(err)
	}
	if !b[0].Shape().Equal(nd.Shape{2, 3}) || b[0].Float32s()[4] != 5 {
		t.Fatalf("stacked %v %v", b[0].Shape(), b[0].Float32s())
	}
	if _, err := data.Stack([]data.Sample{{[]float32{1, 2}}, {[]float32{4}}}); err == nil {
		t.Fatal("ragged multi-labels: no error")
	}
}
