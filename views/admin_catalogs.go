package views

import (
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
)

// CatalogListProps configures CatalogListPage.
type CatalogListProps struct {
	Page      Page
	Query     string
	Rows      []CatalogRow
	Pager     Pager
	CanCreate bool
	IsAdmin   bool
}

// CatalogRow is one catalog of the list, with its counts and the viewer's roles in it.
type CatalogRow struct {
	Catalog   entitlement.Catalog
	Resources int
	Packages  int
	Roles     []string
}

// CatalogFormProps configures CatalogFormPage (new and edit).
type CatalogFormProps struct {
	Page      Page
	Editing   bool
	Values    entitlement.CatalogInput
	Errors    map[string]string
	Action    string
	CancelURL string
	// Stale, when set, says that the save was refused because the catalog changed meanwhile.
	Stale *Stale
}

// The tabs of a catalog page.
const (
	CatalogTabOverview  = "overview"
	CatalogTabResources = "resources"
	CatalogTabPackages  = "packages"
	CatalogTabRoles     = "roles"
)

// CatalogProps is what every tab of a catalog page shows: the header, its actions and the tabs.
type CatalogProps struct {
	Page              Page
	Catalog           entitlement.Catalog
	Stats             entitlement.CatalogStats
	Tab               string
	CanManage         bool // owner: edit, publish, delete, roles, resources
	CanManagePackages bool
	Now               time.Time
}

// URL is the catalog page's address.
func (p CatalogProps) URL() string { return "/admin/catalogs/" + p.Catalog.ID }

func (p CatalogProps) tabs() components.TabsProps {
	t := func(key, label, url string) components.NavLink {
		return components.NavLink{Label: label, URL: url, Current: p.Tab == key}
	}
	return components.TabsProps{Label: "Catalog", Items: []components.NavLink{
		t(CatalogTabOverview, "Overview", p.URL()),
		t(CatalogTabResources, "Resources ("+itoa(p.Stats.Resources)+")", p.URL()+"/resources"),
		t(CatalogTabPackages, "Access packages ("+itoa(p.Stats.Packages)+")", p.URL()+"/packages"),
		t(CatalogTabRoles, "Roles", p.URL()+"/roles"),
	}}
}

// CatalogResourcesProps configures CatalogResourcesPage.
type CatalogResourcesProps struct {
	CatalogProps
	Resources []entitlement.Resource
	Pager     Pager
}

// CatalogPackagesProps configures CatalogPackagesPage.
type CatalogPackagesProps struct {
	CatalogProps
	Query    string
	Packages []PackageRow
	Pager    Pager
}

// PackageRow is one access package of a list.
type PackageRow struct {
	Package  entitlement.AccessPackage
	Policies int
}

// CatalogRolesProps configures CatalogRolesPage.
type CatalogRolesProps struct {
	CatalogProps
	Members []RoleMember
	Role    string // the role chosen in the add form
	Picker  PickerProps
	Error   string
}

// RoleMember is one holder of a catalog role.
type RoleMember struct {
	Role          entitlement.CatalogRole
	PrincipalID   string
	PrincipalType string
	Label         string
	Detail        string
}

// MembersOf lists the holders of one role.
func (p CatalogRolesProps) MembersOf(r entitlement.CatalogRole) []RoleMember {
	var out []RoleMember
	for _, m := range p.Members {
		if m.Role == r {
			out = append(out, m)
		}
	}
	return out
}

// RoleHelp says what a catalog role may do.
func RoleHelp(r entitlement.CatalogRole) string {
	switch r {
	case entitlement.RoleCatalogOwner:
		return "Manage the catalog, its resources, roles, packages and assignments."
	case entitlement.RoleAccessPackageManager:
		return "Create and change access packages and their policies, and assign them."
	case entitlement.RoleAssignmentManager:
		return "Assign packages directly and remove assignments."
	case entitlement.RoleCatalogReader:
		return "See the catalog, its packages and who has access."
	}
	return ""
}

// ResourceFormProps configures ResourceFormPage: adding a group, application or site.
type ResourceFormProps struct {
	CatalogProps
	CanAddGroups bool   // only administrators onboard directory groups
	Type         string // "group", "application" or "site"
	Values       entitlement.ResourceInput
	Roles        string // one role name per line, as typed
	Errors       map[string]string
	Picker       PickerProps
}

// OriginBadge names a resource's origin system for its badge.
func OriginBadge(origin string) string { return entitlement.OriginLabel(origin) }

func catalogStatusTone(c entitlement.Catalog) components.Tone {
	if c.IsPublished() {
		return components.ToneSuccess
	}
	return components.ToneNeutral
}

func catalogStatusLabel(c entitlement.Catalog) string {
	if c.IsPublished() {
		return "Published"
	}
	return "Unpublished"
}

func catalogStatusHelp(c entitlement.Catalog) string {
	if c.IsPublished() {
		return "Published: its packages can be requested."
	}
	return "Unpublished: nobody can request its packages until it is published."
}

func externalHelp(visible bool) string {
	if visible {
		return "Visible: users of connected organizations can request its packages when a policy lets them."
	}
	return "Hidden: only people in your directory can request its packages."
}

func catalogTypeLabel(t string) string {
	if t == entitlement.CatalogTypeServiceDefault {
		return "Built-in"
	}
	return "Managed by its owners"
}

// nextStep is what an empty state suggests: the step itself to someone who can take it, and who
// takes it to someone who cannot, so that no page suggests an action its viewer cannot take.
func nextStep(can bool, step, otherwise string) string {
	if can {
		return step
	}
	return otherwise
}

func addResourceLabel(canManage bool) string {
	if canManage {
		return "Add resource"
	}
	return ""
}

func urlHelp(kind string) string {
	if kind == "site" {
		return "The site's address, such as https://intranet.example.com/finance."
	}
	return "Optional: where people open the application."
}

func roleTitle(r entitlement.CatalogRole) string { return r.Label() + "s" }

func roleOptions() []components.SelectOption {
	out := make([]components.SelectOption, len(entitlement.CatalogRoles))
	for i, r := range entitlement.CatalogRoles {
		out[i] = components.SelectOption{Value: string(r), Label: r.Label()}
	}
	return out
}
