package train

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line progress bar per epoch, redrawn in place with
// a carriage return, at most every interval.
type progress struct {
	w        io.Writer
	total    int
	width    int
	start    time.Time
	last     time.Time
	interval time.Duration
}

func newProgress(w io.Writer, total int) *progress {
	now := time.Now()
	return &progress{w: w, total: total, width: 30, start: now, interval: 100 * time.Millisecond}
}

// update redraws the bar after done batches; force draws regardless of time.
func (p *progress) update(done int, label string, loss, acc float64, samples int, force bool) {
	if p == nil || p.w == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	frac := 0.0
	if p.total > 0 {
		frac = float64(done) / float64(p.total)
	}
	filled := int(frac * float64(p.width))
	bar := strings.Repeat("=", filled)
	if filled < p.width {
		bar += ">" + strings.Repeat(" ", p.width-filled-1)
	}
	rate := float64(samples) / max(now.Sub(p.start).Seconds(), 1e-9)
	fmt.Fprintf(p.w, "\r%s [%s] %3.0f%% loss %.4f acc %.4f %7.0f samples/s", label, bar, frac*100, loss, acc, rate)
}

func (p *progress) finish() {
	if p != nil && p.w != nil {
		fmt.Fprintln(p.w)
	}
}
