package kernels

import (
	"sync"
	"time"
)

// fmaLoop runs n iterations of a register-only loop of independent
// multiply-adds and returns the flops per iteration; nil without an
// assembly loop for this CPU or build.
var fmaLoop func(n int) int

// FMAPeak measures the float32 multiply-add peak of this machine as it
// runs now: threads goroutines each run a register-only loop of
// independent vector FMAs (the widest the CPU has) for about d, and it
// returns their combined GFLOP/s. It is the ceiling GEMM efficiency is
// measured against: a virtual machine's clock under vector load can sit
// well below the nominal one. It returns 0 where there is no assembly FMA
// loop (other CPUs, the noasm build).
func FMAPeak(threads int, d time.Duration) float64 {
	if fmaLoop == nil || threads < 1 {
		return 0
	}
	const chunk = 1 << 16 // iterations between clock reads: tens of µs
	flops := make([]float64, threads)
	var wg sync.WaitGroup
	start := time.Now()
	for t := range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for { // at least one chunk, however short d
				flops[t] += float64(fmaLoop(chunk) * chunk)
				if time.Since(start) >= d {
					return
				}
			}
		}()
	}
	wg.Wait()
	sec := time.Since(start).Seconds()
	var total float64
	for _, f := range flops {
		total += f
	}
	return total / sec / 1e9
}
