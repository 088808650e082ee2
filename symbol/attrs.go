package symbol

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/mxgo/mxgo/nd"
)

// Operator attributes travel through -symbol.json as strings. An op's typed
// attribute struct (nd.OpDef.Attrs) names each field's MXNet spelling in an
// `mx:"name"` tag; the helpers here convert between the two by reflection.
//
// Tag conventions (set by package nd):
//   - `mx:"-"` fields are not attributes (values computed at call time);
//   - `mx:"__x__"` fields are run-time flags (is_train), never written;
//   - `mx:"name,negate"` bools hold the negation of MXNet's attribute
//     (NoFlatten for flatten), so the Go zero value is MXNet's default;
//   - `default:"v"` gives MXNet's default where it is not the Go zero value;
//   - pointer fields are nil for MXNet's None.

var (
	shapeType = reflect.TypeFor[nd.Shape]()
	dtypeType = reflect.TypeFor[nd.DType]()
)

// attrField is one serializable field of an attribute struct.
type attrField struct {
	name   string // MXNet spelling
	index  int
	negate bool
	def    string // `default` tag, "" if none
}

func attrFields(t reflect.Type) []attrField {
	var fs []attrField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("mx")
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		if strings.HasPrefix(name, "__") {
			continue
		}
		fs = append(fs, attrField{name: name, index: i, negate: opt == "negate", def: f.Tag.Get("default")})
	}
	return fs
}

// countAttrs size lists of inputs or outputs; they are bounded so that a
// hostile file cannot make the graph layer allocate without limit.
var countAttrs = map[string]bool{"num_outputs": true, "num_args": true}

const maxCount = 1 << 16

// DefaultAttrs returns op's attribute struct with MXNet's defaults, or nil
// for ops without attributes.
func DefaultAttrs(op *nd.OpDef) any {
	if op.Attrs == nil {
		return nil
	}
	t := reflect.TypeOf(op.Attrs)
	if t.Kind() != reflect.Struct {
		return op.Attrs
	}
	v := reflect.New(t).Elem()
	v.Set(reflect.ValueOf(op.Attrs))
	for _, f := range attrFields(t) {
		if f.def != "" {
			// A bad default tag is a bug in nd, found by TestDefaultTags.
			_ = setAttrValue(v.Field(f.index), f.def, f.negate)
		}
	}
	return v.Interface()
}

// ParseAttrs builds op's typed attributes from MXNet's string form. Keys the
// op does not know are an error; use splitAttrs first to set hidden
// (__x__) and tolerated keys aside.
func ParseAttrs(op *nd.OpDef, kv map[string]string) (any, error) {
	attrs := DefaultAttrs(op)
	if attrs == nil {
		if len(kv) > 0 {
			return nil, fmt.Errorf("operator %s takes no attributes, got %s", op.Name, strings.Join(sortedKeys(kv), ", "))
		}
		return nil, nil
	}
	t := reflect.TypeOf(attrs)
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("operator %s: attributes of kind %v cannot be parsed", op.Name, t.Kind())
	}
	v := reflect.New(t).Elem()
	v.Set(reflect.ValueOf(attrs))
	byName := map[string]attrField{}
	for _, f := range attrFields(t) {
		byName[f.name] = f
	}
	for _, k := range sortedKeys(kv) {
		f, ok := byName[k]
		if !ok {
			return nil, fmt.Errorf("operator %s: unknown attribute %q (known: %s)", op.Name, k, strings.Join(sortedKeys(byName), ", "))
		}
		if err := setAttrValue(v.Field(f.index), kv[k], f.negate); err != nil {
			return nil, fmt.Errorf("operator %s: attribute %s=%q: %w", op.Name, k, kv[k], err)
		}
		if countAttrs[k] {
			if n := v.Field(f.index); n.CanInt() && (n.Int() < 0 || n.Int() > maxCount) {
				return nil, fmt.Errorf("operator %s: attribute %s=%d out of range [0, %d]", op.Name, k, n.Int(), maxCount)
			}
		}
	}
	return v.Interface(), nil
}

// FormatAttrs prints typed attributes in MXNet's string form, leaving out
// fields at MXNet's default.
func FormatAttrs(op *nd.OpDef, attrs any) map[string]string {
	if attrs == nil {
		return nil
	}
	v := reflect.ValueOf(attrs)
	if v.Kind() != reflect.Struct {
		return nil
	}
	def := reflect.ValueOf(DefaultAttrs(op))
	out := map[string]string{}
	for _, f := range attrFields(v.Type()) {
		fv := v.Field(f.index)
		if def.IsValid() && def.Type() == v.Type() && reflect.DeepEqual(fv.Interface(), def.Field(f.index).Interface()) {
			continue
		}
		if s, ok := formatAttrValue(fv, f.negate); ok {
			out[f.name] = s
		}
	}
	return out
}

func isNone(s string) bool { return s == "None" || s == "none" }

// setAttrValue parses s into the field v.
func setAttrValue(v reflect.Value, s string, negate bool) error {
	s = strings.TrimSpace(s)
	if v.Kind() == reflect.Pointer {
		if isNone(s) {
			v.SetZero()
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := setAttrValue(p.Elem(), s, negate); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	if v.Type() == dtypeType {
		if isNone(s) {
			v.SetZero()
			return nil
		}
		t, err := nd.ParseDType(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(t))
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		b, err := parseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b != negate)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if isNone(s) {
			v.SetZero()
			return nil
		}
		n, err := parseInt(s)
		if err != nil {
			return err
		}
		if v.OverflowInt(n) {
			return fmt.Errorf("%d overflows %v", n, v.Type())
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		if isNone(s) {
			v.SetZero()
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		v.SetFloat(f)
	case reflect.String:
		if isNone(s) {
			s = ""
		}
		v.SetString(s)
	case reflect.Slice:
		if isNone(s) {
			v.SetZero()
			return nil
		}
		switch v.Type().Elem().Kind() {
		case reflect.Int:
		case reflect.Float64:
			t, err := parseFloatTuple(s)
			if err != nil {
				return err
			}
			v.Set(reflect.ValueOf(t).Convert(v.Type()))
			return nil
		default:
			return fmt.Errorf("unsupported attribute type %v", v.Type())
		}
		t, err := parseTuple(s)
		if err != nil {
			return err
		}
		sl := reflect.MakeSlice(v.Type(), len(t), len(t))
		for i, n := range t {
			sl.Index(i).SetInt(int64(n))
		}
		v.Set(sl)
	default:
		return fmt.Errorf("unsupported attribute type %v", v.Type())
	}
	return nil
}

func parseBool(s string) (bool, error) {
	switch s {
	case "True", "true", "1":
		return true, nil
	case "False", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("not a bool (want True, False, 1 or 0)")
}

// parseInt accepts Python's forms: "5", "-1", "5L" and integral floats "5.0".
func parseInt(s string) (int64, error) {
	s = strings.TrimSuffix(s, "L")
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("not an integer")
	}
	return int64(f), nil
}

// parseTuple reads MXNet tuples: "(3, 3)", "(3,3)", "[1, 2]", "(5,)",
// "()", or a bare integer "3" (a one-element tuple, as dmlc reads it).
func parseTuple(s string) ([]int, error) {
	parts, err := tupleParts(s)
	if err != nil {
		return nil, err
	}
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		if isNone(p) {
			out = append(out, -1) // None inside a tuple: unknown dimension
			continue
		}
		n, err := parseInt(p)
		if err != nil || n != int64(int(n)) {
			return nil, fmt.Errorf("tuple element %q is not an integer", p)
		}
		out = append(out, int(n))
	}
	return out, nil
}

// parseFloatTuple reads a tuple of numbers, such as multi_sgd_update's
// "(0.1, 0.01)".
func parseFloatTuple(s string) ([]float64, error) {
	parts, err := tupleParts(s)
	if err != nil {
		return nil, err
	}
	out := make([]float64, 0, len(parts))
	for _, p := range parts {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return nil, fmt.Errorf("tuple element %q is not a number", p)
		}
		out = append(out, f)
	}
	return out, nil
}

// tupleParts splits "(a, b)", "[a, b]" or "a, b" into its trimmed
// elements; a trailing comma, as in "(5,)", ends the tuple.
func tupleParts(s string) ([]string, error) {
	body := s
	if strings.HasPrefix(s, "(") || strings.HasPrefix(s, "[") {
		closer := map[byte]byte{'(': ')', '[': ']'}[s[0]]
		if len(s) < 2 || s[len(s)-1] != closer {
			return nil, fmt.Errorf("unterminated tuple")
		}
		body = s[1 : len(s)-1]
	}
	if strings.TrimSpace(body) == "" {
		return nil, nil
	}
	parts := strings.Split(body, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	if n := len(parts); n > 1 && parts[n-1] == "" {
		parts = parts[:n-1]
	}
	return parts, nil
}

// formatAttrValue prints v as MXNet does; ok is false for nil pointers.
func formatAttrValue(v reflect.Value, negate bool) (string, bool) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", false
		}
		return formatAttrValue(v.Elem(), negate)
	}
	if v.Type() == dtypeType {
		return nd.DType(v.Int()).String(), true
	}
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() != negate {
			return "True", true
		}
		return "False", true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), true
	case reflect.Float32, reflect.Float64:
		return formatFloat(v.Float()), true
	case reflect.String:
		return v.String(), true
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Float64 {
			return formatFloatTuple(v), true
		}
		s := make(nd.Shape, v.Len())
		for i := range s {
			s[i] = int(v.Index(i).Int())
		}
		return s.String(), true
	}
	return fmt.Sprint(v.Interface()), true
}

// formatFloatTuple prints a float slice as a Python tuple: "(0.1, 0.01)",
// "(0.5,)".
func formatFloatTuple(v reflect.Value) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range v.Len() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(formatFloat(v.Index(i).Float()))
	}
	if v.Len() == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// formatFloat prints like Python's repr: 1.0, 0.25, 1e-05, inf.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	a := math.Abs(f)
	if a != 0 && (a < 1e-4 || a >= 1e16) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		return s
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}
