//go:build !unix

package bench

import "time"

// cpuTime is unavailable here: CPU results read 0.
func cpuTime() time.Duration { return 0 }
