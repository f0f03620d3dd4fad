package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"
)

// The --config file of the scan command, and flags after arguments for
// diff and report.

// applyConfigFile sets every flag the file names and the command line
// (or the flag's environment variable) did not.
func applyConfigFile(c *cli.Context, name string) error {
	values, err := readConfig(name)
	if err != nil {
		return err
	}
	byName := map[string]cli.Flag{}
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			byName[n] = f
		}
	}
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
			return fmt.Errorf("config %s: a config file cannot name another: remove the config key", name)
		case strings.Contains(key, "password") && key != "smtp-password-file":
			return fmt.Errorf("config %s: %s: the SMTP password is read only from $%s or --smtp-password-file", name, key, passwordEnv)
		case !ok:
			return fmt.Errorf("config %s: unknown setting %q: use the long name of a flag of this command (see --help)", name, key)
		}
		primary := f.Names()[0]
		if other, dup := fromFile[primary]; dup {
			return fmt.Errorf("config %s: %s and %s set the same flag: keep one", name, other, key)
		}
		fromFile[primary] = key
		if c.IsSet(primary) {
			continue // the command line wins
		}
		vals, err := configValues(values[key])
		if err != nil {
			return fmt.Errorf("config %s: %s: %w", name, key, err)
		}
		if !isMultiValue(f) {
			if len(vals) != 1 {
				return fmt.Errorf("config %s: %s takes one value, not a list", name, key)
			}
			// Each name of a single-value flag holds its own copy.
			for _, n := range f.Names() {
				if err := c.Set(n, vals[0]); err != nil {
					return fmt.Errorf("config %s: %s: %w", name, key, err)
				}
			}
			continue
		}
		for _, v := range vals {
			if err := c.Set(primary, v); err != nil {
				return fmt.Errorf("config %s: %s: %w", name, key, err)
			}
		}
	}
	return nil
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
func readConfig(name string) (map[string]any, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read --config: %w", err)
	}
	values := map[string]any{}
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".yaml", ".yml":
		err = yaml.Unmarshal(data, &values)
	case ".toml":
		_, err = toml.Decode(string(data), &values)
	default:
		return nil, fmt.Errorf("config %s: name the file .yaml, .yml or .toml so its format is known", name)
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return values, nil
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
		return "", errors.New("has no value: give one or remove the key")
	}
	return "", fmt.Errorf("a %T is not a flag value: use a string, number, true/false or a list of them", v)
}

// positionalArgs returns the command's arguments after applying the flags
// among them, so "tlsweep report SCAN.json -f html" works like
// "tlsweep report -f html SCAN.json". Everything after "--" is an argument.
func positionalArgs(c *cli.Context) ([]string, error) {
	byName := map[string]cli.Flag{}
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			byName[n] = f
		}
	}
	var args []string
	in := c.Args().Slice()
	for i := 0; i < len(in); i++ {
		tok := in[i]
		if tok == "--" {
			return append(args, in[i+1:]...), nil
		}
		if len(tok) < 2 || tok[0] != '-' {
			args = append(args, tok)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(tok, "-"), "=")
		f, ok := byName[name]
		if !ok {
			return nil, usageErr(fmt.Errorf("flag provided but not defined: %s (see tlsweep %s --help)", tok, c.Command.Name))
		}
		if _, isBool := f.(*cli.BoolFlag); isBool && !hasValue {
			value, hasValue = "true", true
		}
		if !hasValue {
			if i+1 == len(in) {
				return nil, usageErr(fmt.Errorf("flag needs an argument: %s", tok))
			}
			i++
			value = in[i]
		}
		for _, n := range f.Names() {
			if err := c.Set(n, value); err != nil {
				return nil, usageErr(fmt.Errorf("invalid value %q for flag %s: %w", value, tok, err))
			}
		}
	}
	return args, nil
}
