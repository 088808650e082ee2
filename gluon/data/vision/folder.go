package vision

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mxgo/mxgo/gluon/data"
	"github.com/mxgo/mxgo/gluon/data/recordio"
)

// DefaultImageExts are the file extensions ImageFolderDataset loads
// (compared in lower case).
var DefaultImageExts = []string{".jpg", ".jpeg", ".png"}

// ImageFolderDataset loads images stored one class per sub-folder, like
// Gluon's ImageFolderDataset:
//
//	root/car/0001.jpg
//	root/car/xyz.png
//	root/bus/a.jpg
//
// Classes are the sub-folder names in sorted order (Synsets) and labels are
// their positions. Each sample is an (H, W, C) uint8 image and an int32
// label.
type ImageFolderDataset struct {
	root    string
	gray    bool
	synsets []string
	items   []folderItem
}

type folderItem struct {
	path  string
	label int
}

// ImageFolderOptions configures ImageFolderDataset.
type ImageFolderOptions struct {
	Gray bool     // decode to 1 channel instead of 3 (Gluon's flag=0)
	Exts []string // accepted extensions; default DefaultImageExts
}

// NewImageFolderDataset scans root. Files with other extensions are
// skipped with a debug log; files directly in root are ignored.
func NewImageFolderDataset(root string, o ImageFolderOptions) (*ImageFolderDataset, error) {
	exts := o.Exts
	if exts == nil {
		exts = DefaultImageExts
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("vision: image folder: %w", err)
	}
	d := &ImageFolderDataset{root: root, gray: o.Gray}
	for _, e := range entries { // ReadDir sorts by name
		if !isDir(filepath.Join(root, e.Name())) {
			continue
		}
		label := len(d.synsets)
		d.synsets = append(d.synsets, e.Name())
		files, err := os.ReadDir(filepath.Join(root, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("vision: image folder: %w", err)
		}
		for _, f := range files {
			p := filepath.Join(root, e.Name(), f.Name())
			if f.IsDir() {
				continue
			}
			if !hasExt(f.Name(), exts) {
				slog.Debug("vision: image folder: skipping file with unsupported extension", "path", p)
				continue
			}
			d.items = append(d.items, folderItem{p, label})
		}
	}
	return d, nil
}

func hasExt(name string, exts []string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return slices.ContainsFunc(exts, func(e string) bool { return strings.ToLower(e) == ext })
}

// Synsets returns the class names; label i is Synsets()[i].
func (d *ImageFolderDataset) Synsets() []string { return slices.Clone(d.synsets) }

// Len is the number of images.
func (d *ImageFolderDataset) Len() int { return len(d.items) }

// Path returns the file of sample i and its label.
func (d *ImageFolderDataset) Path(i int) (string, int) { return d.items[i].path, d.items[i].label }

// Get reads and decodes image i.
func (d *ImageFolderDataset) Get(i int) (data.Sample, error) {
	if i < 0 || i >= len(d.items) {
		return nil, fmt.Errorf("vision: ImageFolderDataset index %d out of range [0, %d)", i, len(d.items))
	}
	img, err := ImageRead(d.items[i].path, d.gray)
	if err != nil {
		return nil, err
	}
	return data.Sample{img, int32(d.items[i].label)}, nil
}

// ImageListDataset loads images named by a list of (labels, path) items,
// from an im2rec .lst file or from memory, like Gluon's ImageListDataset.
// Each sample is an (H, W, C) uint8 image and its label: a float32 when the
// item has one label, a []float32 when it has several.
type ImageListDataset struct {
	root  string
	gray  bool
	items []recordio.ListItem
}

// NewImageListDataset reads the .lst file at lstPath; image paths in it are
// relative to root.
func NewImageListDataset(root, lstPath string, gray bool) (*ImageListDataset, error) {
	f, err := os.Open(lstPath)
	if err != nil {
		return nil, fmt.Errorf("vision: image list: %w", err)
	}
	defer f.Close()
	items, err := recordio.ReadList(f)
	if err != nil {
		return nil, fmt.Errorf("vision: image list %s: %w", lstPath, err)
	}
	return &ImageListDataset{root: root, gray: gray, items: items}, nil
}

// NewImageListDatasetFromItems uses items in memory (Index is ignored);
// every item needs at least one label.
func NewImageListDatasetFromItems(root string, items []recordio.ListItem, gray bool) (*ImageListDataset, error) {
	for i, it := range items {
		if len(it.Labels) == 0 || it.Path == "" {
			return nil, fmt.Errorf("vision: image list item %d (%q): want a path and at least one label", i, it.Path)
		}
	}
	return &ImageListDataset{root: root, gray: gray, items: slices.Clone(items)}, nil
}

// Len is the number of images.
func (d *ImageListDataset) Len() int { return len(d.items) }

// Get reads and decodes image i.
func (d *ImageListDataset) Get(i int) (data.Sample, error) {
	if i < 0 || i >= len(d.items) {
		return nil, fmt.Errorf("vision: ImageListDataset index %d out of range [0, %d)", i, len(d.items))
	}
	it := d.items[i]
	img, err := ImageRead(filepath.Join(d.root, filepath.FromSlash(it.Path)), d.gray)
	if err != nil {
		return nil, err
	}
	return data.Sample{img, labelValue(it.Labels)}, nil
}

// labelValue is a single label as float32 and several as []float32.
func labelValue(l []float32) any {
	if len(l) == 1 {
		return l[0]
	}
	return slices.Clone(l)
}
