package scanner

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzParsePorts: a -p value is either refused with a PortError naming a
// token of it, or gives sorted, unique ports in 1-65535.
func FuzzParsePorts(f *testing.F) {
	for _, s := range []string{"backup", "code42,8443,9000-9010", " 443 , 443,SESAM ", "1-65535", "65535-1", "0", "-", ",,", "1-2-3", "+443", "0x1bb", "٤٤٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		ports, err := ParsePorts(spec)
		if err != nil {
			var pe *PortError
			if !errors.As(err, &pe) || !strings.Contains(spec, strings.TrimSpace(pe.Token)) {
				t.Fatalf("ParsePorts(%q): %v", spec, err)
			}
			return
		}
		if len(ports) == 0 || !slices.IsSorted(ports) || len(slices.Compact(slices.Clone(ports))) != len(ports) ||
			ports[0] < 1 || ports[len(ports)-1] > 65535 {
			t.Fatalf("ParsePorts(%q) = %v", spec, ports)
		}
	})
}

// FuzzParseShard: a --shard value is refused, or is K/N with 1 <= K <= N
// that prints back as itself.
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"1/1", "2/8", "3/2", "0/2", "1/0", "1/18446744073709551615", "18446744073709551616/1", "/", "1/", "+1/2", " 1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShard(s)
		if err != nil {
			if !strings.Contains(err.Error(), "--shard") {
				t.Fatalf("ParseShard(%q): %v", s, err)
			}
			return
		}
		if sh.K < 1 || sh.K > sh.N {
			t.Fatalf("ParseShard(%q) = %+v", s, sh)
		}
		if sh.N > 1 {
			again, err := ParseShard(sh.String())
			if err != nil || again != sh {
				t.Fatalf("ParseShard(%q) = %+v prints as %q, which parses as %+v, %v", s, sh, sh.String(), again, err)
			}
		}
	})
}
