package im2rec

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mxgo/mxgo/gluon/data/recordio"
	"github.com/mxgo/mxgo/gluon/data/vision"
	"github.com/mxgo/mxgo/gluon/data/vision/transforms"
)

// listFiles returns the .lst files Pack converts: every .lst in prefix when
// it is a folder, else the .lst files in prefix's folder whose paths start
// with prefix.
func listFiles(prefix string) ([]string, error) {
	prefix, err := filepath.Abs(prefix)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(prefix)
	if st, err := os.Stat(prefix); err == nil && st.IsDir() {
		dir = prefix
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if e.Type().IsRegular() && strings.HasPrefix(p, prefix) && strings.HasSuffix(p, ".lst") {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Pack converts each matching .lst into a .rec and .idx beside it (same
// base name), keyed by the list's indices, as im2rec.py does. Images that
// cannot be read are reported and skipped.
func Pack(ctx context.Context, o Options, stdout io.Writer) error {
	lists, err := listFiles(o.Prefix)
	if err != nil {
		return fmt.Errorf("im2rec: %w", err)
	}
	if len(lists) == 0 {
		return fmt.Errorf("im2rec: no .lst file with prefix %s", o.Prefix)
	}
	for _, lst := range lists {
		fmt.Fprintf(stdout, "Creating .rec file from %s in %s\n", lst, filepath.Dir(lst))
		if err := packList(ctx, o, lst, stdout); err != nil {
			return err
		}
	}
	return nil
}

type encoded struct {
	rec []byte
	err error
}

func packList(ctx context.Context, o Options, lst string, stdout io.Writer) error {
	f, err := os.Open(lst)
	if err != nil {
		return fmt.Errorf("im2rec: %w", err)
	}
	items, err := recordio.ReadList(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("im2rec: %s: %w", lst, err)
	}
	base := strings.TrimSuffix(lst, ".lst")
	w, err := recordio.Create(base+".rec", base+".idx")
	if err != nil {
		return fmt.Errorf("im2rec: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	// Workers encode items in parallel; each result has its own slot and
	// the writer takes slots in list order. tokens bounds items in flight.
	slots := make([]chan encoded, len(items))
	for i := range slots {
		slots[i] = make(chan encoded, 1)
	}
	jobs := make(chan int)
	tokens := make(chan struct{}, 4*o.NumThread)
	var wg sync.WaitGroup
	for range o.NumThread {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rec, err := encodeItem(o, items[i])
				slots[i] <- encoded{rec, err}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range items {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() { cancel(); wg.Wait() }() // stop the feeder before waiting for workers
	start := time.Now()
	for i, it := range items {
		var r encoded
		select {
		case r = <-slots[i]:
		case <-ctx.Done():
			w.Abort()
			return ctx.Err()
		}
		<-tokens
		if r.err != nil {
			fmt.Fprintf(stdout, "skipping %s: %v\n", it.Path, r.err)
			continue
		}
		if err := w.Write(it.Index, r.rec); err != nil {
			w.Abort()
			return fmt.Errorf("im2rec: %w", err)
		}
		if i%1000 == 0 {
			fmt.Fprintf(stdout, "time: %.3f count: %d\n", time.Since(start).Seconds(), i)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("im2rec: %w", err)
	}
	return nil
}

// encodeItem builds one record: the header (first label, or all labels
// with --pack-label) and the image, re-encoded unless --pass-through.
func encodeItem(o Options, it recordio.ListItem) ([]byte, error) {
	h := recordio.Header{ID: uint64(it.Index)}
	if len(it.Labels) > 1 && o.PackLabel {
		h.Labels = it.Labels
	} else if len(it.Labels) > 0 {
		h.Label = it.Labels[0]
	}
	raw, err := os.ReadFile(filepath.Join(o.Root, filepath.FromSlash(it.Path)))
	if err != nil {
		return nil, err
	}
	if o.PassThrough {
		return recordio.Pack(h, raw), nil
	}
	img, err := encodeImage(o, raw)
	if err != nil {
		return nil, err
	}
	return recordio.Pack(h, img), nil
}

// encodeImage decodes, center-crops, resizes the shorter edge (bilinear,
// the sizes truncated as im2rec.py computes them) and re-encodes.
func encodeImage(o Options, raw []byte) ([]byte, error) {
	gray := o.Color == 0
	if o.Color == -1 {
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(raw)); err == nil && isGrayModel(cfg) {
			gray = true
		}
	}
	d, err := vision.DecodeImage(raw, gray)
	if err != nil {
		return nil, err
	}
	x := d.Array()
	if o.CenterCrop && d.H != d.W {
		s := min(d.H, d.W)
		if x, err = (transforms.CropResize{X: (d.W - s) / 2, Y: (d.H - s) / 2, Width: s, Height: s}).Apply(x); err != nil {
			return nil, err
		}
	}
	if o.Resize > 0 {
		h, w := x.Shape()[0], x.Shape()[1]
		nw, nh := w*o.Resize/h, o.Resize
		if h > w {
			nw, nh = o.Resize, h*o.Resize/w
		}
		if x, err = (transforms.Resize{Width: nw, Height: nh}).Apply(x); err != nil {
			return nil, err
		}
	}
	v, err := x.ToSlice()
	if err != nil {
		return nil, err
	}
	pix := v.([]uint8)
	h, w, c := x.Shape()[0], x.Shape()[1], x.Shape()[2]
	var im image.Image
	if c == 1 {
		im = &image.Gray{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}
	} else {
		rgba := image.NewRGBA(image.Rect(0, 0, w, h))
		for p := range w * h {
			copy(rgba.Pix[4*p:4*p+3], pix[3*p:3*p+3])
			rgba.Pix[4*p+3] = 255
		}
		im = rgba
	}
	var b bytes.Buffer
	if o.Encoding == ".png" {
		enc := png.Encoder{CompressionLevel: pngLevel(o.Quality)}
		err = enc.Encode(&b, im)
	} else {
		err = jpeg.Encode(&b, im, &jpeg.Options{Quality: min(100, max(1, o.Quality))})
	}
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func isGrayModel(cfg image.Config) bool {
	return cfg.ColorModel == color.GrayModel || cfg.ColorModel == color.Gray16Model
}

// pngLevel maps OpenCV's PNG compression 0-9 to Go's levels.
func pngLevel(q int) png.CompressionLevel {
	switch {
	case q <= 0:
		return png.NoCompression
	case q <= 2:
		return png.BestSpeed
	case q >= 8:
		return png.BestCompression
	}
	return png.DefaultCompression
}
