package nd_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

func TestPushBulk(t *testing.T) {
	ndtest.BothEngines(t, func(t *testing.T) {
		a := nd.Array([]float32{1, 2, 3}, 3)
		acc := nd.Array([]float32{10, 20, 30}, 3) // read and written: updated in place
		out := nd.Empty(nd.Shape{3})
		nd.PushBulk(nd.Bulk{Name: "double", Reads: []*nd.NDArray{a, acc}, Writes: []*nd.NDArray{out, acc},
			Run: func(r, w []nd.Blob, _ *rand.Rand) error {
				x, s := r[0].F32(), r[1].F32()
				for i := range x {
					w[0].F32()[i] = 2 * x[i]
					w[1].F32()[i] = s[i] + x[i]
				}
				return nil
			}})
		if got := out.Float32s(); got[0] != 2 || got[2] != 6 {
			t.Fatalf("out = %v", got)
		}
		if got := acc.Float32s(); got[0] != 11 || got[2] != 33 {
			t.Fatalf("acc = %v", got)
		}
		// A later op on out waits for the bulk push; an error is carried on
		// the arrays it writes, with its name.
		bad := nd.Empty(nd.Shape{3})
		nd.PushBulk(nd.Bulk{Name: "failing", Reads: []*nd.NDArray{out}, Writes: []*nd.NDArray{bad}, RNG: true,
			Run: func(_, _ []nd.Blob, rng *rand.Rand) error {
				if rng == nil {
					return errors.New("no random stream")
				}
				return errors.New("boom")
			}})
		if err := bad.WaitToRead(); err == nil || !strings.Contains(err.Error(), "failing") || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("error %v, want the op's name and its error", err)
		}
	})
}

func TestPushBulkRejectsBadArrays(t *testing.T) {
	run := func(_, _ []nd.Blob, _ *rand.Rand) error { return nil }
	view := nd.Arange(0, 12, 1).Reshape(3, 4).SliceRanges(nd.Whole(), nd.Span(1, 3))
	for name, b := range map[string]nd.Bulk{
		"empty":   {Name: "x", Run: run},
		"strided": {Name: "x", Reads: []*nd.NDArray{view}, Writes: []*nd.NDArray{nd.Empty(nd.Shape{1})}, Run: run},
	} {
		if err := nd.Try(func() { nd.PushBulk(b) }); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
