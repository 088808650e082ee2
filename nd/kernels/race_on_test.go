//go:build race

package kernels

// raceEnabled trims the slow reference comparisons under -race, where the
// parallel code, not the arithmetic, is what is being checked.
const raceEnabled = true
