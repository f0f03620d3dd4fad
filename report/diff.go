package report

import "time"

// Values of Finding.Change once a report was compared with a baseline.
const (
	ChangeNew       = "new"
	ChangeUnchanged = "unchanged"
)

// Changes is what differs between a baseline scan and the current one.
//
// An endpoint is identified by ip, port and host; a finding by its
// endpoint and its id. Details, days left and timestamps may differ between
// two scans without counting as a change. When an endpoint raises the same
// id more than once (a finding per certificate of the chain), the findings
// with the same detail are paired first and the rest in order.
type Changes struct {
	// Baseline names the earlier scan: the base name of its file.
	Baseline string `json:"baseline,omitempty"`
	// BaselineStartedAt is when the earlier scan started.
	BaselineStartedAt time.Time `json:"baseline_started_at"`
	// Partial is set when either scan was interrupted: endpoints it did not
	// reach show as disappeared or appeared, and their findings as resolved
	// or new.
	Partial bool `json:"partial,omitempty"`
	// NewCount and ResolvedCount count New and Resolved by severity.
	NewCount      SeverityCounts `json:"new_count"`
	ResolvedCount SeverityCounts `json:"resolved_count"`
	// New lists the findings the baseline did not have (also marked
	// "change": "new" where they appear under endpoints).
	New []ChangedFinding `json:"new"`
	// Resolved lists the baseline's findings the current scan no longer
	// raises, including those of endpoints that disappeared.
	Resolved []ChangedFinding `json:"resolved"`
	// Appeared lists endpoints open now that were not open in the baseline.
	Appeared []EndpointRef `json:"appeared"`
	// Disappeared lists endpoints open in the baseline and not open now.
	Disappeared []EndpointRef `json:"disappeared"`
	// CertificatesChanged lists endpoints whose leaf certificate changed.
	CertificatesChanged []CertChange `json:"certificates_changed"`
}

// EndpointRef names an endpoint in Changes.
type EndpointRef struct {
	Host      string    `json:"host"`
	IP        string    `json:"ip"`
	Port      int       `json:"port"`
	Service   string    `json:"service,omitempty"`
	Transport Transport `json:"transport,omitempty"`
}

// ChangedFinding is a finding that is new or resolved, with its endpoint.
type ChangedFinding struct {
	EndpointRef
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Detail   string   `json:"detail"`
}

// CertChange is a leaf certificate replaced between the two scans (its
// sha256 differs).
type CertChange struct {
	EndpointRef
	OldSHA256   string    `json:"old_sha256"`
	NewSHA256   string    `json:"new_sha256"`
	OldSubject  string    `json:"old_subject"`
	NewSubject  string    `json:"new_subject"`
	OldIssuer   string    `json:"old_issuer"`
	NewIssuer   string    `json:"new_issuer"`
	OldNotAfter time.Time `json:"old_not_after"`
	NewNotAfter time.Time `json:"new_not_after"`
	// DaysLeft is the new leaf's days_left at the current scan.
	DaysLeft int `json:"days_left"`
}

// None reports whether nothing changed: no new or resolved finding, no
// endpoint appeared or disappeared, no certificate replaced.
func (c *Changes) None() bool {
	return c == nil || len(c.New) == 0 && len(c.Resolved) == 0 && len(c.Appeared) == 0 &&
		len(c.Disappeared) == 0 && len(c.CertificatesChanged) == 0
}

type endpointKey struct {
	ip   string
	port int
	host string
}

func keyOf(ep *Endpoint) endpointKey { return endpointKey{ep.IP, ep.Port, ep.Host} }

// RefOf names ep for Changes.
func RefOf(ep *Endpoint) EndpointRef {
	return EndpointRef{Host: ep.Host, IP: ep.IP, Port: ep.Port, Service: ep.Service, Transport: ep.Transport}
}

func changed(ep *Endpoint, f *Finding) ChangedFinding {
	return ChangedFinding{EndpointRef: RefOf(ep), ID: f.ID, Severity: f.Severity, Title: f.Title, Detail: f.Detail}
}

func listening(ep *Endpoint) bool { return ep.State == StateOpen }

// Compare returns what changed from old to cur, and sets Change on every
// finding of cur to ChangeNew or ChangeUnchanged. old is not modified.
// Lists follow the order of the report they come from: New and Appeared
// that of cur, Resolved and Disappeared that of old.
func Compare(old, cur *Report) *Changes {
	ch := &Changes{
		BaselineStartedAt:   old.StartedAt,
		Partial:             !old.Complete || !cur.Complete,
		New:                 []ChangedFinding{},
		Resolved:            []ChangedFinding{},
		Appeared:            []EndpointRef{},
		Disappeared:         []EndpointRef{},
		CertificatesChanged: []CertChange{},
	}
	oldIndex := make(map[endpointKey]int, len(old.Endpoints))
	for i := range old.Endpoints {
		k := keyOf(&old.Endpoints[i])
		if _, dup := oldIndex[k]; !dup {
			oldIndex[k] = i
		}
	}
	// Per old endpoint: whether cur has it, whether it disappeared, and
	// which of its findings cur still raises.
	matched := make([]bool, len(old.Endpoints))
	gone := make([]bool, len(old.Endpoints))
	kept := make([][]bool, len(old.Endpoints))

	for i := range cur.Endpoints {
		ep := &cur.Endpoints[i]
		var prev *Endpoint
		if j, ok := oldIndex[keyOf(ep)]; ok && !matched[j] {
			matched[j] = true
			prev = &old.Endpoints[j]
			gone[j] = listening(prev) && !listening(ep)
			kept[j] = pairFindings(prev.Findings, ep.Findings)
			if c, ok := certChange(prev, ep); ok {
				ch.CertificatesChanged = append(ch.CertificatesChanged, c)
			}
		} else {
			for k := range ep.Findings {
				ep.Findings[k].Change = ChangeNew
			}
		}
		if listening(ep) && (prev == nil || !listening(prev)) {
			ch.Appeared = append(ch.Appeared, RefOf(ep))
		}
		for k := range ep.Findings {
			if f := &ep.Findings[k]; f.Change == ChangeNew {
				ch.New = append(ch.New, changed(ep, f))
				ch.NewCount.Add(f.Severity)
			}
		}
	}
	for j := range old.Endpoints {
		prev := &old.Endpoints[j]
		if gone[j] || !matched[j] && listening(prev) {
			ch.Disappeared = append(ch.Disappeared, RefOf(prev))
		}
		for k := range prev.Findings {
			if kept[j] == nil || !kept[j][k] {
				ch.Resolved = append(ch.Resolved, changed(prev, &prev.Findings[k]))
				ch.ResolvedCount.Add(prev.Findings[k].Severity)
			}
		}
	}
	return ch
}

// pairFindings marks each finding of cur ChangeNew or ChangeUnchanged and
// returns, for each finding of old, whether cur still raises it. Findings
// pair by id: those with the same detail first, then the rest in order.
func pairFindings(old, cur []Finding) []bool {
	kept := make([]bool, len(old))
	taken := make([]bool, len(cur))
	for pass := 0; pass < 2; pass++ {
		for i := range cur {
			if taken[i] {
				continue
			}
			for j := range old {
				if !kept[j] && old[j].ID == cur[i].ID && (pass == 1 || old[j].Detail == cur[i].Detail) {
					kept[j], taken[i] = true, true
					break
				}
			}
		}
	}
	for i := range cur {
		cur[i].Change = ChangeNew
		if taken[i] {
			cur[i].Change = ChangeUnchanged
		}
	}
	return kept
}

// certChange compares the leaf certificates of one endpoint in two scans.
func certChange(old, cur *Endpoint) (CertChange, bool) {
	o, n := old.Leaf(), cur.Leaf()
	if o == nil || n == nil || o.SHA256 == "" || n.SHA256 == "" || o.SHA256 == n.SHA256 {
		return CertChange{}, false
	}
	return CertChange{
		EndpointRef: RefOf(cur),
		OldSHA256:   o.SHA256, NewSHA256: n.SHA256,
		OldSubject: o.Subject, NewSubject: n.Subject,
		OldIssuer: o.Issuer, NewIssuer: n.Issuer,
		OldNotAfter: o.NotAfter, NewNotAfter: n.NotAfter,
		DaysLeft: n.DaysLeft,
	}, true
}
