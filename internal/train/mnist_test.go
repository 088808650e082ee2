package train

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/mxboard"
)

func TestShortMLPRunLearnsAndSaves(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	res, err := MNIST(context.Background(), Config{
		Model: "mlp", Epochs: 2, MaxBatches: 40, BatchSize: 64, JSON: true,
		Out: dir, Logdir: filepath.Join(dir, "logs"),
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", out.String())
	}
	var first, second EpochReport
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if !(second.TrainLoss < first.TrainLoss) || second.TestAcc < 0.8 {
		t.Fatalf("no learning: epoch 1 %+v, epoch 2 %+v", first, second)
	}
	// The saved parameters load into a fresh MLP and give the same accuracy.
	net := MLP()
	if err := gluon.LoadParameters(net, res.ParamsPath, gluon.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := gluon.CollectParams(net).Names; strings.Join(got, " ") != "0.weight 0.bias 1.weight 1.bias 2.weight 2.bias" {
		t.Fatalf("parameter names %v", got)
	}
	runs, err := mxboard.LoadRuns(res.Logdir)
	if err != nil || len(runs) == 0 {
		t.Fatalf("no TensorBoard run in %s: %v", res.Logdir, err)
	}
	var graphs, images, hists, scalars int
	for _, r := range runs {
		graphs += r.Graphs
		for _, kind := range r.Tags {
			switch kind {
			case mxboard.KindImage:
				images++
			case mxboard.KindHistogram:
				hists++
			case mxboard.KindScalar:
				scalars++
			}
		}
	}
	if graphs == 0 || images == 0 || hists == 0 || scalars < 3 {
		t.Fatalf("logdir has %d graphs, %d image, %d histogram and %d scalar tags", graphs, images, hists, scalars)
	}
}

// The hybridized run (cached graphs writing the same output and loss
// arrays every step) trains exactly as the eager one: the same losses,
// accuracies and test accuracy, bit for bit.
func TestHybridizedRunMatchesEager(t *testing.T) {
	run := func(eager bool) EpochReport {
		var out bytes.Buffer
		_, err := MNIST(context.Background(), Config{
			Model: "lenet", Epochs: 1, MaxBatches: 15, BatchSize: 32, JSON: true, Eager: eager,
			Out: t.TempDir(), Logdir: "-",
		}, &out)
		if err != nil {
			t.Fatal(err)
		}
		var r EpochReport
		if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &r); err != nil {
			t.Fatalf("%v in %q", err, out.String())
		}
		return r
	}
	e, h := run(true), run(false)
	if e.TrainLoss != h.TrainLoss || e.TrainAcc != h.TrainAcc || e.TestAcc != h.TestAcc {
		t.Fatalf("eager %+v, hybridized %+v", e, h)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{{Model: "resnet"}, {Epochs: -1}} {
		if _, err := MNIST(context.Background(), c, &bytes.Buffer{}); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
