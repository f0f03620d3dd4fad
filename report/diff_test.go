package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	diffOldAt = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	diffCurAt = diffOldAt.Add(24 * time.Hour)
)

func diffCert(sha string, notAfter time.Time, daysLeft int) Certificate {
	return Certificate{Subject: "CN=" + sha, Issuer: "CN=Lab CA", CommonName: sha, SHA256: strings.Repeat(sha, 64/len(sha)),
		NotAfter: notAfter, DaysLeft: daysLeft}
}

func tlsEndpoint(host, ip string, port int, chain ...Certificate) Endpoint {
	return Endpoint{Host: host, IP: ip, Port: port, Service: "https", State: StateOpen, Transport: TransportTLS,
		TLS: &TLS{Version: "TLS1.2", Chain: chain}}
}

func plainEndpoint(ip string, port int, service string) Endpoint {
	return Endpoint{Host: ip, IP: ip, Port: port, Service: service, State: StateOpen, Transport: TransportPlaintext}
}

func fnd(id string, sev Severity, detail string) Finding {
	return Finding{ID: id, Severity: sev, Title: id + " title", Detail: detail}
}

// diffFixtures returns a baseline and a later scan covering every kind of
// change Compare reports.
func diffFixtures() (old, cur *Report) {
	expA := diffOldAt.Add(10 * 24 * time.Hour)
	expB := diffOldAt.Add(-24 * time.Hour)
	expB2 := diffCurAt.Add(400 * 24 * time.Hour)
	expCA := diffOldAt.Add(-48 * time.Hour)

	// 10.0.0.1:443: same certificate, a day closer to expiry.
	o1 := tlsEndpoint("10.0.0.1", "10.0.0.1", 443, diffCert("aa", expA, 10))
	o1.Findings = []Finding{
		fnd("expiring-certificate", SeverityMedium, "leaf expires on 2026-03-11, in 10 days"),
		fnd("self-signed-certificate", SeverityMedium, "self-signed"),
	}
	c1 := tlsEndpoint("10.0.0.1", "10.0.0.1", 443, diffCert("aa", expA, 9))
	c1.TLS.Version = "TLS1.0"
	c1.Findings = []Finding{
		fnd("deprecated-protocol", SeverityHigh, "the server negotiated TLS1.0"),
		fnd("expiring-certificate", SeverityMedium, "leaf expires on 2026-03-11, in 9 days"),
	}

	// 10.0.0.2:8443: leaf replaced; the expired intermediate stays.
	o2 := tlsEndpoint("10.0.0.2", "10.0.0.2", 8443, diffCert("bb", expB, -1), diffCert("ca", expCA, -2))
	o2.Findings = []Finding{
		fnd("expired-certificate", SeverityHigh, `leaf "CN=bb" expired on 2026-02-28`),
		fnd("expired-certificate", SeverityHigh, `chain certificate 1 "CN=ca" expired on 2026-02-27`),
	}
	c2 := tlsEndpoint("10.0.0.2", "10.0.0.2", 8443, diffCert("cc", expB2, 400), diffCert("ca", expCA, -3))
	c2.Findings = []Finding{
		fnd("expired-certificate", SeverityHigh, `chain certificate 1 "CN=ca" expired on 2026-02-27`),
	}

	// 10.0.0.3:21 closes; 10.0.0.4:80 opens; 10.0.0.5:9000 turns closed.
	o3 := plainEndpoint("10.0.0.3", 21, "ftp")
	o3.Findings = []Finding{fnd("plaintext-listener", SeverityHigh, "port 21 speaks FTP without TLS")}
	c4 := plainEndpoint("10.0.0.4", 80, "http")
	c4.Findings = []Finding{fnd("plaintext-listener", SeverityHigh, "port 80 speaks HTTP without TLS")}
	o5 := Endpoint{Host: "10.0.0.5", IP: "10.0.0.5", Port: 9000, State: StateOpen, Transport: TransportUnknown,
		Findings: []Finding{fnd("unidentified-listener", SeverityLow, "port 9000 is open but could not be identified")}}
	c5 := Endpoint{Host: "10.0.0.5", IP: "10.0.0.5", Port: 9000, State: StateClosed}

	// The same address and port under another name is another endpoint.
	o6 := tlsEndpoint("a.example.test", "10.0.0.6", 443, diffCert("dd", expB2, 500))
	c6 := tlsEndpoint("b.example.test", "10.0.0.6", 443, diffCert("dd", expB2, 499))
	c6.Findings = []Finding{fnd("hostname-mismatch", SeverityMedium, `certificate names dd, not "b.example.test"`)}

	// Closed in both scans: nothing to say.
	o7 := Endpoint{Host: "10.0.0.7", IP: "10.0.0.7", Port: 443, State: StateClosed}
	c7 := o7

	old = &Report{Schema: Schema, StartedAt: diffOldAt, Complete: true, Endpoints: []Endpoint{o1, o2, o3, o5, o6, o7}}
	cur = &Report{Schema: Schema, StartedAt: diffCurAt, Complete: true, Endpoints: []Endpoint{c1, c2, c4, c5, c6, c7}}
	return old, cur
}

func ref(host, ip string, port int, service string, tr Transport) EndpointRef {
	return EndpointRef{Host: host, IP: ip, Port: port, Service: service, Transport: tr}
}

func TestCompare(t *testing.T) {
	old, cur := diffFixtures()
	var before bytes.Buffer
	if err := WriteJSON(&before, old); err != nil {
		t.Fatal(err)
	}

	got := Compare(old, cur)

	e1 := ref("10.0.0.1", "10.0.0.1", 443, "https", TransportTLS)
	e2 := ref("10.0.0.2", "10.0.0.2", 8443, "https", TransportTLS)
	e3 := ref("10.0.0.3", "10.0.0.3", 21, "ftp", TransportPlaintext)
	e4 := ref("10.0.0.4", "10.0.0.4", 80, "http", TransportPlaintext)
	e5 := ref("10.0.0.5", "10.0.0.5", 9000, "", TransportUnknown)
	e6a := ref("a.example.test", "10.0.0.6", 443, "https", TransportTLS)
	e6b := ref("b.example.test", "10.0.0.6", 443, "https", TransportTLS)
	cf := func(e EndpointRef, f Finding) ChangedFinding {
		return ChangedFinding{EndpointRef: e, ID: f.ID, Severity: f.Severity, Title: f.Title, Detail: f.Detail}
	}
	o1, o2, o3, o5 := old.Endpoints[0], old.Endpoints[1], old.Endpoints[2], old.Endpoints[3]
	c1, c4, c6 := cur.Endpoints[0], cur.Endpoints[2], cur.Endpoints[4]
	want := &Changes{
		BaselineStartedAt: diffOldAt,
		NewCount:          SeverityCounts{High: 2, Medium: 1},
		ResolvedCount:     SeverityCounts{High: 2, Medium: 1, Low: 1},
		New: []ChangedFinding{
			cf(e1, c1.Findings[0]),
			cf(e4, c4.Findings[0]),
			cf(e6b, c6.Findings[0]),
		},
		Resolved: []ChangedFinding{
			cf(e1, o1.Findings[1]),
			cf(e2, o2.Findings[0]),
			cf(e3, o3.Findings[0]),
			cf(e5, o5.Findings[0]),
		},
		Appeared:    []EndpointRef{e4, e6b},
		Disappeared: []EndpointRef{e3, e5, e6a},
		CertificatesChanged: []CertChange{{
			EndpointRef: e2,
			OldSHA256:   strings.Repeat("bb", 32), NewSHA256: strings.Repeat("cc", 32),
			OldSubject: "CN=bb", NewSubject: "CN=cc", OldIssuer: "CN=Lab CA", NewIssuer: "CN=Lab CA",
			OldNotAfter: diffOldAt.Add(-24 * time.Hour), NewNotAfter: diffCurAt.Add(400 * 24 * time.Hour),
			DaysLeft: 400,
		}},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("Compare:\ngot  %s\nwant %s", g, w)
	}

	marks := map[string][]string{}
	for _, ep := range cur.Endpoints {
		for _, f := range ep.Findings {
			marks[ep.Host] = append(marks[ep.Host], f.ID+"="+f.Change)
		}
	}
	wantMarks := map[string][]string{
		"10.0.0.1":       {"deprecated-protocol=new", "expiring-certificate=unchanged"},
		"10.0.0.2":       {"expired-certificate=unchanged"},
		"10.0.0.4":       {"plaintext-listener=new"},
		"b.example.test": {"hostname-mismatch=new"},
	}
	if !reflect.DeepEqual(marks, wantMarks) {
		t.Errorf("change marks = %v, want %v", marks, wantMarks)
	}

	var after bytes.Buffer
	if err := WriteJSON(&after, old); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Error("Compare modified the baseline")
	}
	if got.None() {
		t.Error("None() is true with changes")
	}
}

func TestCompareSameScan(t *testing.T) {
	_, cur := diffFixtures()
	_, again := diffFixtures()
	// Only volatile values differ: days left, details with day counts, times.
	again.StartedAt = again.StartedAt.Add(24 * time.Hour)
	again.Endpoints[0].TLS.Chain[0].DaysLeft = 8
	again.Endpoints[0].Findings[1].Detail = "leaf expires on 2026-03-11, in 8 days"
	ch := Compare(cur, again)
	if !ch.None() {
		t.Errorf("changes between equal scans: %+v", ch)
	}
	for _, ep := range again.Endpoints {
		for _, f := range ep.Findings {
			if f.Change != ChangeUnchanged {
				t.Errorf("%s %s is %q, want unchanged", ep.Host, f.ID, f.Change)
			}
		}
	}
	if ch.Partial || ch.NewCount != (SeverityCounts{}) {
		t.Errorf("Partial %v, NewCount %+v", ch.Partial, ch.NewCount)
	}

	again.Complete = false
	if !Compare(cur, again).Partial {
		t.Error("an interrupted scan does not make the comparison partial")
	}
	var nilChanges *Changes
	if !nilChanges.None() {
		t.Error("nil Changes is not None")
	}
}

func TestCompareJSON(t *testing.T) {
	old, cur := diffFixtures()
	cur.Changes = Compare(old, cur)
	cur.Changes.Baseline = "last.json"
	var buf bytes.Buffer
	if err := WriteJSON(&buf, cur); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"change": "new"`, `"change": "unchanged"`, `"baseline": "last.json"`,
		`"certificates_changed": [`, `"old_sha256": "bbbb`, `"new_count": {`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Changes == nil || len(back.Changes.New) != 3 || back.Changes.New[0].Port != 443 || back.Endpoints[0].Findings[0].Change != ChangeNew {
		t.Errorf("changes did not survive a round trip: %+v", back.Changes)
	}

	// Without a baseline neither field is written.
	_, plain := diffFixtures()
	buf.Reset()
	if err := WriteJSON(&buf, plain); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `"change`) {
		t.Error("a report without baseline writes change fields")
	}
}
