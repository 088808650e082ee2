package im2rec

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/gluon/data/recordio"
	"github.com/mxgo/mxgo/gluon/data/vision"
	"github.com/mxgo/mxgo/nd"
)

// makeTree writes root/<class>/<n>.jpg|png images of size w×h whose color
// encodes class and index, a root-level image and a stray file.
func makeTree(t *testing.T) string {
	root := t.TempDir()
	write := func(rel string, w, h int, c color.RGBA) {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.Set(x, y, c)
			}
		}
		var b bytes.Buffer
		if strings.HasSuffix(rel, ".png") {
			png.Encode(&b, img)
		} else {
			jpeg.Encode(&b, img, &jpeg.Options{Quality: 95})
		}
		p := filepath.Join(root, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dogs/1.jpg", 40, 30, color.RGBA{200, 10, 10, 255})
	write("dogs/2.PNG", 30, 50, color.RGBA{10, 200, 10, 255})
	write("cats/a.jpeg", 20, 20, color.RGBA{10, 10, 200, 255})
	write("cats/deep/b.png", 16, 24, color.RGBA{90, 90, 90, 255})
	write("top.jpg", 8, 8, color.RGBA{1, 2, 3, 255})
	os.WriteFile(filepath.Join(root, "cats", "readme.txt"), []byte("hi"), 0o644)
	return root
}

func readLst(t *testing.T, path string) []recordio.ListItem {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := recordio.ReadList(f)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestListRecursiveAndPack(t *testing.T) {
	root := makeTree(t)
	out := t.TempDir()
	prefix := filepath.Join(out, "data")
	var log bytes.Buffer
	if err := Run(context.Background(), []string{"--list", "--recursive", "--no-shuffle", prefix, root}, &log); err != nil {
		t.Fatal(err)
	}
	items := readLst(t, prefix+".lst")
	// os.walk order: root's files, then cats, cats/deep, dogs.
	want := []struct {
		path  string
		label float32
	}{{"top.jpg", 0}, {"cats/a.jpeg", 1}, {"cats/deep/b.png", 2}, {"dogs/1.jpg", 3}, {"dogs/2.PNG", 3}}
	if len(items) != len(want) {
		t.Fatalf("%d items %v, want %d", len(items), items, len(want))
	}
	for i, w := range want {
		if items[i].Path != w.path || items[i].Labels[0] != w.label || items[i].Index != i {
			t.Fatalf("item %d = %+v, want %s label %v", i, items[i], w.path, w.label)
		}
	}
	if !strings.Contains(log.String(), "cats/deep 2") {
		t.Fatalf("folder labels not printed: %q", log.String())
	}

	if err := Run(context.Background(), []string{prefix, root, "--resize", "10", "--center-crop", "--num-thread", "3"}, &log); err != nil {
		t.Fatal(err)
	}
	ds, err := vision.NewImageRecordDataset(prefix+".rec", false)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if ds.Len() != 5 {
		t.Fatalf("%d records, want 5", ds.Len())
	}
	for i, w := range want {
		s, err := ds.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		img := s[0].(*nd.NDArray)
		if !img.Shape().Equal(nd.Shape{10, 10, 3}) || s[1].(float32) != w.label {
			t.Fatalf("record %d: %v label %v, want (10, 10, 3) label %v", i, img.Shape(), s[1], w.label)
		}
	}
	// Record 3 is dogs/1.jpg, red.
	s, _ := ds.Get(3)
	v, _ := s[0].(*nd.NDArray).Values()
	if v[0] < 180 || v[1] > 40 {
		t.Fatalf("dogs/1.jpg pixel %v, want red", v[:3])
	}
	rec, err := recordio.Open(prefix+".rec", "")
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	raw, _ := rec.Read(4)
	h, _, _ := recordio.Unpack(raw)
	if h.ID != 4 || h.Label != 3 {
		t.Fatalf("header of key 4: %v", h)
	}
}

func TestShuffleSplitsPassThroughPackLabel(t *testing.T) {
	root := makeTree(t)
	prefix := filepath.Join(t.TempDir(), "s")
	var log bytes.Buffer
	args := []string{"--list", "--recursive", "--train-ratio", "0.6", "--test-ratio", "0.2", "--exts", ".jpg", ".jpeg", prefix, root}
	if err := Run(context.Background(), args, &log); err != nil {
		t.Fatal(err)
	}
	train, test, val := readLst(t, prefix+"_train.lst"), readLst(t, prefix+"_test.lst"), readLst(t, prefix+"_val.lst")
	// 3 images match .jpg/.jpeg: test int(3·0.2)=0, train int(3·0.6)=1, val the rest.
	if len(test) != 0 || len(train) != 1 || len(val) != 2 {
		t.Fatalf("split sizes train %d test %d val %d", len(train), len(test), len(val))
	}
	// The shuffle is seeded: a second run gives the same lists.
	first, _ := os.ReadFile(prefix + "_val.lst")
	Run(context.Background(), args, &log)
	second, _ := os.ReadFile(prefix + "_val.lst")
	if !bytes.Equal(first, second) {
		t.Fatal("seeded shuffle differs between runs")
	}

	// Multi-label list, packed with pass-through and --pack-label.
	lst := filepath.Join(t.TempDir(), "m.lst")
	os.WriteFile(lst, []byte("7\t1\t2.5\tdogs/1.jpg\n3\t4\ttop.jpg\n"), 0o644)
	if err := Run(context.Background(), []string{"--pass-through", "--pack-label", strings.TrimSuffix(lst, ".lst"), root}, &log); err != nil {
		t.Fatal(err)
	}
	rec, err := recordio.Open(strings.TrimSuffix(lst, ".lst")+".rec", "")
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	raw, _ := rec.Read(7)
	h, payload, _ := recordio.Unpack(raw)
	orig, _ := os.ReadFile(filepath.Join(root, "dogs", "1.jpg"))
	if len(h.Labels) != 2 || h.Labels[1] != 2.5 || !bytes.Equal(payload, orig) {
		t.Fatalf("pass-through record: labels %v, payload equal %v", h.Labels, bytes.Equal(payload, orig))
	}
	raw, _ = rec.Read(3)
	if h, _, _ := recordio.Unpack(raw); h.Label != 4 || h.Flag != 0 {
		t.Fatalf("single-label header %v", h)
	}
}

func TestPackSkipsBadImagesAndPNG(t *testing.T) {
	root := makeTree(t)
	os.WriteFile(filepath.Join(root, "bad.jpg"), []byte("not a jpeg"), 0o644)
	prefix := filepath.Join(t.TempDir(), "p")
	os.WriteFile(prefix+".lst", []byte("0\t0\tbad.jpg\n1\t1\tcats/a.jpeg\n2\t1\tmissing.jpg\n"), 0o644)
	var log bytes.Buffer
	if err := Run(context.Background(), []string{"--encoding", ".png", "--color", "0", prefix, root}, &log); err != nil {
		t.Fatal(err)
	}
	if strings.Count(log.String(), "skipping") != 2 {
		t.Fatalf("log %q: want 2 skipped images", log.String())
	}
	ds, err := vision.NewImageRecordDataset(prefix+".rec", true)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if ds.Len() != 1 {
		t.Fatalf("%d records, want 1", ds.Len())
	}
	rec, _ := recordio.Open(prefix+".rec", "")
	defer rec.Close()
	raw, _ := rec.Read(1)
	_, payload, _ := recordio.Unpack(raw)
	if !bytes.HasPrefix(payload, []byte("\x89PNG")) {
		t.Fatal("--encoding .png did not write a PNG")
	}
}

func TestParseErrors(t *testing.T) {
	for _, args := range [][]string{
		{"only-prefix"},
		{"a", "b", "c"},
		{"--color", "5", "a", "b"},
		{"--encoding", ".bmp", "a", "b"},
		{"--train-ratio", "0.9", "--test-ratio", "0.2", "a", "b"},
		{"--bogus", "a", "b"},
	} {
		if _, err := Parse(args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	o, err := Parse([]string{"--exts", ".JPG", ".png", "./pre", "root", "--quality", "80"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Prefix != "./pre" || o.Root != "root" || o.Quality != 80 || len(o.Exts) != 2 || o.Exts[0] != ".jpg" || o.Exts[1] != ".png" {
		t.Fatalf("parsed %+v", o)
	}
	if err := Run(context.Background(), []string{filepath.Join(t.TempDir(), "none"), "root"}, new(bytes.Buffer)); err == nil {
		t.Fatal("packing without a .lst: no error")
	}
}

func TestCancel(t *testing.T) {
	root := makeTree(t)
	prefix := filepath.Join(t.TempDir(), "c")
	Run(context.Background(), []string{"--list", "--recursive", prefix, root}, new(bytes.Buffer))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Run(ctx, []string{"--num-thread", "2", prefix, root}, new(bytes.Buffer)); err == nil {
		t.Fatal("cancelled pack: no error")
	}
	if _, err := os.Stat(prefix + ".rec"); err == nil {
		t.Fatal("cancelled pack published a .rec")
	}
}
