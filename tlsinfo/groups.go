package tlsinfo

// Named groups (IANA "TLS Supported Groups") a ClientHello offers.
const (
	GroupSecp256r1 uint16 = 0x0017
	GroupSecp384r1 uint16 = 0x0018
	GroupSecp521r1 uint16 = 0x0019
	GroupX25519    uint16 = 0x001d
	GroupX448      uint16 = 0x001e
	GroupFFDHE2048 uint16 = 0x0100
	GroupFFDHE3072 uint16 = 0x0101
	GroupFFDHE4096 uint16 = 0x0102
)

// Group is one named group of the supported_groups extension.
type Group struct {
	ID   uint16
	Name string // IANA name: x25519, secp256r1, ffdhe2048, ...
	// FiniteField groups are RFC 7919 Diffie-Hellman groups; the others
	// are elliptic curves.
	FiniteField bool
}

var groups = []Group{
	{GroupSecp256r1, "secp256r1", false},
	{GroupSecp384r1, "secp384r1", false},
	{GroupSecp521r1, "secp521r1", false},
	{GroupX25519, "x25519", false},
	{GroupX448, "x448", false},
	{GroupFFDHE2048, "ffdhe2048", true},
	{GroupFFDHE3072, "ffdhe3072", true},
	{GroupFFDHE4096, "ffdhe4096", true},
}

// Groups returns every named group tlsweep knows, sorted by ID.
func Groups() []Group { return append([]Group(nil), groups...) }

// GroupByID finds a named group by its wire value.
func GroupByID(id uint16) (Group, bool) {
	for _, g := range groups {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}
