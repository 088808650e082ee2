package nd_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// allDTypes are the types a list file can hold.
var allDTypes = []nd.DType{nd.Float32, nd.Float64, nd.Float16, nd.BFloat16, nd.Uint8, nd.Int8, nd.Int16,
	nd.Uint16, nd.Int32, nd.Uint32, nd.Int64, nd.Uint64, nd.Bool}

// sampleArray holds small values that every dtype represents exactly.
func sampleArray(t nd.DType, shape ...int) *nd.NDArray {
	s := nd.Shape(shape)
	v := make([]float64, s.Size())
	for i := range v {
		v[i] = float64(i % 7)
		if t == nd.Bool {
			v[i] = float64(i % 2)
		}
	}
	return nd.ArrayOf(v, s, nd.OfType(t))
}

func assertSameArray(t *testing.T, got, want *nd.NDArray) {
	t.Helper()
	if got.DType() != want.DType() {
		t.Fatalf("dtype %v, want %v", got.DType(), want.DType())
	}
	ndtest.AssertClose(t, got, want.Shape(), want.Float64s(), 0, 0)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	arrays := map[string]*nd.NDArray{}
	for _, dt := range allDTypes {
		arrays["arg:"+dt.String()] = sampleArray(dt, 2, 3)
	}
	arrays["scalar"] = sampleArray(nd.Float32)
	arrays["empty"] = sampleArray(nd.Float32, 0, 4)
	arrays["aux:vec"] = sampleArray(nd.Int64, 5)
	path := filepath.Join(dir, "m.params")
	if err := nd.Save(path, arrays); err != nil {
		t.Fatal(err)
	}
	l, err := nd.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := l.Map()
	if len(got) != len(arrays) {
		t.Fatalf("loaded %d arrays, want %d", len(got), len(arrays))
	}
	for name, want := range arrays {
		t.Run(name, func(t *testing.T) {
			a, ok := got[name]
			if !ok {
				t.Fatalf("name %q missing", name)
			}
			assertSameArray(t, a, want)
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries after Save, want 1 (temporary file left?)", len(entries))
	}
}

func TestSaveListWithNone(t *testing.T) {
	var buf bytes.Buffer
	list := []*nd.NDArray{sampleArray(nd.Float32, 3), nil, sampleArray(nd.Int32, 2, 2)}
	if err := nd.SaveTo(&buf, nil, list); err != nil {
		t.Fatal(err)
	}
	l, err := nd.LoadBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if l.Names != nil || l.Map() != nil {
		t.Fatalf("names %v, want none for a list", l.Names)
	}
	if len(l.Arrays) != 3 || l.Arrays[1] != nil {
		t.Fatalf("arrays %v, want 3 with a none in the middle", l.Arrays)
	}
	assertSameArray(t, l.Arrays[0], list[0])
	assertSameArray(t, l.Arrays[2], list[2])
}

// TestSaveLayout checks the bytes of a V2 record against FORMATS.md 2a.
func TestSaveLayout(t *testing.T) {
	var buf bytes.Buffer
	a := nd.Array([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if err := nd.SaveTo(&buf, []string{"w"}, []*nd.NDArray{a}); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	le := binary.LittleEndian
	for _, v := range []any{uint64(0x112), uint64(0), uint64(1), uint32(0xF993FAC9), int32(0), int32(2), int64(2), int64(3),
		int32(1), int32(0), int32(0), []float32{1, 2, 3, 4, 5, 6}, uint64(1), uint64(1), []byte("w")} {
		binary.Write(&want, le, v)
	}
	if !bytes.Equal(buf.Bytes(), want.Bytes()) {
		t.Fatalf("bytes\n%x\nwant\n%x", buf.Bytes(), want.Bytes())
	}
}

// listFile builds a list file around hand-written records.
func listFile(records ...[]any) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	binary.Write(&b, le, []uint64{0x112, 0, uint64(len(records))})
	for _, r := range records {
		for _, v := range r {
			binary.Write(&b, le, v)
		}
	}
	binary.Write(&b, le, uint64(0))
	return b.Bytes()
}

func TestLoadRecordVersions(t *testing.T) {
	data := []float32{1, 2, 3, 4}
	cases := []struct {
		name  string
		rec   []any
		shape nd.Shape // nil: a none array
	}{
		{"v1", []any{uint32(0xF993FAC8), uint32(2), int64(2), int64(2), int32(1), int32(0), int32(0), data}, nd.Shape{2, 2}},
		{"v0", []any{uint32(2), uint32(2), uint32(2), int32(1), int32(0), int32(0), data}, nd.Shape{2, 2}},
		{"v0_none", []any{uint32(0)}, nil},
		{"v1_none", []any{uint32(0xF993FAC8), uint32(0)}, nil},
		{"v2_none", []any{uint32(0xF993FAC9), int32(-1), int32(0)}, nil},
		{"v3_scalar", []any{uint32(0xF993FACA), int32(0), int32(0), int32(1), int32(0), int32(0), data[:1]}, nd.Shape{}},
		{"v3_unknown", []any{uint32(0xF993FACA), int32(0), int32(-1)}, nil},
		{"v3_unknown_dim", []any{uint32(0xF993FACA), int32(0), int32(2), int64(2), int64(-1)}, nil},
		{"v2_gpu_context", []any{uint32(0xF993FAC9), int32(0), int32(1), int64(4), int32(2), int32(3), int32(0), data}, nd.Shape{4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := nd.LoadBytes(listFile(c.rec, c.rec))
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Arrays) != 2 {
				t.Fatalf("%d arrays, want 2", len(l.Arrays))
			}
			for _, a := range l.Arrays {
				if c.shape == nil {
					if a != nil {
						t.Fatalf("got %v, want a none array", a.Shape())
					}
					continue
				}
				if a == nil {
					t.Fatal("got a none array")
				}
				ndtest.AssertClose(t, a, c.shape, []float64{1, 2, 3, 4}[:c.shape.Size()], 0, 0)
			}
			if c.name == "v2_gpu_context" && l.Devices[0] != nd.GPU(3) {
				t.Fatalf("device %v, want gpu(3)", l.Devices[0])
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	var good bytes.Buffer
	if err := nd.SaveTo(&good, []string{"a", "b"}, []*nd.NDArray{sampleArray(nd.Float32, 2, 3), sampleArray(nd.Int64, 4)}); err != nil {
		t.Fatal(err)
	}
	// Every truncation fails with an offset, never a panic.
	for n := 0; n < good.Len(); n++ {
		_, err := nd.LoadBytes(good.Bytes()[:n])
		var fe *nd.FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("truncated to %d bytes: got %v, want a *FormatError", n, err)
		}
	}
	cases := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"magic", []byte("not a list file at all!!"), "not an NDArray list file"},
		{"huge_count", listFileCount(1 << 60), "array count"},
		{"row_sparse", listFile([]any{uint32(0xF993FAC9), int32(1)}), "row_sparse arrays are not supported"},
		{"csr", listFile([]any{uint32(0xF993FAC9), int32(2)}), "csr arrays are not supported"},
		{"type_flag", listFile([]any{uint32(0xF993FAC9), int32(0), int32(1), int64(1), int32(1), int32(0), int32(99), uint32(0)}), "unknown type flag 99"},
		{"huge_dims", listFile([]any{uint32(0xF993FAC9), int32(0), int32(2), int64(1 << 30), int64(1 << 30), int32(1), int32(0), int32(0)}), "exceeds"},
		{"huge_ndim", listFile([]any{uint32(0xF993FAC9), int32(0), int32(1 << 30)}), "bad ndim"},
		{"bad_magic", listFile([]any{uint32(0xdeadbeef)}), "unknown record magic"},
		{"names", append(listFile()[:len(listFile())-8], 1, 0, 0, 0, 0, 0, 0, 0), "1 names for 0 arrays"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := nd.LoadBytes(c.b)
			if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "offset") {
				t.Fatalf("got %v, want an error with an offset containing %q", err, c.msg)
			}
		})
	}
	if _, err := nd.Load(filepath.Join(t.TempDir(), "missing.params")); err == nil {
		t.Fatal("loading a missing file succeeded")
	}
}

func listFileCount(n uint64) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, []uint64{0x112, 0, n, 0})
	return b.Bytes()
}

func TestSaveErrors(t *testing.T) {
	if err := nd.Save(filepath.Join(t.TempDir(), "no", "such", "dir.params"), nil); err == nil {
		t.Fatal("saving into a missing directory succeeded")
	}
	if err := nd.SaveTo(&bytes.Buffer{}, []string{"a"}, nil); err == nil {
		t.Fatal("saving 1 name for 0 arrays succeeded")
	}
	// An array whose producer failed reports that failure.
	bad := nd.Dot(nd.Ones(nd.Shape{2, 2}, nd.OfType(nd.Float16)), nd.Ones(nd.Shape{2, 2}, nd.OfType(nd.Float16)))
	err := nd.SaveTo(&bytes.Buffer{}, nil, []*nd.NDArray{bad})
	if err == nil || !strings.Contains(err.Error(), "storage type") {
		t.Fatalf("got %v, want the kernel's error", err)
	}
}

func TestSaveOverwritesAtomically(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.params")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := nd.SaveList(path, []*nd.NDArray{sampleArray(nd.Float32, 3)}); err != nil {
		t.Fatal(err)
	}
	l, err := nd.Load(path)
	if err != nil || len(l.Arrays) != 1 {
		t.Fatalf("load after overwrite: %v %v", l, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644", st.Mode().Perm())
	}
}

// TestLoadMXNetFiles reads files written by MXNet itself (see
// shared/fixtures/mxnet/PROVENANCE.md).
func TestLoadMXNetFiles(t *testing.T) {
	dir := filepath.Join(testutil.Fixtures(t), "mxnet")
	t.Run("legacy_v0", func(t *testing.T) {
		l, err := nd.Load(filepath.Join(dir, "legacy-ndarray", "legacy_ndarray.v0"))
		if err != nil {
			t.Fatal(err)
		}
		if l.Names != nil || len(l.Arrays) != 6 {
			t.Fatalf("names %v, %d arrays; want 6 unnamed", l.Names, len(l.Arrays))
		}
		want := make([]float64, 128)
		for i := range want {
			want[i] = float64(i)
		}
		for _, a := range l.Arrays {
			if a.DType() != nd.Float32 {
				t.Fatalf("dtype %v", a.DType())
			}
			ndtest.AssertClose(t, a, nd.Shape{128}, want, 0, 0)
		}
	})
	t.Run("mean_bin", func(t *testing.T) {
		l, err := nd.Load(filepath.Join(dir, "legacy-ndarray", "mean.bin"))
		if err != nil {
			t.Fatal(err)
		}
		a := l.Map()["mean_img"]
		if a == nil || !a.Shape().Equal(nd.Shape{3, 64, 64}) {
			t.Fatalf("names %v; want mean_img (3,64,64)", l.Names)
		}
		mean := 0.0
		for _, v := range a.Float64s() {
			mean += v
		}
		if mean /= float64(a.Size()); math.Abs(mean-77.61238) > 1e-4 {
			t.Fatalf("mean %v, want 77.61238", mean)
		}
	})
	checkParams := func(t *testing.T, path string, want map[string]nd.Shape) {
		l, err := nd.Load(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		m := l.Map()
		if len(m) != len(want) {
			t.Fatalf("%d arrays %v, want %d", len(m), l.Names, len(want))
		}
		for name, s := range want {
			a := m[name]
			if a == nil || !a.Shape().Equal(s) || a.DType() != nd.Float32 {
				t.Fatalf("%s: got %v, want float32 %v", name, a, s)
			}
			v := a.Float64s()
			for _, x := range v {
				if math.IsNaN(x) || math.Abs(x) > 1e3 {
					t.Fatalf("%s: implausible weight %v", name, x)
				}
			}
		}
	}
	t.Run("mnist", func(t *testing.T) {
		checkParams(t, "mnist-cnn-tanh/mnist-0035.params", map[string]nd.Shape{
			"arg:hybridsequential9_conv0_weight": {10, 1, 5, 5}, "arg:hybridsequential9_conv0_bias": {10},
			"arg:hybridsequential9_conv1_weight": {25, 10, 5, 5}, "arg:hybridsequential9_conv1_bias": {25},
			"arg:hybridsequential9_dense0_weight": {20, 400}, "arg:hybridsequential9_dense0_bias": {20},
			"arg:hybridsequential9_dense1_weight": {10, 20}, "arg:hybridsequential9_dense1_bias": {10},
		})
	})
	t.Run("fashion", func(t *testing.T) {
		checkParams(t, "fashion-mnist-cnn-tanh/fashion-mnist-0039.params", map[string]nd.Shape{
			"arg:hybridsequential16_conv0_weight": {8, 1, 4, 4}, "arg:hybridsequential16_conv0_bias": {8},
			"arg:hybridsequential16_dense0_weight": {16, 1152}, "arg:hybridsequential16_dense0_bias": {16},
			"arg:hybridsequential16_dense1_weight": {10, 16}, "arg:hybridsequential16_dense1_bias": {10},
		})
	})
	t.Run("lenet", func(t *testing.T) {
		checkParams(t, "lenet-relu-mnist/lenet-0001.params", map[string]nd.Shape{
			"arg:hybridsequential0_conv0_weight": {5, 1, 5, 5}, "arg:hybridsequential0_conv0_bias": {5},
			"arg:hybridsequential0_conv1_weight": {5, 5, 5, 5}, "arg:hybridsequential0_conv1_bias": {5},
			"arg:hybridsequential0_dense0_weight": {32, 80}, "arg:hybridsequential0_dense0_bias": {32},
			"arg:hybridsequential0_dense1_weight": {10, 32}, "arg:hybridsequential0_dense1_bias": {10},
		})
	})
	t.Run("mtcnn_v0", func(t *testing.T) {
		for _, c := range []struct {
			file string
			n    int
		}{{"det1-0001.params", 13}, {"det2-0001.params", 0}} {
			l, err := nd.Load(filepath.Join(dir, "mtcnn-legacy", c.file))
			if err != nil {
				t.Fatal(err)
			}
			if c.n != 0 && len(l.Arrays) != c.n {
				t.Fatalf("%s: %d arrays, want %d", c.file, len(l.Arrays), c.n)
			}
			m := l.Map()
			w := m["arg:conv1_weight"]
			if w == nil || w.Ndim() != 4 || w.Shape()[1] != 3 {
				t.Fatalf("%s: arg:conv1_weight is %v, want (C, 3, kh, kw)", c.file, w)
			}
			for _, n := range l.Names {
				if !strings.HasPrefix(n, "arg:") && !strings.HasPrefix(n, "aux:") {
					t.Fatalf("%s: name %q lacks arg:/aux:", c.file, n)
				}
			}
		}
	})
	// Re-saving an MXNet file reproduces it byte for byte when it was V2.
	t.Run("resave_v2", func(t *testing.T) {
		path := filepath.Join(dir, "lenet-relu-mnist/lenet-0001.params")
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		l, err := nd.LoadBytes(orig)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := nd.SaveTo(&buf, l.Names, l.Arrays); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), orig) {
			t.Fatalf("re-saved file differs from MXNet's (%d vs %d bytes)", buf.Len(), len(orig))
		}
	})
}

// TestReadValuesEveryDType checks that the value readers convert from every
// dtype.
func TestReadValuesEveryDType(t *testing.T) {
	for _, dt := range allDTypes {
		t.Run(dt.String(), func(t *testing.T) {
			a := sampleArray(dt, 2, 2)
			want := []float64{0, 1, 2, 3}
			if dt == nd.Bool {
				want = []float64{0, 1, 0, 1}
			}
			f32 := a.Float32s()
			i64 := a.Int64s()
			for i, w := range want {
				if float64(f32[i]) != w || float64(i64[i]) != w {
					t.Fatalf("element %d: Float32s %v, Int64s %v, want %v", i, f32[i], i64[i], w)
				}
			}
			ndtest.AssertClose(t, a, nd.Shape{2, 2}, want, 0, 0)
			if _, err := a.ToSlice(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// FuzzLoad feeds arbitrary bytes to the loader: it must return an error or
// arrays that survive a save/load round trip unchanged.
func FuzzLoad(f *testing.F) {
	var b bytes.Buffer
	nd.SaveTo(&b, []string{"w", "s"}, []*nd.NDArray{sampleArray(nd.Float32, 2, 3), sampleArray(nd.Int64)})
	f.Add(b.Bytes())
	b.Reset()
	nd.SaveTo(&b, nil, []*nd.NDArray{sampleArray(nd.Float16, 4), nil})
	f.Add(b.Bytes())
	f.Add(listFile([]any{uint32(1), uint32(2), int32(1), int32(0), int32(0), []float32{1, 2}}))
	f.Add(listFile([]any{uint32(0xF993FAC8), uint32(1), int64(2), int32(1), int32(0), int32(3), []uint8{1, 2}}))
	b.Reset()
	nd.WriteNpz(&b, []string{"x"}, []*nd.NDArray{sampleArray(nd.Int32, 2)})
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := nd.LoadBytes(data)
		if err != nil {
			return
		}
		var first, second bytes.Buffer
		if err := nd.SaveTo(&first, l.Names, l.Arrays); err != nil {
			t.Fatalf("saving what was loaded: %v", err)
		}
		l2, err := nd.LoadBytes(first.Bytes())
		if err != nil {
			t.Fatalf("loading what was saved: %v", err)
		}
		if err := nd.SaveTo(&second, l2.Names, l2.Arrays); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatal("save(load(save(x))) differs from save(x)")
		}
	})
}
