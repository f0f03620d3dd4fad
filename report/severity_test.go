package report

import (
	"slices"
	"testing"
)

func TestSeverityText(t *testing.T) {
	all := append([]Severity{SeverityNone}, Severities...)
	for _, s := range all {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		if string(b) != s.String() {
			t.Errorf("MarshalText %q, String %q", b, s)
		}
		var back Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, back, err, s)
		}
		if p, err := ParseSeverity(string(b)); err != nil || p != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", b, p, err)
		}
	}
	if p, err := ParseSeverity("HiGh"); err != nil || p != SeverityHigh {
		t.Errorf("ParseSeverity(HiGh) = %v, %v", p, err)
	}
	for _, bad := range []string{"bogus", ""} {
		if _, err := ParseSeverity(bad); err == nil {
			t.Errorf("ParseSeverity(%q) accepted it", bad)
		}
	}
	if _, err := Severity(42).MarshalText(); err == nil {
		t.Error("Severity(42).MarshalText accepted it")
	}
	if !slices.IsSortedFunc(Severities, func(a, b Severity) int { return int(b) - int(a) }) || len(Severities) != 5 {
		t.Errorf("Severities = %v, want critical..info", Severities)
	}
	var c SeverityCounts
	for i, s := range Severities {
		for range i + 1 {
			c.Add(s)
		}
	}
	for i, s := range Severities {
		if c.Of(s) != i+1 {
			t.Errorf("count of %v = %d, want %d", s, c.Of(s), i+1)
		}
	}
}
