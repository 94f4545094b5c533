package provision

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"syscall"
)

// reachError is a failure to reach a connector's target, said in words: the Go error of a failed
// request (Post "https://…": dial tcp 10.0.0.5:443: connect: connection refused) is shown to
// administrators on the resource page and in the task a failed call leaves. It still unwraps to
// the cause.
type reachError struct {
	msg string
	err error
}

func (e *reachError) Error() string { return e.msg }
func (e *reachError) Unwrap() error { return e.err }

// unreachable says that what (such as "the webhook at https://…") could not be reached, and why.
func unreachable(what string, err error) error {
	return &reachError{msg: "could not reach " + what + ": " + reachWords(err), err: err}
}

func reachWords(err error) string {
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
		return "it did not answer in time"
	case errors.As(err, &hostname):
		return "its certificate is for another name"
	case errors.As(err, &unknownCA), errors.As(err, &verify):
		return "its certificate is not trusted"
	}
	return err.Error()
}
