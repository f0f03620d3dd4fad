package scanner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// What a profile port should speak, as the vendor guidance has it.
const (
	// ExpectTLS: the port serves TLS.
	ExpectTLS = "tls"
	// ExpectSSH: the port serves SSH, encrypted but not TLS.
	ExpectSSH = "ssh"
	// ExpectClosed: a legacy or plaintext listener that should be switched off.
	ExpectClosed = "closed"
)

// PortInfo says what a port is for and what it should speak.
type PortInfo struct {
	Port    int
	Service string
	// Expect is the transport the vendor guidance wants: ExpectTLS,
	// ExpectSSH or ExpectClosed.
	Expect string
	// Note is the vendor's advice for the port, in one line.
	Note string
	// NotHTTP is set for TLS ports that carry another application protocol:
	// they are not sent early with the HTTPS ports (slowToExamine), whose
	// HTTP answer may keep an examiner waiting.
	NotHTTP bool
}

// Profile is a named set of ports.
type Profile struct {
	Name  string
	Doc   string
	Ports []PortInfo
}

var code42Ports = []PortInfo{
	{4287, "code42-client", ExpectTLS, "Code42 client-to-server, TLS 1.2", true},
	{4288, "code42-server", ExpectTLS, "Code42 server-to-server, TLS 1.2", true},
	{4285, "code42-console", ExpectTLS, "Code42 administration console over HTTPS (https://server:4285/console), also Code42 apps 6.5 and later; use a CA-signed certificate and send an HSTS header", false},
	{4280, "code42-console-http", ExpectClosed, "Code42 administration console over plain HTTP; open it only where the server does not use TLS", false},
	{4282, "code42-legacy-client", ExpectClosed, "Code42 legacy custom protocol (TLS port minus 5), versions 5.3 and earlier", true},
	{4283, "code42-legacy-server", ExpectClosed, "Code42 legacy custom protocol (TLS port minus 5), versions 5.3 and earlier", true},
}

var sesamPorts = []PortInfo{
	{11443, "sesam-https", ExpectTLS, "SEP sesam HTTPS (STPD); refuse TLS 1.0/1.1, SSL 3, 3DES, DES", false},
	{11000, "sesam-http", ExpectClosed, "SEP sesam plaintext HTTP; switch off (comment out STPD_HTTP_PORT)", false},
	{11001, "sesam-ftp", ExpectClosed, "SEP sesam plaintext FTP; switch off (comment out STPD_PORT)", false},
	{11401, "sesam-gui", ExpectTLS, "SEP sesam remote GUI server; encrypt the GUI's connections (5.1.0 and later can switch its HTTP off)", false},
	{11301, "sesam-ctrl", ExpectClosed, "SEP sesam client control (sm_ctrl, CTRL access mode), cleartext; use SMSSH (11322) instead", true},
	{11322, "sesam-smssh", ExpectSSH, "SEP sesam SMSSH, SSH-based client control, the recommended access mode", true},
}

// missionPorts are the seven data-path ports the first tlsweep scanned by
// default (and the benchmark rig serves): the Code42 client, server and
// legacy ports and sesam's HTTPS, HTTP and FTP, without the consoles.
var missionPorts = pick(slices.Concat(code42Ports, sesamPorts), 4287, 4288, 4282, 4283, 11443, 11000, 11001)

// Profiles lists the named port sets -p accepts, the default first. The
// default covers every vendor listener, consoles and control ports
// included; mission keeps the original seven-port set.
var Profiles = []Profile{
	{"backup", "every Code42 and SEP sesam listener (default)", slices.Concat(code42Ports, sesamPorts)},
	{"code42", "Code42 backup server, consoles included", code42Ports},
	{"sesam", "SEP sesam backup server and client ports", sesamPorts},
	{"mission", "the seven Code42 and SEP sesam data ports the default scanned before the consoles and control ports joined it", missionPorts},
}

// pick returns the entries of from for ports, in the order ports names them.
func pick(from []PortInfo, ports ...int) []PortInfo {
	out := make([]PortInfo, 0, len(ports))
	for _, port := range ports {
		if i := slices.IndexFunc(from, func(p PortInfo) bool { return p.Port == port }); i >= 0 {
			out = append(out, from[i])
		}
	}
	return out
}

// profilePort is the default profile's entry for port, if it has one.
func profilePort(port int) (PortInfo, bool) {
	for _, p := range Profiles[0].Ports {
		if p.Port == port {
			return p, true
		}
	}
	return PortInfo{}, false
}

// wellKnown names common ports outside the profiles.
var wellKnown = map[int]string{
	21: "ftp", 22: "ssh", 25: "smtp", 80: "http", 110: "pop3", 143: "imap", 443: "https",
	465: "smtps", 587: "submission", 636: "ldaps", 990: "ftps", 993: "imaps", 995: "pop3s",
	3389: "rdp", 5432: "postgresql", 8080: "http-alt", 8443: "https-alt",
}

// ServiceName names the service usually found on port, or "".
func ServiceName(port int) string {
	if p, ok := profilePort(port); ok {
		return p.Service
	}
	return wellKnown[port]
}

// slowToExamine reports whether an open port is likely to keep an
// examiner longest: an HTTPS port (a profile's TLS port that may carry
// HTTP, such as the consoles, or a well-known HTTPS port) gets the TLS
// checks and then an HTTP request, which a server may leave unanswered
// until the timeout. A sweep sends these probes early while examiners are
// free (see probeSource).
func slowToExamine(port int) bool {
	if p, ok := profilePort(port); ok {
		return p.Expect == ExpectTLS && !p.NotHTTP
	}
	switch wellKnown[port] {
	case "https", "https-alt":
		return true
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
