// Package tlsinfo is the TLS registry tlsweep works from: protocol
// versions, cipher suites, alert descriptions and named groups, one copy
// of each. It holds data and lookups only; judging what a server accepts
// is the findings package's job.
package tlsinfo
