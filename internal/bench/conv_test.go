package bench

import "testing"

func TestConvCaseFlops(t *testing.T) {
	// LeNet conv1: 64 images, 20 filters of 1×5×5 over 24×24 outputs.
	if got, want := ConvCases[0].flops(), 2.0*64*20*25*24*24; got != want {
		t.Fatalf("flops %g, want %g", got, want)
	}
	padded := ConvCase{N: 1, C: 2, H: 4, W: 4, F: 3, K: 3, P: 1}
	if got, want := padded.flops(), 2.0*3*2*9*16; got != want {
		t.Fatalf("padded flops %g, want %g", got, want)
	}
}

func TestConvResults(t *testing.T) {
	cfg := tinyConfig()
	cfg.CPU = true
	rs, err := Conv(cfg, []ConvCase{{"c", 2, 3, 8, 8, 4, 3, 1}})
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, rs, "GFLOP/s", "c_fwd", "c_fwd_cpu", "c_fwdbwd", "c_fwdbwd_cpu")
}

func TestConvReportsShapeErrors(t *testing.T) {
	// A kernel larger than the padded image is an op error, returned.
	if _, err := Conv(tinyConfig(), []ConvCase{{"bad", 1, 1, 2, 2, 1, 5, 0}}); err == nil {
		t.Fatal("no error for a 5×5 kernel on a 2×2 image")
	}
}
