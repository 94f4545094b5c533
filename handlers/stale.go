package handlers

import (
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// Edit forms carry the version of the record they show in a hidden "version" field. A save from
// a form opened before someone else's change is refused by the Service; the form then comes back
// with 409, the person's input kept, a notice at the top with the current values, and the current
// version, so that saving again after checking writes their values on purpose. A form sent twice
// after a successful save changes nothing the second time, which the Service accepts.

// formVersion reads the hidden version field; a missing or damaged one checks nothing.
func formVersion(c echo.Context) int64 {
	v, err := strconv.ParseInt(c.FormValue("version"), 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// staleNotice returns the notice for a save that err refused as stale, and false for any other
// error; the caller adds the current values.
func (b *Base) staleNotice(err error, what string) (*views.Stale, bool) {
	st, ok := entitlement.StaleOf(err)
	if !ok {
		return nil, false
	}
	return &views.Stale{What: what, By: st.By, At: st.At, Now: b.Svc.Clock().Now()}, true
}

// yesNo shows a flag among current values.
func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// deleteRefusal returns the words for a delete that was refused as a conflict: for a stale one,
// who changed the record and what to do; otherwise the rule's message.
func (b *Base) deleteRefusal(c echo.Context, err error, what string) (string, bool) {
	if st, ok := b.staleNotice(err, what); ok {
		return st.Headline(c.Request().Context()) + " Check it, and delete it again if you still mean to", true
	}
	return ruleRefusal(err, entitlement.ErrConflict)
}
