//go:build race

package symbol_test

// raceEnabled skips allocation counts under -race, where sync.Pool drops
// items on purpose and the detector allocates.
const raceEnabled = true
