package report

// Version is one SSL/TLS protocol version as tlsweep names it in reports.
type Version struct {
	ID   uint16 // wire value
	Name string // SSL2.0, SSL3.0, TLS1.0, ...
	// Deprecated versions are below TLS 1.2 (RFC 8996 and earlier).
	Deprecated bool
	// Insecure versions are broken outright (SSL 2.0 and 3.0).
	Insecure bool
}

// Versions lists every protocol version tlsweep knows, oldest first.
var Versions = []Version{
	{0x0002, "SSL2.0", true, true},
	{0x0300, "SSL3.0", true, true},
	{0x0301, "TLS1.0", true, false},
	{0x0302, "TLS1.1", true, false},
	{0x0303, "TLS1.2", false, false},
	{0x0304, "TLS1.3", false, false},
}

// VersionByName finds a version by its report name.
func VersionByName(name string) (Version, bool) {
	for _, v := range Versions {
		if v.Name == name {
			return v, true
		}
	}
	return Version{}, false
}

// VersionByID finds a version by its wire value.
func VersionByID(id uint16) (Version, bool) {
	for _, v := range Versions {
		if v.ID == id {
			return v, true
		}
	}
	return Version{}, false
}
