package goid

import (
	"sync"
	"testing"
)

func TestDistinctAndStable(t *testing.T) {
	me := Current()
	if me == 0 {
		t.Fatal("Current() = 0")
	}
	if Current() != me {
		t.Fatal("Current() changed within one goroutine")
	}
	const n = 50
	ids := make([]uintptr, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := Current()
			<-start // all goroutines alive at once
			if Current() != a {
				t.Errorf("goroutine %d: id changed", i)
			}
			ids[i] = a
		}()
	}
	close(start)
	wg.Wait()
	seen := map[uintptr]bool{me: true}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("id %#x seen twice among live goroutines", id)
		}
		seen[id] = true
	}
}

func BenchmarkCurrent(b *testing.B) {
	for b.Loop() {
		_ = Current()
	}
}

// Current runs on every recorded op: it must not allocate, in either
// build (go test -tags purego for the portable one). The race detector
// makes sync.Pool drop buffers on purpose, so counts are skipped there.
func TestCurrentAllocatesNothing(t *testing.T) {
	Current()
	if n := testing.AllocsPerRun(100, func() { Current() }); n != 0 && !raceEnabled {
		t.Fatalf("Current: %v allocations, want 0", n)
	}
}
