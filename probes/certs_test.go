package probes

import (
	"bytes"
	"testing"

	"github.com/tlsweep/tlsweep/scanner/lab"
)

// TestSigMemo: the memo gives the same verdicts as a fresh signature check,
// including for a certificate that names itself as issuer but was signed
// by another key, and it starts over instead of growing past its cap.
func TestSigMemo(t *testing.T) {
	self := mustIssue(t, lab.CertOptions{CommonName: "backup.example", Key: "p256"}, nil)
	ca := mustIssue(t, lab.CertOptions{CommonName: "twin", Key: "p256", IsCA: true}, nil)
	twin := mustIssue(t, lab.CertOptions{CommonName: "twin", Key: "p256"}, ca)
	if !bytes.Equal(twin.X509.RawIssuer, twin.X509.RawSubject) {
		t.Fatal("test certificate: issuer and subject differ")
	}
	var m sigMemo
	for round := range 2 {
		if !m.selfSigned(self.X509) {
			t.Errorf("round %d: self-signed certificate judged not self-signed", round)
		}
		if m.selfSigned(twin.X509) {
			t.Errorf("round %d: certificate signed by another key with the same name judged self-signed", round)
		}
	}
	if len(m.m) != 2 {
		t.Errorf("memo holds %d entries, want 2", len(m.m))
	}
	for i := range sigMemoMax {
		m.m[[32]byte{byte(i), byte(i >> 8), 0xff}] = true
	}
	if m.selfSigned(ca.X509) != true || len(m.m) != 1 {
		t.Errorf("full memo: %d entries after one more certificate, want 1", len(m.m))
	}
	if m.selfSigned(twin.X509) {
		t.Error("after starting over: twin judged self-signed")
	}
}
