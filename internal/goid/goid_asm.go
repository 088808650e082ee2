//go:build (amd64 || arm64) && !purego

package goid

func getg() uintptr

func current() uintptr { return getg() }
