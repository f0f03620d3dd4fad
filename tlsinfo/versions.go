package tlsinfo

import "fmt"

// Wire values of the protocol versions tlsweep knows: the one place they
// are spelled in the code.
const (
	SSL20 uint16 = 0x0002
	SSL30 uint16 = 0x0300
	TLS10 uint16 = 0x0301
	TLS11 uint16 = 0x0302
	TLS12 uint16 = 0x0303
	TLS13 uint16 = 0x0304
)

// Version is one SSL/TLS protocol version as tlsweep names it in reports.
type Version struct {
	ID   uint16 // wire value
	Name string // SSL2.0, SSL3.0, TLS1.0, ...: the name reports carry
	// Token is the short lowercase spelling other tools use (tlsx, zgrab):
	// ssl20, ssl30, tls10, ...
	Token string
	// Deprecated versions are below TLS 1.2 (RFC 8996 and earlier).
	Deprecated bool
	// Insecure versions are broken outright (SSL 2.0 and 3.0).
	Insecure bool
}

// versions lists every protocol version tlsweep knows, oldest first.
var versions = []Version{
	{SSL20, "SSL2.0", "ssl20", true, true},
	{SSL30, "SSL3.0", "ssl30", true, true},
	{TLS10, "TLS1.0", "tls10", true, false},
	{TLS11, "TLS1.1", "tls11", true, false},
	{TLS12, "TLS1.2", "tls12", false, false},
	{TLS13, "TLS1.3", "tls13", false, false},
}

// Versions returns every protocol version tlsweep knows, oldest first.
func Versions() []Version { return append([]Version(nil), versions...) }

// VersionByName finds a version by its report name (TLS1.2).
func VersionByName(name string) (Version, bool) {
	for _, v := range versions {
		if v.Name == name {
			return v, true
		}
	}
	return Version{}, false
}

// VersionByToken finds a version by its short spelling (tls12).
func VersionByToken(token string) (Version, bool) {
	for _, v := range versions {
		if v.Token == token {
			return v, true
		}
	}
	return Version{}, false
}

// VersionByID finds a version by its wire value.
func VersionByID(id uint16) (Version, bool) {
	for _, v := range versions {
		if v.ID == id {
			return v, true
		}
	}
	return Version{}, false
}

// VersionName is the report name of a wire version, or 0xNNNN for one
// tlsweep does not know.
func VersionName(id uint16) string {
	if v, ok := VersionByID(id); ok {
		return v.Name
	}
	return fmt.Sprintf("0x%04X", id)
}
