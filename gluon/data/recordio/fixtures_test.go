package recordio

import (
	"bytes"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
)

func fixtureDir(t *testing.T, name string) string {
	return filepath.Join(testutil.Fixtures(t), "recordio", name)
}

func TestFixtureAdaface(t *testing.T) {
	dir := fixtureDir(t, "adaface-8")
	ir, err := Open(filepath.Join(dir, "train.rec"), filepath.Join(dir, "train.idx"))
	if err != nil {
		t.Fatal(err)
	}
	defer ir.Close()
	wantKeys := []int{0, 4, 7, 5, 1, 6, 3, 2}
	if got := ir.Keys(); !slices.Equal(got, wantKeys) {
		t.Fatalf("keys %v, want %v", got, wantKeys)
	}
	wantLabel := map[int]float32{0: 0, 4: 1, 7: 1, 5: 1, 1: 0, 6: 1, 3: 0, 2: 0}
	// Read by key in key order, which is not file order.
	for key := range 8 {
		rec, err := ir.Read(key)
		if err != nil {
			t.Fatal(err)
		}
		h, img, err := Unpack(rec)
		if err != nil {
			t.Fatal(err)
		}
		if h.Flag != 0 || h.Label != wantLabel[key] || h.ID != uint64(key) || h.ID2 != 0 {
			t.Errorf("key %d: header %v", key, h)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(img))
		if err != nil {
			t.Fatalf("key %d: payload is not a JPEG: %v", key, err)
		}
		if cfg.Width != 112 || cfg.Height != 112 {
			t.Errorf("key %d: JPEG is %dx%d, want 112x112", key, cfg.Width, cfg.Height)
		}
		if _, err := jpeg.Decode(bytes.NewReader(img)); err != nil {
			t.Errorf("key %d: decode: %v", key, err)
		}
	}
	lst, err := os.ReadFile(filepath.Join(dir, "train.lst"))
	if err != nil {
		t.Fatal(err)
	}
	items, err := ReadList(bytes.NewReader(lst))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 8 || items[1].Index != 4 || items[1].Path != "woman/woman_1.jpg" || items[1].Labels[0] != 1 {
		t.Errorf("lst items %+v", items)
	}
	// Our writer reproduces im2rec's .lst for integer labels byte for byte.
	var out bytes.Buffer
	if err := WriteList(&out, items); err != nil || !bytes.Equal(out.Bytes(), lst) {
		t.Errorf("WriteList differs from im2rec's .lst (%v):\n%s", err, out.Bytes())
	}
}

func TestFixtureBenzDetection(t *testing.T) {
	dir := fixtureDir(t, "benz-detection-12")
	ir, err := Open(filepath.Join(dir, "train.rec"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer ir.Close()
	wantOffsets := []int64{0, 43952, 143948, 207484, 245876, 268604, 311420, 466772, 558092, 586580, 695008, 803436}
	wantSize := [][2]int{{780, 438}, {800, 533}, {533, 400}, {800, 538}, {445, 250}, {660, 450}, {1800, 760}, {800, 533}, {910, 512}, {1920, 800}, {1920, 800}, {1920, 800}}
	ents := ir.Entries()
	if len(ents) != 12 {
		t.Fatalf("%d entries", len(ents))
	}
	var jpegs [][]byte
	for i, e := range ents {
		if e.Key != i || e.Offset != wantOffsets[i] {
			t.Errorf("entry %d = %+v, want key %d offset %d", i, e, i, wantOffsets[i])
		}
		rec, err := ir.Read(e.Key)
		if err != nil {
			t.Fatal(err)
		}
		h, img, err := Unpack(rec)
		if err != nil {
			t.Fatal(err)
		}
		if h.Flag != 9 || len(h.Labels) != 9 || h.Label != 0 || h.ID != uint64(i) {
			t.Fatalf("record %d: header %v", i, h)
		}
		// Detection packing: header width 4, object width 5, image W, H, then one box.
		if h.Labels[0] != 4 || h.Labels[1] != 5 || int(h.Labels[2]) != wantSize[i][0] || int(h.Labels[3]) != wantSize[i][1] {
			t.Errorf("record %d: labels %v", i, h.Labels)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(img))
		if err != nil || cfg.Width != wantSize[i][0] || cfg.Height != wantSize[i][1] {
			t.Errorf("record %d: JPEG %dx%d, %v; want %v", i, cfg.Width, cfg.Height, err, wantSize[i])
		}
		jpegs = append(jpegs, img)
	}
	rec0, _ := ir.Read(0)
	h0, _, _ := Unpack(rec0)
	want0 := []float32{4, 5, 780, 438, 0, 0.00641026, 0.01141553, 0.7179487, 1.2557077}
	for i, v := range want0 {
		if math.Abs(float64(h0.Labels[i]-v)) > 1e-6 {
			t.Errorf("record 0 label %d = %v, want %v", i, h0.Labels[i], v)
		}
	}
	if !bytes.Equal(jpegs[9], jpegs[10]) || !bytes.Equal(jpegs[10], jpegs[11]) {
		t.Error("records 9, 10 and 11 should hold the same JPEG bytes")
	}
	if _, err := jpeg.Decode(bytes.NewReader(jpegs[4])); err != nil {
		t.Errorf("decode record 4: %v", err)
	}
	items, err := ReadList(mustOpen(t, filepath.Join(dir, "train.lst")))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 12 || len(items[0].Labels) != 9 || items[0].Path != "Mercedes/mercedes/1.jpg" ||
		math.Abs(float64(items[0].Labels[8]-1.2557077)) > 1e-6 {
		t.Errorf("lst: %d items, first %+v", len(items), items[0])
	}
}

// TestFixtureRewriteIsByteIdentical reads each fixture with the streaming
// Reader and writes it back with IndexedWriter: the .rec and .idx must come
// out byte for byte as MXNet's im2rec wrote them.
func TestFixtureRewriteIsByteIdentical(t *testing.T) {
	for _, name := range []string{"adaface-8", "benz-detection-12"} {
		t.Run(name, func(t *testing.T) {
			dir := fixtureDir(t, name)
			orig, err := os.ReadFile(filepath.Join(dir, "train.rec"))
			if err != nil {
				t.Fatal(err)
			}
			origIdx, err := os.ReadFile(filepath.Join(dir, "train.idx"))
			if err != nil {
				t.Fatal(err)
			}
			idx, err := ReadIndex(bytes.NewReader(origIdx))
			if err != nil {
				t.Fatal(err)
			}
			keyAt := map[int64]int{}
			for _, e := range idx {
				keyAt[e.Offset] = e.Key
			}
			out := filepath.Join(t.TempDir(), "copy.rec")
			iw, err := Create(out, "")
			if err != nil {
				t.Fatal(err)
			}
			r := NewReader(bytes.NewReader(orig))
			recs, offs := readAll(t, r)
			for i, rec := range recs {
				key, ok := keyAt[offs[i]]
				if !ok {
					t.Fatalf("record at %d not in the index", offs[i])
				}
				if err := iw.Write(key, rec); err != nil {
					t.Fatal(err)
				}
			}
			if err := iw.Close(); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(out); !bytes.Equal(got, orig) {
				t.Errorf(".rec differs from the original (%d vs %d bytes)", len(got), len(orig))
			}
			if got, _ := os.ReadFile(IndexPath(out)); !bytes.Equal(got, origIdx) {
				t.Errorf(".idx differs:\n%s\nwant\n%s", got, origIdx)
			}
			for _, n := range []int{2, 3, 5, 12, 40} {
				checkParts(t, orig, recs, n)
			}
		})
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
