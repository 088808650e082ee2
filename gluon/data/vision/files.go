package vision

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// DefaultRepoURL is Gluon's public dataset and model repository, used when
// $MXNET_GLUON_REPO is unset.
const DefaultRepoURL = "https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/"

// RemoteFile is one file of a dataset in the Gluon repository.
type RemoteFile struct {
	Name string
	SHA1 string
	// AltSHA1 lists other accepted sums for a file with the same content
	// packed differently (Debian's re-gzipped Fashion-MNIST, which the
	// repository ships in data/).
	AltSHA1 []string
}

func (f RemoteFile) sums() []string { return append([]string{f.SHA1}, f.AltSHA1...) }

// DatasetFiles lists a dataset's files as Gluon's vision datasets do. Name
// is both the folder under $MXNET_HOME/datasets and the repository
// namespace gluon/dataset/NAME. When Archive is set, Train and Test are
// extracted from it rather than downloaded one by one.
type DatasetFiles struct {
	Name        string
	Archive     *RemoteFile
	Train, Test []RemoteFile
}

// URL returns the repository URL of one of the dataset's files.
func (d DatasetFiles) URL(repo, file string) string {
	return RepoFileURL(repo, "gluon/dataset/"+d.Name, file)
}

// The Gluon datasets' files and SHA-1 sums (python/mxnet/gluon/data/vision/
// datasets.py). For MNIST-like sets Train and Test are {images, labels}.
var (
	MNISTFiles = DatasetFiles{
		Name: "mnist",
		Train: []RemoteFile{
			{Name: "train-images-idx3-ubyte.gz", SHA1: "6c95f4b05d2bf285e1bfb0e7960c31bd3b3f8a7d"},
			{Name: "train-labels-idx1-ubyte.gz", SHA1: "2a80914081dc54586dbdf242f9805a6b8d2a15fc"},
		},
		Test: []RemoteFile{
			{Name: "t10k-images-idx3-ubyte.gz", SHA1: "c3a25af1f52dad7f726cce8cacb138654b760d48"},
			{Name: "t10k-labels-idx1-ubyte.gz", SHA1: "763e7fa3757d93b0cdec073cef058b2004252c17"},
		},
	}
	FashionMNISTFiles = DatasetFiles{
		Name: "fashion-mnist",
		Train: []RemoteFile{
			{Name: "train-images-idx3-ubyte.gz", SHA1: "0cf37b0d40ed5169c6b3aba31069a9770ac9043d",
				AltSHA1: []string{"f3b839f14745c4e79b8fd3c612c99de71320e861"}},
			{Name: "train-labels-idx1-ubyte.gz", SHA1: "236021d52f1e40852b06a4c3008d8de8aef1e40b",
				AltSHA1: []string{"f4909103fbdc4fa0d25c24c0ef242affd5e6311d"}},
		},
		Test: []RemoteFile{
			{Name: "t10k-images-idx3-ubyte.gz", SHA1: "626ed6a7c06dd17c0eec72fa3be1740f146a2863",
				AltSHA1: []string{"5273a894aa97b4c0880e0d709e6afbdc770d05e3"}},
			{Name: "t10k-labels-idx1-ubyte.gz", SHA1: "17f9ab60e7257a1620f4ad76bbbaf857c3920701",
				AltSHA1: []string{"9317cfa0b855692f9538dd9e8821f97222088aa9"}},
		},
	}
	CIFAR10Files = DatasetFiles{
		Name:    "cifar10",
		Archive: &RemoteFile{Name: "cifar-10-binary.tar.gz", SHA1: "fab780a1e191a7eda0f345501ccd62d20f7ed891"},
		Train: []RemoteFile{
			{Name: "data_batch_1.bin", SHA1: "aadd24acce27caa71bf4b10992e9e7b2d74c2540"},
			{Name: "data_batch_2.bin", SHA1: "c0ba65cce70568cd57b4e03e9ac8d2a5367c1795"},
			{Name: "data_batch_3.bin", SHA1: "1dd00a74ab1d17a6e7d73e185b69dbf31242f295"},
			{Name: "data_batch_4.bin", SHA1: "aab85764eb3584312d3c7f65fd2fd016e36a258e"},
			{Name: "data_batch_5.bin", SHA1: "26e2849e66a845b7f1e4614ae70f4889ae604628"},
		},
		Test: []RemoteFile{{Name: "test_batch.bin", SHA1: "67eb016db431130d61cd03c7ad570b013799c88c"}},
	}
	CIFAR100Files = DatasetFiles{
		Name:    "cifar100",
		Archive: &RemoteFile{Name: "cifar-100-binary.tar.gz", SHA1: "a0bb982c76b83111308126cc779a992fa506b90b"},
		Train:   []RemoteFile{{Name: "train.bin", SHA1: "e207cd2e05b73b1393c74c7f5e7bea451d63e08e"}},
		Test:    []RemoteFile{{Name: "test.bin", SHA1: "8fb6623e830365ff53cf14adec797474f5478006"}},
	}
)

// DataHome returns MXNet's data directory: $MXNET_HOME, or ~/.mxnet
// (%APPDATA%\mxnet on Windows), as mxnet.base.data_dir does.
func DataHome() string {
	if h := os.Getenv("MXNET_HOME"); h != "" {
		return h
	}
	if runtime.GOOS == "windows" {
		if a := os.Getenv("APPDATA"); a != "" {
			return filepath.Join(a, "mxnet")
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		// No home directory (some containers): keep data beside the temp dir.
		return filepath.Join(os.TempDir(), ".mxnet")
	}
	return filepath.Join(home, ".mxnet")
}

// DataDir returns where Gluon keeps dataset name: DataHome()/datasets/name.
func DataDir(name string) string { return filepath.Join(DataHome(), "datasets", name) }

// RepoURL returns the Gluon repository base URL, ending in "/":
// $MXNET_GLUON_REPO, or DefaultRepoURL.
func RepoURL() string {
	repo := os.Getenv("MXNET_GLUON_REPO")
	if repo == "" {
		repo = DefaultRepoURL
	}
	if !strings.HasSuffix(repo, "/") {
		repo += "/"
	}
	return repo
}

// RepoFileURL returns repo + namespace + "/" + file, with repo defaulting
// to RepoURL() when empty (Gluon's _get_repo_file_url).
func RepoFileURL(repo, namespace, file string) string {
	if repo == "" {
		repo = RepoURL()
	} else if !strings.HasSuffix(repo, "/") {
		repo += "/"
	}
	return repo + namespace + "/" + file
}

const modulePath = "github.com/mxgo/mxgo"

// ShippedDataDir returns the repository's data/ directory, which holds the
// datasets shipped with MXGo (data/mnist, data/fashion-mnist). It looks at
// $MXGO_DATA, then walks up from the working directory to the module root
// (a go.mod declaring github.com/mxgo/mxgo) and then tries the source tree
// this package was built from.
func ShippedDataDir() (string, error) {
	if d := os.Getenv("MXGO_DATA"); d != "" {
		if isDir(d) {
			return d, nil
		}
		return "", fmt.Errorf("vision: MXGO_DATA=%s is not a directory", d)
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	for _, start := range starts {
		for dir := start; ; {
			if isModuleRoot(dir) && isDir(filepath.Join(dir, "data")) {
				return filepath.Join(dir, "data"), nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errors.New("vision: shipped data not found: set MXGO_DATA to the repository's data directory")
}

func isModuleRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == modulePath
		}
	}
	return false
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// Fetcher finds and downloads datasets. The zero value uses the shipped
// copy when there is one and never touches the network in that case.
type Fetcher struct {
	// Download makes Locate fetch from the repository into root even when
	// a shipped copy exists (the shipped copy stays the fallback).
	Download bool
	// Repo overrides RepoURL().
	Repo string
	// Shipped overrides ShippedDataDir(); "-" disables shipped copies.
	Shipped string
	DownloadOptions
}

func (f *Fetcher) logger() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}

// locate returns a directory holding all of files for dataset d. Order:
// valid files in root; the shipped copy (unless f.Download); a download
// into root; the shipped copy again if the download failed.
func (f *Fetcher) locate(ctx context.Context, d DatasetFiles, root string, files []RemoteFile) (string, error) {
	if root == "" {
		root = DataDir(d.Name)
	}
	missing := invalidFiles(root, files)
	if len(missing) == 0 {
		return root, nil
	}
	shipped := f.shippedDir(d.Name, files)
	if shipped != "" && !f.Download {
		f.logger().Debug("using shipped dataset", "dataset", d.Name, "dir", shipped)
		return shipped, nil
	}
	var err error
	for _, file := range missing {
		path := filepath.Join(root, file.Name)
		if err = Download(ctx, d.URL(f.Repo, file.Name), path, file.SHA1, &f.DownloadOptions); err != nil {
			break
		}
	}
	if err == nil {
		return root, nil
	}
	if shipped != "" && ctx.Err() == nil {
		f.logger().Warn("download failed; using the shipped copy", "dataset", d.Name, "dir", shipped, "err", err)
		return shipped, nil
	}
	return "", fmt.Errorf("vision: %s: %w", d.Name, err)
}

// invalidFiles returns the files absent from dir or with a wrong SHA-1.
func invalidFiles(dir string, files []RemoteFile) []RemoteFile {
	var bad []RemoteFile
	for _, file := range files {
		if ok, _ := fileHasSHA1(filepath.Join(dir, file.Name), file.sums()...); !ok {
			bad = append(bad, file)
		}
	}
	return bad
}

// shippedDir returns the shipped copy of dataset name if it has all files.
func (f *Fetcher) shippedDir(name string, files []RemoteFile) string {
	base := f.Shipped
	if base == "-" {
		return ""
	}
	if base == "" {
		var err error
		if base, err = ShippedDataDir(); err != nil {
			return ""
		}
	}
	dir := filepath.Join(base, name)
	for _, file := range files {
		if st, err := os.Stat(filepath.Join(dir, file.Name)); err != nil || !st.Mode().IsRegular() {
			return ""
		}
	}
	return dir
}

func mnistFiles(fashion bool) DatasetFiles {
	if fashion {
		return FashionMNISTFiles
	}
	return MNISTFiles
}

// LocateMNIST returns a directory holding the four MNIST (or
// Fashion-MNIST) .gz files, trying root (default DataDir), then the
// shipped copy, then a download; see Fetcher.
func (f *Fetcher) LocateMNIST(ctx context.Context, fashion bool, root string) (string, error) {
	d := mnistFiles(fashion)
	return f.locate(ctx, d, root, append(append([]RemoteFile{}, d.Train...), d.Test...))
}

// LocateMNIST is Fetcher.LocateMNIST with default settings: no network
// access when a shipped copy exists.
func LocateMNIST(fashion bool, root string) (string, error) {
	return new(Fetcher).LocateMNIST(context.Background(), fashion, root)
}

// LoadMNIST returns the train or test split of MNIST or Fashion-MNIST:
// images with dims [N 28 28] and labels with dims [N], labels 0..9.
func (f *Fetcher) LoadMNIST(ctx context.Context, root string, train, fashion bool) (images, labels IDX, err error) {
	d := mnistFiles(fashion)
	split := d.Test
	if train {
		split = d.Train
	}
	dir, err := f.locate(ctx, d, root, split)
	if err != nil {
		return IDX{}, IDX{}, err
	}
	if images, err = ReadIDXFile(filepath.Join(dir, split[0].Name)); err != nil {
		return IDX{}, IDX{}, fmt.Errorf("vision: %w", err)
	}
	if labels, err = ReadIDXFile(filepath.Join(dir, split[1].Name)); err != nil {
		return IDX{}, IDX{}, fmt.Errorf("vision: %w", err)
	}
	if err := checkMNIST(images, labels); err != nil {
		return IDX{}, IDX{}, fmt.Errorf("vision: %s in %s: %w", d.Name, dir, err)
	}
	return images, labels, nil
}

// LoadMNIST is Fetcher.LoadMNIST with default settings.
func LoadMNIST(ctx context.Context, root string, train, fashion bool) (images, labels IDX, err error) {
	return new(Fetcher).LoadMNIST(ctx, root, train, fashion)
}

func checkMNIST(images, labels IDX) error {
	if len(images.Dims) != 3 || images.Dims[1] != 28 || images.Dims[2] != 28 {
		return fmt.Errorf("images have dims %v, want [N 28 28]", images.Dims)
	}
	if len(labels.Dims) != 1 || labels.Dims[0] != images.Dims[0] {
		return fmt.Errorf("labels have dims %v for %d images", labels.Dims, images.Dims[0])
	}
	for i, l := range labels.Data {
		if l > 9 {
			return fmt.Errorf("label %d is %d, want 0..9", i, l)
		}
	}
	return nil
}

// fetchArchived makes sure root holds valid copies of files, downloading
// d.Archive into root and extracting them from it when needed.
func (f *Fetcher) fetchArchived(ctx context.Context, d DatasetFiles, root string, files []RemoteFile) (string, error) {
	if root == "" {
		root = DataDir(d.Name)
	}
	if len(invalidFiles(root, files)) == 0 {
		return root, nil
	}
	archive := filepath.Join(root, d.Archive.Name)
	if err := Download(ctx, d.URL(f.Repo, d.Archive.Name), archive, d.Archive.SHA1, &f.DownloadOptions); err != nil {
		return "", fmt.Errorf("vision: %s: %w", d.Name, err)
	}
	all := append(append([]RemoteFile{}, d.Train...), d.Test...)
	if err := extractTarGz(archive, root, all); err != nil {
		return "", fmt.Errorf("vision: %s: %w", d.Name, err)
	}
	if bad := invalidFiles(root, files); len(bad) > 0 {
		return "", fmt.Errorf("vision: %s: %s extracted from %s has the wrong SHA-1", d.Name, bad[0].Name, d.Archive.Name)
	}
	return root, nil
}

// extractTarGz writes the regular files of a .tar.gz whose base names are
// among files into dir (flattening any leading folders, so both Gluon's and
// the original CIFAR archive layouts work). Other entries are ignored, so
// names with ".." cannot escape dir. Each file is written atomically.
func extractTarGz(archive, dir string, files []RemoteFile) error {
	want := make(map[string]bool, len(files))
	for _, f := range files {
		want[f.Name] = true
	}
	fh, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer fh.Close()
	zr, err := gzip.NewReader(bufio.NewReader(fh))
	if err != nil {
		return fmt.Errorf("%s: %w", archive, err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", archive, err)
		}
		name := filepath.Base(filepath.FromSlash(hdr.Name))
		if hdr.Typeflag != tar.TypeReg || !want[name] {
			continue
		}
		if err := writeAtomic(filepath.Join(dir, name), tr); err != nil {
			return fmt.Errorf("%s: extract %s: %w", archive, hdr.Name, err)
		}
		delete(want, name)
	}
	for name := range want {
		return fmt.Errorf("%s: no %s in the archive", archive, name)
	}
	return nil
}

func writeAtomic(path string, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	_, err = io.Copy(tmp, r)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return err
}

// LoadCIFAR10 returns the train (50000) or test (10000) images of CIFAR-10
// as N×3×32×32 bytes with their labels, downloading and extracting Gluon's
// archive into root (default DataDir("cifar10")) when needed.
func (f *Fetcher) LoadCIFAR10(ctx context.Context, root string, train bool) (images []byte, labels []uint8, err error) {
	return f.loadCIFAR10(ctx, CIFAR10Files, root, train)
}

func (f *Fetcher) loadCIFAR10(ctx context.Context, d DatasetFiles, root string, train bool) ([]byte, []uint8, error) {
	split := d.Test
	if train {
		split = d.Train
	}
	dir, err := f.fetchArchived(ctx, d, root, split)
	if err != nil {
		return nil, nil, err
	}
	var images []byte
	var labels []uint8
	for _, file := range split {
		im, lab, err := ParseCIFAR10File(filepath.Join(dir, file.Name))
		if err != nil {
			return nil, nil, fmt.Errorf("vision: %w", err)
		}
		images = append(images, im...)
		labels = append(labels, lab...)
	}
	return images, labels, nil
}

// LoadCIFAR100 is LoadCIFAR10 for CIFAR-100, returning coarse (20-class)
// and fine (100-class) labels.
func (f *Fetcher) LoadCIFAR100(ctx context.Context, root string, train bool) (images []byte, coarse, fine []uint8, err error) {
	d := CIFAR100Files
	split := d.Test
	if train {
		split = d.Train
	}
	dir, err := f.fetchArchived(ctx, d, root, split)
	if err != nil {
		return nil, nil, nil, err
	}
	if images, coarse, fine, err = ParseCIFAR100File(filepath.Join(dir, split[0].Name)); err != nil {
		return nil, nil, nil, fmt.Errorf("vision: %w", err)
	}
	return images, coarse, fine, nil
}
