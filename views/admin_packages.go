package views

import (
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
)

// The tabs of an access package page.
const (
	PackageTabRoles       = "roles"
	PackageTabPolicies    = "policies"
	PackageTabAssignments = "assignments"
	PackageTabRequests    = "requests"
	PackageTabReviews     = "reviews"
)

// PackageProps is what every tab of an access package page shows.
type PackageProps struct {
	Page      Page
	Package   entitlement.AccessPackage
	Catalog   entitlement.Catalog
	Tab       string
	Policies  int
	CanManage bool // change the package, its roles and policies
	CanAssign bool // assign directly and remove assignments
	Now       time.Time
}

// URL is the package page's address.
func (p PackageProps) URL() string { return "/admin/packages/" + p.Package.ID }

func (p PackageProps) tabs() components.TabsProps {
	t := func(key, label, url string) components.NavLink {
		return components.NavLink{Label: label, URL: url, Current: p.Tab == key}
	}
	return components.TabsProps{Label: "Access package", Items: []components.NavLink{
		t(PackageTabRoles, "Resource roles ("+itoa(len(p.Package.RoleScopes))+")", p.URL()),
		t(PackageTabPolicies, "Policies ("+itoa(p.Policies)+")", p.URL()+"/policies"),
		t(PackageTabAssignments, "Assignments", p.URL()+"/assignments"),
		t(PackageTabRequests, "Requests", p.URL()+"/requests"),
		t(PackageTabReviews, "Reviews", p.URL()+"/reviews"),
	}}
}

// PackageFormProps configures PackageFormPage (new and edit).
type PackageFormProps struct {
	Page      Page
	Catalog   entitlement.Catalog
	Editing   bool
	Values    entitlement.AccessPackageInput
	Errors    map[string]string
	Action    string
	CancelURL string
	// Stale, when set, says that the save was refused because the package changed meanwhile.
	Stale *Stale
}

// PackageRolesProps configures PackageRolesPage.
type PackageRolesProps struct {
	PackageProps
	Rows    []RoleScopeRow
	Options []components.SelectOption // the catalog's resource roles not in the package yet
	Choice  string
	Error   string
}

// RoleScopeRow is one resource role of a package.
type RoleScopeRow struct {
	ID           string
	Resource     string
	Origin       string
	Role         string
	RoleHelp     string
	Scope        string
	AddedOn      time.Time
	ResourceGone bool
}

// PackagePoliciesProps configures PackagePoliciesPage.
type PackagePoliciesProps struct {
	PackageProps
	Policies []PolicyCard
}

// PolicyCard is one policy with its plain-words summary.
type PolicyCard struct {
	Policy  entitlement.AssignmentPolicy
	Summary []SummarySection
}

func newPolicyLabel(canManage bool) string {
	if canManage {
		return "New policy"
	}
	return ""
}
