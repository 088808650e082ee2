package vision

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func shippedOrSkip(t *testing.T) string {
	t.Helper()
	dir, err := ShippedDataDir()
	if err != nil {
		t.Skipf("shipped data not found: %v", err)
	}
	return dir
}

// offlineRepo points MXNET_GLUON_REPO at a closed loopback port, so a test
// that fell through to a download could never reach the real network.
func offlineRepo(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/"
	srv.Close()
	t.Setenv("MXNET_GLUON_REPO", url)
	t.Setenv("MXNET_HOME", t.TempDir())
	return url
}

func quietFetcher() Fetcher {
	return Fetcher{DownloadOptions: DownloadOptions{Backoff: time.Millisecond, Logger: slog.New(slog.DiscardHandler)}}
}

func TestDataDirAndRepo(t *testing.T) {
	t.Setenv("MXNET_HOME", "/x/mx")
	if got := DataDir("mnist"); got != filepath.Join("/x/mx", "datasets", "mnist") {
		t.Errorf("DataDir = %q", got)
	}
	t.Setenv("MXNET_HOME", "")
	t.Setenv("HOME", "/home/u")
	if got := DataDir("cifar10"); got != "/home/u/.mxnet/datasets/cifar10" {
		t.Errorf("default DataDir = %q", got)
	}
	t.Setenv("MXNET_GLUON_REPO", "")
	if got := MNISTFiles.URL("", "t10k-labels-idx1-ubyte.gz"); got != DefaultRepoURL+"gluon/dataset/mnist/t10k-labels-idx1-ubyte.gz" {
		t.Errorf("default URL %q", got)
	}
	t.Setenv("MXNET_GLUON_REPO", "http://mirror.example/repo")
	if got := CIFAR10Files.URL("", CIFAR10Files.Archive.Name); got != "http://mirror.example/repo/gluon/dataset/cifar10/cifar-10-binary.tar.gz" {
		t.Errorf("overridden URL %q", got)
	}
}

func TestShippedDataDir(t *testing.T) {
	dir := shippedOrSkip(t)
	if _, err := os.Stat(filepath.Join(dir, "mnist", "PROVENANCE.md")); err != nil {
		t.Errorf("%s has no mnist/PROVENANCE.md: %v", dir, err)
	}
	// The shipped MNIST files are the canonical ones Gluon checks.
	if bad := invalidFiles(filepath.Join(dir, "mnist"), append(MNISTFiles.Train, MNISTFiles.Test...)); len(bad) > 0 {
		t.Errorf("shipped MNIST fails Gluon's SHA-1 for %v", bad)
	}
	if bad := invalidFiles(filepath.Join(dir, "fashion-mnist"), append(FashionMNISTFiles.Train, FashionMNISTFiles.Test...)); len(bad) > 0 {
		t.Errorf("shipped Fashion-MNIST fails the accepted SHA-1s for %v", bad)
	}
	other := t.TempDir()
	t.Setenv("MXGO_DATA", other)
	if got, err := ShippedDataDir(); err != nil || got != other {
		t.Errorf("with MXGO_DATA: %q, %v", got, err)
	}
	t.Setenv("MXGO_DATA", filepath.Join(other, "absent"))
	if _, err := ShippedDataDir(); err == nil {
		t.Error("MXGO_DATA pointing nowhere accepted")
	}
}

// mnistRepo serves the shipped MNIST files under gluon/dataset/mnist/.
func mnistRepo(t *testing.T, shipped string) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	fs := http.StripPrefix("/gluon/dataset/", http.FileServer(http.Dir(shipped)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fs.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestLocateMNISTShippedWithoutNetwork(t *testing.T) {
	shipped := shippedOrSkip(t)
	offlineRepo(t)
	srv, hits := mnistRepo(t, shipped)
	f := quietFetcher()
	f.Repo = srv.URL
	dir, err := f.LocateMNIST(context.Background(), false, "")
	if err != nil || dir != filepath.Join(shipped, "mnist") {
		t.Fatalf("LocateMNIST = %q, %v; want the shipped copy", dir, err)
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests, want none when a shipped copy exists", hits.Load())
	}
	if dir, err := LocateMNIST(true, ""); err != nil || dir != filepath.Join(shipped, "fashion-mnist") {
		t.Errorf("LocateMNIST(fashion) = %q, %v", dir, err)
	}
}

func TestLocateMNISTDownloads(t *testing.T) {
	shipped := shippedOrSkip(t)
	offlineRepo(t)
	srv, hits := mnistRepo(t, shipped)
	root := t.TempDir()
	f := quietFetcher()
	f.Repo, f.Download = srv.URL, true
	dir, err := f.LocateMNIST(context.Background(), false, root)
	if err != nil || dir != root {
		t.Fatalf("LocateMNIST = %q, %v; want root", dir, err)
	}
	if hits.Load() != 4 {
		t.Errorf("%d requests, want 4", hits.Load())
	}
	if bad := invalidFiles(root, append(MNISTFiles.Train, MNISTFiles.Test...)); len(bad) > 0 {
		t.Errorf("downloaded files fail SHA-1: %v", bad)
	}
	// Valid files in root are used as they are.
	f.Download = false
	if dir, err := f.LocateMNIST(context.Background(), false, root); err != nil || dir != root || hits.Load() != 4 {
		t.Errorf("second Locate: %q, %v, %d requests", dir, err, hits.Load())
	}
}

func TestLocateMNISTOfflineFallback(t *testing.T) {
	shipped := shippedOrSkip(t)
	repo := offlineRepo(t)
	f := quietFetcher()
	f.Repo, f.Download = repo, true
	start := time.Now()
	dir, err := f.LocateMNIST(context.Background(), true, t.TempDir())
	if err != nil || dir != filepath.Join(shipped, "fashion-mnist") {
		t.Fatalf("offline LocateMNIST = %q, %v; want the shipped copy", dir, err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("offline fallback took %v", el)
	}
	f.Shipped = "-"
	if _, err := f.LocateMNIST(context.Background(), true, t.TempDir()); err == nil || !strings.Contains(err.Error(), "fashion-mnist") {
		t.Errorf("no shipped copy and no network: %v", err)
	}
}

func TestLoadMNIST(t *testing.T) {
	shippedOrSkip(t)
	offlineRepo(t)
	images, labels, err := LoadMNIST(context.Background(), "", false, false)
	if err != nil {
		t.Fatal(err)
	}
	if images.Len() != 10000 || labels.Len() != 10000 || images.ItemSize() != 784 {
		t.Fatalf("dims %v / %v", images.Dims, labels.Dims)
	}
	if want := []byte{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}; !bytes.Equal(labels.Data[:10], want) {
		t.Errorf("first labels %v, want %v", labels.Data[:10], want)
	}
	sum, nonzero := 0, 0
	for _, p := range images.Item(0) {
		sum += int(p)
		if p != 0 {
			nonzero++
		}
	}
	if sum != 18454 || nonzero != 116 {
		t.Errorf("first test image: sum %d, %d non-zero; want 18454, 116", sum, nonzero)
	}
	counts := [10]int{}
	for _, l := range labels.Data {
		counts[l]++
	}
	if counts != [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009} {
		t.Errorf("label counts %v", counts)
	}
	_, flabels, err := LoadMNIST(context.Background(), "", false, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}; !bytes.Equal(flabels.Data[:10], want) {
		t.Errorf("first Fashion-MNIST test labels %v, want %v", flabels.Data[:10], want)
	}
}

func TestLoadMNISTTrain(t *testing.T) {
	if testing.Short() {
		t.Skip("decompresses 47 MB")
	}
	shippedOrSkip(t)
	offlineRepo(t)
	images, labels, err := LoadMNIST(context.Background(), "", true, false)
	if err != nil {
		t.Fatal(err)
	}
	if images.Len() != 60000 || !bytes.Equal(labels.Data[:10], []byte{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}) {
		t.Fatalf("train: %v images, labels %v", images.Dims, labels.Data[:10])
	}
	sum := 0
	for _, p := range images.Item(0) {
		sum += int(p)
	}
	if sum != 27525 {
		t.Errorf("first train image pixel sum %d, want 27525", sum)
	}
}

func tarGz(t *testing.T, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "cifar-10-batches-bin/", Typeflag: tar.TypeDir, Mode: 0o755})
	for name, b := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(b)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func sha1hex(b []byte) string { s := sha1.Sum(b); return hex.EncodeToString(s[:]) }

func TestLoadCIFAR10FromArchive(t *testing.T) {
	offlineRepo(t)
	train, test := cifarBatch(4, 1, 10), cifarBatch(3, 1, 10)
	test[0] = 7
	archive := tarGz(t, map[string][]byte{
		"cifar-10-batches-bin/data_batch_1.bin": train,
		"cifar-10-batches-bin/test_batch.bin":   test,
		"../evil.bin":                           []byte("must not escape"),
		"cifar-10-batches-bin/readme.html":      []byte("ignored"),
	})
	d := DatasetFiles{
		Name:    "tiny-cifar",
		Archive: &RemoteFile{Name: "tiny.tar.gz", SHA1: sha1hex(archive)},
		Train:   []RemoteFile{{Name: "data_batch_1.bin", SHA1: sha1hex(train)}},
		Test:    []RemoteFile{{Name: "test_batch.bin", SHA1: sha1hex(test)}},
	}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/gluon/dataset/tiny-cifar/tiny.tar.gz" {
			http.NotFound(w, r)
			return
		}
		w.Write(archive)
	}))
	defer srv.Close()
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	f := quietFetcher()
	f.Repo = srv.URL
	images, labels, err := f.loadCIFAR10(context.Background(), d, root, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 3 || labels[0] != 7 || len(images) != 3*CIFARImageLen {
		t.Fatalf("test split: labels %v, %d image bytes", labels, len(images))
	}
	if _, labels, err = f.loadCIFAR10(context.Background(), d, root, true); err != nil || len(labels) != 4 {
		t.Fatalf("train split: %v, %v", labels, err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests, want 1 (the archive once)", hits.Load())
	}
	if _, err := os.Stat(filepath.Join(parent, "evil.bin")); err == nil {
		t.Error("archive entry escaped root")
	}
	ents, _ := os.ReadDir(root)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "data_batch_1.bin,test_batch.bin,tiny.tar.gz" {
		t.Errorf("root holds %v", names)
	}
	// An archive missing a batch is an error, not a silent short dataset.
	d.Test[0].Name = "absent.bin"
	os.Remove(filepath.Join(root, d.Archive.Name))
	if _, _, err := f.loadCIFAR10(context.Background(), d, root, false); err == nil || !strings.Contains(err.Error(), "no absent.bin in the archive") {
		t.Errorf("missing batch: %v", err)
	}
}
