package recordio_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mxgo/mxgo/gluon/data/recordio"
)

func ExampleWriter() {
	var buf bytes.Buffer
	w := recordio.NewWriter(&buf)
	for _, s := range []string{"first", "second record"} {
		off, _ := w.Write([]byte(s))
		fmt.Println("wrote at", off)
	}
	r := recordio.NewReader(&buf)
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		fmt.Printf("%q\n", rec)
	}
	// Output:
	// wrote at 0
	// wrote at 16
	// "first"
	// "second record"
}

func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "recordio")
	defer os.RemoveAll(dir)
	rec := filepath.Join(dir, "train.rec")
	iw, _ := recordio.Create(rec, "") // writes train.rec and train.idx
	for _, key := range []int{2, 0, 1} {
		h := recordio.Header{Label: float32(key), ID: uint64(key)}
		iw.Write(key, recordio.Pack(h, []byte(fmt.Sprint("image ", key))))
	}
	if err := iw.Close(); err != nil {
		fmt.Println(err)
		return
	}

	ir, _ := recordio.Open(rec, "")
	defer ir.Close()
	fmt.Println("keys in file order:", ir.Keys())
	r, _ := ir.Read(1)
	h, img, _ := recordio.Unpack(r)
	fmt.Println(h, string(img))
	// Output:
	// keys in file order: [2 0 1]
	// HEADER(flag=0, label=1, id=1, id2=0) image 1
}

func ExampleNewPartReader() {
	var buf bytes.Buffer
	w := recordio.NewWriter(&buf)
	for i := range 6 {
		w.Write(bytes.Repeat([]byte{byte('a' + i)}, 10*i+1))
	}
	data := bytes.NewReader(buf.Bytes())
	for part := range 3 {
		r, _ := recordio.NewPartReader(data, data.Size(), part, 3)
		var got []string
		for {
			rec, err := r.Next()
			if err != nil {
				break
			}
			got = append(got, string(rec[:1]))
		}
		fmt.Println("part", part, got)
	}
	// Output:
	// part 0 [a b c d]
	// part 1 [e]
	// part 2 [f]
}
