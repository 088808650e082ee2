package vision

import (
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/mxgo/mxgo/gluon/data"
	"github.com/mxgo/mxgo/gluon/data/recordio"
	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
)

// writeClassTree writes root/<class>/<i>.png images whose pixel value
// encodes the class, plus a stray text file.
func writeClassTree(t *testing.T) string {
	root := t.TempDir()
	for ci, class := range []string{"cat", "ant", "bee"} {
		dir := filepath.Join(root, class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			img := image.NewGray(image.Rect(0, 0, 4, 3))
			for k := range img.Pix {
				img.Pix[k] = uint8(10*ci + i)
			}
			if err := os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".PNG"), encodePNG(t, img), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	os.WriteFile(filepath.Join(root, "bee", "notes.txt"), []byte("x"), 0o644)
	return root
}

func TestImageFolderDataset(t *testing.T) {
	root := writeClassTree(t)
	ds, err := NewImageFolderDataset(root, ImageFolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ds.Synsets(); len(got) != 3 || got[0] != "ant" || got[1] != "bee" || got[2] != "cat" {
		t.Fatalf("synsets %v, want sorted [ant bee cat]", got)
	}
	if ds.Len() != 6 {
		t.Fatalf("%d images, want 6 (the .txt is skipped)", ds.Len())
	}
	s, err := ds.Get(5) // cat/b.PNG: value 10*0+1 written for class index 0 in write order
	if err != nil {
		t.Fatal(err)
	}
	img := s[0].(*nd.NDArray)
	if !img.Shape().Equal(nd.Shape{3, 4, 3}) || s[1].(int32) != 2 {
		t.Fatalf("sample 5: %v label %v", img.Shape(), s[1])
	}
	if v, _ := img.Values(); v[0] != 1 {
		t.Fatalf("cat/b pixel %v, want 1", v[0])
	}
	gray, _ := NewImageFolderDataset(root, ImageFolderOptions{Gray: true})
	if s, _ := gray.Get(0); !s[0].(*nd.NDArray).Shape().Equal(nd.Shape{3, 4, 1}) {
		t.Fatalf("gray shape %v", s[0].(*nd.NDArray).Shape())
	}
	if _, err := ds.Get(6); err == nil {
		t.Fatal("index past the end: no error")
	}
	if _, err := NewImageFolderDataset(filepath.Join(root, "missing"), ImageFolderOptions{}); err == nil {
		t.Fatal("missing root: no error")
	}
}

func TestImageListDataset(t *testing.T) {
	root := writeClassTree(t)
	lst := filepath.Join(t.TempDir(), "x.lst")
	os.WriteFile(lst, []byte("0\t2\tcat/a.PNG\n1\t0.5\t1.5\tant/b.PNG\n"), 0o644)
	ds, err := NewImageListDataset(root, lst, false)
	if err != nil {
		t.Fatal(err)
	}
	s0, err := ds.Get(0)
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := ds.Get(1)
	if s0[1].(float32) != 2 || len(s1[1].([]float32)) != 2 || s1[1].([]float32)[1] != 1.5 {
		t.Fatalf("labels %v %v", s0[1], s1[1])
	}
	mem, err := NewImageListDatasetFromItems(root, []recordio.ListItem{{Labels: []float32{7}, Path: "bee/a.PNG"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := mem.Get(0); err != nil || s[1].(float32) != 7 {
		t.Fatalf("in-memory list: %v %v", s, err)
	}
	bad, _ := NewImageListDatasetFromItems(root, []recordio.ListItem{{Labels: []float32{1}, Path: "nope.png"}}, false)
	if _, err := bad.Get(0); err == nil {
		t.Fatal("missing image: no error")
	}
	if _, err := NewImageListDatasetFromItems(root, []recordio.ListItem{{Path: "a.png"}}, false); err == nil {
		t.Fatal("item without label: no error")
	}
}

func TestImageRecordDatasetFixtures(t *testing.T) {
	dir := filepath.Join(testutil.Fixtures(t), "recordio")
	ds, err := NewImageRecordDataset(filepath.Join(dir, "adaface-8", "train.rec"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if ds.Len() != 8 {
		t.Fatalf("%d records, want 8", ds.Len())
	}
	// File order: keys 0,4,7,5,1,6,3,2 with labels 0,1,1,1,0,1,0,0.
	wantLabels := []float32{0, 1, 1, 1, 0, 1, 0, 0}
	for i, want := range wantLabels {
		s, err := ds.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		if !s[0].(*nd.NDArray).Shape().Equal(nd.Shape{112, 112, 3}) || s[1].(float32) != want {
			t.Fatalf("record %d: %v label %v, want (112,112,3) and %v", i, s[0].(*nd.NDArray).Shape(), s[1], want)
		}
	}
	det, err := NewImageRecordDataset(filepath.Join(dir, "benz-detection-12", "train.rec"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	s, err := det.Get(0)
	if err != nil {
		t.Fatal(err)
	}
	lab := s[1].([]float32)
	if !s[0].(*nd.NDArray).Shape().Equal(nd.Shape{438, 780, 3}) || len(lab) != 9 || lab[2] != 780 || lab[3] != 438 {
		t.Fatalf("detection record 0: %v labels %v", s[0].(*nd.NDArray).Shape(), lab)
	}
	raw, err := data.NewRecordFileDataset(filepath.Join(dir, "adaface-8", "train.rec"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	r, err := raw.Get(1)
	if err != nil || len(r[0].([]byte)) != 5719 {
		t.Fatalf("raw record 1: %d bytes, %v; want 5719", len(r[0].([]byte)), err)
	}
}

func TestImageRecordDatasetCorruptPayload(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "bad.rec")
	w, err := recordio.Create(rec, "")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(0, recordio.Pack(recordio.Header{Label: 1}, []byte("garbage")))
	w.Write(1, []byte("short"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ds, err := NewImageRecordDataset(rec, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	for i := range 2 {
		if _, err := ds.Get(i); err == nil {
			t.Fatalf("record %d: no error", i)
		}
	}
	if _, err := NewImageRecordDataset(filepath.Join(t.TempDir(), "none.rec"), false); err == nil {
		t.Fatal("missing file: no error")
	}
}

func TestCIFARFromPlanes(t *testing.T) {
	planes := make([]byte, 2*CIFARImageLen)
	planes[CIFARImageLen+0] = 9       // image 1, red (0,0)
	planes[CIFARImageLen+1024] = 8    // image 1, green (0,0)
	planes[CIFARImageLen+2048+33] = 7 // image 1, blue at (1,1)
	ds, err := NewCIFARFromPlanes(planes, []uint8{3, 5})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ds.Get(1)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := s[0].(*nd.NDArray).Values()
	if v[0] != 9 || v[1] != 8 || v[(32+1)*3+2] != 7 || s[1].(int32) != 5 {
		t.Fatalf("HWC conversion: %v %v %v label %v", v[0], v[1], v[(32+1)*3+2], s[1])
	}
	imgs, labels := ds.Images()
	if !imgs.Shape().Equal(nd.Shape{2, 32, 32, 3}) || labels.Int64s()[0] != 3 {
		t.Fatalf("Images: %v %v", imgs.Shape(), labels.Int64s())
	}
	if _, err := NewCIFARFromPlanes(planes[:100], []uint8{1}); err == nil {
		t.Fatal("short planes: no error")
	}
	if _, err := ds.Get(2); err == nil {
		t.Fatal("index past the end: no error")
	}
}
