package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mxgo/mxgo/internal/bench"
	"github.com/mxgo/mxgo/nd/kernels"
)

const benchNames = "overhead, ops, gemm, conv, mlp, lenet, resnet18, lstm, hybridize, dataloader"

// benchFlags are the options every `mxgo bench` workload shares.
type benchFlags struct {
	asJSON  bool
	sizes   string
	batches string
	threads int
	cfg     bench.Config
}

func runBench(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("bench: name a benchmark: %s", benchNames)
	}
	name := args[0]
	fs := flag.NewFlagSet("bench "+name, flag.ContinueOnError)
	var f benchFlags
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON object per line")
	fs.StringVar(&f.sizes, "size", "1024", "gemm: matrix sizes N, comma separated")
	fs.StringVar(&f.batches, "batch", "", "mlp, lenet, resnet18: batch sizes, comma separated (default 64, 64, 1)")
	fs.IntVar(&f.threads, "threads", 0, "kernel threads (0: OMP_NUM_THREADS or GOMAXPROCS)")
	fs.IntVar(&f.cfg.Rounds, "rounds", 0, "timed samples; the median is printed (0: 15)")
	fs.IntVar(&f.cfg.Warmup, "warmup", 0, "untimed warm-up steps (0: 3)")
	fs.DurationVar(&f.cfg.SampleTime, "sample", 0, "target duration of one sample (0: 200ms)")
	fs.BoolVar(&f.cfg.CPU, "cpu", false, "also print NAME_cpu: process CPU time per step (getrusage)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if f.threads > 0 {
		old := kernels.NumThreads()
		kernels.SetNumThreads(f.threads)
		defer kernels.SetNumThreads(old)
	}
	rs, err := benchRun(ctx, name, &f)
	if err != nil {
		return err
	}
	return bench.Write(stdout, rs, f.asJSON)
}

// benchRun runs the named workload for each requested size or batch.
func benchRun(ctx context.Context, name string, f *benchFlags) ([]bench.Result, error) {
	type sized func(bench.Config, int) ([]bench.Result, error)
	var run sized
	list, defaultList := f.batches, "64"
	switch name {
	case "overhead":
		if f.cfg.CPU {
			return bench.OverheadCPU(), nil
		}
		return bench.Overhead(), nil
	case "ops":
		return bench.Ops(f.cfg)
	case "conv":
		return bench.Conv(f.cfg, bench.ConvCases)
	case "lstm":
		return bench.LSTM(f.cfg)
	case "dataloader":
		return bench.DataLoader(), nil
	case "hybridize":
		bs, err := parseSizes(cmpOr(f.batches, "1,32,128"))
		if err != nil {
			return nil, fmt.Errorf("bench hybridize: %w", err)
		}
		return bench.Hybridize(f.cfg, bs)
	case "gemm":
		run = func(c bench.Config, n int) ([]bench.Result, error) { return bench.Gemm(c, n), nil }
		list = f.sizes
	case "mlp":
		run = bench.MLP
	case "lenet":
		run = bench.LeNet
	case "resnet18":
		run, defaultList = bench.ResNet18, "1"
	default:
		return nil, fmt.Errorf("bench: unknown benchmark %q (want one of %s)", name, benchNames)
	}
	if list == "" {
		list = defaultList
	}
	ns, err := parseSizes(list)
	if err != nil {
		return nil, fmt.Errorf("bench %s: %w", name, err)
	}
	var rs []bench.Result
	for _, n := range ns {
		if err := ctx.Err(); err != nil {
			return rs, err
		}
		r, err := run(f.cfg, n)
		if err != nil {
			return rs, err
		}
		rs = append(rs, r...)
	}
	if name == "gemm" {
		// The ceiling the GEMM rates are a fraction of, measured now.
		rs = append(rs, bench.Peak(f.cfg)...)
	}
	return rs, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// parseSizes reads "64,256" as positive integers.
func parseSizes(s string) ([]int, error) {
	var ns []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 || n > 1<<16 {
			return nil, fmt.Errorf("bad size %q: want positive integers up to 65536, comma separated", part)
		}
		ns = append(ns, n)
	}
	return ns, nil
}
