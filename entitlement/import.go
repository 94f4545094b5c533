package entitlement

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
)

// MaxImportRows is the largest number of data rows one import file may have.
const MaxImportRows = 10000

// ImportReport tells what an import did, or, when it failed, every row that must be fixed.
// Rows counts the data rows read; Created and Updated count the users (or groups) written.
type ImportReport struct {
	Rows             int
	Created, Updated int
	Errors           []RowError
}

// fresh returns a copy of the report that shares no slice with it, so that a write function the
// store runs again starts from the report as it was before the first run.
func (r ImportReport) fresh() ImportReport {
	r.Errors = slices.Clone(r.Errors)
	return r
}

// RowError is one problem in an import file. Row is the line number in the file (the header is
// line 1); Field names the column, or is empty for the whole row.
type RowError struct {
	Row     int
	Field   string
	Message string
}

// csvRow is one data row: its line and its values by column name.
type csvRow struct {
	line   int
	values map[string]string
}

func (r csvRow) get(col string) string { return strings.TrimSpace(r.values[col]) }

func (r csvRow) has(col string) bool { _, ok := r.values[col]; return ok }

// readCSV reads a CSV file with a header row. Column names are matched case-insensitively
// against columns; required ones must be there. Empty rows are skipped. Problems are returned as
// row errors; reading stops at a line that is not valid CSV or after MaxImportRows rows.
func readCSV(r io.Reader, columns, required []string) ([]csvRow, []RowError) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3) // spreadsheets often start UTF-8 files with a byte-order mark
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var errs []RowError
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, []RowError{{Row: 1, Message: "the file is empty; its first line must name the columns: " + strings.Join(columns, ",")}}
	}
	if err != nil {
		return nil, []RowError{{Row: 1, Message: "the first line is not valid CSV: " + csvProblem(err)}}
	}
	names := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		for _, c := range columns {
			if strings.EqualFold(h, c) {
				names[i] = c
			}
		}
		switch {
		case names[i] == "":
			errs = append(errs, RowError{Row: 1, Field: h, Message: fmt.Sprintf("unknown column %q; the columns are %s", h, strings.Join(columns, ","))})
		case seen[names[i]]:
			errs = append(errs, RowError{Row: 1, Field: names[i], Message: fmt.Sprintf("the column %s appears twice; keep one", names[i])})
		}
		seen[names[i]] = true
	}
	for _, c := range required {
		if !seen[c] {
			errs = append(errs, RowError{Row: 1, Field: c, Message: fmt.Sprintf("add the column %s to the first line", c)})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			errs = append(errs, RowError{Row: line, Message: "this line is not valid CSV (" + csvProblem(err) + "); check the quotes. Lines after it were not read"})
			break
		}
		line, _ := cr.FieldPos(0)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(rows) == MaxImportRows {
			errs = append(errs, RowError{Row: line, Message: fmt.Sprintf("the file has more than %d rows; split it into smaller files", MaxImportRows)})
			break
		}
		if len(rec) != len(names) {
			errs = append(errs, RowError{Row: line, Message: fmt.Sprintf("the row has %d values but the first line names %d columns", len(rec), len(names))})
			continue
		}
		row := csvRow{line: line, values: make(map[string]string, len(names))}
		for i, v := range rec {
			row.values[names[i]] = v
		}
		rows = append(rows, row)
	}
	return rows, errs
}

func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// fieldRowErrors turns a ValidationError into row errors, with the input's field names mapped to
// the file's column names.
func fieldRowErrors(line int, err error, columns map[string]string) []RowError {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return []RowError{{Row: line, Message: err.Error()}}
	}
	out := make([]RowError, 0, len(ve.Fields))
	for _, k := range slices.Sorted(maps.Keys(ve.Fields)) {
		col := k
		if c, ok := columns[k]; ok {
			col = c
		}
		out = append(out, RowError{Row: line, Field: col, Message: ve.Fields[k]})
	}
	return out
}

func sortRowErrors(errs []RowError) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Row < errs[j].Row })
}

func importFailed(rep ImportReport) error {
	rows := map[int]bool{}
	for _, e := range rep.Errors {
		rows[e.Row] = true
	}
	return &ValidationError{Code: "importFailed", Fields: map[string]string{
		"file": fmt.Sprintf("%d row(s) of the file have problems, so nothing was imported; fix them and import the file again", len(rows)),
	}}
}

// User import columns.
var userColumns = []string{"displayName", "mail", "userType", "department", "jobTitle", "managerMail"}

// ImportUsers creates and updates users from a CSV file with the columns
// displayName,mail,userType,department,jobTitle,managerMail (a header line is required;
// displayName and mail are required columns). A person whose mail is already in the directory is
// updated: the file's values replace theirs, an empty cell clears an optional value, and a column
// missing from the file leaves that value alone (an empty userType keeps the current type). The
// manager is named by e-mail and may be a person further down the same file. The import is all or
// nothing: if any row has a problem nothing is written, and the report lists every problem with
// its line; the error is then a ValidationError with Code "importFailed".
func (s *Service) ImportUsers(ctx context.Context, r io.Reader) (ImportReport, error) {
	var rep ImportReport
	p, err := principal(ctx)
	if err != nil {
		return rep, err
	}
	if !p.IsAdmin {
		return rep, forbidden("only administrators can import people")
	}
	rows, errs := readCSV(r, userColumns, []string{"displayName", "mail"})
	rep.Rows, rep.Errors = len(rows), errs
	if len(rows) == 0 && len(errs) == 0 {
		rep.Errors = []RowError{{Row: 2, Message: "the file has no people in it; add one line per person below the header"}}
	}
	type plan struct {
		row         csvRow
		in          UserInput
		existing    *User
		managerMail string
	}
	parsed := rep
	err = s.write(ctx, func(tx Tx, a *access) error {
		rep = parsed.fresh() // the store may run this function again
		plans := make([]plan, 0, len(rows))
		lineOf := map[string]int{}
		for _, row := range rows {
			pl := plan{row: row}
			in := UserInput{DisplayName: row.get("displayName"), Email: row.get("mail"), UserType: row.get("userType"),
				Department: row.get("department"), JobTitle: row.get("jobTitle")}
			if in.UserType != "" {
				for _, t := range []string{UserTypeMember, UserTypeGuest} {
					if strings.EqualFold(in.UserType, t) {
						in.UserType = t
					}
				}
			}
			if u, err := tx.Users().ByEmail(in.Email); err == nil && u.IsSynced() {
				rep.Errors = append(rep.Errors, RowError{Row: row.line, Field: "mail", Message: fmt.Sprintf("%s comes from %s; change them there", u.Label(), SourceName(u.Source))})
			} else if err == nil {
				pl.existing = &u
				in.ConnectedOrganizationID = u.ConnectedOrganizationID
				if in.UserType == "" {
					in.UserType = u.UserType
				}
				if !row.has("department") {
					in.Department = u.Department
				}
				if !row.has("jobTitle") {
					in.JobTitle = u.JobTitle
				}
			} else if !isNotFound(err) {
				return fmt.Errorf("import users: %w", err)
			}
			var rowErrs []RowError
			if err := in.validate(); err != nil {
				rowErrs = fieldRowErrors(row.line, err, map[string]string{"userType": "userType", "mail": "mail"})
			}
			if in.ConnectedOrganizationID != "" && in.UserType != UserTypeGuest {
				rowErrs = append(rowErrs, RowError{Row: row.line, Field: "userType", Message: "this person is a guest from a connected organization; leave userType empty or write Guest"})
			}
			if first, dup := lineOf[in.Email]; dup && in.Email != "" {
				rowErrs = append(rowErrs, RowError{Row: row.line, Field: "mail", Message: fmt.Sprintf("this address is also on line %d; list each person once", first)})
			} else if in.Email != "" {
				lineOf[in.Email] = row.line
			}
			pl.in = in
			if row.has("managerMail") {
				pl.managerMail = NormalizeEmail(row.get("managerMail"))
			} else if pl.existing != nil && pl.existing.ManagerID != "" {
				if m, err := tx.Users().Get(pl.existing.ManagerID); err == nil {
					pl.managerMail = m.Email
				}
			}
			rep.Errors = append(rep.Errors, rowErrs...)
			plans = append(plans, pl)
		}
		// Managers: in the file or in the directory, never oneself, never a loop.
		planOf := make(map[string]int, len(plans))
		for i, pl := range plans {
			if _, ok := planOf[pl.in.Email]; !ok {
				planOf[pl.in.Email] = i
			}
		}
		managerOf := func(email string) (string, error) {
			if i, ok := planOf[email]; ok {
				return plans[i].managerMail, nil
			}
			u, err := tx.Users().ByEmail(email)
			if isNotFound(err) || (err == nil && u.ManagerID == "") {
				return "", nil
			}
			if err != nil {
				return "", err
			}
			m, err := tx.Users().Get(u.ManagerID)
			if isNotFound(err) {
				return "", nil
			}
			return m.Email, err
		}
		for _, pl := range plans {
			mm := pl.managerMail
			if mm == "" || !pl.row.has("managerMail") {
				continue
			}
			if mm == pl.in.Email {
				rep.Errors = append(rep.Errors, RowError{Row: pl.row.line, Field: "managerMail", Message: "a person cannot be their own manager; leave it empty or name someone else"})
				continue
			}
			if _, inFile := lineOf[mm]; !inFile {
				if _, err := tx.Users().ByEmail(mm); isNotFound(err) {
					rep.Errors = append(rep.Errors, RowError{Row: pl.row.line, Field: "managerMail", Message: fmt.Sprintf("nobody with the address %s is in the directory or in this file; add the manager first", mm)})
					continue
				} else if err != nil {
					return fmt.Errorf("import users: %w", err)
				}
			}
			cur := mm
			for range maxManagerChain {
				next, err := managerOf(cur)
				if err != nil {
					return fmt.Errorf("import users: %w", err)
				}
				if next == pl.in.Email {
					rep.Errors = append(rep.Errors, RowError{Row: pl.row.line, Field: "managerMail", Message: fmt.Sprintf("%s already reports to this person, directly or indirectly; choose another manager", mm)})
					break
				}
				if next == "" {
					break
				}
				cur = next
			}
		}
		if len(rep.Errors) > 0 {
			sortRowErrors(rep.Errors)
			return importFailed(rep)
		}

		// Write: new people get their ids first, so that managers later in the file resolve.
		now := s.now()
		ids := map[string]string{}
		for _, pl := range plans {
			if pl.existing != nil {
				ids[pl.in.Email] = pl.existing.ID
			} else {
				ids[pl.in.Email] = NewID()
			}
		}
		for _, pl := range plans {
			in := pl.in
			if mm := pl.managerMail; mm != "" {
				if id, ok := ids[mm]; ok {
					in.ManagerID = id
				} else if m, err := tx.Users().ByEmail(mm); err == nil {
					in.ManagerID = m.ID
				} else {
					return fmt.Errorf("import users: manager %s: %w", mm, err)
				}
			}
			if pl.existing == nil {
				u := User{ID: ids[in.Email], AccountEnabled: true, CreatedDateTime: now, ModifiedDateTime: now, Source: SourceCSV}
				applyUserInput(&u, in)
				u.Version = nextVersion(u.Version)
				if err := tx.Users().Put(u); err != nil {
					return fmt.Errorf("import user on line %d: %w", pl.row.line, err)
				}
				rep.Created++
				if err := s.audit(tx, a.p, "user.create", "user", u.ID, u.DisplayName, fmt.Sprintf("imported %s (%s) as %s", u.DisplayName, u.Email, u.UserType)); err != nil {
					return err
				}
				continue
			}
			u := *pl.existing
			c := applyUserInput(&u, in)
			if len(c) == 0 {
				continue
			}
			u.ModifiedDateTime = now
			u.Version = nextVersion(u.Version)
			if err := tx.Users().Put(u); err != nil {
				return fmt.Errorf("import user on line %d: %w", pl.row.line, err)
			}
			rep.Updated++
			if err := s.audit(tx, a.p, "user.update", "user", u.ID, u.DisplayName, "import: "+c.summary()); err != nil {
				return err
			}
		}
		return s.audit(tx, a.p, "directory.importUsers", "directory", "users", "Users",
			fmt.Sprintf("imported %d row(s): %d created, %d updated", rep.Rows, rep.Created, rep.Updated))
	})
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) && ve.Code == "importFailed" {
			return rep, err
		}
		return ImportReport{Rows: rep.Rows}, err
	}
	return rep, nil
}

// Group import columns.
var groupColumns = []string{"group", "description", "memberMail"}

// ImportGroups creates groups and adds members from a CSV file with the columns
// group,description,memberMail (a header line is required; group is a required column), one
// line per membership. A group is matched by name (ignoring case) and created when missing; a
// description replaces the group's when given. Members must already be in the directory (import
// the users first); a membership that already exists is left as it is. All or nothing, as
// ImportUsers. Created counts new groups, Updated existing groups that changed.
func (s *Service) ImportGroups(ctx context.Context, r io.Reader) (ImportReport, error) {
	var rep ImportReport
	p, err := principal(ctx)
	if err != nil {
		return rep, err
	}
	if !p.IsAdmin {
		return rep, forbidden("only administrators can import groups")
	}
	rows, errs := readCSV(r, groupColumns, []string{"group"})
	rep.Rows, rep.Errors = len(rows), errs
	if len(rows) == 0 && len(errs) == 0 {
		rep.Errors = []RowError{{Row: 2, Message: "the file has no groups in it; add one line per membership below the header"}}
	}
	type groupPlan struct {
		name, description string
		descLine          int
		existing          *Group
		members           []string // user ids, in file order
	}
	parsed := rep
	err = s.write(ctx, func(tx Tx, a *access) error {
		rep = parsed.fresh() // the store may run this function again
		var order []string
		groups := map[string]*groupPlan{}
		for _, row := range rows {
			in := GroupInput{DisplayName: row.get("group"), Description: row.get("description")}
			if err := in.validate(); err != nil {
				rep.Errors = append(rep.Errors, fieldRowErrors(row.line, err, map[string]string{"displayName": "group"})...)
				continue
			}
			key := strings.ToLower(in.DisplayName)
			g, ok := groups[key]
			if !ok {
				g = &groupPlan{name: in.DisplayName}
				same, err := tx.Groups().ByName(in.DisplayName)
				if err != nil {
					return fmt.Errorf("import groups: %w", err)
				}
				switch len(same) {
				case 0:
				case 1:
					g.existing = &same[0]
				default:
					rep.Errors = append(rep.Errors, RowError{Row: row.line, Field: "group", Message: fmt.Sprintf("%d groups are named %q; rename all but one first", len(same), in.DisplayName)})
				}
				groups[key] = g
				order = append(order, key)
			}
			if in.Description != "" {
				if g.descLine != 0 && g.description != in.Description {
					rep.Errors = append(rep.Errors, RowError{Row: row.line, Field: "description", Message: fmt.Sprintf("differs from the description on line %d for the same group; give it once or the same each time", g.descLine)})
				} else if g.descLine == 0 {
					g.description, g.descLine = in.Description, row.line
				}
			}
			if mm := NormalizeEmail(row.get("memberMail")); mm != "" {
				u, err := tx.Users().ByEmail(mm)
				if isNotFound(err) {
					rep.Errors = append(rep.Errors, RowError{Row: row.line, Field: "memberMail", Message: fmt.Sprintf("nobody with the address %s is in the directory; import or add the person first", mm)})
					continue
				} else if err != nil {
					return fmt.Errorf("import groups: %w", err)
				}
				if !contains(g.members, u.ID) {
					g.members = append(g.members, u.ID)
				}
			}
		}
		if len(rep.Errors) > 0 {
			sortRowErrors(rep.Errors)
			return importFailed(rep)
		}
		now := s.now()
		for _, key := range order {
			pl := groups[key]
			var g Group
			changed := false
			if pl.existing == nil {
				g = Group{ID: NewID(), DisplayName: pl.name, Description: pl.description, CreatedDateTime: now, ModifiedDateTime: now, Source: SourceCSV}
				g.Version = nextVersion(g.Version)
				if err := tx.Groups().Put(g); err != nil {
					return fmt.Errorf("import group %s: %w", g.DisplayName, err)
				}
				rep.Created++
				if err := s.audit(tx, a.p, "group.create", "group", g.ID, g.DisplayName, "imported group "+g.DisplayName); err != nil {
					return err
				}
			} else {
				g = *pl.existing
				if pl.description != "" && pl.description != g.Description {
					summary := fmt.Sprintf("import: description %q → %q", g.Description, pl.description)
					g.Description, g.ModifiedDateTime = pl.description, now
					g.Version = nextVersion(g.Version)
					if err := tx.Groups().Put(g); err != nil {
						return fmt.Errorf("import group %s: %w", g.DisplayName, err)
					}
					if err := s.audit(tx, a.p, "group.update", "group", g.ID, g.DisplayName, summary); err != nil {
						return err
					}
					changed = true
				}
			}
			for _, uid := range pl.members {
				// An import names direct members; one whom a package made a member becomes a
				// direct member too.
				if had, err := tx.Groups().Membership(g.ID, uid); err != nil {
					return fmt.Errorf("import group %s: %w", g.DisplayName, err)
				} else if had.Has(MemberDirect) {
					continue
				}
				if err := tx.Groups().AddMember(g.ID, uid, MemberDirect); err != nil {
					return fmt.Errorf("import group %s: %w", g.DisplayName, err)
				}
				if err := s.audit(tx, a.p, "group.member.add", "group", g.ID, g.DisplayName, "import: added "+userLabel(tx, uid)); err != nil {
					return err
				}
				changed = true
			}
			if changed && pl.existing != nil {
				rep.Updated++
			}
		}
		return s.audit(tx, a.p, "directory.importGroups", "directory", "groups", "Groups",
			fmt.Sprintf("imported %d row(s): %d group(s) created, %d updated", rep.Rows, rep.Created, rep.Updated))
	})
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) && ve.Code == "importFailed" {
			return rep, err
		}
		return ImportReport{Rows: rep.Rows}, err
	}
	return rep, nil
}
