//go:build !race

package gluon_test

const hybridRaceEnabled = false
