// Command mxgo is MXGo's command line: training the bundled examples,
// benchmarks, TensorBoard log tools and data preparation. Each subcommand
// is a thin call into a package that has its own tests.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"

	"github.com/mxgo/mxgo/internal/infer"
)

// Version is the MXGo release this binary belongs to.
const Version = "0.1.0-dev"

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

var commands = map[string]command{
	"version": {"print the version", runVersion},
	"bench":   {"run benchmarks (overhead, ...) and print JSON lines with --json", runBench},
	"train":   {"train a bundled example: train mnist [--model lenet|mlp] [--epochs N] ...", runTrain},
	"board":   {"read TensorBoard logs: board plot|ls|export --logdir DIR", runBoard},
	"im2rec":  {"make image lists and RecordIO files: im2rec [--list] prefix root", runIm2rec},
	"infer":   {"run an exported model on .npy inputs: infer --symbol S --params P --input data=x.npy [--json]", infer.Run},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mxgo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(os.Stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, args[1:], stdout)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mxgo <command> [arguments]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

func runVersion(_ context.Context, _ []string, stdout io.Writer) error {
	_, err := fmt.Fprintf(stdout, "mxgo %s\n", Version)
	return err
}
