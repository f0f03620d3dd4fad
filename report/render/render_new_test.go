package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tlsweep/tlsweep/report/internal/reporttest"
)

func mustNew(t *testing.T, name string, o Options) Renderer {
	t.Helper()
	rd, err := New(name, o)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

// Every format -f names has a renderer that writes something for the
// fixture, and a name that is not a format is refused with the list.
func TestNewEveryFormat(t *testing.T) {
	for _, name := range append(Formats(), "changes") {
		var buf bytes.Buffer
		if err := mustNew(t, name, Options{Width: 100}).Render(&buf, reporttest.Compared()); err != nil || buf.Len() == 0 {
			t.Errorf("%s: %d bytes, %v", name, buf.Len(), err)
		}
	}
	_, err := New("xml", Options{})
	if err == nil || !strings.Contains(err.Error(), strings.Join(Formats(), ", ")) {
		t.Errorf("New(xml) = %v", err)
	}
}
