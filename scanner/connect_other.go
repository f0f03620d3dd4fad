//go:build !linux

package scanner

import "net"

func defaultConnector() connector { return dialConnector{d: &net.Dialer{}} }
