package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
)

// meUserType is what /beta/me says of a service account, which Graph's user type has no value
// for.
const meUserType = "ServiceAccount"

// apiMe answers GET /beta/me, Graph's "get the signed-in user": who the bearer token acts as.
func (s *Server) apiMe(c echo.Context) error {
	ctx := c.Request().Context()
	p, ok := entitlement.PrincipalFrom(ctx)
	if !ok {
		return entitlement.ErrUnauthorized
	}
	u, err := s.deps.Service.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	out := struct {
		Context           string  `json:"@odata.context"`
		ID                string  `json:"id"`
		DisplayName       string  `json:"displayName"`
		Mail              *string `json:"mail"`
		UserPrincipalName *string `json:"userPrincipalName"`
		UserType          string  `json:"userType"`
	}{Context: s.cfg.BaseURL + apiPrefix + "/$metadata#users/$entity", ID: u.ID, DisplayName: u.DisplayName, UserType: u.UserType}
	if u.Email != "" {
		out.Mail = &u.Email
	}
	if u.UserPrincipalName != "" {
		out.UserPrincipalName = &u.UserPrincipalName
	}
	if u.IsServiceAccount() {
		out.UserType = meUserType
	}
	return c.JSON(http.StatusOK, out)
}
