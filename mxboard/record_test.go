package mxboard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/mxboard/tbproto"
)

func TestMaskedCRCKnownAnswers(t *testing.T) {
	if got := crc32.Checksum([]byte("123456789"), castagnoli); got != 0xE3069283 {
		t.Errorf("crc32c(123456789) = %#x, want 0xE3069283", got)
	}
	tests := []struct {
		name string
		in   []byte
		want uint32
	}{
		{"check string", []byte("123456789"), 0xC78AB0E5},
		{"length 24", []byte{0x18, 0, 0, 0, 0, 0, 0, 0}, 0x224B7FA3},
		{"empty", nil, 0xA282EAD8},
	}
	for _, tt := range tests {
		if got := MaskedCRC(tt.in); got != tt.want {
			t.Errorf("%s: MaskedCRC = %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

// eventBytes frames the given events as an event file.
func eventBytes(t testing.TB, events ...*tbproto.Event) []byte {
	t.Helper()
	var b []byte
	for _, ev := range events {
		data, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		b = appendRecord(b, data)
	}
	return b
}

func scalarEv(step int64, v float32) *tbproto.Event {
	return summaryEvent(step, &tbproto.Summary_Value{Tag: "loss", Value: &tbproto.Summary_Value_SimpleValue{SimpleValue: v}})
}

func readAll(r io.Reader) ([]*tbproto.Event, error) {
	er := NewEventReader(r)
	var out []*tbproto.Event
	for {
		ev, err := er.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func TestReaderRoundTrip(t *testing.T) {
	b := eventBytes(t, scalarEv(1, 0.5), scalarEv(2, 0.25), scalarEv(3, 0.125))
	events, err := readAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("read %d events, want 3", len(events))
	}
	for i, want := range []float32{0.5, 0.25, 0.125} {
		got := events[i].GetSummary().GetValue()[0].GetSimpleValue()
		if got != want || events[i].GetStep() != int64(i+1) {
			t.Errorf("event %d: step %d value %v, want step %d value %v", i, events[i].GetStep(), got, i+1, want)
		}
	}
}

func TestReaderStopsAtDamage(t *testing.T) {
	good := eventBytes(t, scalarEv(1, 1), scalarEv(2, 2))
	third := eventBytes(t, scalarEv(3, 3))
	file := append(append([]byte{}, good...), third...)
	tests := []struct {
		name    string
		damage  func([]byte) []byte
		wantErr error
	}{
		{"data byte flipped", func(b []byte) []byte { b[len(good)+14] ^= 0x40; return b }, ErrCorrupt},
		{"length crc flipped", func(b []byte) []byte { b[len(good)+9] ^= 1; return b }, ErrCorrupt},
		{"data crc flipped", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, ErrCorrupt},
		{"cut in header", func(b []byte) []byte { return b[:len(good)+5] }, ErrTruncated},
		{"cut in data", func(b []byte) []byte { return b[:len(b)-6] }, ErrTruncated},
		{"cut in crc", func(b []byte) []byte { return b[:len(b)-2] }, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.damage(append([]byte{}, file...))
			events, err := readAll(bytes.NewReader(b))
			if len(events) != 2 {
				t.Errorf("kept %d events before the damage, want 2", len(events))
			}
			var re *RecordError
			if !errors.As(err, &re) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want *RecordError wrapping %v", err, tt.wantErr)
			}
			if re.Offset != int64(len(good)) || re.Index != 2 {
				t.Errorf("error at offset %d index %d, want offset %d index 2", re.Offset, re.Index, len(good))
			}
		})
	}
}

func TestReaderUndecodableEvent(t *testing.T) {
	b := appendRecord(eventBytes(t, scalarEv(1, 1)), []byte{0xff, 0xff, 0xff})
	events, err := readAll(bytes.NewReader(b))
	if len(events) != 1 || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "decode event") {
		t.Fatalf("got %d events, err %v; want 1 event and a decode error", len(events), err)
	}
}

func TestReadEventsNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.out.tfevents.1.host")
	b := eventBytes(t, scalarEv(1, 1))
	b[20] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadEvents(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "offset 0") {
		t.Fatalf("err = %v, want one naming %s and offset 0", err, path)
	}
}

func TestReaderHugeLengthIsNotAllocated(t *testing.T) {
	var hdr [12]byte
	binary.LittleEndian.PutUint64(hdr[:8], MaxRecordSize) // valid CRC, no data behind it
	binary.LittleEndian.PutUint32(hdr[8:], MaskedCRC(hdr[:8]))
	_, err := readAll(bytes.NewReader(hdr[:]))
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
	binary.LittleEndian.PutUint64(hdr[:8], MaxRecordSize+1)
	binary.LittleEndian.PutUint32(hdr[8:], MaskedCRC(hdr[:8]))
	if _, err := readAll(bytes.NewReader(hdr[:])); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt for an oversized length", err)
	}
}

func FuzzEventReader(f *testing.F) {
	f.Add(eventBytes(f, scalarEv(1, 1), scalarEv(7, 2.5)))
	f.Add(eventBytes(f, &tbproto.Event{What: &tbproto.Event_FileVersion{FileVersion: "brain.Event:2"}}))
	f.Add([]byte{})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		er := NewEventReader(bytes.NewReader(b))
		run := &Run{Tags: map[string]string{}, Counts: map[string]int{}, Scalars: map[string][]Scalar{}}
		var consumed int64
		for {
			ev, err := er.Next()
			if ev != nil {
				run.addEvent(ev) // the logdir loader must cope with any decoded event
			}
			if err == io.EOF {
				if consumed != int64(len(b)) {
					t.Fatalf("clean EOF after %d of %d bytes", consumed, len(b))
				}
				return
			}
			if err != nil {
				var re *RecordError
				if !errors.As(err, &re) || re.Offset != consumed || re.Index != er.Count() {
					t.Fatalf("error %v does not locate record %d at %d", err, er.Count(), consumed)
				}
				if _, again := er.Next(); again != err {
					t.Fatalf("error not sticky: %v then %v", err, again)
				}
				return
			}
			consumed = er.Offset()
		}
	})
}

// The real files TensorFlow 2 and PyTorch wrote (see PROVENANCE.md there).
func fixtureFile(t *testing.T, dir string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(testutil.Fixtures(t), "tensorboard", dir, "events.out.tfevents.*"))
	if len(matches) != 1 {
		t.Skipf("fixture tensorboard/%s not found", dir)
	}
	return matches[0]
}

func TestTF2Fixture(t *testing.T) {
	path := fixtureFile(t, "tf2-scalar-tensor")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := raw[:12]; !bytes.Equal(got, []byte{0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22}) {
		t.Errorf("first 12 bytes % x", got)
	}
	if got := binary.LittleEndian.Uint32(raw[12+24:]); got != 0x92FC5DAF {
		t.Errorf("first data crc %#x, want 0x92FC5DAF", got)
	}
	events, err := ReadEvents(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 101 {
		t.Fatalf("%d events, want 101", len(events))
	}
	if events[0].GetFileVersion() != "brain.Event:2" || events[0].GetWallTime() != 1585499054.0 {
		t.Errorf("first event %v", events[0])
	}
	for i, ev := range events[1:] {
		v := ev.GetSummary().GetValue()
		if len(v) != 1 || v[0].GetTag() != "my_metric" || v[0].GetMetadata().GetPluginData().GetPluginName() != "scalars" {
			t.Fatalf("event %d: %v", i+1, ev)
		}
		if v[0].GetTensor().GetDtype() != tbproto.DataType_DT_FLOAT {
			t.Errorf("event %d dtype %v", i+1, v[0].GetTensor().GetDtype())
		}
		x, ok := ScalarValue(v[0])
		if !ok || x != 0.5*float64(i) || ev.GetStep() != int64(i) {
			t.Errorf("event %d: step %d value %v ok=%v, want step %d value %v", i+1, ev.GetStep(), x, ok, i, 0.5*float64(i))
		}
	}
	assertReencodes(t, raw, events, false)
}

func TestPyTorchFixture(t *testing.T) {
	path := fixtureFile(t, "pytorch-simple-value")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	events, err := ReadEvents(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 101 || events[0].GetFileVersion() != "brain.Event:2" || events[0].GetWallTime() != 1622543341.75773 {
		t.Fatalf("%d events, first %v", len(events), events[0])
	}
	var values []float64
	var sum float64
	lo, hi := 10.0, -10.0
	for i, ev := range events[1:] {
		v := ev.GetSummary().GetValue()[0]
		if v.GetTag() != "strict/foo" || ev.GetStep() != int64(5*i) || v.GetMetadata() != nil {
			t.Fatalf("event %d: %v", i+1, ev)
		}
		x, ok := ScalarValue(v)
		if !ok {
			t.Fatalf("event %d has no scalar", i+1)
		}
		values = append(values, x)
		sum += x
		lo, hi = min(lo, x), max(hi, x)
	}
	want := []float64{1.4962565898895264, 1.7682218551635742, 1.088477373123169}
	for i, w := range want {
		if values[i] != w {
			t.Errorf("value %d = %v, want %v", i, values[i], w)
		}
	}
	if values[99] != 1.212090253829956 || lo != 1.0012359619140625 || hi != 1.9970664978027344 {
		t.Errorf("last %v min %v max %v", values[99], lo, hi)
	}
	if sum < 148.84195291996002-1e-9 || sum > 148.84195291996002+1e-9 {
		t.Errorf("sum %v, want 148.84195291996002", sum)
	}
	assertReencodes(t, raw, events, true)
}

// assertReencodes checks that encoding the decoded events with this
// package's framing gives a file of the same size that decodes to the same
// events, and, when exact, the same bytes. (Go's encoder writes oneof
// fields after the others, so Summary.Value's tensor (8) follows its
// metadata (9) where TensorFlow writes them in number order.)
func assertReencodes(t *testing.T, raw []byte, events []*tbproto.Event, exact bool) {
	t.Helper()
	var b []byte
	for _, ev := range events {
		data, err := marshalEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		b = appendRecord(b, data)
	}
	if len(b) != len(raw) {
		t.Fatalf("re-encoded file has %d bytes, original %d", len(b), len(raw))
	}
	if exact && !bytes.Equal(b, raw) {
		t.Errorf("re-encoded file differs from the original")
	}
	again, err := readAll(bytes.NewReader(b))
	if err != nil || len(again) != len(events) {
		t.Fatalf("re-read %d events, err %v", len(again), err)
	}
	for i := range events {
		if !proto.Equal(events[i], again[i]) {
			t.Fatalf("event %d changed: %v -> %v", i, events[i], again[i])
		}
	}
}
