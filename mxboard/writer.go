package mxboard

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

// Options configure a SummaryWriter. The zero value gives mxboard's
// defaults.
type Options struct {
	// FlushInterval is how often buffered records are written to the file
	// (mxboard's flush_secs). Zero means 120 s; negative disables the timer,
	// leaving Flush and Close.
	FlushInterval time.Duration
	// MaxQueue bounds the records waiting for the background goroutine; Add
	// calls block while it is full, and the goroutine is woken whenever
	// half of it is used. Zero means 4096.
	MaxQueue int
	// FilenameSuffix is appended to the event file names.
	FilenameSuffix string
	// Logger receives write failures and new-file notices; nil means
	// slog.Default().
	Logger *slog.Logger
}

// ErrClosed is returned by calls on a closed SummaryWriter.
var ErrClosed = errors.New("mxboard: summary writer is closed")

// flushThreshold is the buffered size at which a file is written out
// without waiting for the timer, bounding the memory a fast logger holds.
const flushThreshold = 256 << 10

// SummaryWriter writes TensorBoard event files under a log directory. Add
// methods queue records for a background goroutine that encodes and writes
// them, so they cost little in a training loop. It is safe for concurrent
// use.
type SummaryWriter struct {
	logdir string
	opts   Options
	log    *slog.Logger
	path   string // main event file

	// The queue: senders append under mu; the background goroutine swaps
	// the whole batch out, so a scalar costs one uncontended lock and an
	// append rather than a channel hand-off.
	mu      sync.Mutex
	notFull sync.Cond // signalled when the goroutine takes a batch
	pending []item
	closed  bool
	wake    chan struct{} // capacity 1: a batch, flush or close is waiting
	done    chan struct{}
	err     atomic.Pointer[error] // first background failure, sticky

	projectorMu sync.Mutex // serializes projector_config.pbtxt updates

	files map[string]*eventFile // owned by the background goroutine
}

type itemKind uint8

const (
	kindScalar itemKind = iota
	kindEvent
	kindFlush
	kindClose
)

// item is one unit of work for the background goroutine. Scalars travel
// unencoded so the caller pays only for the channel send.
type item struct {
	kind  itemKind
	value float32
	run   string // sub-run directory relative to logdir, "" for the main file
	tag   string
	step  int64
	wall  float64
	ev    *tbproto.Event
	ack   chan error
}

// eventFile is one open event file and its not yet written records.
type eventFile struct {
	path string
	f    *os.File
	buf  []byte
}

// NewSummaryWriter creates logdir if needed and opens a new event file
// events.out.tfevents.<unix seconds>.<hostname><suffix> in it, whose first
// record carries file_version "brain.Event:2".
func NewSummaryWriter(logdir string, opts Options) (*SummaryWriter, error) {
	if opts.FlushInterval == 0 {
		opts.FlushInterval = 120 * time.Second
	}
	if opts.MaxQueue <= 0 {
		opts.MaxQueue = 4096
	}
	w := &SummaryWriter{
		logdir: logdir,
		opts:   opts,
		log:    opts.Logger,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		files:  map[string]*eventFile{},
	}
	w.notFull.L = &w.mu
	if w.log == nil {
		w.log = slog.Default()
	}
	main, err := w.openEventFile(logdir)
	if err != nil {
		return nil, err
	}
	w.files[""] = main
	w.path = main.path
	go w.loop()
	return w, nil
}

// Logdir returns the directory the writer logs to.
func (w *SummaryWriter) Logdir() string { return w.logdir }

// Path returns the path of the main event file.
func (w *SummaryWriter) Path() string { return w.path }

// Err returns the first error the background goroutine hit, or nil.
func (w *SummaryWriter) Err() error {
	if p := w.err.Load(); p != nil {
		return *p
	}
	return nil
}

func (w *SummaryWriter) setErr(err error) {
	if w.err.CompareAndSwap(nil, &err) {
		w.log.Error("mxboard: writing events failed; later records are dropped", "logdir", w.logdir, "err", err)
	}
}

// send queues it, failing once the writer is closed or broken. Flush and
// close items, and a half-full queue, wake the background goroutine.
func (w *SummaryWriter) send(it item) error {
	w.mu.Lock()
	for len(w.pending) >= w.opts.MaxQueue && !w.closed {
		w.notFull.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	if p := w.err.Load(); p != nil {
		w.mu.Unlock()
		return *p
	}
	w.pending = append(w.pending, it)
	if it.kind >= kindFlush {
		w.closed = it.kind == kindClose
	}
	urgent := it.kind >= kindFlush || len(w.pending) >= (w.opts.MaxQueue+1)/2
	w.mu.Unlock()
	if urgent {
		select {
		case w.wake <- struct{}{}:
		default: // already signalled
		}
	}
	return nil
}

// takeBatch swaps the queued items out, handing back spare as the new
// queue so the two slices are reused.
func (w *SummaryWriter) takeBatch(spare []item) []item {
	w.mu.Lock()
	batch := w.pending
	w.pending = spare[:0]
	w.notFull.Broadcast()
	w.mu.Unlock()
	return batch
}

// wallTime is the Event.wall_time of now: seconds since the epoch.
func wallTime() float64 {
	return float64(time.Now().UnixNano()) / 1e9
}

// addEvent queues a fully built event for the main file or a sub-run.
func (w *SummaryWriter) addEvent(run string, ev *tbproto.Event) error {
	return w.send(item{kind: kindEvent, run: run, ev: ev})
}

// AddEvent queues ev as is (its wall_time is set to now when zero), for
// summaries mxboard has no method for.
func (w *SummaryWriter) AddEvent(ev *tbproto.Event) error {
	if ev.GetWallTime() == 0 {
		ev.WallTime = wallTime()
	}
	return w.addEvent("", ev)
}

// Flush writes every record queued before the call to the files.
func (w *SummaryWriter) Flush() error {
	ack := make(chan error, 1)
	if err := w.send(item{kind: kindFlush, ack: ack}); err != nil {
		return err
	}
	return <-ack
}

// Close writes every queued record, syncs and closes the files, and stops
// the background goroutine. Later calls return ErrClosed.
func (w *SummaryWriter) Close() error {
	ack := make(chan error, 1)
	// The close item is the last one queued: send refuses items after it.
	if err := w.send(item{kind: kindClose, ack: ack}); err != nil && errors.Is(err, ErrClosed) {
		return err
	} else if err != nil {
		// A broken writer still releases its files.
		w.mu.Lock()
		w.closed = true
		w.pending = append(w.pending, item{kind: kindClose, ack: ack})
		w.mu.Unlock()
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	err := <-ack
	<-w.done
	return err
}

func (w *SummaryWriter) loop() {
	defer close(w.done)
	var tick <-chan time.Time
	if w.opts.FlushInterval > 0 {
		t := time.NewTicker(w.opts.FlushInterval)
		defer t.Stop()
		tick = t.C
	}
	var scratch []byte
	var batch []item
	for {
		flushNow := false
		select {
		case <-tick:
			flushNow = true
		case <-w.wake:
		}
		batch = w.takeBatch(batch)
		for i := range batch {
			it := &batch[i]
			switch it.kind {
			case kindScalar:
				scratch = appendScalarEvent(scratch[:0], it.wall, it.step, it.tag, it.value)
				w.write(it.run, scratch)
			case kindEvent:
				data, err := marshalEvent(it.ev)
				if err != nil {
					w.setErr(fmt.Errorf("mxboard: encode event: %w", err))
					continue
				}
				w.write(it.run, data)
			case kindFlush:
				w.flushAll()
				it.ack <- w.Err()
			case kindClose:
				it.ack <- w.closeAll()
				return
			}
			*it = item{} // drop references to tags and events
		}
		if flushNow {
			w.flushAll()
		}
	}
}

// write frames data as a record of the run's file, opening it on first use.
func (w *SummaryWriter) write(run string, data []byte) {
	if w.Err() != nil {
		return
	}
	ef := w.files[run]
	if ef == nil {
		var err error
		ef, err = w.openEventFile(filepath.Join(w.logdir, run))
		if err != nil {
			w.setErr(err)
			return
		}
		w.files[run] = ef
	}
	ef.buf = appendRecord(ef.buf, data)
	if len(ef.buf) >= flushThreshold {
		w.flushFile(ef)
	}
}

func (w *SummaryWriter) flushFile(ef *eventFile) {
	if len(ef.buf) == 0 || w.Err() != nil {
		return
	}
	if _, err := ef.f.Write(ef.buf); err != nil {
		w.setErr(fmt.Errorf("mxboard: write %s: %w", ef.path, err))
	}
	ef.buf = ef.buf[:0]
}

func (w *SummaryWriter) flushAll() {
	for _, ef := range w.files {
		w.flushFile(ef)
	}
}

func (w *SummaryWriter) closeAll() error {
	w.flushAll()
	err := w.Err()
	for _, ef := range w.files {
		if serr := ef.f.Sync(); serr != nil && err == nil {
			err = fmt.Errorf("mxboard: sync %s: %w", ef.path, serr)
		}
		if cerr := ef.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("mxboard: close %s: %w", ef.path, cerr)
		}
	}
	return err
}

// eventFileName is TensorBoard's TF1/mxboard name: the zero-padded seconds
// keep names sorting in time order, which TensorBoard's loader relies on.
func eventFileName(t time.Time, host, suffix string) string {
	return fmt.Sprintf("events.out.tfevents.%010d.%s%s", t.Unix(), host, suffix)
}

// openEventFile creates a new event file in dir and writes its
// file_version record straight to disk.
func (w *SummaryWriter) openEventFile(dir string) (*eventFile, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("mxboard: create logdir: %w", err)
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	now := time.Now()
	base := filepath.Join(dir, eventFileName(now, host, w.opts.FilenameSuffix))
	var f *os.File
	path := base
	// Two writers started in the same second in one directory would share a
	// name; the later one gets a counter instead of clobbering the first.
	for n := 1; ; n++ {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil || !errors.Is(err, os.ErrExist) || n > 1000 {
			break
		}
		path = fmt.Sprintf("%s.%d", base, n)
	}
	if err != nil {
		return nil, fmt.Errorf("mxboard: create event file: %w", err)
	}
	first := &tbproto.Event{
		WallTime: float64(now.UnixNano()) / 1e9,
		What:     &tbproto.Event_FileVersion{FileVersion: "brain.Event:2"},
	}
	data, err := marshalEvent(first)
	if err == nil {
		_, err = f.Write(appendRecord(nil, data))
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("mxboard: write %s: %w", path, err)
	}
	w.log.Debug("mxboard: new event file", "path", path)
	return &eventFile{path: path, f: f}, nil
}
