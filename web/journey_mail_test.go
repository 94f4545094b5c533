package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJourneySentMail: with no SMTP server, as in the demo. Riley requests a package; Ada, the
// administrator, finds the approval mail to Morgan on the Sent mail page; Morgan follows its
// link and approves there; Ada marks the GitHub task done (no connector reaches GitHub) and sees
// the mail that tells Riley the access is ready.
func TestJourneySentMail(t *testing.T) {
	w := startDemo(t)
	j := newJourney(t, w)
	pkg := w.pkg(t, "GitHub maintainer")

	j.as("riley", "Riley Requester")
	j.open("/access/packages/" + pkg.ID)
	j.typeInto(`#justification`, "I am on release duty for the mobile app this quarter.")
	j.click(`[data-testid="submit-request"]`)
	j.waitText(`main`, "Pending approval")
	sendMail(t, w.env, nil)

	j.as("ada", "Ada Admin")
	j.open("/admin")
	j.click(`nav[aria-label="Admin"] a[href="/admin/mail"]`)
	j.waitText(`[data-testid="sent-mail"]`, "Approval needed: Riley Requester asks for access to GitHub maintainer")
	j.waitText(`[data-testid="sent-mail"]`, "manager@example.com")
	j.shots("sent-mail")
	j.Do(chromedp.Click(chromedp.CSS(`[data-testid="sent-mail"] a[href^="/admin/mail/"]`+approvalRow(j)), chromedp.NodeVisible))
	j.waitText(`[data-testid="mail-text"]`, "Hello Morgan Manager")
	j.shots("mail")
	link, err := chromedp.Run(j.Ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="mail-link"]').href`))
	if err != nil {
		t.Fatal(err)
	}
	r := onlyRequest(t, w, "requester@example.com", pkg.ID)
	if link != w.env.URL+"/approvals/"+r.ID {
		t.Fatalf("the mail links to %q", link)
	}

	j.as("morgan", "Morgan Manager")
	j.Do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("main")))
	card := `#approval-` + r.ID
	j.waitText(card, "I am on release duty")
	j.shots("approval-from-mail")
	j.typeInto(card+` textarea[name="reason"]`, "Agreed for the release.")
	j.click(card + ` [data-testid="approve"]`)
	j.waitText(card+` [data-testid="approval-outcome"]`, "You approved this request")
	sendMail(t, w.env, nil)

	// GitHub has no connector in the demo: the role waits for a person, and the access is ready
	// (and Riley told) only once Ada marks the task done.
	j.as("ada", "Ada Admin")
	j.open("/admin/tasks")
	j.waitText(`[data-testid="task-sentence"]`, "Give Riley Requester the Maintainer role in GitHub Enterprise")
	j.click(`[data-testid="task-done"]`)
	j.waitText(`main`, "Marked done.")
	sendMail(t, w.env, nil)
	j.open("/admin/mail")
	j.waitText(`[data-testid="sent-mail"]`, "Access ready: GitHub maintainer")
	j.waitText(`[data-testid="sent-mail"]`, "requester@example.com")
	if got := j.Text(`[data-testid="sent-mail"]`); strings.Count(got, "Approval needed:") != 1 {
		t.Errorf("the approval mail is listed %d times: %s", strings.Count(got, "Approval needed:"), got)
	}
	j.shots("sent-mail-delivered")
}

// approvalRow narrows the Sent mail links to the approval mail's, by its id.
func approvalRow(j *journey) string {
	j.t.Helper()
	id, err := chromedp.Run(j.Ctx, chromedp.Evaluate[string](`(() => {
		for (const a of document.querySelectorAll('[data-testid="sent-mail"] a[href^="/admin/mail/"]')) {
			if (a.innerText.startsWith("Approval needed")) return a.getAttribute("href");
		}
		return "";
	})()`))
	if err != nil || id == "" {
		j.t.Fatalf("no approval mail on the page (%v)", err)
	}
	return `[href="` + id + `"]`
}
