package board

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/mxboard"
)

// testLogdir writes a small logdir: loss and lr in the root run, and
// acc via AddScalars (runs acc/train and acc/val).
func testLogdir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	w, err := mxboard.NewSummaryWriter(dir, mxboard.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for step := int64(0); step < 50; step++ {
		noise := 0.1 * math.Sin(float64(step))
		w.AddScalar("loss", 2*math.Exp(-float64(step)/15)+noise, step)
		w.AddScalar("lr", 0.1, step)
		w.AddScalars("acc", map[string]float64{"train": 1 - math.Exp(-float64(step)/10), "val": 0.9 - math.Exp(-float64(step)/12)}, step)
	}
	w.AddHistogram("weights", []float64{1, 2, 3}, 49)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := Run(context.Background(), args, &out)
	return out.String(), err
}

func TestLs(t *testing.T) {
	out, err := run(t, "ls", "--logdir", testLogdir(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"run . (1 event file)", "run acc/train", "run acc/val", "loss", "scalar", "0..49", "weights", "histogram"} {
		if !strings.Contains(out, want) {
			t.Errorf("ls output lacks %q:\n%s", want, out)
		}
	}
	// lr's last value is printed.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "lr ") && !strings.Contains(line, "0.1") {
			t.Errorf("lr line %q lacks its last value 0.1", line)
		}
	}
}

func TestLsFixtures(t *testing.T) {
	out, err := run(t, "ls", "--logdir", filepath.Join(testutil.Fixtures(t), "tensorboard"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"run tf2-scalar-tensor", "my_metric", "49.5", "strict/foo", "0..495", "1.21209"} {
		if !strings.Contains(out, want) {
			t.Errorf("ls output lacks %q:\n%s", want, out)
		}
	}
}

func TestExportCSV(t *testing.T) {
	dir := testLogdir(t)
	outFile := filepath.Join(t.TempDir(), "scalars.csv")
	if _, err := run(t, "export", "--logdir", dir, "-o", outFile, "--tag", "acc"); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(outFile)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+100 || strings.Join(rows[0], ",") != "run,tag,step,wall_time,value" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	if r := rows[100]; r[0] != "acc/val" || r[1] != "acc" || r[2] != "49" {
		t.Errorf("last row %v", r)
	}
}

func TestExportJSON(t *testing.T) {
	out, err := run(t, "export", "--logdir", testLogdir(t), "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string][][3]float64
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || len(got["loss"]) != 50 || len(got["acc/train/acc"]) != 50 {
		t.Fatalf("keys %v", len(got))
	}
	if row := got["lr"][49]; row[1] != 49 || row[2] != float64(float32(0.1)) || row[0] < 1e9 {
		t.Errorf("lr last row %v, want [wall, 49, 0.1]", row)
	}
}

func TestPlot(t *testing.T) {
	dir := testLogdir(t)
	outFile := filepath.Join(t.TempDir(), "plot.png")
	out, err := run(t, "plot", "--logdir", dir, "--tag", "loss", "--tag", "acc", "-o", outFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "wrote") {
		t.Errorf("output %q", out)
	}
	f, err := os.Open(outFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// Two panels side by side of 7x4 inches at 96 dpi.
	if b := m.Bounds(); b.Dx() != 2*7*96 || b.Dy() != 4*96 {
		t.Errorf("plot is %v, want 1344x384", b)
	}
	if os.Getenv("MXBOARD_KEEP_PLOT") != "" {
		os.WriteFile(os.Getenv("MXBOARD_KEEP_PLOT"), mustRead(t, outFile), 0o644)
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSmooth(t *testing.T) {
	// w=0.5: last = .5·last + .5·v; debias by 1-.5^k.
	got := Smooth([]float64{1, 3, math.NaN(), 5}, 0.5)
	want := []float64{1, (0.25 + 1.5) / 0.75, math.NaN(), (0.875 + 2.5) / 0.875}
	for i := range want {
		if math.IsNaN(want[i]) != math.IsNaN(got[i]) || (!math.IsNaN(want[i]) && math.Abs(got[i]-want[i]) > 1e-12) {
			t.Fatalf("Smooth = %v, want %v", got, want)
		}
	}
	if got := Smooth([]float64{2, 2, 2}, 0.9); got[2] != 2 {
		t.Errorf("constant series changed: %v", got)
	}
}

func TestRunErrors(t *testing.T) {
	dir := testLogdir(t)
	tests := map[string][]string{
		"no command":      nil,
		"unknown command": {"draw"},
		"no logdir":       {"ls"},
		"missing logdir":  {"ls", "--logdir", filepath.Join(dir, "nope")},
		"empty logdir":    {"ls", "--logdir", t.TempDir()},
		"no -o":           {"plot", "--logdir", dir},
		"bad smoothing":   {"plot", "--logdir", dir, "--smoothing", "1", "-o", "x.png"},
		"no tag matches":  {"plot", "--logdir", dir, "--tag", "nope", "-o", filepath.Join(t.TempDir(), "x.png")},
		"bad format":      {"export", "--logdir", dir, "--format", "xml"},
		"bad flag":        {"ls", "--bogus"},
		"extra argument":  {"ls", "--logdir", dir, "extra"},
	}
	for name, args := range tests {
		if _, err := run(t, args...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if out, err := run(t, "help"); err != nil || !strings.Contains(out, "usage") {
		t.Errorf("help: %v %q", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Run(ctx, []string{"ls", "--logdir", dir}, io.Discard); err == nil {
		t.Error("cancelled context not honoured")
	}
}
