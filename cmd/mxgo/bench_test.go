package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mxgo/mxgo/nd/kernels"
)

func TestBenchGemmJSON(t *testing.T) {
	var out bytes.Buffer
	args := []string{"bench", "gemm", "--size", "8,16", "--rounds", "1", "--warmup", "1", "--sample", "1ns", "--json"}
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{"sgemm_8", "sgemm_16"}
	if kernels.FMAPeak(1, time.Nanosecond) > 0 {
		want = append(want, "fma_peak") // the machine's peak, where measurable
	}
	if len(lines) != len(want) {
		t.Fatalf("printed %q, want %d JSON lines", out.String(), len(want))
	}
	for i, line := range lines {
		var r struct {
			Name  string
			Value float64
			Unit  string
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if r.Name != want[i] || r.Unit != "GFLOP/s" || !(r.Value > 0) {
			t.Errorf("line %d = %+v, want %s in GFLOP/s", i, r, want[i])
		}
	}
}

func TestBenchMLPTable(t *testing.T) {
	var out bytes.Buffer
	args := []string{"bench", "mlp", "--batch", "2", "--rounds", "1", "--warmup", "1", "--sample", "1ns", "--threads", "1"}
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(out.String()); len(f) != 3 || f[0] != "mlp_b2" || f[2] != "ms" {
		t.Fatalf("printed %q, want one table row for mlp_b2 in ms", out.String())
	}
}

func TestBenchErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "nope"},
		{"bench", "gemm", "--size", "0"},
		{"bench", "mlp", "--batch", "64,x"},
		{"bench", "lenet", "--bogus"},
	} {
		if err := run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestBenchStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := run(ctx, []string{"bench", "mlp", "--batch", "2"}, &bytes.Buffer{}); err == nil {
		t.Fatal("cancelled context: no error")
	}
}
