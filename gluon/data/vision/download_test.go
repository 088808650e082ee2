package vision

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func testPayload(n int) ([]byte, string) {
	rng := rand.New(rand.NewPCG(9, 9))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	sum := sha1.Sum(b)
	return b, hex.EncodeToString(sum[:])
}

// quiet returns options with fast retries and no log noise.
func quiet() *DownloadOptions {
	return &DownloadOptions{Backoff: time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
}

// cutOnce serves content, but the first response stops after half the
// bytes and drops the connection. After that it calls next.
func cutOnce(content []byte, next http.HandlerFunc) (http.HandlerFunc, *[]string) {
	var mu sync.Mutex
	var ranges []string
	var calls atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ranges = append(ranges, r.Header.Get("Range"))
		mu.Unlock()
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Length", "200000")
			w.WriteHeader(http.StatusOK)
			w.Write(content[:len(content)/2])
			w.(http.Flusher).Flush()
			time.Sleep(20 * time.Millisecond)
			panic(http.ErrAbortHandler)
		}
		next(w, r)
	}, &ranges
}

func TestDownloadFresh(t *testing.T) {
	content, sum := testPayload(100000)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(content))
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "sub", "f.bin")
	o := quiet()
	var lastDone, lastTotal int64
	o.Progress = func(done, total int64) { lastDone, lastTotal = done, total }
	if err := Download(context.Background(), srv.URL+"/f", path, strings.ToUpper(sum), o); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Fatal("downloaded bytes differ")
	}
	if lastDone != 100000 || lastTotal != 100000 {
		t.Errorf("last progress %d/%d, want 100000/100000", lastDone, lastTotal)
	}
	if _, err := os.Stat(path + ".part"); !os.IsNotExist(err) {
		t.Error(".part file left behind")
	}
	// A valid file is not fetched again.
	if err := Download(context.Background(), srv.URL+"/f", path, sum, o); err != nil || hits.Load() != 1 {
		t.Errorf("second download: %v, %d requests (want 1 in total)", err, hits.Load())
	}
}

func TestDownloadResumesAfterCut(t *testing.T) {
	content, sum := testPayload(200000)
	h, ranges := cutOnce(content, func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(content))
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "f.bin")
	if err := Download(context.Background(), srv.URL+"/f", path, sum, quiet()); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Fatal("resumed file differs")
	}
	if len(*ranges) != 2 || (*ranges)[0] != "" || !strings.HasPrefix((*ranges)[1], "bytes=") || (*ranges)[1] == "bytes=0-" {
		t.Errorf("Range headers %q, want none then bytes=N- with N > 0", *ranges)
	}
}

func TestDownloadServerIgnoresRange(t *testing.T) {
	content, sum := testPayload(200000)
	h, ranges := cutOnce(content, func(w http.ResponseWriter, r *http.Request) {
		w.Write(content) // 200 with the whole file, whatever Range says
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "f.bin")
	if err := Download(context.Background(), srv.URL+"/f", path, sum, quiet()); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Fatalf("file differs (%d bytes, want %d)", len(got), len(content))
	}
	if len(*ranges) != 2 || (*ranges)[1] == "" {
		t.Errorf("Range headers %q", *ranges)
	}
}

func TestDownloadWrongBytes(t *testing.T) {
	_, sum := testPayload(1000)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("not the file you want"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "f.bin")
	err := Download(context.Background(), srv.URL+"/f", path, sum, quiet())
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("got %v, want ErrChecksum", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left after checksum mismatch: %v", ents)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests, want 1 (a mismatch on a fresh download is not retried)", hits.Load())
	}
}

func TestDownloadStalePartialRestarts(t *testing.T) {
	content, sum := testPayload(5000)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(content))
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "f.bin")
	os.WriteFile(path+".part", []byte("stale prefix from another version"), 0o644)
	if err := Download(context.Background(), srv.URL+"/f", path, sum, quiet()); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) || hits.Load() != 2 {
		t.Fatalf("file ok=%v after %d requests, want ok after 2", bytes.Equal(got, content), hits.Load())
	}
}

func TestDownloadStatusRetries(t *testing.T) {
	content, sum := testPayload(100)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n := hits.Add(1); {
		case strings.HasSuffix(r.URL.Path, "/missing"):
			http.NotFound(w, r)
		case n <= 2:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		default:
			w.Write(content)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	if err := Download(context.Background(), srv.URL+"/f", filepath.Join(dir, "f"), sum, quiet()); err != nil || hits.Load() != 3 {
		t.Fatalf("503 twice then 200: %v after %d requests, want success after 3", err, hits.Load())
	}
	hits.Store(10)
	err := Download(context.Background(), srv.URL+"/missing", filepath.Join(dir, "m"), "", quiet())
	if err == nil || !strings.Contains(err.Error(), "404") || hits.Load() != 11 {
		t.Errorf("404: %v after %d requests, want an error after 1", err, hits.Load()-10)
	}
}

func TestDownloadRetriesExhausted(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/f"
	srv.Close() // connection refused from now on
	o := quiet()
	o.Retries = 2
	start := time.Now()
	err := Download(context.Background(), url, filepath.Join(t.TempDir(), "f"), "", o)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("closed server: %v after %v", err, time.Since(start))
	}
}

func TestDownloadContextCancel(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write(make([]byte, 10))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Download(ctx, srv.URL+"/f", filepath.Join(t.TempDir(), "f"), "", quiet())
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Fatalf("got %v after %v, want DeadlineExceeded promptly", err, time.Since(start))
	}
}

func TestParseContentRange(t *testing.T) {
	for in, want := range map[string][3]int64{
		"bytes 100-199/200": {100, 200, 1},
		"bytes 5-9/*":       {5, -1, 1},
		"bytes x-9/10":      {0, 0, 0},
		"items 1-2/3":       {0, 0, 0},
	} {
		s, n, ok := parseContentRange(in)
		if ok != (want[2] == 1) || (ok && (s != want[0] || n != want[1])) {
			t.Errorf("parseContentRange(%q) = %d, %d, %v", in, s, n, ok)
		}
	}
}
