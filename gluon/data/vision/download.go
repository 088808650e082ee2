package vision

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrChecksum is wrapped by Download's error when the downloaded bytes do
// not have the expected SHA-1.
var ErrChecksum = errors.New("SHA-1 mismatch")

// DownloadOptions tune Download. The zero value is ready to use.
type DownloadOptions struct {
	// Client makes the requests; nil means DefaultClient().
	Client *http.Client
	// Retries is how many times a transient failure (connection error,
	// cut transfer, 5xx) is retried. 0 means 5, as Gluon's download does;
	// negative means never.
	Retries int
	// Backoff is the wait before the first retry, doubled each time up to
	// 30 s. 0 means 1 s.
	Backoff time.Duration
	// Progress, if set, is called after each chunk with the bytes on disk
	// and the total size (-1 when the server does not say).
	Progress func(done, total int64)
	// Logger receives start, retry and finish messages; nil means
	// slog.Default().
	Logger *slog.Logger
	// Overwrite downloads even when path already holds a valid file.
	Overwrite bool
}

// DialTimeout bounds how long DefaultClient waits for a TCP connection, so
// an offline machine fails fast instead of hanging.
const DialTimeout = 3 * time.Second

// DefaultClient returns the HTTP client Download uses when none is given:
// the default transport (proxies from the environment) with a 3 s dial
// timeout and a 30 s wait for response headers, and no overall timeout so
// large files can finish.
func DefaultClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = 30 * time.Second
	return &http.Client{Transport: tr}
}

func (o *DownloadOptions) withDefaults() DownloadOptions {
	var d DownloadOptions
	if o != nil {
		d = *o
	}
	if d.Client == nil {
		d.Client = DefaultClient()
	}
	if d.Retries == 0 {
		d.Retries = 5
	} else if d.Retries < 0 {
		d.Retries = 0
	}
	if d.Backoff <= 0 {
		d.Backoff = time.Second
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return d
}

// permanentError marks failures that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Download fetches url into path, checking its SHA-1 (hex, case-insensitive;
// empty skips the check). If path already holds a file with that SHA-1,
// nothing is fetched unless opts.Overwrite is set.
//
// The bytes go to path+".part", which is renamed to path only once complete
// and verified, so path is never half-written. A partial .part file left by
// a cut connection or an earlier run is resumed with an HTTP Range request;
// a server that ignores Range is handled by starting over. Transient
// failures are retried with exponential backoff; DNS failures, an
// unreachable network and 4xx answers are not. On a checksum mismatch the
// .part file is deleted and the error wraps ErrChecksum. Two processes must
// not download the same path at once.
func Download(ctx context.Context, url, path, sha1sum string, opts *DownloadOptions) error {
	o := opts.withDefaults()
	sha1sum = strings.ToLower(sha1sum)
	if !o.Overwrite {
		if ok, _ := fileHasSHA1(path, sha1sum); ok {
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	part := path + ".part"
	if o.Overwrite {
		os.Remove(part)
	}
	log := o.Logger.With("url", url, "path", path)
	log.Info("downloading")
	start := time.Now()
	delay := o.Backoff
	freshRetry := false
	for attempt := 0; ; attempt++ {
		resumed, size, err := fetchOnce(ctx, &o, url, part)
		if err == nil {
			if err = publish(part, path, sha1sum); err == nil {
				log.Info("downloaded", "bytes", size, "elapsed", time.Since(start).Round(time.Millisecond))
				return nil
			}
			if errors.Is(err, ErrChecksum) && resumed && !freshRetry {
				// The kept prefix may be stale: one clean retry from byte 0.
				freshRetry = true
				log.Warn("checksum mismatch after resuming; retrying from the start")
				attempt--
				continue
			}
			err = permanentError{err}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("download %s: %w", url, ctx.Err())
		}
		var perm permanentError
		if errors.As(err, &perm) || attempt >= o.Retries {
			return fmt.Errorf("download %s: %w", url, err)
		}
		log.Warn("download failed; retrying", "err", err, "attempt", attempt+1, "retries", o.Retries, "wait", delay)
		select {
		case <-ctx.Done():
			return fmt.Errorf("download %s: %w", url, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 30*time.Second)
	}
}

// fetchOnce makes one request, appending to part when the server honours a
// Range request for its current length. It reports whether it resumed and
// the bytes on disk.
func fetchOnce(ctx context.Context, o *DownloadOptions, url, part string) (resumed bool, size int64, err error) {
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return false, 0, permanentError{err}
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return false, 0, permanentError{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, 0, permanentError{err}
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		return false, have, classifyNetErr(err)
	}
	defer resp.Body.Close()

	total := int64(-1)
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		start, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != have {
			f.Truncate(0)
			return false, 0, fmt.Errorf("server resumed at %q, want byte %d", resp.Header.Get("Content-Range"), have)
		}
		resumed, total = true, size
	case resp.StatusCode == http.StatusOK:
		// A fresh start, or a server that ignores Range: begin again.
		if err := f.Truncate(0); err != nil {
			return false, 0, permanentError{err}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return false, 0, permanentError{err}
		}
		have = 0
		total = resp.ContentLength
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
		// Probably complete already; the checksum decides.
		return true, have, nil
	default:
		err := fmt.Errorf("HTTP status %s", resp.Status)
		if c := resp.StatusCode; c >= 500 || c == http.StatusRequestTimeout || c == http.StatusTooManyRequests {
			return false, have, err
		}
		return false, have, permanentError{err}
	}
	if o.Progress != nil {
		o.Progress(have, total)
	}
	n, err := io.Copy(f, &progressReader{resp.Body, o.Progress, have, total})
	have += n
	if err == nil && total >= 0 && have != total {
		err = fmt.Errorf("transfer ended at %d of %d bytes: %w", have, total, io.ErrUnexpectedEOF)
	}
	if err != nil {
		f.Sync() // keep what arrived for the next attempt's Range request
		return resumed, have, fmt.Errorf("after %d bytes: %w", have, classifyNetErr(err))
	}
	if err := f.Sync(); err != nil {
		return resumed, have, permanentError{err}
	}
	return resumed, have, nil
}

type progressReader struct {
	r           io.Reader
	progress    func(done, total int64)
	done, total int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 && p.progress != nil {
		p.done += int64(n)
		p.progress(p.done, p.total)
	}
	return n, err
}

// classifyNetErr marks DNS failures and an unreachable network as
// permanent: retrying them only delays an offline fallback.
func classifyNetErr(err error) error {
	var dns *net.DNSError
	if errors.As(err, &dns) || errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) {
		return permanentError{err}
	}
	return err
}

// parseContentRange parses "bytes START-END/SIZE" (SIZE may be "*").
func parseContentRange(s string) (start, size int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, sz, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	first, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	size = -1
	if sz != "*" {
		if size, err = strconv.ParseInt(sz, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return start, size, true
}

// publish verifies part's SHA-1 and renames it to path; on a mismatch it
// deletes part.
func publish(part, path, sha1sum string) error {
	if sha1sum != "" {
		got, err := fileSHA1(part)
		if err != nil {
			return err
		}
		if got != sha1sum {
			os.Remove(part)
			return fmt.Errorf("%w: %s has SHA-1 %s, want %s", ErrChecksum, filepath.Base(path), got, sha1sum)
		}
	}
	if err := os.Rename(part, path); err != nil {
		return fmt.Errorf("publish %s: %w", path, err)
	}
	return nil
}

// fileSHA1 returns the lower-case hex SHA-1 of a file.
func fileSHA1(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha1.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fileHasSHA1 reports whether path is a regular file with one of the given
// SHA-1 sums (any file, when the only sum given is empty).
func fileHasSHA1(path string, sums ...string) (bool, error) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return false, err
	}
	if len(sums) == 1 && sums[0] == "" {
		return true, nil
	}
	got, err := fileSHA1(path)
	if err != nil {
		return false, err
	}
	for _, s := range sums {
		if strings.EqualFold(got, s) {
			return true, nil
		}
	}
	return false, nil
}
