// Package testutil holds helpers shared by MXGo's tests.
package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// Fixtures returns the directory of test fixtures written by other software
// (shared/fixtures beside the repository). It looks at $MXGO_FIXTURES first,
// then walks up from the working directory looking for shared/fixtures. It
// calls t.Skip when none is found, so tests that need outside files skip
// cleanly on a machine without them.
func Fixtures(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("MXGO_FIXTURES"); dir != "" {
		if isDir(dir) {
			return dir
		}
		t.Skipf("MXGO_FIXTURES=%s is not a directory; skipping test that needs fixtures", dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Skipf("fixtures: cannot get working directory: %v", err)
	}
	for dir := wd; ; {
		cand := filepath.Join(dir, "shared", "fixtures")
		if isDir(cand) {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	t.Skip("fixtures not found: set MXGO_FIXTURES or place shared/fixtures beside the repository")
	return ""
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
