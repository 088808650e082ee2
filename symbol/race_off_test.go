//go:build !race

package symbol_test

const raceEnabled = false
