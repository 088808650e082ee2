package nd

import (
	"sync"
	"sync/atomic"

	"github.com/mxgo/mxgo/engine"
)

// Device is where an array's memory lives and its kernels run.
type Device = engine.Device

// CPU returns the host device.
func CPU() Device { return Device{Type: engine.CPU} }

// GPU returns GPU i. It can be named before a GPU backend exists; using it
// without one gives a clear error.
func GPU(i int) Device { return Device{Type: engine.GPU, ID: i} }

// defaultDev is read by every creation call, so it is one atomic load;
// nil means the CPU.
var defaultDev atomic.Pointer[Device]

// DefaultDevice is where creation functions put arrays when no device is
// given (MXNet's current context).
func DefaultDevice() Device {
	if d := defaultDev.Load(); d != nil {
		return *d
	}
	return CPU()
}

// SetDefaultDevice changes DefaultDevice and returns the previous one.
func SetDefaultDevice(d Device) Device {
	if old := defaultDev.Swap(&d); old != nil {
		return *old
	}
	return CPU()
}

// Backend moves bytes to and from a device type other than the CPU. A GPU
// backend registers one with RegisterBackend (in a file behind its build tag).
type Backend interface {
	// NumDevices is how many devices of this type exist.
	NumDevices() int
	// CopyToHost and CopyFromHost move len(dst) bytes.
	CopyToHost(dst []byte, src *engine.Chunk, off int) error
	CopyFromHost(dst *engine.Chunk, off int, src []byte) error
}

var (
	backendsMu sync.RWMutex
	backends   = map[engine.DeviceType]Backend{}
)

// RegisterBackend installs the backend for a device type.
func RegisterBackend(t engine.DeviceType, b Backend) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	backends[t] = b
}

// checkDevice panics with an *Error if d cannot be used.
func checkDevice(op string, d Device) {
	if d.Type == engine.CPU || d.Type == engine.CPUPinned || d.Type == engine.CPUShared {
		return
	}
	backendsMu.RLock()
	b := backends[d.Type]
	backendsMu.RUnlock()
	if b == nil {
		panicf(op, "device %v is not available: this build has no backend for it (build with -tags cuda on a machine with a GPU)", d)
	}
	if d.ID < 0 || d.ID >= b.NumDevices() {
		panicf(op, "device %v is not available: %d such devices", d, b.NumDevices())
	}
}

// isHost reports whether d's memory is directly addressable by Go code.
func isHost(d Device) bool {
	return d.Type == engine.CPU || d.Type == engine.CPUPinned || d.Type == engine.CPUShared
}
