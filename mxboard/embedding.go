package mxboard

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Embedding is a set of N vectors for TensorBoard's projector, with optional
// labels and thumbnails.
type Embedding struct {
	// Vectors is [N,D]: a Tensor, [][]float32 or [][]float64.
	Vectors any
	// Labels gives one label per vector (metadata.tsv without header).
	Labels []string
	// Header and Metadata give several label columns instead: Metadata has
	// N rows of len(Header) fields.
	Header   []string
	Metadata [][]string
	// Images holds N thumbnails for the sprite: a Tensor [N,C,H,W] (see
	// AddImage for value ranges) or a []image.Image of one size.
	Images any
}

// ProjectorConfigFile is the projector plugin's configuration file name.
const ProjectorConfigFile = "projector_config.pbtxt"

// AddEmbedding writes e for the projector, in mxboard's layout: a folder
// <tag>_<step, 6 digits> in the logdir holding tensors.tsv, metadata.tsv
// and sprite.png, plus an entry appended to projector_config.pbtxt in the
// logdir. Unlike the other Add methods it writes synchronously.
func (w *SummaryWriter) AddEmbedding(tag string, e Embedding, step int64) error {
	if err := w.addEmbedding(tag, e, step); err != nil {
		return fmt.Errorf("mxboard: add embedding %q: %w", tag, err)
	}
	return nil
}

func (w *SummaryWriter) addEmbedding(tag string, e Embedding, step int64) error {
	dirName := fmt.Sprintf("%s_%06d", tag, step)
	if !filepath.IsLocal(dirName) || strings.ContainsAny(tag, `/\`) {
		return fmt.Errorf("tag must be a plain folder name")
	}
	rows, bits, err := embeddingRows(e.Vectors)
	if err != nil {
		return err
	}
	n := len(rows)
	meta, err := metadataTSV(e, n)
	if err != nil {
		return err
	}
	var sprite *image.NRGBA
	var cell image.Point
	if e.Images != nil {
		if sprite, cell, err = spriteImage(e.Images, n); err != nil {
			return err
		}
	}
	dir := filepath.Join(w.logdir, dirName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, "tensors.tsv"), tensorsTSV(rows, bits)); err != nil {
		return err
	}
	entry := embeddingEntry{name: dirName, n: n, d: len(rows[0])}
	if meta != nil {
		if err := writeFileAtomic(filepath.Join(dir, "metadata.tsv"), meta); err != nil {
			return err
		}
		entry.metadata = true
	}
	if sprite != nil {
		var buf bytes.Buffer
		if err := png.Encode(&buf, sprite); err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(dir, "sprite.png"), buf.Bytes()); err != nil {
			return err
		}
		entry.spriteW, entry.spriteH = cell.X, cell.Y
	}
	return w.appendProjectorConfig(entry)
}

func embeddingRows(v any) ([][]float64, int, error) {
	switch v := v.(type) {
	case [][]float64:
		return v, 64, checkRows(v)
	case [][]float32:
		rows := make([][]float64, len(v))
		for i, r := range v {
			rows[i] = convert(r)
		}
		return rows, 32, checkRows(rows)
	case Tensor:
		shape := v.Shape()
		if len(shape) != 2 {
			return nil, 0, fmt.Errorf("vectors shape %v: want [N,D]", shape)
		}
		flat, err := float64s(v)
		if err != nil {
			return nil, 0, err
		}
		rows := make([][]float64, shape[0])
		for i := range rows {
			rows[i] = flat[i*shape[1] : (i+1)*shape[1]]
		}
		return rows, 32, checkRows(rows)
	case nil:
		return nil, 0, errors.New("no vectors")
	default:
		return nil, 0, fmt.Errorf("unsupported vectors type %T (want Tensor, [][]float32 or [][]float64)", v)
	}
}

func checkRows(rows [][]float64) error {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return errors.New("no vectors")
	}
	for i, r := range rows {
		if len(r) != len(rows[0]) {
			return fmt.Errorf("vector %d has %d values, vector 0 has %d", i, len(r), len(rows[0]))
		}
	}
	return nil
}

func tensorsTSV(rows [][]float64, bits int) []byte {
	var b []byte
	for _, r := range rows {
		for j, v := range r {
			if j > 0 {
				b = append(b, '\t')
			}
			b = strconv.AppendFloat(b, v, 'g', -1, bits)
		}
		b = append(b, '\n')
	}
	return b
}

// metadataTSV returns the labels file, or nil when there are no labels.
func metadataTSV(e Embedding, n int) ([]byte, error) {
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	var b strings.Builder
	switch {
	case e.Labels != nil && e.Header != nil:
		return nil, errors.New("give Labels or Header with Metadata, not both")
	case e.Labels != nil:
		if len(e.Labels) != n {
			return nil, fmt.Errorf("%d labels for %d vectors", len(e.Labels), n)
		}
		for _, l := range e.Labels {
			b.WriteString(clean.Replace(l))
			b.WriteByte('\n')
		}
	case e.Header != nil:
		if len(e.Metadata) != n {
			return nil, fmt.Errorf("%d metadata rows for %d vectors", len(e.Metadata), n)
		}
		for i, row := range append([][]string{e.Header}, e.Metadata...) {
			if len(row) != len(e.Header) {
				return nil, fmt.Errorf("metadata row %d has %d fields, header has %d", i-1, len(row), len(e.Header))
			}
			for j, f := range row {
				if j > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(clean.Replace(f))
			}
			b.WriteByte('\n')
		}
	default:
		return nil, nil
	}
	return []byte(b.String()), nil
}

// thumbnails splits the sprite input into single images.
func thumbnails(images any) ([]image.Image, error) {
	switch v := images.(type) {
	case []image.Image:
		if _, err := imageGrid(v); err != nil { // checks sizes
			return nil, err
		}
		return v, nil
	case Tensor:
		shape := v.Shape()
		if len(shape) != 4 {
			return nil, fmt.Errorf("images shape %v: want [N,C,H,W]", shape)
		}
		per := shape[1] * shape[2] * shape[3]
		out := make([]image.Image, shape[0])
		var bytesData []uint8
		var floatData []float32
		if bt, ok := v.(byteTensor); ok {
			bytesData = bt.Uint8s()
		} else {
			floatData = v.Float32s()
		}
		if err := checkTensor(v, max(len(bytesData), len(floatData))); err != nil {
			return nil, err
		}
		for i := range out {
			var one Tensor
			if bytesData != nil {
				one = Uint8Tensor{Dims: shape[1:], Data: bytesData[i*per : (i+1)*per]}
			} else {
				one = Float32Tensor{Dims: shape[1:], Data: floatData[i*per : (i+1)*per]}
			}
			m, _, err := tensorImage(one)
			if err != nil {
				return nil, err
			}
			out[i] = m
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unsupported images type %T (want Tensor [N,C,H,W] or []image.Image)", images)
	}
}

// spriteImage packs n thumbnails row-major into a ceil(sqrt(n))-wide grid
// without padding, the layout the projector expects, and returns the
// thumbnail size.
func spriteImage(images any, n int) (*image.NRGBA, image.Point, error) {
	ims, err := thumbnails(images)
	if err != nil {
		return nil, image.Point{}, err
	}
	if len(ims) != n {
		return nil, image.Point{}, fmt.Errorf("%d images for %d vectors", len(ims), n)
	}
	size := ims[0].Bounds().Size()
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	rows := (n + cols - 1) / cols
	sprite := image.NewNRGBA(image.Rect(0, 0, cols*size.X, rows*size.Y))
	for i, m := range ims {
		at := image.Pt((i%cols)*size.X, (i/cols)*size.Y)
		draw.Draw(sprite, image.Rectangle{Min: at, Max: at.Add(size)}, m, m.Bounds().Min, draw.Src)
	}
	return sprite, size, nil
}

type embeddingEntry struct {
	name             string
	n, d             int
	metadata         bool
	spriteW, spriteH int
}

// text is the entry in protobuf text format; paths are relative to the
// logdir, which holds the config, and use "/" as the plugin expects.
func (e embeddingEntry) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "embeddings {\n  tensor_name: %s\n", textQuote(e.name))
	fmt.Fprintf(&b, "  tensor_shape: %d\n  tensor_shape: %d\n", e.n, e.d)
	fmt.Fprintf(&b, "  tensor_path: %s\n", textQuote(path.Join(e.name, "tensors.tsv")))
	if e.metadata {
		fmt.Fprintf(&b, "  metadata_path: %s\n", textQuote(path.Join(e.name, "metadata.tsv")))
	}
	if e.spriteW > 0 {
		fmt.Fprintf(&b, "  sprite {\n    image_path: %s\n    single_image_dim: %d\n    single_image_dim: %d\n  }\n",
			textQuote(path.Join(e.name, "sprite.png")), e.spriteW, e.spriteH)
	}
	b.WriteString("}\n")
	return b.String()
}

// appendProjectorConfig adds the entry to the logdir's config unless an
// entry for the same folder is already there (a rewrite of the folder).
func (w *SummaryWriter) appendProjectorConfig(e embeddingEntry) error {
	w.projectorMu.Lock()
	defer w.projectorMu.Unlock()
	cfgPath := filepath.Join(w.logdir, ProjectorConfigFile)
	old, err := os.ReadFile(cfgPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if bytes.Contains(old, []byte("tensor_name: "+textQuote(e.name)+"\n")) {
		return nil
	}
	if len(old) > 0 && old[len(old)-1] != '\n' {
		old = append(old, '\n')
	}
	return writeFileAtomic(cfgPath, append(old, e.text()...))
}

// textQuote quotes s as a protobuf text-format string: UTF-8 kept, quotes,
// backslashes and control bytes escaped.
func textQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
