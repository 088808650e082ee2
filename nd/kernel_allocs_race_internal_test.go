//go:build race

package nd

func init() { kernelAllocsRace = true }
