package provision

import (
	"github.com/stewardhq/steward/reach"
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
	if w := reach.Words(err); w != "" {
		return w
	}
	return err.Error()
}
