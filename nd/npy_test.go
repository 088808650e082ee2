package nd_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

// arangeValues are the values gen_npy.py stores: arange(n), or arange(n)%2
// for bool.
func arangeValues(n int, t nd.DType) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i)
		if t == nd.Bool {
			v[i] = float64(i % 2)
		}
	}
	return v
}

func TestLoadNpyNumPyFiles(t *testing.T) {
	cases := []struct {
		file  string
		shape nd.Shape
		dtype nd.DType
	}{
		{"npy_f4_c.npy", nd.Shape{2, 3}, nd.Float32},
		{"npy_f8_big.npy", nd.Shape{2, 2}, nd.Float64},
		{"npy_i2_big.npy", nd.Shape{3}, nd.Int16},
		{"npy_u1.npy", nd.Shape{5}, nd.Uint8},
		{"npy_b1.npy", nd.Shape{4}, nd.Bool},
		{"npy_f2.npy", nd.Shape{3}, nd.Float16},
		{"npy_i8_fortran.npy", nd.Shape{2, 3}, nd.Int64},
		{"npy_f4_fortran3d.npy", nd.Shape{2, 3, 4}, nd.Float32},
		{"npy_scalar.npy", nd.Shape{}, nd.Float64},
		{"npy_empty.npy", nd.Shape{0, 3}, nd.Float32},
		{"npy_v2.npy", nd.Shape{2, 2}, nd.Int32},
		{"npy_v3.npy", nd.Shape{2, 2}, nd.Uint32},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			a, err := nd.LoadNpy(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			if a.DType() != c.dtype {
				t.Fatalf("dtype %v, want %v", a.DType(), c.dtype)
			}
			ndtest.AssertClose(t, a, c.shape, arangeValues(c.shape.Size(), c.dtype), 0, 0)
		})
	}
}

// TestWriteNpyMatchesNumPy compares WriteNpy's bytes with numpy.save's.
func TestWriteNpyMatchesNumPy(t *testing.T) {
	cases := []struct {
		file  string
		shape nd.Shape
		dtype nd.DType
	}{
		{"npy_f4_c.npy", nd.Shape{2, 3}, nd.Float32},
		{"npy_u1.npy", nd.Shape{5}, nd.Uint8},
		{"npy_b1.npy", nd.Shape{4}, nd.Bool},
		{"npy_f2.npy", nd.Shape{3}, nd.Float16},
		{"npy_scalar.npy", nd.Shape{}, nd.Float64},
		{"npy_empty.npy", nd.Shape{0, 3}, nd.Float32},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			a := nd.ArrayOf(arangeValues(c.shape.Size(), c.dtype), c.shape, nd.OfType(c.dtype))
			if err := nd.WriteNpy(&buf, a); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("bytes\n%q\nwant\n%q", buf.Bytes(), want)
			}
		})
	}
}

func TestLoadNpzNumPyFiles(t *testing.T) {
	want := map[string]struct {
		shape nd.Shape
		dtype nd.DType
	}{
		"weight": {nd.Shape{3, 2}, nd.Float32}, "bias": {nd.Shape{3}, nd.Float64}, "step": {nd.Shape{}, nd.Int64},
		"mask": {nd.Shape{2, 2}, nd.Bool}, "u2": {nd.Shape{2}, nd.Uint16}, "i1": {nd.Shape{2}, nd.Int8},
		"u8": {nd.Shape{2}, nd.Uint64},
	}
	for _, file := range []string{"npz_stored.npz", "npz_deflated.npz"} {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("testdata", file)
			direct, err := nd.LoadNpz(path)
			if err != nil {
				t.Fatal(err)
			}
			// Load tells .npz from a list file by its first bytes (MXNet 2 .params).
			viaLoad, err := nd.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range []*nd.Loaded{direct, viaLoad} {
				m := l.Map()
				if len(m) != len(want) {
					t.Fatalf("names %v, want %d arrays", l.Names, len(want))
				}
				for name, w := range want {
					a := m[name]
					if a == nil || a.DType() != w.dtype {
						t.Fatalf("%s: got %v, want %v", name, a, w.dtype)
					}
					ndtest.AssertClose(t, a, w.shape, arangeValues(w.shape.Size(), w.dtype), 0, 0)
				}
			}
		})
	}
}

func TestNpyNpzRoundTrip(t *testing.T) {
	dir := t.TempDir()
	arrays := map[string]*nd.NDArray{}
	for _, dt := range allDTypes {
		if dt == nd.BFloat16 {
			continue
		}
		a := sampleArray(dt, 3, 2)
		arrays[dt.String()] = a
		path := filepath.Join(dir, dt.String()+".npy")
		if err := nd.SaveNpy(path, a); err != nil {
			t.Fatal(err)
		}
		got, err := nd.LoadNpy(path)
		if err != nil {
			t.Fatal(err)
		}
		assertSameArray(t, got, a)
	}
	arrays["scalar"] = sampleArray(nd.Float32)
	path := filepath.Join(dir, "all.npz")
	if err := nd.SaveNpz(path, arrays); err != nil {
		t.Fatal(err)
	}
	l, err := nd.LoadNpz(path)
	if err != nil {
		t.Fatal(err)
	}
	m := l.Map()
	for name, a := range arrays {
		if m[name] == nil {
			t.Fatalf("%s missing from %v", name, l.Names)
		}
		assertSameArray(t, m[name], a)
	}
	err = nd.SaveNpy(filepath.Join(dir, "bf16.npy"), sampleArray(nd.BFloat16, 2))
	if err == nil || !strings.Contains(err.Error(), "no NumPy dtype") {
		t.Fatalf("saving bfloat16: got %v, want a no NumPy dtype error", err)
	}
}

func TestReadNpyErrors(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "npy_f4_c.npy"))
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(good); n++ {
		if _, err := nd.ReadNpyBytes(good[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
	}
	header := func(h string) []byte {
		b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
		return append(b, h...)
	}
	cases := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"magic", []byte("PK not npy at all"), "bad magic"},
		{"version", []byte("\x93NUMPY\x09\x00\x00\x00"), "version 9.0"},
		{"descr", header("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"), "unsupported descr"},
		{"object", header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"), "unsupported descr"},
		{"missing", header("{'descr': '<f4', 'shape': (1,), }"), "missing key"},
		{"huge", header("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }"), "exceeds"},
		{"syntax", header("{'descr': '<f4' 'fortran_order': False}"), "want ','"},
		{"negative", header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), "bad dimension"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := nd.ReadNpyBytes(c.b)
			if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "offset") {
				t.Fatalf("got %v, want an error with an offset containing %q", err, c.msg)
			}
		})
	}
}

func FuzzReadNpy(f *testing.F) {
	for _, name := range []string{"npy_f4_c.npy", "npy_f8_big.npy", "npy_i8_fortran.npy", "npy_scalar.npy", "npy_v3.npy"} {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := nd.ReadNpyBytes(data)
		if err != nil {
			return
		}
		var first, second bytes.Buffer
		if err := nd.WriteNpy(&first, a); err != nil {
			t.Fatalf("writing what was read: %v", err)
		}
		b, err := nd.ReadNpyBytes(first.Bytes())
		if err != nil {
			t.Fatalf("reading what was written: %v", err)
		}
		if err := nd.WriteNpy(&second, b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatal("write(read(write(x))) differs from write(x)")
		}
	})
}
