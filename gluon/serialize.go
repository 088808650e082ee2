package gluon

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mxgo/mxgo/nd"
)

// SaveParameters writes b's parameters to path in MXNet's .params format
// with structural names as keys (Gluon's save_parameters). The write is
// atomic. Parameters must be initialized.
func SaveParameters(b Block, path string) error {
	d := CollectParams(b)
	m := make(map[string]*nd.NDArray, d.Len())
	for i, p := range d.Params {
		if !p.IsInitialized() {
			return fmt.Errorf("gluon: save %s: parameter %s is not initialized", path, d.Names[i])
		}
		m[d.Names[i]] = p.Data()
	}
	if err := nd.Save(path, m); err != nil {
		return fmt.Errorf("gluon: save parameters: %w", err)
	}
	return nil
}

// LoadOptions tune LoadParameters (Gluon's load_parameters arguments).
type LoadOptions struct {
	AllowMissing bool        // parameters absent from the file keep their values
	IgnoreExtra  bool        // entries of the file that match no parameter are skipped
	Devices      []nd.Device // where to place the data; default: where each parameter is, or the default device
	CastDType    bool        // convert the file's dtype to the parameter's instead of failing
}

// LoadParameters reads a .params (or MXNet 2 .npz) file into b. Keys may be
// structural names ("features.0.weight"), the same with MXNet's export
// prefixes "arg:"/"aux:", or Gluon 1.x prefixed names
// ("hybridsequential0_conv0_weight"), which are matched through the names
// Gluon 1.x would have given b's layers. Errors name every missing or
// unexpected key.
func LoadParameters(b Block, path string, o LoadOptions) error {
	loaded, err := nd.Load(path)
	if err != nil {
		return fmt.Errorf("gluon: load parameters: %w", err)
	}
	if loaded.Names == nil {
		return fmt.Errorf("gluon: load parameters %s: the file holds an unnamed list of arrays, not named parameters", path)
	}
	file := map[string]*nd.NDArray{}
	for i, n := range loaded.Names {
		n = strings.TrimPrefix(strings.TrimPrefix(n, "arg:"), "aux:")
		file[n] = loaded.Arrays[i]
	}
	d := CollectParams(b)
	names := d.Names
	structural := false
	for n := range file {
		if strings.Contains(n, ".") {
			structural = true
			break
		}
	}
	if !structural && len(file) > 0 {
		names = legacyNames(b, d, file)
	}
	var missing []string
	used := map[string]bool{}
	for i, p := range d.Params {
		arr, ok := file[names[i]]
		if !ok {
			missing = append(missing, d.Names[i])
			continue
		}
		used[names[i]] = true
		if err := setLoaded(p, d.Names[i], arr, o); err != nil {
			return fmt.Errorf("gluon: load parameters %s: %w", path, err)
		}
	}
	if len(missing) > 0 && !o.AllowMissing {
		return fmt.Errorf("gluon: load parameters %s: parameters missing from the file: %s (file has: %s); pass AllowMissing to keep their values",
			path, strings.Join(missing, ", "), strings.Join(sortedKeys(file), ", "))
	}
	var extra []string
	for n := range file {
		if !used[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 && !o.IgnoreExtra {
		return fmt.Errorf("gluon: load parameters %s: the file has entries that match no parameter: %s (Block has: %s); pass IgnoreExtra to skip them",
			path, strings.Join(extra, ", "), strings.Join(d.Names, ", "))
	}
	return nil
}

func setLoaded(p *Parameter, name string, arr *nd.NDArray, o LoadOptions) error {
	if arr == nil {
		return fmt.Errorf("parameter %s: the file's array has no shape", name)
	}
	if !shapeCompatible(p.shape, arr.Shape()) {
		return fmt.Errorf("parameter %s: file shape %v does not match %v", name, arr.Shape(), p.shape)
	}
	if arr.DType() != p.DType {
		if !o.CastDType {
			return fmt.Errorf("parameter %s: file dtype %v, parameter dtype %v (pass CastDType to convert)", name, arr.DType(), p.DType)
		}
		arr = arr.AsType(p.DType)
	}
	if len(p.shape) == 0 || !shapeKnown(p.shape) {
		p.SetShape(arr.Shape())
	}
	devs := o.Devices
	if len(devs) == 0 {
		switch {
		case p.data != nil:
			devs = p.devices
		case p.deferred != nil:
			devs = p.deferred.devices
		default:
			devs = []nd.Device{nd.DefaultDevice()}
		}
	}
	p.deferred = nil
	p.setCopies(arr.Copy(), devs)
	return nil
}

func shapeCompatible(declared, got nd.Shape) bool {
	if len(declared) == 0 {
		return true
	}
	if len(declared) != len(got) {
		return false
	}
	for i, d := range declared {
		if d != 0 && d != got[i] {
			return false
		}
	}
	return true
}

// LegacyAliaser is implemented by Blocks that know the prefix Gluon 1.x
// gave their kind ("conv", "dense", "batchnorm", "pool", ...). Others use
// their lowercased type name.
type LegacyAliaser interface {
	LegacyAlias() string
}

// legacyAliases are Gluon 1.x's prefixes for the layer types of gluon/nn
// and gluon/rnn (their _alias()).
var legacyAliases = map[string]string{
	"Sequential": "hybridsequential",
	"Dense":      "dense", "Embedding": "embedding", "Dropout": "dropout", "Flatten": "flatten",
	"Conv1D": "conv", "Conv2D": "conv", "Conv3D": "conv",
	"Conv1DTranspose": "conv", "Conv2DTranspose": "conv", "Conv3DTranspose": "conv",
	"MaxPool1D": "pool", "MaxPool2D": "pool", "MaxPool3D": "pool",
	"AvgPool1D": "pool", "AvgPool2D": "pool", "AvgPool3D": "pool",
	"GlobalMaxPool1D": "pool", "GlobalMaxPool2D": "pool", "GlobalMaxPool3D": "pool",
	"GlobalAvgPool1D": "pool", "GlobalAvgPool2D": "pool", "GlobalAvgPool3D": "pool",
	"BatchNorm": "batchnorm", "LayerNorm": "layernorm", "GroupNorm": "groupnorm", "InstanceNorm": "instancenorm",
	"LeakyReLU": "leakyrelu", "PReLU": "prelu", "ELU": "elu", "SELU": "selu", "GELU": "gelu", "Swish": "swish",
	"RNN": "rnn", "LSTM": "lstm", "GRU": "gru",
	"RNNCell": "rnn", "LSTMCell": "lstm", "GRUCell": "gru",
}

func legacyAlias(b Block) string {
	if a, ok := b.(LegacyAliaser); ok {
		return a.LegacyAlias()
	}
	if a, ok := legacyAliases[typeName(b)]; ok {
		return a
	}
	return strings.ToLower(typeName(b))
}

// legacyNames gives each parameter of d the name Gluon 1.x would have
// used: prefixes built from per-parent counters of layer aliases. The root
// prefix is taken from the file when its keys share one.
func legacyNames(root Block, d *ParameterDict, file map[string]*nd.NDArray) []string {
	byParam := map[*Parameter]string{}
	var walk func(b Block, prefix string)
	walk = func(b Block, prefix string) {
		for _, np := range directParams(b) {
			if _, done := byParam[np.param]; !done {
				byParam[np.param] = prefix + np.param.Name
			}
		}
		counts := map[string]int{}
		for _, c := range Children(b) {
			a := legacyAlias(c.Block)
			walk(c.Block, fmt.Sprintf("%s%s%d_", prefix, a, counts[a]))
			counts[a]++
		}
	}
	walk(root, rootPrefix(root, file))
	out := make([]string, len(d.Params))
	for i, p := range d.Params {
		out[i] = byParam[p]
	}
	return out
}

// rootPrefix guesses the root block's Gluon 1.x prefix ("hybridsequential0_")
// from the file's keys: the common text before the first child alias.
func rootPrefix(root Block, file map[string]*nd.NDArray) string {
	alias := legacyAlias(root)
	for n := range file {
		if strings.HasPrefix(n, alias) {
			if i := strings.IndexByte(n, '_'); i > 0 {
				return n[:i+1]
			}
		}
	}
	return ""
}
