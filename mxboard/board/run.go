package board

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/mxgo/mxgo/mxboard"
)

const usage = `usage: mxgo board <command> [flags]

commands:
  plot   --logdir DIR [--tag T ...] [--smoothing 0.6] -o out.png
         draw scalar curves, one line per run and tag, one panel per tag
  ls     --logdir DIR
         list runs, their tags, steps and last values
  export --logdir DIR [--format csv|json] [-o file]
         write all scalars as CSV or JSON (default: stdout)
`

// Run executes one board subcommand; args start with the command name.
// Output goes to stdout; problems come back as errors.
func Run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("board: missing command")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "plot":
		return runPlot(ctx, rest, stdout)
	case "ls":
		return runLs(ctx, rest, stdout)
	case "export":
		return runExport(ctx, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("board: unknown command %q", cmd)
	}
}

// newFlags returns a flag set that reports to stdout and returns errors.
func newFlags(name string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("board "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %w", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// loadRuns reads the logdir, refusing a missing one or one with no runs.
func loadRuns(ctx context.Context, logdir string) ([]*mxboard.Run, error) {
	if logdir == "" {
		return nil, errors.New("board: --logdir is required")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := os.Stat(logdir)
	if err != nil {
		return nil, fmt.Errorf("board: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("board: %s is not a directory", logdir)
	}
	runs, err := mxboard.LoadRuns(logdir)
	if err != nil {
		return nil, fmt.Errorf("board: %w", err)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("board: no event files under %s", logdir)
	}
	return runs, ctx.Err()
}

// matchTag reports whether tag is selected by the patterns (exact names or
// path.Match globs); no patterns select everything.
func matchTag(patterns []string, tag string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if p == tag {
			return true
		}
		if ok, err := path.Match(p, tag); err == nil && ok {
			return true
		}
	}
	return false
}

// seriesKey names a run's tag in exports and legends, as mxboard's
// export_scalars keys do ("<run>/<tag>", the tag alone for the logdir).
func seriesKey(run, tag string) string {
	if run == "." {
		return tag
	}
	return run + "/" + tag
}

// writeOutput writes data to path atomically, or to stdout when path is
// empty or "-".
func writeOutput(path string, data []byte, stdout io.Writer) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("board: write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("board: write %s: %w", path, err)
	}
	return nil
}
