//go:build !race

package goid

const raceEnabled = false
