package mxboard

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newTestWriter(t *testing.T, opts Options) *SummaryWriter {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	w, err := NewSummaryWriter(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func mustRead(t *testing.T, path string) []*tbproto.Event {
	t.Helper()
	events, err := ReadEvents(path)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestEventFileNameAndFirstRecord(t *testing.T) {
	w := newTestWriter(t, Options{FilenameSuffix: ".mxgo"})
	host, _ := os.Hostname()
	name := filepath.Base(w.Path())
	re := regexp.MustCompile(`^events\.out\.tfevents\.\d{10}\.` + regexp.QuoteMeta(host) + `\.mxgo$`)
	if !re.MatchString(name) {
		t.Errorf("file name %q does not match %v", name, re)
	}
	// The first record is on disk before anything is flushed.
	events := mustRead(t, w.Path())
	if len(events) != 1 || events[0].GetFileVersion() != "brain.Event:2" {
		t.Fatalf("events %v, want only the file_version record", events)
	}
	if wt := events[0].GetWallTime(); wt < float64(time.Now().Unix()-60) || wt > float64(time.Now().Unix()+1) {
		t.Errorf("wall_time %v is not now", wt)
	}
}

func TestSameSecondWritersGetDistinctFiles(t *testing.T) {
	dir := t.TempDir()
	a, err := NewSummaryWriter(dir, Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSummaryWriter(dir, Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	a.AddScalar("x", 1, 0)
	b.AddScalar("x", 2, 0)
	if err := errors.Join(a.Close(), b.Close()); err != nil {
		t.Fatal(err)
	}
	if a.Path() == b.Path() {
		t.Fatalf("both writers use %s", a.Path())
	}
	for _, p := range []string{a.Path(), b.Path()} {
		if n := len(mustRead(t, p)); n != 2 {
			t.Errorf("%s has %d events, want 2", p, n)
		}
	}
}

func TestScalarsRoundTrip(t *testing.T) {
	w := newTestWriter(t, Options{})
	for step := int64(0); step < 100; step++ {
		if err := w.AddScalar("train/loss", 1/float64(step+1), step); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	events := mustRead(t, w.Path())
	if len(events) != 101 {
		t.Fatalf("%d events, want 101", len(events))
	}
	for i, ev := range events[1:] {
		v := ev.GetSummary().GetValue()[0]
		if v.GetTag() != "train/loss" || ev.GetStep() != int64(i) || v.GetSimpleValue() != float32(1/float64(i+1)) {
			t.Fatalf("event %d = %v", i+1, ev)
		}
	}
	if err := w.AddScalar("x", 1, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("AddScalar after Close: %v, want ErrClosed", err)
	}
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
}

func TestAppendScalarEventMatchesProto(t *testing.T) {
	for _, tc := range []struct {
		tag  string
		step int64
	}{{"loss", 0}, {"loss", 7}, {"a/b", -3}, {strings.Repeat("t", 300), 1 << 40}} {
		got := appendScalarEvent(nil, 1700000000.25, tc.step, tc.tag, 0.75)
		want, err := marshalEvent(&tbproto.Event{WallTime: 1700000000.25, Step: tc.step, What: &tbproto.Event_Summary{Summary: &tbproto.Summary{
			Value: []*tbproto.Summary_Value{{Tag: tc.tag, Value: &tbproto.Summary_Value_SimpleValue{SimpleValue: 0.75}}}}}})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("tag len %d step %d:\n got % x\nwant % x", len(tc.tag), tc.step, got, want)
		}
	}
}

func TestAddScalarsWritesOneRunPerSeries(t *testing.T) {
	w := newTestWriter(t, Options{})
	for step := int64(0); step < 3; step++ {
		if err := w.AddScalars("loss", map[string]float64{"train": float64(step), "val": float64(10 * step)}, step); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.AddScalars("loss", map[string]float64{"../escape": 1}, 0); err == nil {
		t.Error("AddScalars accepted a series name leaving the logdir")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for name, scale := range map[string]float32{"train": 1, "val": 10} {
		files, _ := filepath.Glob(filepath.Join(w.Logdir(), "loss", name, "events.out.tfevents.*"))
		if len(files) != 1 {
			t.Fatalf("series %s: files %v", name, files)
		}
		events := mustRead(t, files[0])
		if len(events) != 4 || events[0].GetFileVersion() == "" {
			t.Fatalf("series %s: %d events", name, len(events))
		}
		for i, ev := range events[1:] {
			v := ev.GetSummary().GetValue()[0]
			if v.GetTag() != "loss" || v.GetSimpleValue() != scale*float32(i) {
				t.Errorf("series %s event %d: %v", name, i, v)
			}
		}
	}
}

func TestFlushMakesRecordsVisible(t *testing.T) {
	w := newTestWriter(t, Options{FlushInterval: -1})
	w.AddScalar("a", 1, 1)
	if n := len(mustRead(t, w.Path())); n != 1 {
		t.Fatalf("before Flush: %d events on disk, want 1 (nothing flushed yet)", n)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := len(mustRead(t, w.Path())); n != 2 {
		t.Fatalf("after Flush: %d events, want 2", n)
	}
}

func TestPeriodicFlush(t *testing.T) {
	w := newTestWriter(t, Options{FlushInterval: 10 * time.Millisecond})
	w.AddScalar("a", 1, 1)
	deadline := time.Now().Add(5 * time.Second)
	for len(mustRead(t, w.Path())) != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the timer never flushed the scalar")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A crash (here: a torn final write) leaves every flushed record readable.
func TestCrashKeepsFlushedRecords(t *testing.T) {
	w := newTestWriter(t, Options{FlushInterval: -1})
	for i := range 10 {
		w.AddScalar("a", float64(i), int64(i))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	// Simulate the torn write of the next record.
	torn := appendScalarEvent(nil, 1, 11, "a", 11)
	f, err := os.OpenFile(w.Path(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(appendRecord(nil, torn)[:20])
	f.Close()
	events, err := ReadEvents(w.Path())
	if !errors.Is(err, ErrTruncated) || len(events) != 11 {
		t.Fatalf("got %d events and %v, want 11 and ErrTruncated", len(events), err)
	}
}

func TestConcurrentAddsAreAllWritten(t *testing.T) {
	w := newTestWriter(t, Options{MaxQueue: 8}) // small queue: senders block and resume
	const goroutines, perG = 4, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perG {
				if err := w.AddScalar("g", float64(g), int64(i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(mustRead(t, w.Path())); n != 1+goroutines*perG {
		t.Fatalf("%d events, want %d", n, 1+goroutines*perG)
	}
}

func TestCloseRacingAdds(t *testing.T) {
	w := newTestWriter(t, Options{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				if err := w.AddScalar("r", 1, int64(i)); err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Error(err)
					}
					return
				}
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(5 * time.Millisecond)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	// Every Add that returned nil is in the file: nothing accepted is lost.
	if n := len(mustRead(t, w.Path())); n != 1+accepted {
		t.Fatalf("%d events, want %d", n, 1+accepted)
	}
}

func TestWriteErrorIsSticky(t *testing.T) {
	w := newTestWriter(t, Options{FlushInterval: -1})
	// Break the file under the writer.
	w.files[""].f.Close()
	w.AddScalar("a", 1, 1)
	err := w.Flush()
	if err == nil || !strings.Contains(err.Error(), "write") {
		t.Fatalf("Flush = %v, want a write error", err)
	}
	if err := w.AddScalar("a", 1, 2); err == nil {
		t.Error("AddScalar after a write failure returned nil")
	}
}

func TestAddEventKeepsCustomSummaries(t *testing.T) {
	w := newTestWriter(t, Options{})
	ev := &tbproto.Event{Step: 3, What: &tbproto.Event_SessionLog{SessionLog: &tbproto.SessionLog{Status: tbproto.SessionLog_START}}}
	if err := w.AddEvent(ev); err != nil {
		t.Fatal(err)
	}
	w.Close()
	events := mustRead(t, w.Path())
	if len(events) != 2 || !proto.Equal(events[1], ev) || events[1].GetWallTime() == 0 {
		t.Fatalf("got %v", events)
	}
}

func BenchmarkAddScalar(b *testing.B) {
	w, err := NewSummaryWriter(b.TempDir(), Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w.AddScalar("train/loss", 0.5, int64(i))
	}
	// Include draining the queue, so the number is the true amortized cost.
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	w.Close()
}

func BenchmarkAddScalarParallel(b *testing.B) {
	w, err := NewSummaryWriter(b.TempDir(), Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for i := int64(0); pb.Next(); i++ {
			w.AddScalar("train/loss", 0.5, i)
		}
	})
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	w.Close()
}
