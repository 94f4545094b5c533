package entitlement

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The LDAP import: a run reads the whole directory through a DirectorySource (the domain never
// speaks LDAP), works out in a read transaction what differs from the people and groups the
// import keeps, and applies only that through the same sync code SCIM uses, in batches of write
// transactions. A run that finds nothing to change writes nothing but its report.

// LDAPSettings configure the LDAP import. The bind password is kept apart (see sealSecret) and
// never shown again.
type LDAPSettings struct {
	// URL is ldap://host[:port] or ldaps://host[:port].
	URL string `json:"url"`
	// StartTLS upgrades an ldap:// connection to TLS before binding.
	StartTLS bool `json:"startTLS,omitempty"`
	// CACertificate is the PEM of the authority that signed the server's certificate, when the
	// system does not trust it already.
	CACertificate string `json:"caCertificate,omitempty"`
	BindDN        string `json:"bindDN,omitempty"`
	PeopleBaseDN  string `json:"peopleBaseDN"`
	PeopleFilter  string `json:"peopleFilter"`
	// GroupsBaseDN empty imports no groups.
	GroupsBaseDN string         `json:"groupsBaseDN,omitempty"`
	GroupsFilter string         `json:"groupsFilter,omitempty"`
	Attributes   LDAPAttributes `json:"attributes"`
	// MembershipFrom says where memberships are read: MembershipMember (the groups' member
	// attribute) or MembershipMemberOf (the people's memberOf attribute).
	MembershipFrom string `json:"membershipFrom"`
	// MaxBlockPercent is the share of the people the import keeps that one run may block; a run
	// that would block more stops and waits for an administrator.
	MaxBlockPercent int `json:"maxBlockPercent"`
	// IntervalMinutes between scheduled runs; 0 runs only when an administrator asks.
	IntervalMinutes int `json:"intervalMinutes"`
}

// Where the LDAP import reads memberships.
const (
	MembershipMember   = "member"
	MembershipMemberOf = "memberOf"
)

// LDAPAttributes map the directory's attributes to Steward's fields. ID and GroupID name the
// attribute whose value is the external id (entryUUID, objectGUID, uid); empty means the DN.
type LDAPAttributes struct {
	ID               string `json:"id,omitempty"`
	Email            string `json:"email"`
	DisplayName      string `json:"displayName"`
	GivenName        string `json:"givenName,omitempty"`
	Surname          string `json:"surname,omitempty"`
	Manager          string `json:"manager,omitempty"`
	EmployeeNumber   string `json:"employeeNumber,omitempty"`
	Department       string `json:"department,omitempty"`
	JobTitle         string `json:"jobTitle,omitempty"`
	GroupID          string `json:"groupId,omitempty"`
	GroupName        string `json:"groupName"`
	GroupDescription string `json:"groupDescription,omitempty"`
	Member           string `json:"member,omitempty"`
	MemberOf         string `json:"memberOf,omitempty"`
}

// DefaultLDAPSettings suit OpenLDAP's inetOrgPerson and groupOfNames; Active Directory needs
// (objectClass=user), objectGUID and the like.
func DefaultLDAPSettings() LDAPSettings {
	return LDAPSettings{
		PeopleFilter: "(objectClass=inetOrgPerson)",
		GroupsFilter: "(objectClass=groupOfNames)",
		Attributes: LDAPAttributes{
			Email: "mail", DisplayName: "displayName", GivenName: "givenName", Surname: "sn",
			Manager: "manager", EmployeeNumber: "employeeNumber", Department: "departmentNumber", JobTitle: "title",
			GroupName: "cn", GroupDescription: "description", Member: "member", MemberOf: "memberOf",
		},
		MembershipFrom:  MembershipMember,
		MaxBlockPercent: DefaultMaxBlockPercent,
		IntervalMinutes: 60,
	}
}

// DefaultMaxBlockPercent is the share of people one run may block unless told otherwise.
const DefaultMaxBlockPercent = 10

// maxReports is how many run reports are kept.
const maxReports = 10

// reportLines bounds the details and errors a report keeps, so that a first run over a large
// directory does not make a record of megabytes.
const reportLines = 200

func (c *LDAPSettings) normalize() {
	for _, p := range []*string{&c.URL, &c.BindDN, &c.PeopleBaseDN, &c.PeopleFilter, &c.GroupsBaseDN, &c.GroupsFilter, &c.CACertificate, &c.MembershipFrom} {
		*p = strings.TrimSpace(*p)
	}
	a := &c.Attributes
	for _, p := range []*string{&a.ID, &a.Email, &a.DisplayName, &a.GivenName, &a.Surname, &a.Manager, &a.EmployeeNumber, &a.Department, &a.JobTitle, &a.GroupID, &a.GroupName, &a.GroupDescription, &a.Member, &a.MemberOf} {
		*p = strings.TrimSpace(*p)
	}
	if c.MembershipFrom == "" {
		c.MembershipFrom = MembershipMember
	}
}

func (c LDAPSettings) validate() error {
	f := fieldErrors{}
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		f.add("url", "enter the server's address, such as ldaps://ldap.example.com")
	case err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "":
		f.add("url", "enter an address that starts with ldap:// or ldaps://, such as ldaps://ldap.example.com:636")
	case u.Scheme == "ldaps" && c.StartTLS:
		f.add("startTLS", "StartTLS is for ldap:// addresses; an ldaps:// address is encrypted already")
	}
	if c.CACertificate != "" && !strings.Contains(c.CACertificate, "-----BEGIN CERTIFICATE-----") {
		f.add("caCertificate", "paste the certificate in PEM form, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----")
	}
	if c.PeopleBaseDN == "" {
		f.add("peopleBaseDN", "enter where people are, such as ou=people,dc=example,dc=com")
	}
	if !filterLooksValid(c.PeopleFilter) {
		f.add("peopleFilter", "enter an LDAP filter in parentheses, such as (objectClass=inetOrgPerson)")
	}
	if c.GroupsBaseDN != "" && !filterLooksValid(c.GroupsFilter) {
		f.add("groupsFilter", "enter an LDAP filter in parentheses, such as (objectClass=groupOfNames)")
	}
	a := c.Attributes
	if a.Email == "" {
		f.add("attributes.email", "name the attribute that holds the e-mail address, such as mail")
	}
	if a.DisplayName == "" && (a.GivenName == "" || a.Surname == "") {
		f.add("attributes.displayName", "name the attribute that holds the display name, such as displayName or cn")
	}
	switch c.MembershipFrom {
	case MembershipMember:
		if c.GroupsBaseDN != "" && a.Member == "" {
			f.add("attributes.member", "name the groups' member attribute, such as member")
		}
	case MembershipMemberOf:
		if a.MemberOf == "" {
			f.add("attributes.memberOf", "name the people's group attribute, such as memberOf")
		}
	default:
		f.add("membershipFrom", "choose whether groups list their members or people list their groups")
	}
	if c.GroupsBaseDN != "" && a.GroupName == "" {
		f.add("attributes.groupName", "name the attribute that holds a group's name, such as cn")
	}
	if c.MaxBlockPercent < 0 || c.MaxBlockPercent > 100 {
		f.add("maxBlockPercent", "enter a share from 0 to 100 percent")
	}
	if c.IntervalMinutes < 0 || c.IntervalMinutes > 7*24*60 {
		f.add("intervalMinutes", "enter minutes from 0 (only when asked) to 10080 (a week)")
	} else if c.IntervalMinutes > 0 && c.IntervalMinutes < 5 {
		f.add("intervalMinutes", "run at most every 5 minutes, or enter 0 to run only when asked")
	}
	return f.err("invalidDirectorySettings")
}

// filterLooksValid catches the usual slips (no parentheses, unbalanced ones); the server judges
// the rest, and Test connection shows what it says.
func filterLooksValid(f string) bool {
	if len(f) < 3 || f[0] != '(' || f[len(f)-1] != ')' {
		return false
	}
	depth := 0
	for _, r := range f {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// DirectorySyncState is what the store keeps for the LDAP import.
type DirectorySyncState struct {
	LDAP *LDAPSettings `json:"ldap,omitempty"`
	// BindPassword is the sealed bind password (sealSecret); never shown, never logged.
	BindPassword string `json:"bindPassword,omitempty"`
	// LastRunDateTime is when the last run that was not a dry run started; the schedule counts
	// from it.
	LastRunDateTime *time.Time `json:"lastRunDateTime,omitempty"`
	// Reports are the last runs' reports, newest first.
	Reports []DirectorySyncReport `json:"reports,omitempty"`
	// Running marks the run under way; a marker that outlives its process (a crash) is that
	// run's "cut short" report once seen, and blocks nothing.
	Running *DirectorySyncRun `json:"running,omitempty"`
}

// sealSecret and openSecret are the one place the bind password passes through: sealed at rest
// with the Service's SecretBox (STEWARD_SECRET_KEY), as connector secrets are.
func (s *Service) sealSecret(plain string) (string, error) {
	if s.secrets == nil {
		return "", errors.New("seal the bind password: no secret key is configured")
	}
	return s.secrets.Seal(plain)
}

func (s *Service) openSecret(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if s.secrets == nil {
		return "", errors.New("open the bind password: no secret key is configured")
	}
	plain, err := s.secrets.Open(sealed)
	if err != nil {
		return "", fmt.Errorf("the saved bind password cannot be opened (was STEWARD_SECRET_KEY changed?); enter it again: %w", err)
	}
	return plain, nil
}

// Outcomes of a directory sync run.
const (
	RunCompleted  = "completed"
	RunWithErrors = "completedWithErrors"
	RunStopped    = "stopped" // would block too many people; waits for an administrator
	RunFailed     = "failed"
)

// DirectorySyncReport tells what one run did, or (DryRun) would do.
type DirectorySyncReport struct {
	ID              string        `json:"id"`
	StartedDateTime time.Time     `json:"startedDateTime"`
	Duration        time.Duration `json:"duration"`
	// ReadDuration is the part of Duration spent reading the directory.
	ReadDuration time.Duration `json:"readDuration"`
	// StartedBy names the administrator who started the run; empty for a scheduled run.
	StartedBy string `json:"startedBy,omitempty"`
	DryRun    bool   `json:"dryRun,omitempty"`
	// Forced tells an administrator confirmed a run that blocks more than the allowed share.
	Forced  bool   `json:"forced,omitempty"`
	Outcome string `json:"outcome"`
	// Message says why a run stopped or failed, in words for an administrator.
	Message     string `json:"message,omitempty"`
	PeopleRead  int    `json:"peopleRead"`
	GroupsRead  int    `json:"groupsRead"`
	KeptBefore  int    `json:"keptBefore"` // people the import kept when the run started
	Created     int    `json:"created"`
	Changed     int    `json:"changed"`
	Blocked     int    `json:"blocked"`
	Unchanged   int    `json:"unchanged"`
	GroupsNew   int    `json:"groupsCreated"`
	GroupsMoved int    `json:"groupsChanged"`
	GroupsGone  int    `json:"groupsRemoved"`
	MembersIn   int    `json:"membersAdded"`
	MembersOut  int    `json:"membersRemoved"`
	// Writes counts the write transactions that changed people, groups or memberships.
	Writes int `json:"writes"`
	// Details list the changes, one line each; Errors the records that could not be synced.
	// Both keep their first reportLines lines; Truncated tells when there were more.
	Details   []string `json:"details,omitempty"`
	Errors    []string `json:"errors,omitempty"`
	Truncated bool     `json:"truncated,omitempty"`
}

// Scheduled tells whether the worker started the run.
func (r DirectorySyncReport) Scheduled() bool { return r.StartedBy == "" }

func (r *DirectorySyncReport) detail(format string, args ...any) {
	if len(r.Details) >= reportLines {
		r.Truncated = true
		return
	}
	r.Details = append(r.Details, fmt.Sprintf(format, args...))
}

func (r *DirectorySyncReport) fail(what string, err error) {
	if len(r.Errors) >= reportLines {
		r.Truncated = true
		return
	}
	r.Errors = append(r.Errors, what+": "+errorText(err))
}

// errorText is an error in words: a validation error's messages, not its Go form.
func errorText(err error) string {
	var ve *ValidationError
	if errors.As(err, &ve) {
		msgs := make([]string, 0, len(ve.Fields))
		for _, m := range ve.Fields {
			msgs = append(msgs, m)
		}
		slices.Sort(msgs)
		return strings.Join(msgs, "; ")
	}
	return err.Error()
}

// DirectorySource reads a directory server: the LDAP import's only way out of the process,
// injected so that the domain stays free of LDAP. directory/ldapsync implements it.
type DirectorySource interface {
	// Read returns everyone the settings' people filter finds and every group its groups
	// filter finds, with memberships and managers resolved to external ids. Errors that the
	// settings explain are *ValidationError naming the field to fix.
	Read(ctx context.Context, c LDAPSettings, password string) (DirectorySnapshot, error)
	// Test connects and binds, and looks up a few people and groups.
	Test(ctx context.Context, c LDAPSettings, password string) (DirectoryTest, error)
}

// DirectorySnapshot is a directory as the LDAP import sees it.
type DirectorySnapshot struct {
	People []DirectoryPerson
	Groups []DirectoryGroup
}

// DirectoryPerson is one person read from the directory.
type DirectoryPerson struct {
	ExternalID  string
	Email       string
	DisplayName string
	// ManagerExternalID is the manager's external id, when the manager is among the people read.
	ManagerExternalID string
	EmployeeNumber    string
	Department        string
	JobTitle          string
}

// DirectoryGroup is one group read from the directory, with the external ids of its members
// among the people read.
type DirectoryGroup struct {
	ExternalID  string
	DisplayName string
	Description string
	Members     []string
}

// DirectoryTest is what Test connection found.
type DirectoryTest struct {
	// People and Groups are a few names found, at most five of each.
	People, Groups []string
}

// ldapAgent is who the LDAP import acts as in the audit log.
var ldapAgent = SyncAgent{Source: SourceLDAP, Name: "LDAP import"}

// DirectorySyncView is the LDAP import as its page shows it.
type DirectorySyncView struct {
	// Settings are the saved settings, or the defaults when there are none (Configured false).
	Settings    LDAPSettings
	Configured  bool
	HasPassword bool
	// Available tells whether this Steward can reach LDAP at all (a source was wired in).
	Available bool
	LastRun   *time.Time
	NextRun   *time.Time
	Reports   []DirectorySyncReport
	// Running is the run under way, nil when none.
	Running *DirectorySyncProgress
}

// DirectorySync returns the LDAP import's settings and reports; administrators only.
func (s *Service) DirectorySync(ctx context.Context) (DirectorySyncView, error) {
	var out DirectorySyncView
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "see the directory sync"); err != nil {
			return err
		}
		st, err := tx.DirectorySync()
		if err != nil {
			return err
		}
		out = DirectorySyncView{Settings: DefaultLDAPSettings(), Available: s.directory != nil, LastRun: st.LastRunDateTime, Reports: st.Reports, HasPassword: st.BindPassword != ""}
		out.Running = s.directorySyncRunning()
		if st.Running != nil && (out.Running == nil || out.Running.ID != st.Running.ID) {
			out.Reports = keepReports(st.Running.cutShort(), st.Reports)
		}
		if st.LDAP != nil {
			out.Settings, out.Configured = *st.LDAP, true
			if next := nextDirectoryRun(st); next != nil {
				out.NextRun = next
			}
		}
		return nil
	})
	return out, err
}

// nextDirectoryRun is when the schedule runs the import next, nil when it does not.
func nextDirectoryRun(st DirectorySyncState) *time.Time {
	if st.LDAP == nil || st.LDAP.IntervalMinutes <= 0 {
		return nil
	}
	if st.LastRunDateTime == nil {
		return &time.Time{}
	}
	next := st.LastRunDateTime.Add(time.Duration(st.LDAP.IntervalMinutes) * time.Minute)
	return &next
}

// SaveLDAPSettings saves the LDAP import's settings; administrators only. An empty password keeps
// the saved one.
func (s *Service) SaveLDAPSettings(ctx context.Context, c LDAPSettings, password string) error {
	c.normalize()
	if err := c.validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "change the directory sync"); err != nil {
			return err
		}
		st, err := tx.DirectorySync()
		if err != nil {
			return err
		}
		summary := "changed the LDAP import's settings"
		if st.LDAP == nil {
			summary = "set up the LDAP import from " + c.URL
		}
		if password != "" {
			sealed, err := s.sealSecret(password)
			if err != nil {
				return err
			}
			st.BindPassword = sealed
			summary += "; new bind password"
		}
		st.LDAP = &c
		if err := tx.PutDirectorySync(st); err != nil {
			return fmt.Errorf("save LDAP settings: %w", err)
		}
		return s.audit(tx, a.p, "directory.settings", "settings", "directory-sync", "Directory sync", summary)
	})
}

// TestLDAPConnection tries the settings as given (not yet saved); an empty password uses the
// saved one. Administrators only.
func (s *Service) TestLDAPConnection(ctx context.Context, c LDAPSettings, password string) (DirectoryTest, error) {
	c.normalize()
	if err := c.validate(); err != nil {
		return DirectoryTest{}, err
	}
	if s.directory == nil {
		return DirectoryTest{}, errNoDirectory
	}
	var saved string
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "test the directory sync"); err != nil {
			return err
		}
		st, err := tx.DirectorySync()
		// The saved password goes only to the server and account it was saved for.
		if st.LDAP != nil && st.LDAP.URL == c.URL && st.LDAP.BindDN == c.BindDN {
			if err != nil {
				return err
			}
			saved, err = s.openSecret(st.BindPassword)
		}
		return err
	})
	if err != nil {
		return DirectoryTest{}, err
	}
	if password == "" {
		password = saved
	}
	return s.directory.Test(ctx, c, password)
}

var errNoDirectory = invalid("directoryUnavailable", "", "this Steward was started without the LDAP import")

var errSyncRunning = invalid("directorySyncRunning", "", "a directory sync is running already; its report shows here when it ends")

// DirectorySyncOptions say how to run the LDAP import.
type DirectorySyncOptions struct {
	// DryRun works out and reports the changes without making them or keeping the report.
	DryRun bool
	// Force runs even when more than the allowed share of people would be blocked.
	Force bool
}

// RunDirectorySync runs the LDAP import now, in the caller's time and context, and returns its
// report; administrators only. The page uses it for dry runs, which write nothing;
// StartDirectorySync runs a real sync in the background. The report of a run that is not a dry
// run is kept with the last ones, also when it stopped or failed; a failure to reach the
// directory is in the report, not an error.
func (s *Service) RunDirectorySync(ctx context.Context, opt DirectorySyncOptions) (DirectorySyncReport, error) {
	var by string
	err := s.read(ctx, func(tx Tx, a *access) error {
		by = a.p.Name
		return requireAdmin(a, "run the directory sync")
	})
	if err != nil {
		return DirectorySyncReport{}, err
	}
	if by == "" {
		by = "an administrator"
	}
	return s.runDirectorySync(ctx, by, opt)
}

// runDueDirectorySync runs the import when its schedule says so, for the worker.
func (s *Service) runDueDirectorySync(ctx context.Context) (bool, error) {
	if s.directory == nil {
		return false, nil
	}
	var due bool
	err := s.store.View(ctx, func(tx Tx) error {
		st, err := tx.DirectorySync()
		if next := nextDirectoryRun(st); err == nil && next != nil && !s.now().Before(*next) {
			due = true
		}
		return err
	})
	if err != nil || !due {
		return false, err
	}
	r, err := s.runDirectorySync(ctx, "", DirectorySyncOptions{})
	if errors.Is(err, errSyncRunning) {
		return false, nil // an administrator's run is under way
	}
	if err == nil && r.Outcome == RunFailed {
		err = errors.New("directory sync failed: " + r.Message)
	}
	return true, err
}

func (s *Service) runDirectorySync(ctx context.Context, by string, opt DirectorySyncOptions) (DirectorySyncReport, error) {
	run, err := s.claimDirectorySync(by, opt, false)
	if err != nil {
		return DirectorySyncReport{}, err
	}
	return s.executeDirectorySync(ctx, run, opt)
}

// executeDirectorySync does the run claimed by claimDirectorySync, and ends it.
func (s *Service) executeDirectorySync(ctx context.Context, run DirectorySyncProgress, opt DirectorySyncOptions) (DirectorySyncReport, error) {
	defer s.endDirectorySync()
	start := time.Now()
	r := DirectorySyncReport{ID: run.ID, StartedDateTime: run.StartedDateTime, StartedBy: run.StartedBy, DryRun: opt.DryRun, Forced: opt.Force}
	st, err := s.markDirectorySyncRunning(ctx, run)
	if err != nil {
		return r, err
	}
	if st.LDAP == nil {
		return r, invalid("directoryNotConfigured", "", "save the LDAP settings first")
	}
	if s.directory == nil {
		return r, errNoDirectory
	}
	finish := func() (DirectorySyncReport, error) {
		r.Duration = time.Since(start)
		if r.DryRun {
			return r, nil
		}
		// A run cut short by shutdown still leaves its report.
		kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return r, s.keepReport(kctx, r)
	}
	password, err := s.openSecret(st.BindPassword)
	if err != nil {
		r.Outcome, r.Message = RunFailed, err.Error()
		return finish()
	}
	snap, err := s.directory.Read(ctx, *st.LDAP, password)
	r.ReadDuration = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			r.Outcome, r.Message = RunFailed, "the run was stopped while it read the directory; nothing was changed"
			if _, kerr := finish(); kerr != nil {
				s.log.Warn("keep the report of a stopped directory sync", "error", kerr)
			}
			return r, ctx.Err()
		}
		r.Outcome, r.Message = RunFailed, "could not read the directory: "+errorText(err)
		return finish()
	}
	r.PeopleRead, r.GroupsRead = len(snap.People), len(snap.Groups)
	s.directorySyncProgress(func(p *DirectorySyncProgress) {
		p.Phase, p.PeopleRead, p.GroupsRead = PhasePlanning, r.PeopleRead, r.GroupsRead
	})
	p, err := s.planDirectorySync(ctx, snap, &r)
	if err != nil {
		return r, err
	}
	max := st.LDAP.MaxBlockPercent
	if !opt.Force && r.KeptBefore > 0 && len(p.leavers)*100 > max*r.KeptBefore {
		r.Outcome = RunStopped
		r.Message = fmt.Sprintf("this run would block %d of the %d people the import keeps (%d%%), more than the %d%% allowed; nothing was changed. Check the people base DN and filter, then run anyway if it is right.",
			len(p.leavers), r.KeptBefore, len(p.leavers)*100/r.KeptBefore, max)
		return finish()
	}
	if !opt.DryRun {
		s.directorySyncProgress(func(pr *DirectorySyncProgress) {
			pr.Phase, pr.Total = PhaseApplying, len(p.people)+len(p.leavers)+len(p.groups)+len(p.gone)
			pr.Created, pr.Changed, pr.Blocked = r.Created, r.Changed, r.Blocked
			pr.GroupChanges = r.GroupsNew + r.GroupsMoved + r.GroupsGone
		})
		s.applyDirectorySync(ctx, p, &r)
		if ctx.Err() != nil {
			r.Outcome, r.Message = RunFailed, "the run was cut short; the next run carries on"
			return finish()
		}
	}
	r.Outcome = RunCompleted
	if len(r.Errors) > 0 {
		r.Outcome = RunWithErrors
	}
	return finish()
}

// keepReport stores a run's report with the last ones, and the start of a real run for the
// schedule; the run is no longer running.
func (s *Service) keepReport(ctx context.Context, r DirectorySyncReport) error {
	return s.store.Update(ctx, func(tx Tx) error {
		st, err := tx.DirectorySync()
		if err != nil {
			return err
		}
		st.Reports = keepReports(r, st.Reports)
		if st.Running != nil && st.Running.ID == r.ID {
			st.Running = nil
		}
		started := r.StartedDateTime
		st.LastRunDateTime = &started
		return tx.PutDirectorySync(st)
	})
}

// keepReports puts r first in the reports, keeping maxReports.
func keepReports(r DirectorySyncReport, reports []DirectorySyncReport) []DirectorySyncReport {
	reports = append([]DirectorySyncReport{r}, reports...)
	if len(reports) > maxReports {
		reports = reports[:maxReports]
	}
	return reports
}

// syncPlan is what a run will change: only the records that differ.
type syncPlan struct {
	people  []SyncUserInput  // to create or update, managers before the people they manage
	groups  []SyncGroupInput // to create or update, or whose members change
	leavers []User           // kept by the import, gone from the directory
	gone    []Group          // groups kept by the import, gone from the directory
	members [][]string       // per groups entry: the members' external ids
	known   map[string]bool  // external ids of the people read
}

// planDirectorySync compares the snapshot with the store in one read transaction.
func (s *Service) planDirectorySync(ctx context.Context, snap DirectorySnapshot, r *DirectorySyncReport) (*syncPlan, error) {
	p := &syncPlan{known: make(map[string]bool, len(snap.People))}
	people := managersFirst(snap.People)
	err := s.store.View(ctx, func(tx Tx) error {
		kept, total, err := tx.Users().BySource(SourceLDAP, 0, 0)
		if err != nil {
			return fmt.Errorf("people the import keeps: %w", err)
		}
		r.KeptBefore = total
		byExt := make(map[string]User, len(kept))
		for _, u := range kept {
			byExt[u.ExternalID] = u
		}
		matched := make(map[string]bool, len(people))
		for _, dp := range people {
			p.known[dp.ExternalID] = true
			if u, ok := byExt[dp.ExternalID]; ok && unchangedPerson(u, dp, byExt) {
				matched[u.ID] = true
				r.Unchanged++
				continue
			}
			in := personInput(dp)
			pu, err := s.prepareSyncUser(tx, ldapAgent, in)
			if err != nil {
				r.fail(personLabel(dp), err)
				if u, uerr := tx.Users().ByExternalID(SourceLDAP, dp.ExternalID); uerr == nil {
					matched[u.ID] = true // a failed update is no leaver
				}
				continue
			}
			if pu.found {
				matched[pu.u.ID] = true
			}
			switch {
			case !pu.found:
				r.Created++
				r.detail("new: %s (%s)", pu.u.Label(), pu.u.Email)
			case len(pu.c) > 0 || pu.rejoined:
				r.Changed++
				what := pu.c.summary()
				if pu.rejoined {
					what = strings.TrimPrefix(what+"; ", "no change; ") + "back in the directory: unblocked"
				}
				r.detail("changed: %s: %s", pu.u.Label(), what)
			default:
				r.Unchanged++
				continue
			}
			p.people = append(p.people, in)
		}
		for _, u := range kept {
			if !matched[u.ID] {
				p.leavers = append(p.leavers, u)
				r.Blocked++
				r.detail("left the directory: %s (%s)", u.Label(), u.Email)
			}
		}
		extOf := make(map[string]string, len(kept))
		for _, u := range kept {
			extOf[u.ID] = u.ExternalID
		}
		return s.planGroups(tx, snap, p, r, extOf)
	})
	return p, err
}

// unchangedPerson tells, from the records already read, that syncing the person would change
// nothing, so that a run over an unchanged directory reads each person once. It answers false
// whenever it cannot be sure; prepareSyncUser then decides.
func unchangedPerson(u User, dp DirectoryPerson, byExt map[string]User) bool {
	if u.LeftDateTime != nil || u.RemovedAtSource {
		return false
	}
	managerID := ""
	if dp.ManagerExternalID != "" {
		m, ok := byExt[dp.ManagerExternalID]
		if !ok {
			return false
		}
		managerID = m.ID
	}
	name, email := strings.TrimSpace(dp.DisplayName), NormalizeEmail(dp.Email)
	if name == "" {
		name = dp.Email
	}
	return u.DisplayName == name && u.Email == email && u.ManagerID == managerID &&
		u.EmployeeNumber == strings.TrimSpace(dp.EmployeeNumber) &&
		u.Department == strings.TrimSpace(dp.Department) && u.JobTitle == strings.TrimSpace(dp.JobTitle)
}

func (s *Service) planGroups(tx Tx, snap DirectorySnapshot, p *syncPlan, r *DirectorySyncReport, extOf map[string]string) error {
	keptGroups, _, err := tx.Groups().BySource(SourceLDAP, 0, 0)
	if err != nil {
		return fmt.Errorf("groups the import keeps: %w", err)
	}
	matched := map[string]bool{}
	for _, dg := range snap.Groups {
		in := SyncGroupInput{ExternalID: dg.ExternalID, DisplayName: dg.DisplayName, Description: dg.Description}
		want := make([]string, 0, len(dg.Members))
		for _, m := range dg.Members {
			if p.known[m] && !slices.Contains(want, m) {
				want = append(want, m)
			}
		}
		gi := GroupInput{DisplayName: in.DisplayName, Description: in.Description}
		if err := gi.validate(); err != nil {
			r.fail("group "+dg.DisplayName, err)
			continue
		}
		g, found, err := findSyncedGroup(tx, ldapAgent, "", in.ExternalID, gi.DisplayName)
		if err != nil {
			r.fail("group "+dg.DisplayName, err)
			continue
		}
		var have []string
		if found {
			matched[g.ID] = true
			if have, err = syncedMemberExternalIDs(tx, g.ID, extOf); err != nil {
				return err
			}
		}
		added, removed := setDiff(have, want)
		var c changes
		if found {
			c.text("name", g.DisplayName, gi.DisplayName)
			c.text("description", g.Description, gi.Description)
			c.text("externalId", g.ExternalID, in.ExternalID)
			c.text("source", g.Source, SourceLDAP)
			if g.RemovedAtSource {
				c = append(c, "back in the directory")
			}
		}
		switch {
		case !found:
			r.GroupsNew++
			r.detail("new group: %s with %d member(s)", gi.DisplayName, len(want))
		case len(c) > 0 || len(added) > 0 || len(removed) > 0:
			r.GroupsMoved++
			parts := []string{}
			if len(c) > 0 {
				parts = append(parts, c.summary())
			}
			if len(added) > 0 {
				parts = append(parts, fmt.Sprintf("%d member(s) added", len(added)))
			}
			if len(removed) > 0 {
				parts = append(parts, fmt.Sprintf("%d member(s) removed", len(removed)))
			}
			r.detail("changed group: %s: %s", gi.DisplayName, strings.Join(parts, "; "))
		default:
			continue
		}
		r.MembersIn += len(added)
		r.MembersOut += len(removed)
		p.groups = append(p.groups, in)
		p.members = append(p.members, want)
	}
	for _, g := range keptGroups {
		if !matched[g.ID] {
			p.gone = append(p.gone, g)
			r.GroupsGone++
			r.detail("group gone from the directory: %s", g.DisplayName)
		}
	}
	return nil
}

// syncedMemberExternalIDs lists the external ids of a group's members that sync gave it; extOf
// maps the ids of the people the import keeps to theirs, so that only others are read.
func syncedMemberExternalIDs(tx Tx, groupID string, extOf map[string]string) ([]string, error) {
	ids, err := allMembers(tx, groupID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ids {
		m, err := tx.Groups().Membership(groupID, id)
		if err != nil {
			return nil, fmt.Errorf("membership in %s: %w", groupID, err)
		}
		if !m.Has(MemberSynced) {
			continue
		}
		if ext, ok := extOf[id]; ok {
			out = append(out, ext)
			continue
		}
		// Someone the import no longer keeps (a leaver, or another source's person): never an
		// id the directory lists, so a member to remove.
		out = append(out, "\x00"+id)
	}
	return out, nil
}

// setDiff returns what want adds to have and what it takes away.
func setDiff(have, want []string) (added, removed []string) {
	h := make(map[string]bool, len(have))
	for _, x := range have {
		h[x] = true
	}
	w := make(map[string]bool, len(want))
	for _, x := range want {
		w[x] = true
		if !h[x] {
			added = append(added, x)
		}
	}
	for _, x := range have {
		if !w[x] {
			removed = append(removed, x)
		}
	}
	return added, removed
}

func personInput(dp DirectoryPerson) SyncUserInput {
	return SyncUserInput{
		ExternalID: dp.ExternalID, UserName: dp.Email, Email: dp.Email, DisplayName: dp.DisplayName,
		ManagerExternalID: dp.ManagerExternalID, EmployeeNumber: dp.EmployeeNumber,
		Department: dp.Department, JobTitle: dp.JobTitle, Active: true,
	}
}

func personLabel(dp DirectoryPerson) string {
	switch {
	case dp.DisplayName != "":
		return dp.DisplayName
	case dp.Email != "":
		return dp.Email
	}
	return dp.ExternalID
}

// managersFirst orders people so that everyone comes after their manager (as far as the
// managers are among them), so that one pass finds each manager already synced.
func managersFirst(people []DirectoryPerson) []DirectoryPerson {
	index := make(map[string]int, len(people))
	for i, p := range people {
		index[p.ExternalID] = i
	}
	depth := make([]int, len(people))
	for i := range depth {
		depth[i] = -1
	}
	var depthOf func(i, guard int) int
	depthOf = func(i, guard int) int {
		if depth[i] >= 0 {
			return depth[i]
		}
		d := 0
		if m, ok := index[people[i].ManagerExternalID]; ok && m != i && guard < maxManagerChain {
			d = depthOf(m, guard+1) + 1
		}
		depth[i] = d
		return d
	}
	order := make([]int, len(people))
	for i := range people {
		depthOf(i, 0)
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return depth[a] - depth[b] })
	out := make([]DirectoryPerson, len(people))
	for i, j := range order {
		out[i] = people[j]
	}
	return out
}

// batchSize is how many records one write transaction of a run changes: large enough that a
// first run over tens of thousands of people is not a transaction (and a disk sync) each, small
// enough that other writers wait little.
const batchSize = 500

// applyDirectorySync makes the planned changes: people, then leavers, then groups and their
// members, then the groups gone. Each step runs in batches; a batch that fails is tried again
// record by record, so one bad record costs only itself.
func (s *Service) applyDirectorySync(ctx context.Context, p *syncPlan, r *DirectorySyncReport) {
	p2 := Principal{Name: ldapAgent.Name}
	s.inBatches(ctx, r, len(p.people), func(tx Tx, i int) (string, error) {
		_, _, err := s.syncUser(tx, ldapAgent, p2, p.people[i])
		return p.people[i].DisplayName, err
	})
	s.inBatches(ctx, r, len(p.leavers), func(tx Tx, i int) (string, error) {
		return p.leavers[i].Label(), s.syncRemoveUser(tx, ldapAgent, p2, p.leavers[i].ID)
	})
	s.inBatches(ctx, r, len(p.groups), func(tx Tx, i int) (string, error) {
		in := p.groups[i]
		in.Members = make([]string, 0, len(p.members[i]))
		for _, ext := range p.members[i] {
			u, err := tx.Users().ByExternalID(SourceLDAP, ext)
			if isNotFound(err) {
				continue // a person who could not be synced
			} else if err != nil {
				return in.DisplayName, err
			}
			in.Members = append(in.Members, u.ID)
		}
		_, _, err := s.syncGroup(tx, ldapAgent, p2, in)
		return "group " + in.DisplayName, err
	})
	s.inBatches(ctx, r, len(p.gone), func(tx Tx, i int) (string, error) {
		return "group " + p.gone[i].DisplayName, s.syncDeleteGroup(tx, ldapAgent, p2, p.gone[i].ID)
	})
}

// inBatches applies items 0..n-1 in write transactions of batchSize; when a batch fails, each of
// its items is applied in its own transaction and the ones that fail are reported.
func (s *Service) inBatches(ctx context.Context, r *DirectorySyncReport, n int, apply func(tx Tx, i int) (string, error)) {
	for from := 0; from < n; from += batchSize {
		if ctx.Err() != nil {
			return
		}
		to := min(from+batchSize, n)
		err := s.store.Update(ctx, func(tx Tx) error {
			for i := from; i < to; i++ {
				if _, err := apply(tx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			r.Writes++
			s.directorySyncProgress(func(p *DirectorySyncProgress) { p.Done += to - from })
			continue
		}
		for i := from; i < to; i++ {
			var what string
			err := s.store.Update(ctx, func(tx Tx) error {
				var err error
				what, err = apply(tx, i)
				return err
			})
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				r.fail(what, err)
			} else {
				r.Writes++
			}
			s.directorySyncProgress(func(p *DirectorySyncProgress) { p.Done++; p.Errors = len(r.Errors) })
		}
	}
}
