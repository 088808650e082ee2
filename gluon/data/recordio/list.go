package recordio

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ListItem is one line of an im2rec .lst file: an integer index, one or
// more float labels, and an image path relative to the image root.
type ListItem struct {
	Index  int
	Labels []float32
	Path   string
}

// ReadList parses a .lst file (tab-separated `index, label…, path`). Blank
// lines are skipped; a line with fewer than 3 fields, a bad number or an
// empty path is an error naming the line.
func ReadList(r io.Reader) ([]ListItem, error) {
	var items []ListItem
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r\n")
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) < 3 {
			return nil, &FormatError{Line: line, Offset: -1, Msg: fmt.Sprintf("want at least 3 tab-separated fields (index, label, path), got %d", len(fields))}
		}
		idx, err := strconv.Atoi(strings.TrimSpace(fields[0]))
		if err != nil {
			return nil, &FormatError{Line: line, Offset: -1, Msg: "bad index", Err: err}
		}
		item := ListItem{Index: idx, Path: strings.TrimSpace(fields[len(fields)-1])}
		if item.Path == "" {
			return nil, &FormatError{Line: line, Offset: -1, Msg: "empty image path"}
		}
		for _, f := range fields[1 : len(fields)-1] {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
			if err != nil {
				return nil, &FormatError{Line: line, Offset: -1, Msg: "bad label", Err: err}
			}
			item.Labels = append(item.Labels, float32(v))
		}
		items = append(items, item)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("recordio: read list: %w", err)
	}
	return items, nil
}

// WriteList writes items in .lst format. Labels are written in their
// shortest exact decimal form, so ReadList gives back the same float32s.
// Items need at least one label, and paths may not contain tabs or newlines or start or end with spaces.
func WriteList(w io.Writer, items []ListItem) error {
	bw := bufio.NewWriter(w)
	for i, it := range items {
		if len(it.Labels) == 0 {
			return fmt.Errorf("recordio: write list: item %d (%s) has no label", i, it.Path)
		}
		if it.Path == "" || strings.ContainsAny(it.Path, "\t\n") || strings.TrimSpace(it.Path) != it.Path {
			return fmt.Errorf("recordio: write list: item %d: path %q is empty, has tabs or newlines, or edge spaces", i, it.Path)
		}
		bw.WriteString(strconv.Itoa(it.Index))
		for _, v := range it.Labels {
			bw.WriteByte('\t')
			bw.WriteString(strconv.FormatFloat(float64(v), 'f', -1, 32))
		}
		bw.WriteByte('\t')
		bw.WriteString(it.Path)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("recordio: write list: %w", err)
	}
	return nil
}
