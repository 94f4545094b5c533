package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
)

// TestRequestBodiesAreCapped checks that an oversized body is refused with 413 before the CSRF
// check reads it, for visitors who are not signed in too.
func TestRequestBodiesAreCapped(t *testing.T) {
	env := start(t)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "big.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(fw, zeros{}, 17<<20); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(env.URL+"/logout", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("17 MiB upload: %d, want 413", res.StatusCode)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}
