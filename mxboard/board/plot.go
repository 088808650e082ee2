package board

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/mxgo/mxgo/mxboard"
)

// Panel size and layout of the plot image.
const (
	panelWidth  = 7 * vg.Inch
	panelHeight = 4 * vg.Inch
	maxColumns  = 2
	plotDPI     = 96
)

func runPlot(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("plot", stdout)
	logdir := fs.String("logdir", "", "log directory to read")
	out := fs.String("o", "", "output PNG file (required)")
	smoothing := fs.Float64("smoothing", 0.6, "TensorBoard-style smoothing weight in [0,1)")
	var tags stringList
	fs.Var(&tags, "tag", "plot only this tag or glob (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("board plot: -o out.png is required")
	}
	if !(*smoothing >= 0 && *smoothing < 1) {
		return fmt.Errorf("board plot: --smoothing %g is outside [0,1)", *smoothing)
	}
	runs, err := loadRuns(ctx, *logdir)
	if err != nil {
		return err
	}
	png, err := PlotScalars(runs, tags, *smoothing)
	if err != nil {
		return fmt.Errorf("board plot: %w", err)
	}
	if err := writeOutput(*out, png, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

// series is one run's values of one tag.
type series struct {
	run    string
	points []mxboard.Scalar
}

// PlotScalars draws the scalar tags matching patterns (all when none) as a
// PNG: one panel per tag, one line per run, smoothed with TensorBoard's
// debiased exponential moving average over the faint raw curve.
func PlotScalars(runs []*mxboard.Run, patterns []string, smoothing float64) ([]byte, error) {
	byTag := map[string][]series{}
	runIndex := map[string]int{} // stable colour per run across panels
	for _, r := range runs {
		for _, tag := range r.ScalarTags() {
			if !matchTag(patterns, tag) {
				continue
			}
			if _, ok := runIndex[r.Name]; !ok {
				runIndex[r.Name] = len(runIndex)
			}
			byTag[tag] = append(byTag[tag], series{run: r.Name, points: r.Scalars[tag]})
		}
	}
	if len(byTag) == 0 {
		return nil, fmt.Errorf("no scalar tags match %q", patterns)
	}
	tags := make([]string, 0, len(byTag))
	for t := range byTag {
		tags = append(tags, t)
	}
	sort.Strings(tags)

	cols := min(len(tags), maxColumns)
	rows := (len(tags) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for j := range grid {
		grid[j] = make([]*plot.Plot, cols)
	}
	for i, tag := range tags {
		p, err := tagPlot(tag, byTag[tag], runIndex, smoothing)
		if err != nil {
			return nil, err
		}
		grid[i/cols][i%cols] = p
	}
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(cols)*panelWidth, vg.Length(rows)*panelHeight), vgimg.UseDPI(plotDPI),
		vgimg.UseBackgroundColor(color.White))
	canvases := plot.Align(grid, draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2},
		draw.New(img))
	for j := range grid {
		for i, p := range grid[j] {
			if p != nil {
				p.Draw(canvases[j][i])
			}
		}
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}

func tagPlot(tag string, ss []series, runIndex map[string]int, smoothing float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = tag
	p.X.Label.Text = "step"
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	for _, s := range ss {
		c := plotutil.Color(runIndex[s.run])
		raw, smooth := make(plotter.XYs, 0, len(s.points)), make(plotter.XYs, 0, len(s.points))
		values := make([]float64, len(s.points))
		for i, pt := range s.points {
			values[i] = pt.Value
		}
		smoothed := Smooth(values, smoothing)
		for i, pt := range s.points {
			// gonum cannot draw non-finite points; TensorBoard leaves gaps too.
			if isFinite(pt.Value) {
				raw = append(raw, plotter.XY{X: float64(pt.Step), Y: pt.Value})
			}
			if isFinite(smoothed[i]) {
				smooth = append(smooth, plotter.XY{X: float64(pt.Step), Y: smoothed[i]})
			}
		}
		if len(raw) == 0 {
			continue
		}
		if smoothing > 0 {
			faint, err := plotter.NewLine(raw)
			if err != nil {
				return nil, err
			}
			r, g, b, _ := c.RGBA()
			faint.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 70}
			faint.Width = vg.Points(1)
			p.Add(faint)
		}
		line, err := plotter.NewLine(smooth)
		if err != nil {
			return nil, err
		}
		line.Color = c
		line.Width = vg.Points(1.8)
		p.Add(line)
		label := s.run
		if label == "." {
			label = "(logdir)" // a lone dot reads as a glitch in a legend
		}
		p.Legend.Add(label, line)
	}
	return p, nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Smooth applies TensorBoard's scalar smoothing: an exponential moving
// average last = last·w + (1-w)·v, divided by 1-w^k to remove the bias
// toward the zero start. Non-finite values pass through unsmoothed, and a
// constant series is returned unchanged.
func Smooth(values []float64, weight float64) []float64 {
	out := make([]float64, len(values))
	constant := true
	for _, v := range values {
		constant = constant && v == values[0]
	}
	if constant || weight <= 0 {
		copy(out, values)
		return out
	}
	last, k := 0.0, 0
	for i, v := range values {
		if !isFinite(v) {
			out[i] = v
			continue
		}
		last = last*weight + (1-weight)*v
		k++
		out[i] = last / (1 - math.Pow(weight, float64(k)))
	}
	return out
}
