package autograd_test

import (
	"sync"
	"testing"

	"github.com/mxgo/mxgo/autograd"
)

// Many goroutines (more than the fast table holds) in nested scopes at once
// each see only their own modes, and leave no state behind.
func TestScopesPerGoroutine(t *testing.T) {
	const n = 40
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			train := i%2 == 0
			for range 50 {
				func() {
					defer autograd.StartRecording(train).End()
					if !autograd.IsRecording() || autograd.IsTraining() != train {
						t.Errorf("goroutine %d: recording %v training %v, want true %v", i, autograd.IsRecording(), autograd.IsTraining(), train)
					}
					func() {
						defer autograd.StartPause(!train).End()
						if autograd.IsRecording() || autograd.IsTraining() != !train {
							t.Errorf("goroutine %d in pause: recording %v training %v", i, autograd.IsRecording(), autograd.IsTraining())
						}
					}()
					if !autograd.IsRecording() || autograd.IsTraining() != train {
						t.Errorf("goroutine %d after pause: recording %v training %v", i, autograd.IsRecording(), autograd.IsTraining())
					}
				}()
				if autograd.IsRecording() || autograd.IsTraining() {
					t.Errorf("goroutine %d: state left after its scope", i)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if autograd.IsRecording() || autograd.IsTraining() {
		t.Fatal("main goroutine sees another goroutine's scope")
	}
}

func BenchmarkIsRecording(b *testing.B) {
	defer autograd.StartRecording(true).End()
	n := 0
	for b.Loop() {
		if autograd.IsRecording() {
			n++
		}
	}
	if n != b.N {
		b.Fatalf("IsRecording false inside a recording scope")
	}
}
