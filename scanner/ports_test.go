package scanner

import (
	"errors"
	"slices"
	"testing"
)

func TestParsePorts(t *testing.T) {
	cases := []struct {
		in   string
		want []int
	}{
		{"backup", []int{4280, 4282, 4283, 4285, 4287, 4288, 11000, 11001, 11301, 11322, 11401, 11443}},
		{"code42", []int{4280, 4282, 4283, 4285, 4287, 4288}},
		{"sesam", []int{11000, 11001, 11301, 11322, 11401, 11443}},
		{"mission", []int{4282, 4283, 4287, 4288, 11000, 11001, 11443}},
		{"code42,8443,9000-9003", []int{4280, 4282, 4283, 4285, 4287, 4288, 8443, 9000, 9001, 9002, 9003}},
		{" 443 , 443,SESAM ", []int{443, 11000, 11001, 11301, 11322, 11401, 11443}},
		{"1,65535", []int{1, 65535}},
	}
	for _, c := range cases {
		got, err := ParsePorts(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ParsePorts(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []struct{ in, token string }{
		{"0", "0"}, {"65536", "65536"}, {"http", "http"}, {"10-5", "10-5"}, {"443,x-1", "x-1"}, {"", ""}, {",", ","}, {"-5", "-5"},
	} {
		_, err := ParsePorts(bad.in)
		var pe *PortError
		if !errors.As(err, &pe) || pe.Token != bad.token {
			t.Errorf("ParsePorts(%q) error = %v, want a PortError naming %q", bad.in, err, bad.token)
		}
	}
}

// TestProfilesInvariants: every profile port has a service and an
// expectation, backup is exactly code42 plus sesam, and every other
// profile's entry for a port is backup's.
func TestProfilesInvariants(t *testing.T) {
	if Profiles[0].Name != "backup" {
		t.Fatalf("default profile is %q", Profiles[0].Name)
	}
	seen := map[int]bool{}
	for _, p := range Profiles[1:] {
		for _, pi := range p.Ports {
			if b, ok := profilePort(pi.Port); !ok || b != pi {
				t.Errorf("profile %s: port %d is %+v, backup has %+v", p.Name, pi.Port, pi, b)
			}
			if p.Name != "mission" {
				seen[pi.Port] = true
			}
		}
	}
	for _, pi := range Profiles[0].Ports {
		if pi.Service == "" || !slices.Contains([]string{ExpectTLS, ExpectSSH, ExpectClosed}, pi.Expect) || pi.Note == "" {
			t.Errorf("port %d lacks service, expectation or note: %+v", pi.Port, pi)
		}
		if !seen[pi.Port] {
			t.Errorf("backup port %d is in no vendor profile", pi.Port)
		}
		if ServiceName(pi.Port) != pi.Service {
			t.Errorf("ServiceName(%d) = %q", pi.Port, ServiceName(pi.Port))
		}
	}
	if len(seen) != len(Profiles[0].Ports) {
		t.Errorf("backup has %d ports, vendor profiles %d", len(Profiles[0].Ports), len(seen))
	}
	// The HTTPS consoles get the HTTP request (and its HSTS check), so
	// they are examined early with the other HTTPS ports.
	for port, slow := range map[int]bool{4285: true, 11443: true, 11401: true, 443: true, 8443: true,
		4287: false, 4288: false, 4280: false, 11322: false, 11301: false, 22: false} {
		if slowToExamine(port) != slow {
			t.Errorf("slowToExamine(%d) = %v, want %v", port, !slow, slow)
		}
	}
	if p := profileByName("mission"); p == nil || len(p.Ports) != 7 {
		t.Error("the mission profile is not the seven-port set")
	}
	// The Code42 legacy ports are the TLS ports minus 5.
	if ServiceName(4287-5) != "code42-legacy-client" || ServiceName(4288-5) != "code42-legacy-server" {
		t.Error("legacy ports are not TLS ports minus 5")
	}
}
