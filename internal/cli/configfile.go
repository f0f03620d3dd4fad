package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"
)

// The --config file of the scan command: flag values from YAML or TOML.

// applyConfigFile is the scan command's Before: it sets every flag the
// --config file names and the command line (or the flag's environment
// variable) did not.
func applyConfigFile(c *cli.Context) error {
	name := c.String("config")
	if name == "" {
		return nil
	}
	values, err := readConfig(c.Context, name)
	if err != nil {
		return usageErr(err)
	}
	byName := flagsByName(c.Command.Flags)
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fromFile := map[string]string{} // primary flag name -> key that set it
	for _, key := range keys {
		f, ok := byName[key]
		switch {
		case key == "config":
			return usageErr(fmt.Errorf(errConfigNested, name))
		case strings.Contains(key, "password") && key != "smtp-password-file":
			return usageErr(fmt.Errorf(errConfigPassword, name, key, passwordEnv))
		case !ok:
			return usageErr(fmt.Errorf(errConfigUnknown, name, key))
		}
		primary := f.Names()[0]
		if other, dup := fromFile[primary]; dup {
			return usageErr(fmt.Errorf(errConfigDup, name, other, key))
		}
		fromFile[primary] = key
		if c.IsSet(primary) {
			continue // the command line wins
		}
		if err := setFromConfig(c, f, name, key, values[key]); err != nil {
			return usageErr(err)
		}
	}
	return nil
}

// setFromConfig sets flag f, named key in config file name, to v.
func setFromConfig(c *cli.Context, f cli.Flag, name, key string, v any) error {
	vals, err := configValues(v)
	if err != nil {
		return fmt.Errorf(errConfigKey, name, key, err)
	}
	if !isMultiValue(f) {
		if len(vals) != 1 {
			return fmt.Errorf(errConfigOneValue, name, key)
		}
		// Each name of a single-value flag holds its own copy.
		for _, n := range f.Names() {
			if err := c.Set(n, vals[0]); err != nil {
				return fmt.Errorf(errConfigValue, name, key, f.Names()[0])
			}
		}
		return nil
	}
	for _, v := range vals {
		if err := c.Set(f.Names()[0], v); err != nil {
			return fmt.Errorf(errConfigValue, name, key, f.Names()[0])
		}
	}
	return nil
}

func flagsByName(flags []cli.Flag) map[string]cli.Flag {
	byName := map[string]cli.Flag{}
	for _, f := range flags {
		for _, n := range f.Names() {
			byName[n] = f
		}
	}
	return byName
}

func isMultiValue(f cli.Flag) bool {
	switch f.(type) {
	case *cli.StringSliceFlag, *cli.IntSliceFlag, *cli.Int64SliceFlag, *cli.Float64SliceFlag, *cli.UintSliceFlag, *cli.Uint64SliceFlag:
		return true
	}
	return false
}

// readConfig reads a YAML or TOML file, chosen by extension, into its
// top-level keys.
func readConfig(ctx context.Context, name string) (map[string]any, error) {
	if err := configFormatKnown(name); err != nil {
		return nil, err
	}
	data, err := readInput(ctx, name, maxConfigFile)
	if err != nil {
		return nil, fmt.Errorf(errReadConfig, err)
	}
	return parseConfig(name, data)
}

func configFormatKnown(name string) error {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".toml":
		return nil
	}
	return fmt.Errorf(errConfigExt, name)
}

// parseConfig parses the contents of config file name.
func parseConfig(name string, data []byte) (map[string]any, error) {
	if err := configFormatKnown(name); err != nil {
		return nil, err
	}
	values := map[string]any{}
	if strings.ToLower(filepath.Ext(name)) == ".toml" {
		if _, err := toml.Decode(string(data), &values); err != nil {
			line, key := 0, ""
			var pe toml.ParseError
			if errors.As(err, &pe) {
				line, key = pe.Position.Line, pe.LastKey
			}
			return nil, syntaxError(name, "TOML", data, line, key)
		}
		return values, nil
	}
	if err := yaml.Unmarshal(data, &values); err != nil {
		line := 0
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return nil, syntaxError(name, "YAML", data, line, "")
	}
	return values, nil
}

var (
	yamlLine = regexp.MustCompile(`\bline (\d+):`)
	// keyAt finds the key a YAML or TOML line sets.
	keyAt = regexp.MustCompile(`^\s*(?:-\s+)?["']?([A-Za-z0-9_.-]{1,64})["']?\s*[:=]`)
)

// syntaxError says where a config file is malformed: the file, the line
// and the key, never the parser's message, which can quote a value (an
// unquoted password, say).
func syntaxError(name, format string, data []byte, line int, key string) error {
	if key == "" && line > 0 {
		if lines := strings.Split(string(data), "\n"); line <= len(lines) {
			if m := keyAt.FindStringSubmatch(lines[line-1]); m != nil {
				key = m[1]
			}
		}
	}
	var where []string
	if line > 0 {
		where = append(where, fmt.Sprintf("line %d", line))
	}
	if key != "" && len(key) <= 64 {
		where = append(where, fmt.Sprintf("key %q", key))
	}
	at := ""
	if len(where) > 0 {
		at = strings.Join(where, ", ") + ": "
	}
	return fmt.Errorf(errConfigSyntax, name, at, format)
}

// configValues turns a config value into flag values: a scalar into one,
// a list of scalars into one each.
func configValues(v any) ([]string, error) {
	if list, ok := v.([]any); ok {
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, err := scalar(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := scalar(v)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func scalar(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case nil:
		return "", errors.New(errConfigNoValue)
	}
	return "", fmt.Errorf(errConfigType, v)
}
