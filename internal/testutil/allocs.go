package testutil

import (
	"runtime"
	"testing"
)

// AllocsSettled is the least of a few counts of measure (typically a
// testing.AllocsPerRun call): AllocsPerRun counts the whole process, and
// the cleanups releasing earlier tests' arrays run on their own goroutine
// and may allocate during one measurement, while an allocation on the
// measured path shows in every one.
func AllocsSettled(measure func() float64) float64 {
	least := measure()
	for try := 0; try < 3 && least > 0; try++ {
		runtime.GC()
		least = min(least, measure())
	}
	return least
}

// AllocsPerRunSettled is AllocsSettled of testing.AllocsPerRun(runs, f).
func AllocsPerRunSettled(runs int, f func()) float64 {
	return AllocsSettled(func() float64 { return testing.AllocsPerRun(runs, f) })
}
