package report

// Count adds one probed endpoint to the summary. Hosts are counted by the caller.
func (s *Summary) Count(ep *Endpoint) {
	s.Probes++
	switch ep.State {
	case StateOpen:
		s.Open++
	case StateClosed:
		s.Closed++
	case StateFiltered:
		s.Filtered++
	}
	if ep.State == StateOpen {
		switch ep.Transport {
		case TransportTLS:
			s.TLS++
		case TransportEncrypted:
			s.Encrypted++
		case TransportPlaintext:
			s.Plaintext++
		default:
			s.Unknown++
		}
	}
	for _, f := range ep.Findings {
		s.Findings.Add(f.Severity)
	}
}

// Worst returns the highest severity among the report's findings.
func (r *Report) Worst() Severity {
	for _, s := range Severities {
		if r.Summary.Findings.Of(s) > 0 {
			return s
		}
	}
	return SeverityNone
}
