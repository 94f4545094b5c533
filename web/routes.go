package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/directory"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers"
	"github.com/stewardhq/steward/handlers/graph"
	"github.com/stewardhq/steward/provision"
	"github.com/stewardhq/steward/static"
)

// routes is the one route table of the server.
func (s *Server) routes() {
	root := s.Echo
	home := handlers.Home{Base: s.base}
	access := handlers.Access{Base: s.base}
	requests := handlers.Requests{Base: s.base}
	assignments := handlers.Assignments{Base: s.base}
	approvals := handlers.Approvals{Base: s.base}
	profile := handlers.Profile{Base: s.base}

	// Probes and assets.
	root.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	root.GET("/readyz", s.ready)
	if s.deps.Metrics != nil {
		root.GET("/metrics", s.metrics(s.deps.Metrics.Handler()))
	}
	root.StaticFS("/static", static.FS)
	if s.cfg.DemoIdP != nil {
		root.Any("/idp/*", echo.WrapHandler(http.StripPrefix("/idp", s.cfg.DemoIdP)))
	}

	// SCIM provisioning: its own server with bearer tokens, no cookies, no CSRF and SCIM-shaped
	// errors, mounted beside the portal rather than inside its route table.
	root.Any(scimPrefix+"*", echo.WrapHandler(http.StripPrefix(strings.TrimSuffix(scimPrefix, "/"), newSCIM(s.deps.Service))))

	// The API: Graph-shaped JSON for scripts, with bearer tokens (API tokens or the identity
	// provider's access tokens), no cookies, no CSRF, and errors in Graph's shape.
	s.apiErrors = graph.ErrorHandler(s.deps.Logger)
	api := root.Group(apiPrefix, s.apiMiddleware()...)
	s.api = api
	api.GET("/me", s.apiMe)
	graph.Register(api, s.deps.Service)

	// Webhook receivers' confirmations: beside the portal, with a one-time token in the URL
	// instead of a cookie or CSRF token, and JSON errors of their own.
	if s.deps.Callbacks != nil {
		root.POST(provision.CallbackPath+":id", echo.WrapHandler(s.deps.Callbacks))
	}

	// The portal: pages for browsers, with the session cookie, CSRF and HTML errors. Every
	// route below is in its group, which also answers the paths no route claims, with the
	// portal's 404 page.
	e := root.Group("", s.portalMiddleware()...)
	s.portal = e

	// Sign-in.
	e.GET("/login", s.rp.login)
	e.GET("/auth/callback", s.rp.callback)
	e.POST("/logout", s.rp.logout)

	// Pages: My access and Approvals (everyone signed in).
	e.GET("/", home.Show)
	e.GET("/access/packages", access.List, requireUser)
	e.GET("/access/catalogs", access.Catalogs, requireUser)
	e.GET("/access/packages/:id", access.Show, requireUser)
	e.POST("/access/packages/:id/request", access.Request, requireUser)
	e.GET("/access/requests", requests.List, requireUser)
	e.GET("/access/requests/:id", requests.Show, requireUser)
	e.POST("/access/requests/:id/cancel", requests.Cancel, requireUser)
	e.GET("/access/assignments", assignments.List, requireUser)
	e.GET("/access/assignments/:id/extend", assignments.ExtendForm, requireUser)
	e.POST("/access/assignments/:id/extend", assignments.Extend, requireUser)
	e.GET("/access/assignments/:id/remove", assignments.GiveBackForm, requireUser)
	e.POST("/access/assignments/:id/remove", assignments.GiveBack, requireUser)
	e.GET("/profile", profile.Show, requireUser)
	e.POST("/profile", profile.Update, requireUser)
	e.POST("/profile/time-zone", profile.SetTimeZone, requireUser)
	apiTokens := handlers.APITokens{Base: s.base}
	e.GET("/profile/tokens", apiTokens.List, requireUser)
	e.POST("/profile/tokens", apiTokens.Create, requireUser)
	e.POST("/profile/tokens/:id/revoke", apiTokens.Revoke, requireUser)
	e.GET("/approvals", approvals.List, requireUser)
	e.GET("/approvals/history", approvals.History, requireUser)
	e.POST("/approvals/bulk", approvals.Bulk, requireUser)
	e.GET("/approvals/:id", approvals.Show, requireUser)
	e.POST("/approvals/:id/decide", approvals.Decide, requireUser)
	reviews := handlers.Reviews{Base: s.base}
	e.GET("/reviews", reviews.List, requireUser)
	e.POST("/reviews/decide", reviews.Bulk, requireUser)
	e.POST("/reviews/items/:id/decide", reviews.Decide, requireUser)
	e.POST("/reviews/:id/accept", reviews.Accept, requireUser)

	// Pages: Admin (administrators, catalog creators and catalog role holders). Every handler
	// checks through the service what the person may see and do; people without any
	// administrative role get a 403.
	admin := e.Group("/admin", requireUser)
	adminDash := handlers.AdminDashboard{Base: s.base}
	adminPeople := handlers.AdminPeople{Base: s.base}
	adminCatalogs := handlers.AdminCatalogs{Base: s.base}
	adminResources := handlers.AdminResources{Base: s.base}
	adminPackages := handlers.AdminPackages{Base: s.base}
	adminPolicies := handlers.AdminPolicies{Base: s.base}
	admin.GET("", adminDash.Show)
	admin.GET("/people", adminPeople.Search)
	admin.GET("/catalogs", adminCatalogs.List)
	admin.GET("/catalogs/new", adminCatalogs.New)
	admin.POST("/catalogs", adminCatalogs.Create)
	admin.GET("/catalogs/:id", adminCatalogs.Show)
	admin.GET("/catalogs/:id/edit", adminCatalogs.Edit)
	admin.POST("/catalogs/:id/edit", adminCatalogs.Update)
	admin.POST("/catalogs/:id/publish", adminCatalogs.Publish)
	admin.POST("/catalogs/:id/delete", adminCatalogs.Delete)
	admin.GET("/catalogs/:id/roles", adminCatalogs.Roles)
	admin.POST("/catalogs/:id/roles", adminCatalogs.AddRole)
	admin.POST("/catalogs/:id/roles/remove", adminCatalogs.RemoveRole)
	admin.GET("/catalogs/:id/resources", adminResources.List)
	admin.GET("/catalogs/:id/resources/new", adminResources.New)
	admin.POST("/catalogs/:id/resources", adminResources.Add)
	admin.POST("/catalogs/:id/resources/:rid/remove", adminResources.Remove)
	admin.GET("/catalogs/:id/packages", adminPackages.List)
	admin.GET("/catalogs/:id/packages/new", adminPackages.New)
	admin.POST("/catalogs/:id/packages/new", adminPackages.Create)
	admin.GET("/packages/:id", adminPackages.Show)
	admin.GET("/packages/:id/edit", adminPackages.Edit)
	admin.POST("/packages/:id/edit", adminPackages.Update)
	admin.POST("/packages/:id/delete", adminPackages.Delete)
	admin.POST("/packages/:id/roles", adminPackages.AddRole)
	admin.POST("/packages/:id/roles/remove", adminPackages.RemoveRole)
	admin.GET("/packages/:id/policies", adminPackages.Policies)
	admin.GET("/packages/:id/policies/new", adminPolicies.New)
	admin.POST("/packages/:id/policies/new", adminPolicies.StepNew)
	admin.GET("/policies/:id/edit", adminPolicies.Edit)
	admin.POST("/policies/:id/edit", adminPolicies.StepEdit)
	admin.POST("/policies/:id/delete", adminPolicies.Delete)
	admin.GET("/policies/:id/hooks", adminPolicies.PolicyHooks)
	admin.POST("/policies/:id/hooks", adminPolicies.SavePolicyHooks)
	adminAssignments := handlers.AdminAssignments{Base: s.base}
	admin.GET("/packages/:id/assignments", adminAssignments.List)
	admin.GET("/packages/:id/assignments/new", adminAssignments.New)
	admin.POST("/packages/:id/assignments/new", adminAssignments.Assign)
	admin.POST("/packages/:id/assignments/:aid/remove", adminAssignments.Remove)
	admin.GET("/packages/:id/requests", adminAssignments.Requests)
	admin.GET("/requests/:id/cancel", adminAssignments.CancelForm)
	admin.POST("/requests/:id/cancel", adminAssignments.Cancel)
	adminReviews := handlers.AdminReviews{Base: s.base}
	admin.GET("/packages/:id/reviews", adminReviews.PackageList)
	admin.GET("/packages/:id/reviews/new", adminReviews.NewForPackage)
	admin.POST("/packages/:id/reviews/new", adminReviews.StartForPackage)
	admin.GET("/catalogs/:id/reviews/new", adminReviews.NewForCatalog)
	admin.POST("/catalogs/:id/reviews/new", adminReviews.StartForCatalog)
	admin.GET("/reviews/:id", adminReviews.Show)
	admin.GET("/reviews/:id/export.csv", adminReviews.ExportCSV)
	adminConnectors := handlers.AdminConnectors{Base: s.base, Connectors: s.deps.Connectors}
	admin.GET("/resources/:id", adminConnectors.Show)
	admin.POST("/resources/:id/connector", adminConnectors.Save)
	admin.POST("/resources/:id/connector/test", adminConnectors.Test)
	admin.POST("/resources/:id/reconcile", adminConnectors.Reconcile)
	admin.POST("/resources/:id/reconcile/schedule", adminConnectors.Schedule)
	admin.POST("/resources/:id/reconcile/repair", adminConnectors.Repair)
	adminTasks := handlers.AdminTasks{Base: s.base}
	admin.GET("/tasks", adminTasks.List)
	admin.POST("/tasks/:id/close", adminTasks.Close)
	admin.POST("/tasks/:id/retry", adminTasks.Retry)
	adminAudit := handlers.AdminAudit{Base: s.base}
	admin.GET("/audit", adminAudit.List)
	admin.GET("/audit/export.csv", adminAudit.ExportCSV)
	admin.GET("/audit/export.json", adminAudit.ExportJSON)
	admin.POST("/audit/verify", adminAudit.Verify)
	admin.POST("/audit/evidence", adminAudit.Evidence)
	adminSettings := handlers.AdminSettings{Base: s.base}
	admin.GET("/settings", adminSettings.Show)
	admin.POST("/settings", adminSettings.Update)
	admin.POST("/settings/catalog-creators", adminSettings.AddCreator)
	admin.POST("/settings/catalog-creators/remove", adminSettings.RemoveCreator)
	admin.POST("/backup", adminSettings.Backup)
	adminDirectorySync := handlers.AdminDirectorySync{Base: s.base}
	admin.GET("/directory-sync", adminDirectorySync.Show)
	admin.POST("/directory-sync", adminDirectorySync.Save)
	admin.POST("/directory-sync/dry-run", adminDirectorySync.DryRun)
	admin.POST("/directory-sync/run", adminDirectorySync.Run)
	admin.GET("/directory-sync/progress", adminDirectorySync.Progress)
	admin.POST("/directory-sync/scim-tokens", adminDirectorySync.CreateToken)
	admin.POST("/directory-sync/scim-tokens/revoke", adminDirectorySync.RevokeToken)
	adminMail := handlers.AdminMail{Base: s.base}
	admin.GET("/mail", adminMail.List)
	admin.GET("/mail/:id", adminMail.Show)
	admin.GET("/mail/:id/html", adminMail.HTML)
	admin.POST("/mail/:id/retry", adminMail.Retry)
	adminDirectory := handlers.AdminDirectory{Base: s.base}
	admin.GET("/directory/users", adminDirectory.Users)
	admin.GET("/directory/users/new", adminDirectory.NewUser)
	admin.POST("/directory/users/new", adminDirectory.CreateUser)
	admin.GET("/directory/users/import", adminDirectory.ImportForm("users"))
	admin.POST("/directory/users/import", adminDirectory.Import("users"))
	admin.GET("/directory/users/:id", adminDirectory.User)
	admin.GET("/directory/users/:id/edit", adminDirectory.EditUser)
	admin.POST("/directory/users/:id/edit", adminDirectory.UpdateUser)
	admin.POST("/directory/users/:id/block", adminDirectory.Block)
	admin.POST("/directory/users/:id/sign-out", adminDirectory.SignOut)
	admin.POST("/directory/users/:id/roles/retry", adminDirectory.RetryRole)
	admin.GET("/directory/groups", adminDirectory.Groups)
	admin.GET("/directory/groups/new", adminDirectory.NewGroup)
	admin.POST("/directory/groups/new", adminDirectory.CreateGroup)
	admin.GET("/directory/groups/import", adminDirectory.ImportForm("groups"))
	admin.POST("/directory/groups/import", adminDirectory.Import("groups"))
	admin.GET("/directory/groups/:id", adminDirectory.Group)
	admin.GET("/directory/groups/:id/edit", adminDirectory.EditGroup)
	admin.POST("/directory/groups/:id/edit", adminDirectory.UpdateGroup)
	admin.POST("/directory/groups/:id/delete", adminDirectory.DeleteGroup)
	admin.POST("/directory/groups/:id/members", adminDirectory.AddMember)
	admin.POST("/directory/groups/:id/members/remove", adminDirectory.RemoveMember)
	adminServiceAccounts := handlers.AdminServiceAccounts{Base: s.base}
	admin.GET("/service-accounts", adminServiceAccounts.List)
	admin.GET("/service-accounts/new", adminServiceAccounts.New)
	admin.POST("/service-accounts/new", adminServiceAccounts.Create)
	admin.GET("/service-accounts/:id", adminServiceAccounts.Show)
	admin.GET("/service-accounts/:id/edit", adminServiceAccounts.Edit)
	admin.POST("/service-accounts/:id/edit", adminServiceAccounts.Update)
	admin.POST("/service-accounts/:id/tokens", adminServiceAccounts.CreateToken)
	admin.POST("/service-accounts/:id/tokens/:tid/revoke", adminServiceAccounts.RevokeToken)
	admin.POST("/service-accounts/:id/disable", adminServiceAccounts.Disable)
	admin.POST("/service-accounts/:id/enable", adminServiceAccounts.Enable)
	admin.POST("/service-accounts/:id/delete", adminServiceAccounts.Delete)
	adminOrgs := handlers.AdminOrgs{Base: s.base}
	admin.GET("/connected-organizations", adminOrgs.List)
	admin.GET("/connected-organizations/new", adminOrgs.New)
	admin.POST("/connected-organizations/new", adminOrgs.Create)
	admin.GET("/connected-organizations/:id", adminOrgs.Show)
	admin.GET("/connected-organizations/:id/edit", adminOrgs.Edit)
	admin.POST("/connected-organizations/:id/edit", adminOrgs.Update)
	admin.POST("/connected-organizations/:id/delete", adminOrgs.Delete)
	admin.POST("/connected-organizations/:id/sponsors", adminOrgs.AddSponsor)
	admin.POST("/connected-organizations/:id/sponsors/remove", adminOrgs.RemoveSponsor)
}

// ready answers 200 while the store can serve reads.
func (s *Server) ready(c echo.Context) error {
	if s.deps.Ready != nil {
		if err := s.deps.Ready(c.Request().Context()); err != nil {
			ctx := c.Request().Context()
			entitlement.LoggerFrom(ctx, s.deps.Logger).WarnContext(ctx, "not ready", "err", err)
			return c.String(http.StatusServiceUnavailable, "store unavailable")
		}
	}
	return c.String(http.StatusOK, "ready")
}

// metrics serves the Prometheus metrics, to the holder of the metrics token when one is set. The
// tokens are compared as digests in constant time, so neither their content nor their length
// shows in the time the comparison takes.
func (s *Server) metrics(h http.Handler) echo.HandlerFunc {
	wantSum := sha256.Sum256([]byte(s.cfg.MetricsToken))
	return func(c echo.Context) error {
		if s.cfg.MetricsToken != "" {
			got, bearer := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
			gotSum := sha256.Sum256([]byte(got))
			if subtle.ConstantTimeCompare(gotSum[:], wantSum[:]) != 1 || !bearer {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="steward metrics"`)
				return c.String(http.StatusUnauthorized, "Send the metrics token as a bearer token.")
			}
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// scimPrefix is where the SCIM 2.0 server answers.
const scimPrefix = "/scim/v2/"

// newSCIM builds the SCIM server: one route group, its bearer-token check and its error shape.
func newSCIM(svc *entitlement.Service) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	h := directory.SCIM{Svc: svc}
	e.HTTPErrorHandler = directory.ErrorHandler
	g := e.Group("", h.Authenticate)
	g.GET("/ServiceProviderConfig", h.ServiceProviderConfig)
	g.GET("/ResourceTypes", h.ResourceTypes)
	g.GET("/Schemas", h.Schemas)
	g.POST("/Users", h.CreateUser)
	g.GET("/Users", h.ListUsers)
	g.GET("/Users/:id", h.GetUser)
	g.PUT("/Users/:id", h.ReplaceUser)
	g.PATCH("/Users/:id", h.PatchUser)
	g.DELETE("/Users/:id", h.DeleteUser)
	g.POST("/Groups", h.CreateGroup)
	g.GET("/Groups", h.ListGroups)
	g.GET("/Groups/:id", h.GetGroup)
	g.PUT("/Groups/:id", h.ReplaceGroup)
	g.PATCH("/Groups/:id", h.PatchGroup)
	g.DELETE("/Groups/:id", h.DeleteGroup)
	return e
}
