package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/mxgo/mxgo/internal/bench"
)

func runBench(_ context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("bench: name a benchmark: overhead")
	}
	name := args[0]
	fs := flag.NewFlagSet("bench "+name, flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var rs []bench.Result
	switch name {
	case "overhead":
		rs = bench.Overhead()
	default:
		return fmt.Errorf("bench: unknown benchmark %q", name)
	}
	return bench.Write(stdout, rs, *asJSON)
}
