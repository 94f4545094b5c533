package views

import (
	"strconv"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
)

// ResourceProps configures ResourcePage: one resource of a catalog with its roles and, for
// those who manage the catalog, how its roles are carried out.
type ResourceProps struct {
	Page      Page
	Resource  entitlement.Resource
	Catalog   entitlement.Catalog
	CanManage bool
	Connector entitlement.Connector // as saved; secrets sealed
	Kind      string                // the kind the form shows (chosen, or saved)
	Values    map[string]string     // what was typed, after an error
	Errors    map[string]string
	Calls     []ConnectorCallRow
	OpenTasks int
	Drift     *DriftProps // after "Compare with the target"
	// LastCompared and NextCompare are when the last scheduled comparison ran and when the
	// next is due (zero when off).
	LastCompared Time
	NextCompare  Time
	ScheduleErr  string // after a schedule that could not be saved
}

// DriftProps is what a comparison of the target's members with Steward's grants found.
type DriftProps struct {
	Drift   entitlement.Drift
	Granted int // how many grants were compared
	// MoreUnknown and MoreMissing count the lines a scheduled comparison did not keep.
	MoreUnknown, MoreMissing int
}

// lastDrift is the last scheduled comparison's drift, as the report shows it.
func (p ResourceProps) lastDrift() *DriftProps {
	r := p.Connector.LastReconcile
	return &DriftProps{Drift: r.Drift, Granted: r.Granted, MoreUnknown: r.Unknown - len(r.Drift.Unknown), MoreMissing: r.Missing - len(r.Drift.Missing)}
}

// driftCounts says what the last scheduled comparison found, in the page's words.
func driftCounts(r *entitlement.ReconcileResult) string {
	return strconv.Itoa(r.Unknown) + " not granted by Steward, " + strconv.Itoa(r.Missing) + " missing at the target"
}

// scheduleHelp says when the next scheduled comparison runs, and that it only reports.
func scheduleHelp(p ResourceProps) string {
	if p.NextCompare.IsZero() {
		return "Off: the target is compared only when you ask."
	}
	return "Next comparison " + p.NextCompare.Local + ". It only reports: repairing stays your choice."
}

// reconcileOptions are the schedule choices of a comparison.
var reconcileOptions = []components.SelectOption{
	{Value: "", Label: "Off"}, {Value: entitlement.ReconcileDaily, Label: "Daily"}, {Value: entitlement.ReconcileWeekly, Label: "Weekly"},
}

// canCompare reports whether the saved connector can list the target's members.
func (p ResourceProps) canCompare() bool {
	return p.Connector.Kind == entitlement.ConnectorLDAP || p.Connector.Kind == entitlement.ConnectorSCIM
}

// ConnectorCallRow is one recent call as the resource page lists it.
type ConnectorCallRow struct {
	Call entitlement.ConnectorCall
	At   Time
}

// URL is the resource page's address.
func (p ResourceProps) URL() string { return "/admin/resources/" + p.Resource.ID }

// kindOptions lists the connector kinds the resource can use: an LDAP group only carries out a
// directory group's membership.
func (p ResourceProps) kindOptions() []components.SelectOption {
	var out []components.SelectOption
	for _, k := range entitlement.ConnectorKinds {
		if k == entitlement.ConnectorLDAP && p.Resource.OriginSystem != entitlement.OriginGroup {
			continue
		}
		out = append(out, components.SelectOption{Value: k, Label: entitlement.ConnectorKindLabel(k)})
	}
	return out
}

func (p ResourceProps) value(f entitlement.ConnectorField) string {
	if v, ok := p.Values[f.Name]; ok {
		return v
	}
	if p.Connector.Kind == p.Kind {
		return p.Connector.Settings[f.Name]
	}
	return ""
}

func (p ResourceProps) help(f entitlement.ConnectorField) string {
	if f.Secret && p.Connector.Kind == p.Kind && p.Connector.HasSecret(f.Name) {
		return "Saved; enter a new one to replace it. " + f.Help
	}
	return f.Help
}

// connectorWhat says what the saved connector does, in words.
func (p ResourceProps) connectorWhat() string {
	switch p.Connector.Kind {
	case entitlement.ConnectorWebhook:
		return "Each grant and removal is sent, signed, to " + p.Connector.Settings["url"] + "."
	case entitlement.ConnectorSCIM:
		return "People are created if needed and added to or removed from the SCIM group of each role at " + p.Connector.Settings["baseUrl"] + "."
	case entitlement.ConnectorLDAP:
		return "Members are added to and removed from " + p.Connector.Settings["groupDn"] + " at " + p.Connector.Settings["url"] + "."
	}
	if p.Resource.OriginSystem == entitlement.OriginGroup {
		return "Steward's own directory group: memberships are granted at once. Other roles become tasks for the catalog's owners."
	}
	return "No connector: every grant and removal becomes a task for the catalog's owners, and the request waits until they mark it done."
}

func callOpWords(op string) string {
	switch op {
	case entitlement.ProvisionAdd:
		return "Grant"
	case entitlement.ProvisionRemove:
		return "Removal"
	}
	return "Connection test"
}

func durationWords(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
