package bench

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mxgo/mxgo/gluon/data"
	"github.com/mxgo/mxgo/gluon/data/recordio"
	"github.com/mxgo/mxgo/gluon/data/vision"
	"github.com/mxgo/mxgo/gluon/data/vision/transforms"
	"github.com/mxgo/mxgo/nd"
)

// Dataloader workload: 512 synthetic photo-like 500×375 JPEGs (quality 90)
// in a .rec, decoded and augmented as for ImageNet training
// (RandomResizedCrop 224, RandomFlipLeftRight, ToTensor, Normalize) and
// batched by 32.
const (
	loaderImages = 512
	loaderBatch  = 32
	loaderW      = 500
	loaderH      = 375
)

// DataLoaderRec returns the benchmark's .rec file, writing it on first use
// to $TMPDIR/mxgo-bench-dataloader/images.rec, where the PyTorch peer
// (bench/dataloader_torch.py) reads the same JPEGs.
func DataLoaderRec() (string, error) {
	dir := filepath.Join(os.TempDir(), "mxgo-bench-dataloader")
	rec := filepath.Join(dir, "images.rec")
	if _, err := os.Stat(recordio.IndexPath(rec)); err == nil {
		return rec, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	w, err := recordio.Create(rec, "")
	if err != nil {
		return "", err
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range loaderImages {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, syntheticPhoto(r, loaderW, loaderH), &jpeg.Options{Quality: 90}); err != nil {
			w.Abort()
			return "", err
		}
		if err := w.Write(i, recordio.Pack(recordio.Header{Label: float32(i % 10), ID: uint64(i)}, b.Bytes())); err != nil {
			w.Abort()
			return "", err
		}
	}
	return rec, w.Close()
}

// syntheticPhoto draws smooth gradients, a few discs and sensor-like noise,
// so JPEG sizes and decode work resemble a real photo's.
func syntheticPhoto(r *rand.Rand, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	var base, slope [3]float64
	for c := range 3 {
		base[c], slope[c] = 40+150*r.Float64(), 80*(r.Float64()-0.5)
	}
	type disc struct {
		x, y, r2 float64
		col      [3]float64
	}
	discs := make([]disc, 6)
	for i := range discs {
		rad := 20 + 60*r.Float64()
		discs[i] = disc{float64(w) * r.Float64(), float64(h) * r.Float64(), rad * rad,
			[3]float64{255 * r.Float64(), 255 * r.Float64(), 255 * r.Float64()}}
	}
	fx, fy := 3+5*r.Float64(), 2+4*r.Float64()
	waveX := make([][3]float64, w) // the texture is separable: tabulate it
	for x := range waveX {
		for c := range 3 {
			waveX[x][c] = 25 * math.Sin(fx*float64(x)/float64(w)*math.Pi+float64(c))
		}
	}
	for y := range h {
		v := float64(y) / float64(h)
		waveY := math.Cos(fy * v * math.Pi)
		for x := range w {
			u := float64(x) / float64(w)
			var px [3]float64
			for c := range 3 {
				px[c] = base[c] + slope[c]*(u+v) + waveX[x][c]*waveY
			}
			for _, d := range discs {
				if dx, dy := float64(x)-d.x, float64(y)-d.y; dx*dx+dy*dy < d.r2 {
					px = d.col
				}
			}
			o := img.PixOffset(x, y)
			for c := range 3 {
				img.Pix[o+c] = uint8(min(255, max(0, px[c]+6*r.NormFloat64())))
			}
			img.Pix[o+3] = 255
		}
	}
	return img
}

// DataLoader measures images per second through the whole input pipeline
// (read, JPEG decode, augment, batch) with 1 and 2 loader workers: the
// median of 3 epochs after a warm-up epoch. With each rate comes the
// process's CPU time per image (user+system, all threads: workers, the
// consumer and the garbage collector; median over the same epochs), the
// per-core cost that a busy machine inflates far less than wall time.
func DataLoader() []Result {
	rec, err := DataLoaderRec()
	if err != nil {
		return []Result{{Name: "dataloader_error: " + err.Error(), Unit: "images/s"}}
	}
	ds, err := vision.NewImageRecordDataset(rec, false)
	if err != nil {
		return []Result{{Name: "dataloader_error: " + err.Error(), Unit: "images/s"}}
	}
	defer ds.Close()
	var out []Result
	for _, workers := range []int{1, 2} {
		ips, cpu, err := loaderRate(ds, workers)
		if err != nil {
			return append(out, Result{Name: fmt.Sprintf("dataloader_w%d_error: %v", workers, err), Unit: "images/s"})
		}
		out = append(out,
			Result{Name: fmt.Sprintf("dataloader_w%d", workers), Value: math.Round(ips*10) / 10, Unit: "images/s"},
			Result{Name: fmt.Sprintf("dataloader_w%d_cpu", workers), Value: math.Round(Micros(cpu)) / 1000, Unit: "ms/image"})
	}
	return out
}

// loaderAugment is the ImageNet training augmentation of the benchmark.
func loaderAugment() transforms.Transform {
	return transforms.Compose(
		&transforms.RandomResizedCrop{Width: 224, Seed: 1},
		&transforms.RandomFlipLeftRight{Seed: 2},
		transforms.ToTensor{},
		transforms.Normalize{Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}},
	)
}

// loaderRate returns images per second and CPU time per image.
func loaderRate(ds *vision.ImageRecordDataset, workers int) (float64, time.Duration, error) {
	aug := loaderAugment()
	train := data.TransformFirst(ds, func(x any) (any, error) { return aug.Apply(x.(*nd.NDArray)) })
	loader, err := data.NewDataLoader(train, data.LoaderOptions{BatchSize: loaderBatch, Shuffle: true, Seed: 3, NumWorkers: workers})
	if err != nil {
		return 0, 0, err
	}
	var runErr error
	epoch := func() {
		for batch, err := range loader.Batches(context.Background()) {
			if err != nil {
				runErr = err
				return
			}
			if err := batch[0].WaitToRead(); err != nil {
				runErr = err
				return
			}
		}
	}
	epoch() // warm-up
	const rounds = 3
	walls, cpus := make([]time.Duration, rounds), make([]time.Duration, rounds)
	for i := range rounds {
		c0, t0 := cpuTime(), time.Now()
		epoch()
		walls[i], cpus[i] = time.Since(t0)/loaderImages, (cpuTime()-c0)/loaderImages
	}
	if runErr != nil {
		return 0, 0, runErr
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	return float64(time.Second) / float64(walls[rounds/2]), cpus[rounds/2], nil
}
