package scanner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// PortInfo says what a port is for and what it should speak.
type PortInfo struct {
	Port    int
	Service string
	// Expect is the transport the vendor guidance wants: "tls", or "closed"
	// for legacy and plaintext listeners that should be switched off.
	Expect string
	Note   string
	// NotHTTP is set for TLS ports that carry another application protocol.
	NotHTTP bool
}

// Profile is a named set of ports.
type Profile struct {
	Name  string
	Doc   string
	Ports []PortInfo
}

var code42Ports = []PortInfo{
	{4287, "code42-client", "tls", "Code42 client-to-server, TLS 1.2", true},
	{4288, "code42-server", "tls", "Code42 server-to-server, TLS 1.2", true},
	{4282, "code42-legacy-client", "closed", "Code42 legacy custom protocol (TLS port minus 5), versions 5.3 and earlier", true},
	{4283, "code42-legacy-server", "closed", "Code42 legacy custom protocol (TLS port minus 5), versions 5.3 and earlier", true},
}

var sesamPorts = []PortInfo{
	{11443, "sesam-https", "tls", "SEP sesam HTTPS (STPD); refuse TLS 1.0/1.1, SSL 3, 3DES, DES", false},
	{11000, "sesam-http", "closed", "SEP sesam plaintext HTTP; switch off (comment out STPD_HTTP_PORT)", false},
	{11001, "sesam-ftp", "closed", "SEP sesam plaintext FTP; switch off (comment out STPD_PORT)", false},
}

// Profiles lists the named port sets -p accepts, the default first.
var Profiles = []Profile{
	{"backup", "Code42 and SEP sesam (default)", slices.Concat(code42Ports, sesamPorts)},
	{"code42", "Code42 backup server", code42Ports},
	{"sesam", "SEP sesam backup server", sesamPorts},
}

// wellKnown names common ports outside the profiles.
var wellKnown = map[int]string{
	21: "ftp", 22: "ssh", 25: "smtp", 80: "http", 110: "pop3", 143: "imap", 443: "https",
	465: "smtps", 587: "submission", 636: "ldaps", 990: "ftps", 993: "imaps", 995: "pop3s",
	3389: "rdp", 5432: "postgresql", 8080: "http-alt", 8443: "https-alt",
}

// ServiceName names the service usually found on port, or "".
func ServiceName(port int) string {
	for _, p := range Profiles[0].Ports {
		if p.Port == port {
			return p.Service
		}
	}
	return wellKnown[port]
}

// slowToExamine reports whether an open port is likely to keep an
// examiner longest: an HTTPS port gets the TLS checks and then an HTTP
// request, which a server may leave unanswered until the timeout. A sweep
// sends these probes early while examiners are free (see probeSource).
func slowToExamine(port int) bool {
	switch ServiceName(port) {
	case "https", "https-alt", "sesam-https":
		return true
	}
	return false
}

// NotHTTP reports whether port is a profile port known to carry a protocol
// other than HTTP (Code42's), so an HTTPS request there would only wait.
func NotHTTP(port uint16) bool {
	for _, p := range Profiles[0].Ports {
		if p.Port == int(port) {
			return p.NotHTTP
		}
	}
	return false
}

// ParsePorts reads a -p value: profiles, ports and ranges separated by
// commas, e.g. "code42,8443,9000-9010". The result is sorted and unique.
func ParsePorts(spec string) ([]int, error) {
	var out []int
	var seen [65536]bool // each port once, however often ranges repeat it
	add := func(p int) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, tok := range strings.Split(spec, ",") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		if p := profileByName(tok); p != nil {
			for _, pi := range p.Ports {
				add(pi.Port)
			}
			continue
		}
		lo, hi, isRange := strings.Cut(tok, "-")
		a, err := parsePort(lo)
		if err != nil {
			return nil, &PortError{Token: tok, Reason: err.Error()}
		}
		b := a
		if isRange {
			if b, err = parsePort(hi); err != nil {
				return nil, &PortError{Token: tok, Reason: err.Error()}
			}
			if b < a {
				return nil, &PortError{Token: tok, Reason: "range runs backwards"}
			}
		}
		for p := a; p <= b; p++ {
			add(p)
		}
	}
	if len(out) == 0 {
		return nil, &PortError{Token: spec, Reason: "no ports given"}
	}
	slices.Sort(out)
	return out, nil
}

func profileByName(name string) *Profile {
	for i := range Profiles {
		if strings.EqualFold(Profiles[i].Name, name) {
			return &Profiles[i]
		}
	}
	return nil
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		names := make([]string, len(Profiles))
		for i, p := range Profiles {
			names[i] = p.Name
		}
		return 0, fmt.Errorf("not a port number or a profile (%s)", strings.Join(names, ", "))
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %d is outside 1-65535", n)
	}
	return n, nil
}

// PortError is a malformed -p value.
type PortError struct {
	Token  string
	Reason string
}

func (e *PortError) Error() string { return fmt.Sprintf("invalid port %q: %s", e.Token, e.Reason) }
