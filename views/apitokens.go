package views

import (
	"strconv"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// catalogRoleLabels names catalog roles for people: "Owner and Reader".
func catalogRoleLabels(roles []entitlement.CatalogRole) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Label()
	}
	return words.JoinAnd(names)
}

// TokenForm is the form of a new API token: its name and how many days it lasts.
type TokenForm struct {
	Name string
	Days string
}

// TokenListProps is a list of API tokens with their revoke buttons, and the form of a new one.
type TokenListProps struct {
	Tokens    []entitlement.APIToken
	Now       time.Time
	CSRFToken string
	// Action is where the new-token form posts; a token's revoke button posts to
	// Action+"/"+id+"/revoke".
	Action string
	Form   TokenForm
	Errors map[string]string
	// Created is the token just made, shown this once; CreatedName is its name.
	Created     string
	CreatedName string
	// Owner names whose tokens these are in the confirmations ("your", "CI bot's").
	Owner string
}

// APITokensProps is the data of /profile/tokens.
type APITokensProps struct {
	Page   Page
	Tokens TokenListProps
}

// tokenDayOptions are the lives a new token may be given; entitlement allows any number of
// days up to a year, the form offers the usual ones.
var tokenDayOptions = func() []components.SelectOption {
	var out []components.SelectOption
	for _, d := range []int{7, 30, 90, 180, entitlement.MaxAPITokenDays} {
		label := strconv.Itoa(d) + " days"
		if d == entitlement.MaxAPITokenDays {
			label = "1 year"
		}
		out = append(out, components.SelectOption{Value: strconv.Itoa(d), Label: label})
	}
	return out
}()

// ServiceAccountListProps is the data of /admin/service-accounts.
type ServiceAccountListProps struct {
	Page     Page
	Query    string
	Accounts []entitlement.User
	Pager    Pager
}

// ServiceAccountForm is the form of a service account.
type ServiceAccountForm struct {
	DisplayName   string
	Description   string
	Administrator bool
}

// ServiceAccountFormProps is the data of the new and edit pages of a service account.
type ServiceAccountFormProps struct {
	Page      Page
	Action    string
	CancelURL string
	Editing   bool
	Values    ServiceAccountForm
	Errors    map[string]string
}

// ServiceAccountProps is the data of /admin/service-accounts/{id}.
type ServiceAccountProps struct {
	Page    Page
	Account entitlement.User
	Roles   []entitlement.ServiceAccountCatalogRoles
	Tokens  TokenListProps
}

// deleteServiceAccountMessage says what deleting a service account with n tokens takes with it.
func deleteServiceAccountMessage(n int) string {
	what := "Its catalog roles go"
	if n > 0 {
		what = "Its " + words.Plural(n, "token", "tokens") + " and its catalog roles go"
	}
	return what + " with it; the audit log keeps its name. This cannot be undone."
}
