package bench

import (
	"fmt"
	"testing"
)

// Ops reports every op on every shape, in order, in microseconds, with a
// CPU-time twin when asked.
func TestOpsResultsWellFormed(t *testing.T) {
	cfg := tinyConfig()
	cfg.CPU = true
	rs, err := Ops(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sh := range OpShapes {
		for _, c := range opCases {
			name := fmt.Sprintf("op_%s_%dx%d", c.name, sh[0], sh[1])
			names = append(names, name, name+"_cpu")
		}
	}
	checkResults(t, rs, "us", names...)
}
