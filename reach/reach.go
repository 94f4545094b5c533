// Package reach says in words why a server could not be reached. The Go error of a failed dial
// or request ("dial tcp 10.0.0.5:443: connect: connection refused") means little to the
// administrator who reads it on a form, a report or a task; the connectors and the LDAP import
// both show this instead.
package reach

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"syscall"
)

// Words says why err kept a server out of reach, or "" when err is not one of the failures it
// knows; callers then show their own text of the error.
func Words(err error) string {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	var netErr net.Error
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return "no server has the name " + dns.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing answers at that address and port"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "the server did not answer in time"
	case errors.As(err, &hostname):
		return "its certificate is for another name"
	case errors.As(err, &unknownCA), errors.As(err, &verify):
		return "its certificate is not trusted"
	}
	return ""
}
