package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// ifMatch sends a request as the administrator with an If-Match header and returns its status
// and Graph error code (empty on success).
func (s *apiServer) ifMatch(method, path, etag string, body any) (int, string) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.srv.URL+"/beta"+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.admin.ID)
	req.Header.Set("If-Match", etag)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Error struct{ Code string } `json:"error"`
	}
	raw, _ := io.ReadAll(res.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			s.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
	}
	return res.StatusCode, out.Error.Code
}

func TestIfMatch(t *testing.T) {
	s := newAPI(t)
	const catalogs = "/identityGovernance/entitlementManagement/accessPackageCatalogs"
	created := s.do(s.admin, "POST", catalogs, map[string]any{"displayName": "Finance", "description": "Money"}).want(t, http.StatusCreated)
	id := created.str(t, "id")
	if got := created.str(t, "@odata.etag"); got != `W/"1"` {
		t.Fatalf("a new catalog's etag = %q, want W/\"1\"", got)
	}
	etag := func() string {
		t.Helper()
		return s.do(s.admin, "GET", catalogs+"/"+id, nil).want(t, http.StatusOK).str(t, "@odata.etag")
	}

	steps := []struct {
		name, method, etag string
		body               any
		status             int
		code               string
		wantEtag           string
	}{
		{"current version", "PATCH", `W/"1"`, map[string]any{"description": "Budgets"}, http.StatusNoContent, "", `W/"2"`},
		{"stale version", "PATCH", `W/"1"`, map[string]any{"description": "Lost"}, http.StatusPreconditionFailed, "PreconditionFailed", `W/"2"`},
		{"strong form of the current version", "PATCH", `"2"`, map[string]any{"description": "Spend"}, http.StatusNoContent, "", `W/"3"`},
		{"any version", "PATCH", "*", map[string]any{"description": "Anything"}, http.StatusNoContent, "", `W/"4"`},
		{"not an etag", "PATCH", "yesterday", map[string]any{"description": "Bad"}, http.StatusBadRequest, "BadRequest", `W/"4"`},
		{"stale delete", "DELETE", `W/"3"`, nil, http.StatusPreconditionFailed, "PreconditionFailed", `W/"4"`},
	}
	for _, st := range steps {
		status, code := s.ifMatch(st.method, catalogs+"/"+id, st.etag, st.body)
		if status != st.status || code != st.code {
			t.Errorf("%s: %d %q, want %d %q", st.name, status, code, st.status, st.code)
		}
		if got := etag(); got != st.wantEtag {
			t.Errorf("%s: etag afterwards %q, want %q", st.name, got, st.wantEtag)
		}
	}
	if got := s.do(s.admin, "GET", catalogs+"/"+id, nil).str(t, "description"); got != "Anything" {
		t.Errorf("description = %q: a refused write changed it", got)
	}
	if status, _ := s.ifMatch("DELETE", catalogs+"/"+id, `W/"4"`, nil); status != http.StatusNoContent {
		t.Errorf("delete at the current version: %d", status)
	}

	const settings = "/identityGovernance/entitlementManagement/settings"
	cur := s.do(s.admin, "GET", settings, nil).want(t, http.StatusOK).str(t, "@odata.etag")
	if status, _ := s.ifMatch("PATCH", settings, cur, map[string]any{"daysUntilExternalUserDeletedAfterBlocked": 20}); status != http.StatusNoContent {
		t.Fatalf("settings at the current version: %d", status)
	}
	if status, code := s.ifMatch("PATCH", settings, cur, map[string]any{"daysUntilExternalUserDeletedAfterBlocked": 40}); status != http.StatusPreconditionFailed {
		t.Errorf("settings at a stale version: %d %q", status, code)
	}
}
