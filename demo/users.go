// Package demo holds Steward's demo organisation: the people the embedded demo identity provider
// signs in, and Seed, which builds a realistic tenant (directory, catalogs, resources, access
// packages and policies) on a fresh store through entitlement.Service, so that a new user can
// click through every page at once. It imports only the domain package.
package demo

// DemoUser is a person of the demo organisation. Subject is the OIDC subject the demo identity
// provider signs them in with; Description says on its sign-in page what they can try.
type DemoUser struct {
	Subject      string
	Email        string
	Name         string
	Description  string
	Department   string
	JobTitle     string
	ManagerEmail string
	IsAdmin      bool
	Groups       []string
}

// Partner organisation of the demo.
const (
	PartnerOrgName = "Partner Co"
	PartnerDomain  = "partner.example"
)

// Users are the demo accounts offered on the demo sign-in page, one per way of using Steward.
var Users = []DemoUser{
	{Subject: "ada", Email: "admin@example.com", Name: "Ada Admin", IsAdmin: true,
		Description: "Administrator: configures catalogs, packages, policies, partners and the directory.",
		Department:  "IT", JobTitle: "IT Administrator", ManagerEmail: "evelyn.park@example.com"},
	{Subject: "owen", Email: "owner@example.com", Name: "Owen Owner",
		Description: "Owner of the Engineering and Partner access catalogs; internal sponsor of Partner Co.",
		Department:  "Engineering", JobTitle: "Engineering Operations Lead", ManagerEmail: "dana.lee@example.com", Groups: []string{"Engineering"}},
	{Subject: "avery", Email: "approver@example.com", Name: "Avery Approver",
		Description: "Approves requests as the backup and second-stage approver.",
		Department:  "Security", JobTitle: "Access Governance Lead", ManagerEmail: "ivan.petrov@example.com", Groups: []string{"Security team"}},
	{Subject: "morgan", Email: "manager@example.com", Name: "Morgan Manager",
		Description: "Manages Riley: approves their requests as the requestor's manager.",
		Department:  "Engineering", JobTitle: "Engineering Manager", ManagerEmail: "dana.lee@example.com", Groups: []string{"Engineering"}},
	{Subject: "riley", Email: "requester@example.com", Name: "Riley Requester",
		Description: "An engineer who requests access; their manager is Morgan Manager.",
		Department:  "Engineering", JobTitle: "Software Engineer", ManagerEmail: "manager@example.com", Groups: []string{"Engineering"}},
	{Subject: "pat", Email: "partner@partner.example", Name: "Pat Partner",
		Description: "A guest from the connected organization Partner Co who requests partner access.",
		Department:  PartnerOrgName, JobTitle: "Consultant"},
}

// Staff are the rest of the demo organisation: people to pick as approvers, managers and members.
var Staff = []DemoUser{
	{Email: "evelyn.park@example.com", Name: "Evelyn Park", Department: "Executive", JobTitle: "Chief Executive Officer"},
	{Email: "dana.lee@example.com", Name: "Dana Lee", Department: "Engineering", JobTitle: "VP Engineering", ManagerEmail: "evelyn.park@example.com", Groups: []string{"Engineering"}},
	{Email: "sam.rivera@example.com", Name: "Sam Rivera", Department: "Engineering", JobTitle: "Engineering Manager", ManagerEmail: "dana.lee@example.com", Groups: []string{"Engineering"}},
	{Email: "jordan.kim@example.com", Name: "Jordan Kim", Department: "Engineering", JobTitle: "Software Engineer", ManagerEmail: "sam.rivera@example.com", Groups: []string{"Engineering"}},
	{Email: "taylor.nguyen@example.com", Name: "Taylor Nguyen", Department: "Engineering", JobTitle: "Software Engineer", ManagerEmail: "sam.rivera@example.com", Groups: []string{"Engineering"}},
	{Email: "casey.brooks@example.com", Name: "Casey Brooks", Department: "Engineering", JobTitle: "Site Reliability Engineer", ManagerEmail: "manager@example.com", Groups: []string{"Engineering", "Platform on-call"}},
	{Email: "hugo.martin@example.com", Name: "Hugo Martin", Department: "Engineering", JobTitle: "Platform Engineer", ManagerEmail: "sam.rivera@example.com", Groups: []string{"Engineering", "Platform on-call"}},
	{Email: "ivan.petrov@example.com", Name: "Ivan Petrov", Department: "Security", JobTitle: "Security Lead", ManagerEmail: "dana.lee@example.com", Groups: []string{"Security team", "Platform on-call"}},
	{Email: "zoe.adams@example.com", Name: "Zoe Adams", Department: "Security", JobTitle: "Security Analyst", ManagerEmail: "ivan.petrov@example.com", Groups: []string{"Security team"}},
	{Email: "frances.ledger@example.com", Name: "Frances Ledger", Department: "Finance", JobTitle: "Finance Director", ManagerEmail: "evelyn.park@example.com", Groups: []string{"Finance"}},
	{Email: "priya.shah@example.com", Name: "Priya Shah", Department: "Finance", JobTitle: "Financial Analyst", ManagerEmail: "frances.ledger@example.com", Groups: []string{"Finance"}},
	{Email: "luis.ortega@example.com", Name: "Luis Ortega", Department: "Finance", JobTitle: "Accountant", ManagerEmail: "frances.ledger@example.com", Groups: []string{"Finance"}},
	{Email: "nora.quinn@example.com", Name: "Nora Quinn", Department: "Sales", JobTitle: "Head of Sales", ManagerEmail: "evelyn.park@example.com", Groups: []string{"Sales"}},
	{Email: "omar.haddad@example.com", Name: "Omar Haddad", Department: "Sales", JobTitle: "Account Executive", ManagerEmail: "nora.quinn@example.com", Groups: []string{"Sales"}},
	{Email: "mia.chen@example.com", Name: "Mia Chen", Department: "Sales", JobTitle: "Sales Engineer", ManagerEmail: "nora.quinn@example.com", Groups: []string{"Sales", "Engineering"}},
}

// Groups are the demo directory's groups.
var Groups = []struct{ Name, Description string }{
	{"Engineering", "Everyone who builds the product."},
	{"Finance", "Finance and accounting."},
	{"Sales", "Sales and sales engineering."},
	{"Security team", "Security and access governance."},
	{"Platform on-call", "The rotation that answers production pages."},
}
