package web

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

var scimBenchPeople = flag.Int("scim.people", 10000, "people a SCIM source keeps in the SCIM list benchmarks")

// BenchmarkSCIMUsers measures the lists an identity provider asks for most: a filter by userName
// or externalId (answered from an index) and a page deep in the unfiltered list (read from the
// source's name index; only the page's records are decoded).
func BenchmarkSCIMUsers(b *testing.B) {
	e := entitlementtest.New(b)
	token, _, err := e.Svc.CreateSCIMToken(entitlementtest.RootAdmin, "Okta")
	if err != nil {
		b.Fatal(err)
	}
	n := *scimBenchPeople
	for from := 0; from < n; from += 1000 {
		e.Update(func(tx entitlement.Tx) error {
			for i := from; i < min(from+1000, n); i++ {
				u := entitlement.User{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Person %06d", i), Email: fmt.Sprintf("p%06d@corp.example", i),
					UserType: entitlement.UserTypeMember, AccountEnabled: true, Source: entitlement.SourceSCIM, ExternalID: fmt.Sprintf("ext-%06d", i),
					CreatedDateTime: entitlementtest.T0, ModifiedDateTime: entitlementtest.T0}
				u.UserPrincipalName = u.Email
				if err := tx.Users().Put(u); err != nil {
					return err
				}
			}
			return nil
		})
	}
	srv := httptest.NewServer(http.StripPrefix("/scim/v2", newSCIM(e.Svc)))
	b.Cleanup(srv.Close)
	get := func(b *testing.B, path, want string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/scim/v2"+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			b.Fatalf("GET %s = %d, lacks %q", path, res.StatusCode, want)
		}
	}
	mid := n / 2
	b.Run("filter userName", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			get(b, fmt.Sprintf(`/Users?filter=userName%%20eq%%20%%22p%06d@corp.example%%22`, mid), `"totalResults":1,`)
		}
	})
	b.Run("filter externalId", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			get(b, fmt.Sprintf(`/Users?filter=externalId%%20eq%%20%%22ext-%06d%%22`, mid), `"totalResults":1,`)
		}
	})
	b.Run("page of 100 in the middle", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			get(b, fmt.Sprintf("/Users?startIndex=%d&count=100", mid+1), fmt.Sprintf(`"totalResults":%d,`, n))
		}
	})
}
