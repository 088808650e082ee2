// Package bench holds the workloads behind `mxgo bench`: each measures one
// thing the way a user would compare it with a peer framework, and reports
// medians of repeated runs after warm-up.
package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"
)

// Result is one measurement, printed as a JSON line.
type Result struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// Write prints results as JSON lines, or as an aligned table.
func Write(w io.Writer, rs []Result, asJSON bool) error {
	for _, r := range rs {
		var err error
		if asJSON {
			var b []byte
			b, err = json.Marshal(r)
			if err == nil {
				_, err = fmt.Fprintf(w, "%s\n", b)
			}
		} else {
			_, err = fmt.Fprintf(w, "%-28s %12.4g %s\n", r.Name, r.Value, r.Unit)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Median runs f (which performs `inner` repetitions of the measured work)
// `rounds` times after one warm-up call and returns the median time per
// repetition.
func Median(rounds, inner int, f func()) time.Duration {
	f()
	ts := make([]time.Duration, rounds)
	for i := range ts {
		start := time.Now()
		f()
		ts[i] = time.Since(start) / time.Duration(inner)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts[rounds/2]
}

// Micros converts a duration to microseconds.
func Micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
