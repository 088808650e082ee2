package board

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mxgo/mxgo/mxboard"
)

func runExport(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("export", stdout)
	logdir := fs.String("logdir", "", "log directory to read")
	format := fs.String("format", "", "csv or json (default: from the -o extension, else csv)")
	out := fs.String("o", "", "output file (default: stdout)")
	var tags stringList
	fs.Var(&tags, "tag", "export only this tag or glob (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format == "" {
		*format = "csv"
		if strings.EqualFold(filepath.Ext(*out), ".json") {
			*format = "json"
		}
	}
	runs, err := loadRuns(ctx, *logdir)
	if err != nil {
		return err
	}
	var data []byte
	switch *format {
	case "csv":
		data, err = scalarsCSV(runs, tags)
	case "json":
		data, err = scalarsJSON(runs, tags)
	default:
		return fmt.Errorf("board export: unknown format %q (want csv or json)", *format)
	}
	if err != nil {
		return fmt.Errorf("board export: %w", err)
	}
	return writeOutput(*out, data, stdout)
}

// scalarsCSV writes one row per value: run, tag, step, wall_time, value.
func scalarsCSV(runs []*mxboard.Run, tags []string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"run", "tag", "step", "wall_time", "value"})
	for _, r := range runs {
		for _, tag := range r.ScalarTags() {
			if !matchTag(tags, tag) {
				continue
			}
			for _, s := range r.Scalars[tag] {
				w.Write([]string{r.Name, tag, strconv.FormatInt(s.Step, 10),
					strconv.FormatFloat(s.WallTime, 'f', -1, 64), strconv.FormatFloat(s.Value, 'g', -1, 64)})
			}
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// scalarsJSON writes mxboard's export_scalars layout:
// {"<run>/<tag>": [[wall_time, step, value], ...]}. JSON has no NaN or
// Inf, so such values are written as null.
func scalarsJSON(runs []*mxboard.Run, tags []string) ([]byte, error) {
	out := map[string][][3]any{}
	for _, r := range runs {
		for _, tag := range r.ScalarTags() {
			if !matchTag(tags, tag) {
				continue
			}
			var rows [][3]any
			for _, s := range r.Scalars[tag] {
				var v any = s.Value
				if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
					v = nil
				}
				rows = append(rows, [3]any{s.WallTime, s.Step, v})
			}
			out[seriesKey(r.Name, tag)] = rows
		}
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
