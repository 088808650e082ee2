package board

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

func runLs(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("ls", stdout)
	logdir := fs.String("logdir", "", "log directory to read")
	if err := parse(fs, args); err != nil {
		return err
	}
	runs, err := loadRuns(ctx, *logdir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for i, r := range runs {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		files := "event files"
		if len(r.Files) == 1 {
			files = "event file"
		}
		fmt.Fprintf(tw, "run %s (%d %s", r.Name, len(r.Files), files)
		if r.Graphs > 0 {
			fmt.Fprintf(tw, ", graph")
		}
		fmt.Fprintln(tw, ")")
		for _, e := range r.Errors {
			fmt.Fprintf(tw, "  warning: %v\n", e)
		}
		tags := r.SortedTags()
		if len(tags) == 0 {
			fmt.Fprintln(tw, "  (no summaries)")
			continue
		}
		fmt.Fprintln(tw, "  tag\tkind\tcount\tsteps\tlast value")
		for _, tag := range tags {
			steps, last := "", ""
			if s := r.Scalars[tag]; len(s) > 0 {
				steps = fmt.Sprintf("%d..%d", s[0].Step, s[len(s)-1].Step)
				last = strconv.FormatFloat(s[len(s)-1].Value, 'g', 6, 64)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\n", tag, r.Tags[tag], r.Counts[tag], steps, last)
		}
	}
	return tw.Flush()
}
