package rnn

// SetFused switches the layers between the fused RNN op and the composed
// path (the reference) and returns the previous setting.
func SetFused(on bool) bool {
	old := useFused
	useFused = on
	return old
}
