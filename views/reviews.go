package views

import (
	"strconv"

	"github.com/stewardhq/steward/views/components"
)

// SectionReviews is the top navigation's Reviews item, for Page.Section.
const SectionReviews = "reviews"

// ReviewItem is one person's access in a review, as a reviewer or an administrator sees it, and
// the state of its decision form.
type ReviewItem struct {
	ID, ReviewID, ReviewName string
	Holder, HolderEmail      string
	Package                  string
	Since, Ends              Time // Ends is zero when the access does not end
	Justification            string
	LastSignIn               Time // zero when the holder never signed in
	RecommendRemove          bool
	RecommendationNote       string // "Has not signed in to Steward for 30 days."
	Closes                   Time
	Reviewers                string // who may decide, in words
	ReviewersNote            string

	Decided        bool
	DecisionRemove bool
	Reason         string
	DecidedBy      string
	DecidedAt      Time
	Outcome        string // once the review closed: "Kept", "Removed", "Had already ended"

	// The decision form coming back: what was typed and what was wrong.
	TypedReason, ReasonError, Error string
}

// DOMID is the id of the item's card.
func (it ReviewItem) DOMID() string { return "review-item-" + it.ID }

// DecideURL is where the item's decision form posts.
func (it ReviewItem) DecideURL() string { return "/reviews/items/" + it.ID + "/decide" }

// Recommendation is the recommendation in words.
func (it ReviewItem) Recommendation() string {
	if it.RecommendRemove {
		return "Remove"
	}
	return "Keep"
}

// DecisionLabel is the decision in words.
func (it ReviewItem) DecisionLabel() string {
	if it.DecisionRemove {
		return "Remove"
	}
	return "Keep"
}

// ReviewGroup is one review with items waiting for the reviewer.
type ReviewGroup struct {
	ID, Name string
	Closes   Time
	Waiting  int
}

// AcceptURL is where accepting the review's recommendations posts.
func (g ReviewGroup) AcceptURL() string { return "/reviews/" + g.ID + "/accept" }

// ReviewsProps configures ReviewsPage.
type ReviewsProps struct {
	Total      int
	Reviews    []ReviewGroup
	Items      []ReviewItem
	Pagination components.PaginationProps
	// BulkReason and BulkError are the reason typed for several items and what was wrong.
	BulkReason, BulkError string
}

// ReviewRow is a review with its progress, for the administrators' lists and page.
type ReviewRow struct {
	ID, Name          string
	Open              bool
	OneOff            bool
	Starts, Ends      Time
	Decided, Total    int
	Removed           int
	Reviewers         string // who reviews, in words
	Undecided         string // what closing does with undecided access
	StartedBy         string
	CompletedAt       Time
	ProgressPercent   int
	ProgressLabelText string
}

// URL is the review's page.
func (r ReviewRow) URL() string { return "/admin/reviews/" + r.ID }

// NewReviewRow fills the progress fields from the counts.
func NewReviewRow(r ReviewRow) ReviewRow {
	if r.Total > 0 {
		r.ProgressPercent = r.Decided * 100 / r.Total
	}
	r.ProgressLabelText = strconv.Itoa(r.Decided) + " of " + strconv.Itoa(r.Total) + " decided"
	return r
}

// PackageReviewsProps configures PackageReviewsPage.
type PackageReviewsProps struct {
	PackageProps
	Reviews    []ReviewRow
	Pagination components.PaginationProps
}

// ReviewProps configures ReviewPage.
type ReviewProps struct {
	Page       Page
	Review     ReviewRow
	Items      []ReviewItem
	Pagination components.PaginationProps
}

// StartReviewProps configures StartReviewPage, for a package or a whole catalog.
type StartReviewProps struct {
	Page         Page
	Scope        string // "Finance reports", or "every package of the catalog Finance"
	Action       string
	CancelURL    string
	ReviewerType string
	Reviewers    string // one e-mail address or group name per line
	Days         string
	Undecided    string
	Errors       map[string]string
}

// ReviewerTypeOptions are the choices of who reviews.
var ReviewerTypeOptions = []RadioOption{
	{Value: "Self", Label: "The people who hold the access", Help: "Each confirms they still need it."},
	{Value: "Manager", Label: "Their managers", Help: "The named reviewers below decide for people who have no manager."},
	{Value: "Reviewers", Label: "Named reviewers", Help: "Users, or the members of groups."},
}

// UndecidedOptions are the choices of what closing does with access nobody decided on.
var UndecidedOptions = []RadioOption{
	{Value: "keepAccess", Label: "Keep it", Help: "Access stays unless a reviewer removes it."},
	{Value: "removeAccess", Label: "Remove it", Help: "Access that nobody confirms is removed when the review closes."},
}
