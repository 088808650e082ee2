package bench

import (
	"testing"
)

func TestGemmResult(t *testing.T) {
	checkResults(t, Gemm(tinyConfig(), 17), "GFLOP/s", "sgemm_17")
	cfg := tinyConfig()
	cfg.CPU = true
	checkResults(t, Gemm(cfg, 8), "GFLOP/s", "sgemm_8", "sgemm_8_cpu")
}

func TestGemmPanicsOnBadSize(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Gemm(0) did not panic")
		}
	}()
	Gemm(tinyConfig(), 0)
}
