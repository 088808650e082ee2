package bench

import (
	"os"
	"testing"

	"github.com/mxgo/mxgo/gluon/data/vision"
	"github.com/mxgo/mxgo/nd"
)

func TestDataLoaderRecIsReadable(t *testing.T) {
	if os.Getenv("MXGO_BENCH") == "" {
		t.Skip("set MXGO_BENCH=1: writes 512 JPEGs (24 MB) to $TMPDIR on first use")
	}
	rec, err := DataLoaderRec()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := vision.NewImageRecordDataset(rec, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if ds.Len() != loaderImages {
		t.Fatalf("%d images, want %d", ds.Len(), loaderImages)
	}
	s, err := ds.Get(7)
	if err != nil {
		t.Fatal(err)
	}
	if !s[0].(*nd.NDArray).Shape().Equal(nd.Shape{loaderH, loaderW, 3}) || s[1].(float32) != 7 {
		t.Fatalf("image 7: %v label %v", s[0].(*nd.NDArray).Shape(), s[1])
	}
}

// TestDataLoaderBench runs the full benchmark when MXGO_BENCH=1 (it takes
// about a minute) and prints its results.
func TestDataLoaderBench(t *testing.T) {
	if os.Getenv("MXGO_BENCH") == "" {
		t.Skip("set MXGO_BENCH=1 to run the dataloader benchmark")
	}
	for _, r := range DataLoader() {
		if r.Value <= 0 {
			t.Fatalf("%s: %v", r.Name, r.Value)
		}
		t.Logf("%s %.1f %s", r.Name, r.Value, r.Unit)
	}
}
