package cli

import "testing"

// FuzzReadConfig: any --config file, YAML or TOML, is read into flag
// values or refused with an error, never a panic.
func FuzzReadConfig(f *testing.F) {
	f.Add([]byte("ports: backup\ntimeout: 2s\nexclude: [10.0.0.1, 10.0.0.2]\nexpiry-warn: 30\n"), false)
	f.Add([]byte("ports = \"backup\"\nexclude = [\"10.0.0.1\"]\nno-color = true\n"), true)
	f.Add([]byte("a: &a [*a, *a]\nb: {x: [1, 2.5, null, ~]}\n"), false)
	f.Add([]byte("[table]\nkey = 1979-05-27T07:32:00Z\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, isTOML bool) {
		name := "c.yaml"
		if isTOML {
			name = "c.toml"
		}
		values, err := parseConfig(name, data)
		if err != nil {
			return
		}
		for _, v := range values {
			_, _ = configValues(v)
		}
	})
}
