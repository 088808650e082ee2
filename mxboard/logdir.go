package mxboard

import (
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

// Kinds of logged values, as Run.Tags reports them.
const (
	KindScalar    = "scalar"
	KindHistogram = "histogram"
	KindImage     = "image"
	KindAudio     = "audio"
	KindText      = "text"
	KindPRCurve   = "pr_curve"
	KindTensor    = "tensor"
)

// Scalar is one logged scalar value.
type Scalar struct {
	WallTime float64
	Step     int64
	Value    float64
}

// Run is what one run directory (a directory holding event files) logged.
type Run struct {
	Name    string            // path relative to the logdir, "." for the logdir itself
	Files   []string          // event files, in the order TensorBoard reads them
	Tags    map[string]string // tag -> kind (KindScalar, ...)
	Counts  map[string]int    // tag -> number of values
	Scalars map[string][]Scalar
	Graphs  int     // number of graph_def events
	Errors  []error // truncated or corrupt files; records before the damage are kept
}

// ScalarTags returns the run's scalar tags, sorted.
func (r *Run) ScalarTags() []string {
	var tags []string
	for t := range r.Scalars {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return tags
}

// SortedTags returns all tags, sorted.
func (r *Run) SortedTags() []string {
	var tags []string
	for t := range r.Tags {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return tags
}

// IsEventFile reports whether TensorBoard would read name as an event file:
// its base name contains "tfevents".
func IsEventFile(name string) bool {
	return strings.Contains(filepath.Base(name), "tfevents")
}

// LoadRuns reads every run under logdir. Damaged files do not stop it: their
// readable records are used and the damage is listed in Run.Errors.
func LoadRuns(logdir string) ([]*Run, error) {
	byDir := map[string][]string{}
	err := filepath.WalkDir(logdir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && IsEventFile(p) && !strings.HasPrefix(d.Name(), ".") {
			byDir[filepath.Dir(p)] = append(byDir[filepath.Dir(p)], p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mxboard: scan logdir: %w", err)
	}
	var runs []*Run
	for dir, files := range byDir {
		name, err := filepath.Rel(logdir, dir)
		if err != nil {
			name = dir
		}
		sort.Strings(files)
		run := &Run{Name: filepath.ToSlash(name), Files: files, Tags: map[string]string{},
			Counts: map[string]int{}, Scalars: map[string][]Scalar{}}
		for _, f := range files {
			if err := run.readFile(f); err != nil {
				run.Errors = append(run.Errors, err)
			}
		}
		runs = append(runs, run)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Name < runs[j].Name })
	return runs, nil
}

func (r *Run) readFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("mxboard: %w", err)
	}
	defer f.Close()
	er := NewEventReader(f)
	er.name = path
	for {
		ev, err := er.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		r.addEvent(ev)
	}
}

func (r *Run) addEvent(ev *tbproto.Event) {
	if ev.GetGraphDef() != nil {
		r.Graphs++
	}
	for _, v := range ev.GetSummary().GetValue() {
		tag := v.GetTag()
		kind, seen := r.Tags[tag]
		if !seen {
			// TensorBoard keeps the first metadata it sees for a tag.
			kind = valueKind(v)
			r.Tags[tag] = kind
		}
		r.Counts[tag]++
		if kind != KindScalar {
			continue
		}
		if x, ok := ScalarValue(v); ok {
			r.Scalars[tag] = append(r.Scalars[tag], Scalar{WallTime: ev.GetWallTime(), Step: ev.GetStep(), Value: x})
		}
	}
}

func valueKind(v *tbproto.Summary_Value) string {
	switch v.GetValue().(type) {
	case *tbproto.Summary_Value_SimpleValue:
		return KindScalar
	case *tbproto.Summary_Value_Histo:
		return KindHistogram
	case *tbproto.Summary_Value_Image:
		return KindImage
	case *tbproto.Summary_Value_Audio:
		return KindAudio
	}
	switch v.GetMetadata().GetPluginData().GetPluginName() {
	case PluginScalars:
		return KindScalar
	case PluginHistogram:
		return KindHistogram
	case PluginImages:
		return KindImage
	case PluginAudio:
		return KindAudio
	case PluginText:
		return KindText
	case PluginPRCurves:
		return KindPRCurve
	}
	return KindTensor
}

// ScalarValue returns the scalar a summary value holds: an old-style
// simple_value, or a one-element numeric tensor as TF2 writes for the
// scalars plugin.
func ScalarValue(v *tbproto.Summary_Value) (float64, bool) {
	switch x := v.GetValue().(type) {
	case *tbproto.Summary_Value_SimpleValue:
		return float64(x.SimpleValue), true
	case *tbproto.Summary_Value_Tensor:
		return tensorScalar(x.Tensor)
	}
	return 0, false
}

func tensorScalar(t *tbproto.TensorProto) (float64, bool) {
	for _, d := range t.GetTensorShape().GetDim() {
		if d.GetSize() != 1 {
			return 0, false
		}
	}
	c := t.GetTensorContent()
	switch t.GetDtype() {
	case tbproto.DataType_DT_FLOAT:
		if len(c) == 4 {
			return float64(math.Float32frombits(binary.LittleEndian.Uint32(c))), true
		}
		if len(t.GetFloatVal()) == 1 {
			return float64(t.GetFloatVal()[0]), true
		}
	case tbproto.DataType_DT_DOUBLE:
		if len(c) == 8 {
			return math.Float64frombits(binary.LittleEndian.Uint64(c)), true
		}
		if len(t.GetDoubleVal()) == 1 {
			return t.GetDoubleVal()[0], true
		}
	case tbproto.DataType_DT_INT32:
		if len(c) == 4 {
			return float64(int32(binary.LittleEndian.Uint32(c))), true
		}
		if len(t.GetIntVal()) == 1 {
			return float64(t.GetIntVal()[0]), true
		}
	case tbproto.DataType_DT_INT64:
		if len(c) == 8 {
			return float64(int64(binary.LittleEndian.Uint64(c))), true
		}
		if len(t.GetInt64Val()) == 1 {
			return float64(t.GetInt64Val()[0]), true
		}
	}
	return 0, false
}
