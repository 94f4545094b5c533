package reach

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
)

func TestWords(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	_, refused := net.Dial("tcp", closed)
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"refused", refused, "nothing answers at that address and port"},
		{"unknown name", fmt.Errorf("post: %w", &net.DNSError{Name: "nowhere.example", IsNotFound: true}), "no server has the name nowhere.example"},
		{"deadline", fmt.Errorf("post: %w", context.DeadlineExceeded), "the server did not answer in time"},
		{"anything else", errors.New("bad gateway"), ""},
	} {
		if got := Words(c.err); got != c.want {
			t.Errorf("%s: Words(%v) = %q, want %q", c.name, c.err, got, c.want)
		}
	}
}
