package mxboard_test

import (
	"fmt"
	"log"
	"os"

	"github.com/mxgo/mxgo/mxboard"
)

func ExampleNewSummaryWriter() {
	logdir, err := os.MkdirTemp("", "mxboard-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(logdir)

	w, err := mxboard.NewSummaryWriter(logdir, mxboard.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for step := int64(0); step < 3; step++ {
		w.AddScalar("train/loss", 1/float64(step+1), step)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	events, err := mxboard.ReadEvents(w.Path())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(events[0].GetFileVersion())
	for _, ev := range events[1:] {
		v := ev.GetSummary().GetValue()[0]
		fmt.Printf("%s step %d: %.3f\n", v.GetTag(), ev.GetStep(), v.GetSimpleValue())
	}
	// Output:
	// brain.Event:2
	// train/loss step 0: 1.000
	// train/loss step 1: 0.500
	// train/loss step 2: 0.333
}

func ExampleSummaryWriter_AddImage() {
	logdir, _ := os.MkdirTemp("", "mxboard-example")
	defer os.RemoveAll(logdir)
	w, _ := mxboard.NewSummaryWriter(logdir, mxboard.Options{})

	// A batch of 16 grey 28x28 images, [N,C,H,W], values in [0,1].
	batch := mxboard.Float32Tensor{Dims: []int{16, 1, 28, 28}, Data: make([]float32, 16*28*28)}
	if err := w.AddImage("inputs", batch, 0); err != nil {
		log.Fatal(err)
	}
	w.Close()

	events, _ := mxboard.ReadEvents(w.Path())
	img := events[1].GetSummary().GetValue()[0].GetImage()
	fmt.Printf("grid %dx%d\n", img.GetWidth(), img.GetHeight())
	// Output: grid 242x62
}

func ExampleLoadRuns() {
	logdir, _ := os.MkdirTemp("", "mxboard-example")
	defer os.RemoveAll(logdir)
	w, _ := mxboard.NewSummaryWriter(logdir, mxboard.Options{})
	w.AddScalars("loss", map[string]float64{"train": 0.5, "val": 0.75}, 10)
	w.Close()

	runs, _ := mxboard.LoadRuns(logdir)
	for _, r := range runs {
		for _, tag := range r.ScalarTags() {
			s := r.Scalars[tag]
			fmt.Printf("%s %s: step %d = %g\n", r.Name, tag, s[len(s)-1].Step, s[len(s)-1].Value)
		}
	}
	// Output:
	// loss/train loss: step 10 = 0.5
	// loss/val loss: step 10 = 0.75
}
