package mxboard

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
)

func TestLoadRunsFixtures(t *testing.T) {
	runs, err := LoadRuns(filepath.Join(testutil.Fixtures(t), "tensorboard"))
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Name != "pytorch-simple-value" || runs[1].Name != "tf2-scalar-tensor" {
		t.Fatalf("runs %v", runs)
	}
	pt, tf := runs[0], runs[1]
	if s := pt.Scalars["strict/foo"]; len(s) != 100 || s[99].Step != 495 || s[99].Value != 1.212090253829956 {
		t.Errorf("pytorch scalars: %d, last %+v", len(s), s[len(s)-1])
	}
	if s := tf.Scalars["my_metric"]; len(s) != 100 || s[99].Step != 99 || s[99].Value != 49.5 || tf.Tags["my_metric"] != KindScalar {
		t.Errorf("tf2 scalars: %d, last %+v", len(s), s[len(s)-1])
	}
}

func TestLoadRunsMixedKinds(t *testing.T) {
	w := newTestWriter(t, Options{})
	w.AddScalar("loss", 2, 1)
	w.AddScalar("loss", 1, 2)
	w.AddScalars("acc", map[string]float64{"train": 0.9, "val": 0.8}, 2)
	w.AddHistogram("weights", []float32{1, 2, 3}, 2)
	w.AddText("note", "hi", 0)
	w.AddImage("img", Float32Tensor{Dims: []int{2, 2}, Data: make([]float32, 4)}, 0)
	w.AddGraph(mlpGraph())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// A torn tail in the main file must not hide what came before it.
	f, _ := os.OpenFile(w.Path(), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{1, 2, 3})
	f.Close()
	runs, err := LoadRuns(w.Logdir())
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 || runs[0].Name != "." || runs[1].Name != "acc/train" || runs[2].Name != "acc/val" {
		t.Fatalf("runs: %d %v", len(runs), runs)
	}
	main := runs[0]
	want := map[string]string{"loss": KindScalar, "weights": KindHistogram, "note": KindText, "img": KindImage}
	for tag, kind := range want {
		if main.Tags[tag] != kind {
			t.Errorf("tag %s kind %q, want %q", tag, main.Tags[tag], kind)
		}
	}
	if s := main.Scalars["loss"]; len(s) != 2 || s[1].Value != 1 || s[1].Step != 2 || main.Graphs != 1 {
		t.Errorf("loss %v graphs %d", s, main.Graphs)
	}
	if len(main.Errors) != 1 || !errors.Is(main.Errors[0], ErrTruncated) {
		t.Errorf("errors %v, want one ErrTruncated", main.Errors)
	}
	if s := runs[2].Scalars["acc"]; len(s) != 1 || s[0].Value != float64(float32(0.8)) {
		t.Errorf("acc/val %v", s)
	}
}
