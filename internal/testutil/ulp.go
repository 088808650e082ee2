package testutil

import "math"

// Ulps is the distance between two float32 values in units in the last
// place: how many float32 values lie between them (0 for equal values,
// and for +0 against -0).
func Ulps(a, b float32) int64 {
	key := func(f float32) int64 {
		i := int64(int32(math.Float32bits(f)))
		if i < 0 {
			i = math.MinInt32 - i
		}
		return i
	}
	d := key(a) - key(b)
	if d < 0 {
		d = -d
	}
	return d
}
