package infer

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

// inputFlags collects repeated --input name=file.npy.
type inputFlags []string

func (f *inputFlags) String() string     { return strings.Join(*f, ",") }
func (f *inputFlags) Set(v string) error { *f = append(*f, v); return nil }

const usage = `usage: mxgo infer --symbol S-symbol.json [--params S-0000.params] --input name=file.npy [--input ...] [--device cpu|gpu:N] [--json]`

// Run parses args (without the command name), runs the model and writes
// the outputs to stdout.
func Run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("infer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	symFile := fs.String("symbol", "", "graph file (-symbol.json)")
	paramFile := fs.String("params", "", "parameter file (.params or .npz)")
	device := fs.String("device", "cpu", "device: cpu, gpu or gpu:N")
	asJSON := fs.Bool("json", false, "print one JSON object per output")
	var inputs inputFlags
	fs.Var(&inputs, "input", "graph input as name=file.npy (repeatable)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			return nil
		}
		return fmt.Errorf("infer: %w\n%s", err, usage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("infer: unexpected arguments %v\n%s", fs.Args(), usage)
	}
	if *symFile == "" || len(inputs) == 0 {
		return fmt.Errorf("infer: --symbol and at least one --input are required\n%s", usage)
	}
	dev, err := parseDevice(*device)
	if err != nil {
		return err
	}
	sym, err := symbol.Load(*symFile)
	if err != nil {
		return fmt.Errorf("infer: %w", err)
	}
	args2, err := loadArgs(sym, *paramFile, inputs)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var outs []*nd.NDArray
	var evalErr error
	err = nd.Try(func() {
		shapes := map[string]nd.Shape{}
		for _, in := range inputs {
			name, _, _ := strings.Cut(in, "=")
			if v := args2[name]; v != nil {
				shapes[name] = v.Shape()
			}
		}
		// BatchNorm folding and fusion make the graph cheaper to run; the
		// outputs keep their names.
		opt, optArgs, err := symbol.OptimizeForInference(sym, args2, shapes)
		if err != nil {
			evalErr = err
			return
		}
		for k, v := range optArgs {
			optArgs[k] = v.AsIn(dev)
		}
		outs, evalErr = opt.Eval(optArgs)
	})
	if err = errors.Join(err, evalErr); err != nil {
		return fmt.Errorf("infer: %w", err)
	}
	names := sym.ListOutputs()
	if *asJSON {
		return writeJSON(stdout, names, outs)
	}
	return writeSummary(stdout, names, outs)
}

func parseDevice(s string) (nd.Device, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "cpu":
		return nd.CPU(), nil
	case "gpu":
		return nd.GPU(0), nil
	}
	if rest, ok := strings.CutPrefix(s, "gpu"); ok {
		rest = strings.Trim(rest, ":()")
		if i, err := strconv.Atoi(rest); err == nil && i >= 0 {
			return nd.GPU(i), nil
		}
	}
	return nd.Device{}, fmt.Errorf("infer: device %q (want cpu, gpu or gpu:N)", s)
}

// loadArgs reads the parameters (keys arg:NAME / aux:NAME or bare names)
// and the inputs, checking the inputs are variables of the graph.
func loadArgs(sym *symbol.Symbol, paramFile string, inputs []string) (map[string]*nd.NDArray, error) {
	args := map[string]*nd.NDArray{}
	if paramFile != "" {
		l, err := nd.Load(paramFile)
		if err != nil {
			return nil, fmt.Errorf("infer: %w", err)
		}
		if l.Names == nil {
			return nil, fmt.Errorf("infer: %s holds an unnamed list of arrays, not named parameters", paramFile)
		}
		for i, k := range l.Names {
			if l.Arrays[i] != nil {
				args[strings.TrimPrefix(strings.TrimPrefix(k, "arg:"), "aux:")] = l.Arrays[i]
			}
		}
	}
	vars := map[string]bool{}
	for _, v := range sym.ListInputs() {
		vars[v] = true
	}
	for _, spec := range inputs {
		name, file, ok := strings.Cut(spec, "=")
		if !ok || name == "" || file == "" {
			return nil, fmt.Errorf("infer: --input %q: want name=file.npy", spec)
		}
		if !vars[name] {
			return nil, fmt.Errorf("infer: --input %s: the graph has no variable %q (variables: %s)", spec, name, strings.Join(sym.ListInputs(), ", "))
		}
		a, err := nd.LoadNpy(file)
		if err != nil {
			return nil, fmt.Errorf("infer: --input %s: %w", name, err)
		}
		args[name] = a
	}
	return args, nil
}

// Output is one graph output as printed with --json.
type Output struct {
	Name   string    `json:"name"`
	Shape  []int     `json:"shape"`
	Values []float64 `json:"values"`
}

func writeJSON(w io.Writer, names []string, outs []*nd.NDArray) error {
	enc := json.NewEncoder(w)
	for i, o := range outs {
		v, err := o.Values()
		if err != nil {
			return fmt.Errorf("infer: output %s: %w", names[i], err)
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("infer: output %s[%d] is %v, which JSON cannot hold", names[i], j, x)
			}
		}
		if err := enc.Encode(Output{Name: names[i], Shape: append([]int{}, o.Shape()...), Values: v}); err != nil {
			return fmt.Errorf("infer: %w", err)
		}
	}
	return nil
}

// maxRows bounds the rows a summary prints per output.
const maxRows = 8

func writeSummary(w io.Writer, names []string, outs []*nd.NDArray) error {
	for i, o := range outs {
		v, err := o.Values()
		if err != nil {
			return fmt.Errorf("infer: output %s: %w", names[i], err)
		}
		s := o.Shape()
		fmt.Fprintf(w, "%s: shape %v %v\n", names[i], s, o.DType())
		if len(s) == 2 && s[1] > 1 {
			for r := 0; r < s[0] && r < maxRows; r++ {
				fmt.Fprintf(w, "  row %d top-5: %s\n", r, topK(v[r*s[1]:(r+1)*s[1]], 5))
			}
			if s[0] > maxRows {
				fmt.Fprintf(w, "  ... %d more rows\n", s[0]-maxRows)
			}
			continue
		}
		fmt.Fprintf(w, "  %s\n", stats(v))
	}
	return nil
}

func topK(row []float64, k int) string {
	idx := make([]int, len(row))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return row[idx[a]] > row[idx[b]] })
	var parts []string
	for _, i := range idx[:min(k, len(idx))] {
		parts = append(parts, fmt.Sprintf("%d (%.6g)", i, row[i]))
	}
	return strings.Join(parts, ", ")
}

func stats(v []float64) string {
	if len(v) == 0 {
		return "empty"
	}
	lo, hi, sum := v[0], v[0], 0.0
	for _, x := range v {
		lo, hi, sum = min(lo, x), max(hi, x), sum+x
	}
	head := v[:min(len(v), 6)]
	return fmt.Sprintf("min %.6g max %.6g mean %.6g first %v", lo, hi, sum/float64(len(v)), head)
}
