package symbol_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

func TestString(t *testing.T) {
	a, b := symbol.Var("a"), symbol.Var("b")
	if got := a.String(); got != "<Symbol a>" {
		t.Errorf("String %q", got)
	}
	if got := symbol.Group(a, b).String(); got != "<Symbol group [a, b]>" {
		t.Errorf("group String %q", got)
	}
}

func TestSummary(t *testing.T) {
	var buf bytes.Buffer
	if err := convNet().Summary(&buf, map[string]nd.Shape{"data": {2, 3, 8, 8}}); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	// conv 4·3·3·3+4 = 112, bn 4·4 = 16, fc 3·64+3 = 195.
	for _, want := range []string{"conv0 (Convolution)", "(2, 4, 8, 8)", "112", "fc0 (FullyConnected)", "195", "Total params: 323", "softmax (SoftmaxOutput)"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

func TestDot(t *testing.T) {
	var buf bytes.Buffer
	if err := symbol.Dot(&buf, convNet()); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"digraph plot {", `"Convolution\n3x3/1, 4"`, `"data"`, "->", `"Pooling\nmax, 2x2/2x2"`} {
		if !strings.Contains(s, want) {
			t.Errorf("dot lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "conv0_weight") {
		t.Errorf("weights should be hidden:\n%s", s)
	}
	if !strings.HasSuffix(strings.TrimSpace(s), "}") {
		t.Error("dot not closed")
	}
}
