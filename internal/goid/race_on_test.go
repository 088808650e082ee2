//go:build race

package goid

// raceEnabled skips allocation counts under -race, where sync.Pool drops
// items on purpose.
const raceEnabled = true
