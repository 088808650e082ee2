package bench

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestWriteJSONLines(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []Result{{"a", 1.5, "us"}, {"b", 2, "ms"}}, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2", len(lines))
	}
	var r Result
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil || r.Name != "a" || r.Value != 1.5 || r.Unit != "us" {
		t.Fatalf("line 0 = %q (%v)", lines[0], err)
	}
}

func TestMedianPerRepetition(t *testing.T) {
	d := Median(3, 10, func() { time.Sleep(10 * time.Millisecond) })
	// A sleep never ends early; on a loaded machine it can end late, so
	// only the lower bound is tight: the division by 10 is what is tested.
	if d < time.Millisecond || d > 10*time.Millisecond {
		t.Fatalf("median per repetition %v, want about 1ms (10ms sleep / 10 repetitions)", d)
	}
}

func TestOverheadReportsAllNames(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the overhead benchmark")
	}
	rs := Overhead()
	want := []string{"add10_naive", "add10_threaded", "add10_naive_record"}
	for i, r := range rs {
		if r.Name != want[i] || r.Unit != "us" || !(r.Value > 0) {
			t.Fatalf("result %d = %+v", i, r)
		}
	}
}
