//go:build race

package gluon_test

// hybridRaceEnabled skips allocation counts under -race, where sync.Pool
// drops items on purpose and the detector allocates.
const hybridRaceEnabled = true
