package bench

import "testing"

func TestOverheadCPUReportsWallAndCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the overhead benchmark")
	}
	rs := OverheadCPU()
	want := []string{"add10_naive", "add10_naive_cpu", "add10_threaded", "add10_threaded_cpu", "add10_naive_record", "add10_naive_record_cpu"}
	if len(rs) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(rs), len(want), rs)
	}
	for i, r := range rs {
		if r.Name != want[i] || r.Unit != "us" || !(r.Value > 0) || r.Value > 1000 {
			t.Fatalf("result %d = %+v, want %s in (0, 1000] us", i, r, want[i])
		}
	}
}
