package components_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/google/go-cmp/cmp"

	c "github.com/stewardhq/steward/views/components"
)

// render renders comp and parses the HTML.
func render(t *testing.T, comp templ.Component) (*goquery.Document, string) {
	t.Helper()
	var b bytes.Buffer
	if err := comp.Render(context.Background(), &b); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, b.String()
}

// withChildren renders comp with children as its {children...}.
func withChildren(comp, children templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return comp.Render(templ.WithChildren(ctx, children), w)
	})
}

func text(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, templ.EscapeString(s))
		return err
	})
}

func attr(t *testing.T, sel *goquery.Selection, name string) string {
	t.Helper()
	v, ok := sel.Attr(name)
	if !ok {
		t.Errorf("%s has no %s attribute", goquery.NodeName(sel), name)
	}
	return v
}

func hasClasses(t *testing.T, sel *goquery.Selection, classes ...string) {
	t.Helper()
	for _, cl := range classes {
		if !sel.HasClass(cl) {
			got, _ := sel.Attr("class")
			t.Errorf("%s lacks class %q; has %q", goquery.NodeName(sel), cl, got)
		}
	}
}

func TestFormFields(t *testing.T) {
	tests := []struct {
		name    string
		comp    templ.Component
		control string // selector of the control
		id      string
		value   func(*goquery.Selection) string
	}{
		{
			name:    "TextField",
			comp:    c.TextField(c.TextFieldProps{Name: "email", Label: "E-mail", Type: "email", Value: "ada@", Help: "Work address.", Error: "Enter a whole address.", Required: true}),
			control: "input",
			id:      "email",
			value:   func(s *goquery.Selection) string { return s.AttrOr("value", "") },
		},
		{
			name:    "TextArea",
			comp:    c.TextArea(c.TextAreaProps{ID: "why", Name: "justification", Label: "Why", Value: "for the board", Help: "Approvers read this.", Error: "Too short."}),
			control: "textarea",
			id:      "why",
			value:   func(s *goquery.Selection) string { return s.Text() },
		},
		{
			name: "Select",
			comp: c.Select(c.SelectProps{Name: "duration", Label: "Lasts", Value: "90", Placeholder: "Choose…", Help: "Can be extended.", Error: "Pick one.",
				Options: []c.SelectOption{{Value: "30", Label: "30 days"}, {Value: "90", Label: "90 days"}}}),
			control: "select",
			id:      "duration",
			value:   func(s *goquery.Selection) string { return s.Find("option[selected]").AttrOr("value", "") },
		},
		{
			name:    "DateTimeField",
			comp:    c.DateTimeField(c.DateTimeFieldProps{Name: "start", Label: "Starts", Value: "2026-03-12T09:00", Help: "In UTC.", Error: "Must be in the future."}),
			control: "input",
			id:      "start",
			value:   func(s *goquery.Selection) string { return s.AttrOr("value", "") },
		},
		{
			name:    "Checkbox",
			comp:    c.Checkbox(c.CheckboxProps{Name: "approval", Label: "Require approval", Checked: true, Help: "Someone decides.", Error: "Required here."}),
			control: "input",
			id:      "approval",
			value:   func(s *goquery.Selection) string { return s.AttrOr("value", "") },
		},
	}
	wantValue := map[string]string{"TextField": "ada@", "TextArea": "for the board", "Select": "90", "DateTimeField": "2026-03-12T09:00", "Checkbox": "true"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := render(t, tt.comp)
			control := doc.Find(tt.control + "#" + tt.id)
			if control.Length() != 1 {
				t.Fatalf("want one %s#%s, got %d", tt.control, tt.id, control.Length())
			}
			if got := doc.Find("label").AttrOr("for", ""); got != tt.id {
				t.Errorf("label for=%q, want %q", got, tt.id)
			}
			described := strings.Fields(attr(t, control, "aria-describedby"))
			if diff := cmp.Diff([]string{tt.id + "-help", tt.id + "-error"}, described); diff != "" {
				t.Errorf("aria-describedby (-want +got):\n%s", diff)
			}
			for _, id := range described {
				if doc.Find("#"+id).Length() != 1 {
					t.Errorf("aria-describedby names #%s, which is not in the page", id)
				}
			}
			errEl := doc.Find("#" + tt.id + "-error")
			hasClasses(t, errEl, "text-red-700")
			if strings.TrimSpace(errEl.Text()) == "" {
				t.Error("the error element is empty")
			}
			if got := attr(t, control, "aria-invalid"); got != "true" {
				t.Errorf("aria-invalid=%q, want true", got)
			}
			hasClasses(t, control, "focus-visible:ring-2")
			if got := tt.value(control); got != wantValue[tt.name] {
				t.Errorf("value %q, want the submitted %q", got, wantValue[tt.name])
			}
		})
	}
}

func TestFieldWithoutHelpOrError(t *testing.T) {
	doc, _ := render(t, c.TextField(c.TextFieldProps{Name: "q", Label: "Name"}))
	in := doc.Find("input#q")
	for _, a := range []string{"aria-describedby", "aria-invalid", "required"} {
		if _, ok := in.Attr(a); ok {
			t.Errorf("input has %s without a reason", a)
		}
	}
	hasClasses(t, in, "border-gray-300")

	doc, _ = render(t, c.TextField(c.TextFieldProps{Name: "n", Label: "Name", Help: "Shown to requestors."}))
	if got := doc.Find("input#n").AttrOr("aria-describedby", ""); got != "n-help" {
		t.Errorf("aria-describedby=%q, want only the help", got)
	}
}

func TestButtons(t *testing.T) {
	tests := []struct {
		name      string
		comp      templ.Component
		selector  string
		classes   []string
		wantAttrs map[string]string
	}{
		{"primary by default", c.Button(c.ButtonProps{}), "button", []string{"bg-indigo-600", "text-white", "focus-visible:ring-2"}, map[string]string{"type": "submit"}},
		{"secondary", c.Button(c.ButtonProps{Variant: c.ButtonSecondary, Type: "button"}), "button", []string{"bg-white", "border-gray-300"}, map[string]string{"type": "button"}},
		{"danger", c.Button(c.ButtonProps{Variant: c.ButtonDanger, Name: "decision", Value: "deny"}), "button", []string{"bg-red-600"}, map[string]string{"name": "decision", "value": "deny"}},
		{"ghost small", c.Button(c.ButtonProps{Variant: c.ButtonGhost, Size: c.ButtonSmall}), "button", []string{"hover:bg-gray-100", "px-2.5"}, nil},
		{"extra attributes", c.Button(c.ButtonProps{Attrs: templ.Attributes{"data-testid": "approve", "hx-post": "/approvals/1"}}), "button", nil, map[string]string{"data-testid": "approve", "hx-post": "/approvals/1"}},
		{"link", c.LinkButton(c.LinkButtonProps{Href: "/admin/catalogs/new", Variant: c.ButtonPrimary}), "a", []string{"bg-indigo-600"}, map[string]string{"href": "/admin/catalogs/new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := render(t, withChildren(tt.comp, text("Go")))
			el := doc.Find(tt.selector)
			if el.Length() != 1 {
				t.Fatalf("want one %s", tt.selector)
			}
			if got := strings.TrimSpace(el.Text()); got != "Go" {
				t.Errorf("text %q, want the children", got)
			}
			hasClasses(t, el, tt.classes...)
			for k, v := range tt.wantAttrs {
				if got := attr(t, el, k); got != v {
					t.Errorf("%s=%q, want %q", k, got, v)
				}
			}
		})
	}
	doc, _ := render(t, c.Button(c.ButtonProps{Disabled: true}))
	if _, ok := doc.Find("button").Attr("disabled"); !ok {
		t.Error("Disabled did not disable the button")
	}
}

func TestCSRFField(t *testing.T) {
	doc, _ := render(t, c.CSRFField(`a"b<c`))
	in := doc.Find(`input[type=hidden][name="_csrf"]`)
	if in.Length() != 1 {
		t.Fatal("no hidden _csrf input")
	}
	if got := in.AttrOr("value", ""); got != `a"b<c` {
		t.Errorf("value %q", got)
	}
}

func TestBadgeTones(t *testing.T) {
	tests := []struct {
		state string
		tone  c.Tone
		class string
	}{
		{"PendingApproval", c.ToneWaiting, "bg-amber-50"},
		{"waiting", c.ToneWaiting, "bg-amber-50"},
		{"Submitted", c.ToneWaiting, "bg-amber-50"},
		{"Delivered", c.ToneSuccess, "bg-green-50"},
		{"active", c.ToneSuccess, "bg-green-50"},
		{"Approved", c.ToneSuccess, "bg-green-50"},
		{"Denied", c.ToneDanger, "bg-red-50"},
		{"failed", c.ToneDanger, "bg-red-50"},
		{"Canceled", c.ToneNeutral, "bg-gray-100"},
		{"Expired", c.ToneNeutral, "bg-gray-100"},
		{"removed", c.ToneNeutral, "bg-gray-100"},
		{"Scheduled", c.ToneScheduled, "bg-blue-50"},
		{"PartiallyDelivered", c.TonePartial, "bg-orange-50"},
		{"partially delivered", c.TonePartial, "bg-orange-50"},
		{"something new", c.ToneNeutral, "bg-gray-100"},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			if got := c.StateTone(tt.state); got != tt.tone {
				t.Fatalf("StateTone(%q) = %q, want %q", tt.state, got, tt.tone)
			}
			doc, _ := render(t, c.Badge(c.BadgeProps{Label: tt.state, Tone: c.StateTone(tt.state)}))
			badge := doc.Find("span").First()
			hasClasses(t, badge, tt.class)
			if got := strings.TrimSpace(badge.Text()); got != tt.state {
				t.Errorf("label %q, want %q", got, tt.state)
			}
		})
	}
}

func TestCount(t *testing.T) {
	doc, _ := render(t, c.Count(c.CountProps{N: 0}))
	if doc.Find("span").Length() != 0 {
		t.Error("a zero count rendered")
	}
	doc, _ = render(t, c.Count(c.CountProps{N: 120, Label: "waiting for you"}))
	if got := strings.Join(strings.Fields(doc.Find("span").First().Text()), " "); got != "99+ waiting for you" {
		t.Errorf("text %q", got)
	}
}

func TestFlashes(t *testing.T) {
	doc, _ := render(t, c.Flashes(c.FlashesProps{Items: []c.FlashMessage{
		{Kind: c.FlashSuccess, Message: "Saved."},
		{Kind: c.FlashError, Message: "Could not save."},
		{Kind: "", Message: "FYI."},
	}}))
	var got [][2]string
	doc.Find("[data-flash]").Each(func(_ int, s *goquery.Selection) {
		got = append(got, [2]string{s.AttrOr("role", ""), strings.TrimSpace(s.Find("p").Text())})
		if s.Find("button[type=button][data-dismiss]").Length() != 1 {
			t.Error("a flash has no dismiss button")
		}
	})
	want := [][2]string{{"status", "Saved."}, {"alert", "Could not save."}, {"status", "FYI."}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flashes (-want +got):\n%s", diff)
	}
	if doc.Find("[data-flash=error]").HasClass("bg-red-50") != true {
		t.Error("the error flash is not red")
	}
}

func TestTable(t *testing.T) {
	row := withChildren(c.TableRow(c.TableRowProps{ID: "row-1"}), withChildren(c.TableCell(c.TableCellProps{Primary: true}), text("Ada")))
	comp := withChildren(c.Table(c.TableProps{
		Caption:   "Assignments",
		ResultsID: "results",
		Columns: []c.Column{
			{Label: "Person", SortURL: "?sort=name", Sort: "ascending"},
			{Label: "Ends"},
			{Label: "Actions", HideLabel: true, Align: c.AlignRight},
		},
		Footer: c.Pagination(c.PaginationProps{Label: "1–1 of 1"}),
	}), row)
	doc, _ := render(t, comp)
	if got := doc.Find("caption").Text(); got != "Assignments" {
		t.Errorf("caption %q", got)
	}
	ths := doc.Find(`thead th[scope=col]`)
	if ths.Length() != 3 {
		t.Fatalf("want 3 header cells, got %d", ths.Length())
	}
	if got := ths.Eq(0).AttrOr("aria-sort", ""); got != "ascending" {
		t.Errorf("aria-sort %q", got)
	}
	if got := ths.Eq(0).Find("a").AttrOr("href", ""); got != "?sort=name" {
		t.Errorf("sort link %q", got)
	}
	if _, ok := ths.Eq(1).Attr("aria-sort"); ok {
		t.Error("an unsorted column has aria-sort")
	}
	if !ths.Eq(2).Find("span").HasClass("sr-only") {
		t.Error("a hidden label is not sr-only")
	}
	if doc.Find(".overflow-x-auto table").Length() != 1 {
		t.Error("the table does not scroll on narrow screens")
	}
	if got := doc.Find("#results tbody tr#row-1 td").Text(); got != "Ada" {
		t.Errorf("row cell %q", got)
	}
	if doc.Find("#results nav[aria-label=Pagination]").Length() != 1 {
		t.Error("the footer is not inside the results region")
	}
}

func TestPagination(t *testing.T) {
	tests := []struct {
		name               string
		props              c.PaginationProps
		wantPrev, wantNext string // "" means disabled
	}{
		{"first page", c.PaginationProps{Label: "1–25 of 312", NextURL: "/approvals?after=k25"}, "", "/approvals?after=k25"},
		{"middle", c.PaginationProps{Label: "26–50 of 312", PrevURL: "/approvals?before=k26", NextURL: "/approvals?after=k50"}, "/approvals?before=k26", "/approvals?after=k50"},
		{"only page", c.PaginationProps{Label: "1–3 of 3"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := render(t, c.Pagination(tt.props))
			nav := doc.Find("nav[aria-label=Pagination]")
			if got := nav.Find("p").Text(); got != tt.props.Label {
				t.Errorf("label %q", got)
			}
			check := func(rel, want string) {
				link := nav.Find("a[rel=" + rel + "]")
				if want == "" {
					if link.Length() != 0 {
						t.Errorf("%s is a link on a page without one", rel)
					}
					return
				}
				if got := link.AttrOr("href", ""); got != want {
					t.Errorf("%s href %q, want %q", rel, got, want)
				}
			}
			check("prev", tt.wantPrev)
			check("next", tt.wantNext)
			// A single page shows no buttons at all; otherwise the missing direction is disabled.
			disabled := 0
			if tt.wantPrev == "" && tt.wantNext != "" {
				disabled++
			}
			if tt.wantNext == "" && tt.wantPrev != "" {
				disabled++
			}
			if tt.wantPrev == "" && tt.wantNext == "" && nav.Find("a, span[aria-disabled]").Length() != 0 {
				t.Errorf("a one-page list shows Previous/Next")
			}
			if got := nav.Find(`span[aria-disabled=true]`).Length(); got != disabled {
				t.Errorf("%d disabled links, want %d", got, disabled)
			}
		})
	}

	doc, _ := render(t, c.Pagination(c.PaginationProps{Label: "x", NextURL: "/a?after=1", Target: "#results"}))
	next := doc.Find("a[rel=next]")
	for k, v := range map[string]string{"hx-get": "/a?after=1", "hx-target": "#results", "hx-select": "#results", "hx-swap": "outerHTML", "hx-push-url": "true"} {
		if got := attr(t, next, k); got != v {
			t.Errorf("%s=%q, want %q", k, got, v)
		}
	}
}

func TestSearchBox(t *testing.T) {
	doc, _ := render(t, c.SearchBox(c.SearchBoxProps{
		Action: "/access/packages", Value: "fin", Label: "Search packages", Target: "#results",
		Hidden: []c.HiddenField{{Name: "catalog", Value: "7"}},
	}))
	form := doc.Find("form[role=search]")
	if got := attr(t, form, "method"); got != "get" {
		t.Errorf("method %q", got)
	}
	if got := attr(t, form, "action"); got != "/access/packages" {
		t.Errorf("action %q", got)
	}
	in := form.Find("input[type=search]")
	id := attr(t, in, "id")
	if got := form.Find("label").AttrOr("for", ""); got != id || id == "" {
		t.Errorf("label for=%q, input id=%q", got, id)
	}
	want := map[string]string{"name": "q", "value": "fin", "hx-get": "/access/packages", "hx-trigger": "input changed delay:300ms, search", "hx-include": "closest form"}
	for k, v := range want {
		if got := attr(t, in, k); got != v {
			t.Errorf("input %s=%q, want %q", k, got, v)
		}
	}
	for k, v := range map[string]string{"hx-target": "#results", "hx-select": "#results", "hx-push-url": "true"} {
		if got := attr(t, form, k); got != v {
			t.Errorf("form %s=%q, want %q", k, got, v)
		}
	}
	if got := form.Find(`input[type=hidden][name=catalog]`).AttrOr("value", ""); got != "7" {
		t.Errorf("kept filter %q", got)
	}

	doc, _ = render(t, c.SearchBox(c.SearchBoxProps{Action: "/x", Label: "Search"}))
	if _, ok := doc.Find("input").Attr("hx-get"); ok {
		t.Error("hx-get without a target")
	}
}

func TestEmptyState(t *testing.T) {
	doc, _ := render(t, c.EmptyState(c.EmptyStateProps{Title: "No packages", Why: "None are open to you yet.", Next: "Ask your manager.", ActionLabel: "Browse catalogs", ActionURL: "/access/packages"}))
	for _, want := range []string{"No packages", "None are open to you yet.", "Ask your manager."} {
		if !strings.Contains(doc.Text(), want) {
			t.Errorf("missing %q", want)
		}
	}
	if got := doc.Find("a").AttrOr("href", ""); got != "/access/packages" {
		t.Errorf("action %q", got)
	}
}

func TestConfirmDialog(t *testing.T) {
	props := c.ConfirmProps{
		ID: "remove-ada", Title: "Remove Ada's access to Finance reports now?", Message: "She loses it at once.",
		Action: "/admin/assignments/42/remove", CSRFToken: "tok123", ConfirmLabel: "Remove access", TriggerLabel: "Remove",
		Hidden: []c.HiddenField{{Name: "reason", Value: "left"}},
	}
	tests := []struct {
		name     string
		fallback string
	}{
		{"with a fallback page", "/admin/assignments/42/remove"},
		{"without a fallback page", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := props
			p.FallbackURL = tt.fallback
			doc, _ := render(t, c.ConfirmDialog(p))
			dialog := doc.Find("dialog#remove-ada")
			if dialog.Length() != 1 {
				t.Fatal("no dialog")
			}
			form := dialog.Find("form")
			if got := attr(t, form, "method"); got != "post" {
				t.Errorf("method %q", got)
			}
			if got := attr(t, form, "action"); got != props.Action {
				t.Errorf("action %q", got)
			}
			if got := form.Find(`input[name=_csrf]`).AttrOr("value", ""); got != "tok123" {
				t.Errorf("csrf %q", got)
			}
			if got := form.Find(`input[name=reason]`).AttrOr("value", ""); got != "left" {
				t.Errorf("hidden field %q", got)
			}
			if got := dialog.Find("#" + attr(t, dialog, "aria-labelledby")).Text(); got != props.Title {
				t.Errorf("labelled by %q", got)
			}
			cancel := form.Find("button[formmethod=dialog]")
			if cancel.Length() != 1 {
				t.Error("no cancel button that closes the dialog without JavaScript")
			}
			confirm := form.Find("button[type=submit]").Not("[formmethod]")
			if got := strings.TrimSpace(confirm.Text()); got != "Remove access" {
				t.Errorf("confirm %q", got)
			}
			hasClasses(t, confirm, "bg-red-600")

			trigger := doc.Find("[data-dialog-open=remove-ada]")
			if trigger.Length() != 1 {
				t.Fatal("no trigger")
			}
			if tt.fallback != "" {
				if goquery.NodeName(trigger) != "a" || trigger.AttrOr("href", "") != tt.fallback {
					t.Errorf("trigger is not a link to the fallback page")
				}
			} else {
				hasClasses(t, trigger, "js-only")
				// Parsed with scripting on, <noscript> holds raw text.
				ns := doc.Find("noscript").Text()
				if !strings.Contains(ns, `action="/admin/assignments/42/remove"`) || !strings.Contains(ns, `name="_csrf"`) {
					t.Errorf("no inline form for browsers without JavaScript: %q", ns)
				}
			}
		})
	}
}

func TestConfirmForm(t *testing.T) {
	doc, _ := render(t, c.ConfirmForm(c.ConfirmProps{Title: "Deny this request?", Action: "/approvals/1/deny", CSRFToken: "t", CancelURL: "/approvals"}))
	form := doc.Find("form[method=post]")
	if got := form.AttrOr("action", ""); got != "/approvals/1/deny" {
		t.Errorf("action %q", got)
	}
	if form.Find("input[name=_csrf]").Length() != 1 {
		t.Error("no CSRF field")
	}
	if got := form.Find("a").AttrOr("href", ""); got != "/approvals" {
		t.Errorf("cancel %q", got)
	}
}

func TestTabsAndBreadcrumbs(t *testing.T) {
	doc, _ := render(t, c.Tabs(c.TabsProps{Label: "Package", Items: []c.NavLink{{Label: "Policies", URL: "/p/1/policies"}, {Label: "Assignments", URL: "/p/1/assignments", Current: true}}}))
	var current []string
	doc.Find("a[aria-current=page]").Each(func(_ int, s *goquery.Selection) { current = append(current, strings.TrimSpace(s.Text())) })
	if diff := cmp.Diff([]string{"Assignments"}, current); diff != "" {
		t.Errorf("current tabs (-want +got):\n%s", diff)
	}
	if got := doc.Find("nav").AttrOr("aria-label", ""); got != "Package" {
		t.Errorf("aria-label %q", got)
	}

	doc, _ = render(t, c.Breadcrumbs(c.BreadcrumbsProps{Items: []c.NavLink{{Label: "Catalogs", URL: "/admin/catalogs"}, {Label: "Finance", URL: "/admin/catalogs/1"}, {Label: "Reports", URL: "/admin/packages/2"}}}))
	links := doc.Find("nav[aria-label=Breadcrumb] a")
	if links.Length() != 2 {
		t.Errorf("want 2 links, got %d", links.Length())
	}
	if got := doc.Find("[aria-current=page]").Text(); got != "Reports" {
		t.Errorf("current crumb %q", got)
	}
}

func TestPageHeaderCardDescriptionList(t *testing.T) {
	doc, _ := render(t, c.PageHeader(c.PageHeaderProps{
		Title: "Catalogs", Description: "Groups of resources.",
		Actions: withChildren(c.LinkButton(c.LinkButtonProps{Href: "/admin/catalogs/new"}), text("New catalog")),
	}))
	if got := doc.Find("h1").Text(); got != "Catalogs" {
		t.Errorf("h1 %q", got)
	}
	if got := doc.Find(`a[href="/admin/catalogs/new"]`).Text(); !strings.Contains(got, "New catalog") {
		t.Errorf("action %q", got)
	}

	dl := c.DescriptionList(c.DescriptionListProps{Items: []c.DescriptionItem{
		{Term: "Owner", Value: "Dana"},
		{Term: "State", Content: c.Badge(c.BadgeProps{Label: "Active", Tone: c.ToneSuccess})},
	}})
	doc, _ = render(t, withChildren(c.Card(c.CardProps{Title: "Details"}), dl))
	if got := doc.Find("section h2").Text(); got != "Details" {
		t.Errorf("card title %q", got)
	}
	var pairs [][2]string
	doc.Find("dl > div").Each(func(_ int, s *goquery.Selection) {
		pairs = append(pairs, [2]string{s.Find("dt").Text(), strings.TrimSpace(s.Find("dd").Text())})
	})
	if diff := cmp.Diff([][2]string{{"Owner", "Dana"}, {"State", "Active"}}, pairs); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
}

func TestTimeline(t *testing.T) {
	doc, _ := render(t, c.Timeline(c.TimelineProps{Label: "History", Next: "Dana decides next.", Items: []c.TimelineItem{
		{Title: "Submitted", Who: "Grace", When: "3 days ago", WhenExact: "12 Mar 2026, 14:05 UTC", DateTime: "2026-03-12T14:05:00Z", Tone: c.ToneNeutral},
		{Title: "Waiting for Dana", Tone: c.ToneWaiting, Current: true},
		{Title: "Delivered", Upcoming: true},
	}}))
	items := doc.Find("ol[aria-label=History] > li")
	if items.Length() != 3 {
		t.Fatalf("want 3 rows, got %d", items.Length())
	}
	if _, ok := items.Eq(1).Attr("aria-current"); !ok {
		t.Error("the current step is not marked")
	}
	if _, ok := items.Eq(0).Attr("aria-current"); ok {
		t.Error("a past step is marked current")
	}
	tm := items.Eq(0).Find("time")
	if got := tm.AttrOr("title", ""); got != "12 Mar 2026, 14:05 UTC" {
		t.Errorf("exact time %q", got)
	}
	if got := tm.AttrOr("datetime", ""); got != "2026-03-12T14:05:00Z" {
		t.Errorf("datetime %q", got)
	}
	if items.Eq(1).Find(".bg-amber-500").Length() != 1 {
		t.Error("the waiting step has no amber marker")
	}
	if !strings.Contains(doc.Text(), "Dana decides next.") {
		t.Error("what happens next is missing")
	}
}

func TestChip(t *testing.T) {
	doc, _ := render(t, c.Chip(c.ChipProps{Label: "Ada Lovelace", Detail: "ada@example.com", Name: "approvers", Value: "u1", RemoveName: "remove", RemoveValue: "u1"}))
	if got := doc.Find(`input[type=hidden][name=approvers]`).AttrOr("value", ""); got != "u1" {
		t.Errorf("hidden value %q", got)
	}
	btn := doc.Find("button")
	for k, v := range map[string]string{"type": "submit", "name": "remove", "value": "u1", "aria-label": "Remove Ada Lovelace"} {
		if got := attr(t, btn, k); got != v {
			t.Errorf("remove button %s=%q, want %q", k, got, v)
		}
	}
	doc, _ = render(t, c.Chip(c.ChipProps{Label: "Fixed"}))
	if doc.Find("button").Length() != 0 {
		t.Error("a chip without RemoveName has a remove button")
	}
}

// User text must never become markup.
func TestEscapesUserText(t *testing.T) {
	const evil = `<script>alert(1)</script><b onmouseover="x">`
	comps := map[string]templ.Component{
		"TextField":   c.TextField(c.TextFieldProps{Name: "n", Label: evil, Value: evil, Help: evil, Error: evil}),
		"Select":      c.Select(c.SelectProps{Name: "s", Label: evil, Options: []c.SelectOption{{Value: evil, Label: evil}}}),
		"Badge":       c.Badge(c.BadgeProps{Label: evil}),
		"Flashes":     c.Flashes(c.FlashesProps{Items: []c.FlashMessage{{Kind: c.FlashError, Message: evil}}}),
		"EmptyState":  c.EmptyState(c.EmptyStateProps{Title: evil, Why: evil}),
		"Confirm":     c.ConfirmDialog(c.ConfirmProps{ID: "d", Title: evil, Message: evil, TriggerLabel: evil, Action: "/x"}),
		"Timeline":    c.Timeline(c.TimelineProps{Items: []c.TimelineItem{{Title: evil, Who: evil, Detail: evil, WhenExact: evil, When: evil}}}),
		"Chip":        c.Chip(c.ChipProps{Label: evil, RemoveName: "r"}),
		"Description": c.DescriptionList(c.DescriptionListProps{Items: []c.DescriptionItem{{Term: evil, Value: evil}}}),
		"Breadcrumbs": c.Breadcrumbs(c.BreadcrumbsProps{Items: []c.NavLink{{Label: evil, URL: "/"}, {Label: evil}}}),
	}
	for name, comp := range comps {
		t.Run(name, func(t *testing.T) {
			doc, html := render(t, comp)
			if doc.Find("script, b").Length() != 0 {
				t.Errorf("user text became markup:\n%s", html)
			}
			if !strings.Contains(doc.Text(), evil) {
				t.Errorf("the text is not shown as text:\n%s", html)
			}
		})
	}
	doc, _ := render(t, c.LinkButton(c.LinkButtonProps{Href: "javascript:alert(1)"}))
	if href := doc.Find("a").AttrOr("href", ""); strings.HasPrefix(href, "javascript:") {
		t.Errorf("a javascript: URL was not sanitized: %q", href)
	}
}
