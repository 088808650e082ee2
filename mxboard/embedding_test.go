package mxboard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/prototext"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAddEmbedding(t *testing.T) {
	w := newTestWriter(t, Options{})
	e := Embedding{
		Vectors: Float32Tensor{Dims: []int{3, 2}, Data: []float32{0.1, 1, 2, 3, 4, 5}},
		Labels:  []string{"zero", "one\ttab", "two"},
		Images:  Float32Tensor{Dims: []int{3, 1, 2, 4}, Data: make([]float32, 3*8)},
	}
	if err := w.AddEmbedding("emb", e, 7); err != nil {
		t.Fatal(err)
	}
	multi := Embedding{Vectors: [][]float64{{1}, {2}}, Header: []string{"digit", "split"}, Metadata: [][]string{{"1", "train"}, {"2", "val"}}}
	if err := w.AddEmbedding("emb", multi, 8); err != nil {
		t.Fatal(err)
	}
	if err := w.AddEmbedding("emb", multi, 8); err != nil { // rewrite: no second config entry
		t.Fatal(err)
	}
	dir := filepath.Join(w.Logdir(), "emb_000007")
	if got := readText(t, filepath.Join(dir, "tensors.tsv")); got != "0.1\t1\n2\t3\n4\t5\n" {
		t.Errorf("tensors.tsv = %q", got)
	}
	if got := readText(t, filepath.Join(dir, "metadata.tsv")); got != "zero\none tab\ntwo\n" {
		t.Errorf("metadata.tsv = %q", got)
	}
	if got := readText(t, filepath.Join(w.Logdir(), "emb_000008", "metadata.tsv")); got != "digit\tsplit\n1\ttrain\n2\tval\n" {
		t.Errorf("multi-column metadata.tsv = %q", got)
	}
	sprite := decodePNG(t, []byte(readText(t, filepath.Join(dir, "sprite.png"))))
	if b := sprite.Bounds(); b.Dx() != 2*4 || b.Dy() != 2*2 { // ceil(sqrt(3)) = 2 columns of 4x2 cells
		t.Errorf("sprite is %v, want 8x4", b)
	}
	var cfg tbproto.ProjectorConfig
	if err := prototext.Unmarshal([]byte(readText(t, filepath.Join(w.Logdir(), ProjectorConfigFile))), &cfg); err != nil {
		t.Fatalf("projector_config.pbtxt does not parse: %v", err)
	}
	if len(cfg.Embeddings) != 2 {
		t.Fatalf("%d embeddings in config, want 2", len(cfg.Embeddings))
	}
	first := cfg.Embeddings[0]
	if first.TensorName != "emb_000007" || first.TensorPath != "emb_000007/tensors.tsv" || first.MetadataPath != "emb_000007/metadata.tsv" ||
		first.GetSprite().GetImagePath() != "emb_000007/sprite.png" || len(first.GetSprite().GetSingleImageDim()) != 2 ||
		first.GetSprite().GetSingleImageDim()[0] != 4 || first.GetSprite().GetSingleImageDim()[1] != 2 {
		t.Errorf("first entry %v", first)
	}
	if cfg.Embeddings[1].GetSprite() != nil || cfg.Embeddings[1].TensorShape[0] != 2 {
		t.Errorf("second entry %v", cfg.Embeddings[1])
	}
}

func TestAddEmbeddingRejectsBadInput(t *testing.T) {
	w := newTestWriter(t, Options{})
	vec := [][]float32{{1, 2}, {3, 4}}
	bad := map[string]struct {
		tag string
		e   Embedding
	}{
		"escaping tag":     {"../x", Embedding{Vectors: vec}},
		"nested tag":       {"a/b", Embedding{Vectors: vec}},
		"ragged":           {"e", Embedding{Vectors: [][]float32{{1, 2}, {3}}}},
		"label count":      {"e", Embedding{Vectors: vec, Labels: []string{"x"}}},
		"image count":      {"e", Embedding{Vectors: vec, Images: Float32Tensor{Dims: []int{1, 1, 2, 2}, Data: make([]float32, 4)}}},
		"no vectors":       {"e", Embedding{}},
		"labels and table": {"e", Embedding{Vectors: vec, Labels: []string{"a", "b"}, Header: []string{"h"}}},
	}
	for name, tc := range bad {
		if err := w.AddEmbedding(tc.tag, tc.e, 0); err == nil || !strings.Contains(err.Error(), "add embedding") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(w.Logdir(), ProjectorConfigFile)); err == nil {
		t.Error("a rejected embedding wrote a config")
	}
}

func TestTextQuote(t *testing.T) {
	var info tbproto.EmbeddingInfo
	name := "we\"ird\\ na\x01me\nü"
	if err := prototext.Unmarshal([]byte("tensor_name: "+textQuote(name)), &info); err != nil || info.TensorName != name {
		t.Fatalf("round trip %q -> %q (%v)", name, info.TensorName, err)
	}
}
