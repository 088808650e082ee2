package board_test

import (
	"context"
	"log"
	"os"

	"github.com/mxgo/mxgo/mxboard"
	"github.com/mxgo/mxgo/mxboard/board"
)

func ExampleRun() {
	logdir, _ := os.MkdirTemp("", "board-example")
	defer os.RemoveAll(logdir)
	w, _ := mxboard.NewSummaryWriter(logdir, mxboard.Options{})
	for step := int64(1); step <= 3; step++ {
		w.AddScalar("loss", 1/float64(step), step)
		w.AddScalar("lr", 0.1, step)
	}
	w.Close()

	if err := board.Run(context.Background(), []string{"ls", "--logdir", logdir}, os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// run . (1 event file)
	//   tag   kind    count  steps  last value
	//   loss  scalar  3      1..3   0.333333
	//   lr    scalar  3      1..3   0.1
}
