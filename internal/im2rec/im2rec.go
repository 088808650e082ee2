// Package im2rec implements `mxgo im2rec`, MXNet's tools/im2rec.py: it
// writes image lists (.lst) from a folder tree and packs the listed images
// into RecordIO files (.rec + .idx) that ImageRecordDataset reads.
//
//	mxgo im2rec --list --recursive data/train ./images   # data/train.lst
//	mxgo im2rec --resize 256 --num-thread 4 data/train ./images   # data/train.rec, .idx
package im2rec

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mxgo/mxgo/gluon/data/recordio"
)

// Options are im2rec.py's arguments.
type Options struct {
	Prefix, Root string

	List       bool     // make lists instead of packing
	Exts       []string // accepted extensions (lower case, with the dot)
	Chunks     int
	TrainRatio float64
	TestRatio  float64
	Recursive  bool
	Shuffle    bool
	Seed       uint64
	NumPerDir  int // --num-perclass: at most this many files per folder

	PassThrough bool
	Resize      int // shorter edge; 0 keeps the size
	CenterCrop  bool
	Quality     int
	NumThread   int
	Color       int    // 1 color, 0 gray, -1 as stored (gray stays gray)
	Encoding    string // ".jpg" or ".png"
	PackLabel   bool
}

// Run parses args as im2rec.py does (positional prefix and root, flags
// anywhere) and makes lists or packs records, printing progress to stdout.
func Run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := Parse(args)
	if err != nil {
		return err
	}
	if o.List {
		return MakeLists(ctx, o, stdout)
	}
	return Pack(ctx, o, stdout)
}

// Parse reads im2rec.py's arguments. Boolean flags take no value or
// =true/=false; --exts takes a comma- or space-separated list, or several
// following arguments that start with a dot.
func Parse(args []string) (Options, error) {
	o := Options{}
	fs := flag.NewFlagSet("im2rec", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&o.List, "list", false, "make prefix.lst from the images under root instead of packing")
	exts := fs.String("exts", ".jpeg,.jpg,.png", "accepted image extensions")
	fs.IntVar(&o.Chunks, "chunks", 1, "number of list chunks")
	fs.Float64Var(&o.TrainRatio, "train-ratio", 1, "fraction of images for training")
	fs.Float64Var(&o.TestRatio, "test-ratio", 0, "fraction of images for testing")
	fs.BoolVar(&o.Recursive, "recursive", false, "walk sub-folders, one label per folder")
	fs.BoolVar(&o.Shuffle, "shuffle", true, "shuffle the list (seeded by --seed)")
	noShuffle := fs.Bool("no-shuffle", false, "keep the listing order")
	fs.Uint64Var(&o.Seed, "seed", 100, "shuffle seed")
	fs.IntVar(&o.NumPerDir, "num-perclass", 0, "at most this many images per folder (0: all)")
	fs.BoolVar(&o.PassThrough, "pass-through", false, "store the original file bytes")
	fs.IntVar(&o.Resize, "resize", 0, "resize the shorter edge to this size")
	fs.BoolVar(&o.CenterCrop, "center-crop", false, "crop the center square first")
	fs.IntVar(&o.Quality, "quality", 95, "JPEG quality 1-100, or PNG compression 0-9")
	fs.IntVar(&o.NumThread, "num-thread", 1, "parallel encoders (output order is kept)")
	fs.IntVar(&o.Color, "color", 1, "1 color, 0 gray, -1 as stored")
	fs.StringVar(&o.Encoding, "encoding", ".jpg", "record image encoding: .jpg or .png")
	fs.BoolVar(&o.PackLabel, "pack-label", false, "store every label of multi-label lines")
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return o, fmt.Errorf("im2rec: %w", err)
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		// nargs='+' for --exts: dotted words right after it extend it.
		if lastWasExts(args, rest) {
			for len(rest) > 0 && isExt(rest[0]) {
				*exts += "," + rest[0]
				rest = rest[1:]
			}
			continue
		}
		pos = append(pos, rest[0])
		rest = rest[1:]
	}
	if len(pos) != 2 {
		return o, fmt.Errorf("im2rec: want positional arguments prefix and root, got %q", pos)
	}
	o.Prefix, o.Root = pos[0], pos[1]
	if *noShuffle {
		o.Shuffle = false
	}
	for _, e := range strings.FieldsFunc(*exts, func(r rune) bool { return r == ',' || r == ' ' }) {
		o.Exts = append(o.Exts, strings.ToLower(e))
	}
	switch {
	case o.Chunks < 1:
		return o, fmt.Errorf("im2rec: --chunks %d must be at least 1", o.Chunks)
	case o.TrainRatio < 0 || o.TestRatio < 0 || o.TrainRatio+o.TestRatio > 1:
		return o, fmt.Errorf("im2rec: --train-ratio %v and --test-ratio %v must be >= 0 with a sum <= 1", o.TrainRatio, o.TestRatio)
	case o.Color < -1 || o.Color > 1:
		return o, fmt.Errorf("im2rec: --color %d must be -1, 0 or 1", o.Color)
	case o.Encoding != ".jpg" && o.Encoding != ".png":
		return o, fmt.Errorf("im2rec: --encoding %q must be .jpg or .png", o.Encoding)
	case o.Resize < 0:
		return o, fmt.Errorf("im2rec: --resize %d must not be negative", o.Resize)
	}
	o.NumThread = max(1, o.NumThread)
	return o, nil
}

// isExt reports whether s looks like ".jpg" (and not like "./dir").
func isExt(s string) bool {
	return len(s) > 1 && s[0] == '.' && !strings.ContainsAny(s[1:], "./\\")
}

// lastWasExts reports whether the argument just before rest was --exts's value.
func lastWasExts(args, rest []string) bool {
	i := len(args) - len(rest) - 2
	return i >= 0 && (args[i] == "--exts" || args[i] == "-exts")
}

type listItem struct {
	path  string // relative to root, slash-separated
	label int
}

// listImages walks root as im2rec.py's list_image does: with recursion,
// each folder holding images gets the next label (folders in sorted,
// depth-first order, a folder's files before its sub-folders); without,
// only root's files, all labeled 0.
func listImages(o Options, stdout io.Writer) ([]listItem, error) {
	var items []listItem
	labels := map[string]int{}
	var order []string
	var walk func(dir string, recurse bool) error
	walk = func(dir string, recurse bool) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		var files, dirs []string
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			st, err := os.Stat(p) // follows links, like os.walk(followlinks=True)
			if err != nil {
				continue
			}
			if st.IsDir() {
				dirs = append(dirs, p)
			} else if st.Mode().IsRegular() {
				files = append(files, p)
			}
		}
		if o.NumPerDir > 0 && len(files) > o.NumPerDir {
			files = files[:o.NumPerDir]
		}
		for _, f := range files {
			if !slices.Contains(o.Exts, strings.ToLower(filepath.Ext(f))) {
				continue
			}
			label := 0
			if recurse {
				l, ok := labels[dir]
				if !ok {
					l = len(labels)
					labels[dir] = l
					order = append(order, dir)
				}
				label = l
			}
			rel, err := filepath.Rel(o.Root, f)
			if err != nil {
				return err
			}
			items = append(items, listItem{filepath.ToSlash(rel), label})
		}
		if recurse {
			for _, d := range dirs {
				if err := walk(d, true); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(o.Root, o.Recursive); err != nil {
		return nil, fmt.Errorf("im2rec: list %s: %w", o.Root, err)
	}
	for _, d := range order {
		rel, _ := filepath.Rel(o.Root, d)
		fmt.Fprintln(stdout, filepath.ToSlash(rel), labels[d])
	}
	return items, nil
}

// MakeLists writes prefix.lst (or prefix[_chunk]_train/_val/_test.lst when
// the ratios split the data), as im2rec.py's make_list does.
func MakeLists(ctx context.Context, o Options, stdout io.Writer) error {
	items, err := listImages(o, stdout)
	if err != nil {
		return err
	}
	indexed := make([]recordio.ListItem, len(items))
	for i, it := range items {
		indexed[i] = recordio.ListItem{Index: i, Labels: []float32{float32(it.label)}, Path: it.path}
	}
	if o.Shuffle {
		r := rand.New(rand.NewPCG(o.Seed, 0))
		r.Shuffle(len(indexed), func(i, j int) { indexed[i], indexed[j] = indexed[j], indexed[i] })
	}
	n := len(indexed)
	chunkSize := (n + o.Chunks - 1) / o.Chunks
	for c := range o.Chunks {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := indexed[min(n, c*chunkSize):min(n, (c+1)*chunkSize)]
		suffix := ""
		if o.Chunks > 1 {
			suffix = "_" + strconv.Itoa(c)
		}
		base := o.Prefix + suffix
		sep := int(float64(chunkSize) * o.TrainRatio)
		sepTest := int(float64(chunkSize) * o.TestRatio)
		if o.TrainRatio == 1 {
			if err := writeList(base+".lst", chunk); err != nil {
				return err
			}
			continue
		}
		cut := func(a, b int) []recordio.ListItem { return chunk[min(a, len(chunk)):min(b, len(chunk))] }
		if o.TestRatio > 0 {
			if err := writeList(base+"_test.lst", cut(0, sepTest)); err != nil {
				return err
			}
		}
		if o.TrainRatio+o.TestRatio < 1 {
			if err := writeList(base+"_val.lst", cut(sepTest+sep, len(chunk))); err != nil {
				return err
			}
		}
		if err := writeList(base+"_train.lst", cut(sepTest, sepTest+sep)); err != nil {
			return err
		}
	}
	return nil
}

// writeList writes a .lst atomically (temp file + rename).
func writeList(path string, items []recordio.ListItem) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("im2rec: %w", err)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("im2rec: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = recordio.WriteList(tmp, items)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("im2rec: write %s: %w", path, err)
	}
	return nil
}
