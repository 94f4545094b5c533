package browsertest

import (
	"strings"

	"github.com/chromedp/chromedp"
)

// Text a person might type or paste (a justification, a name, a reason, an address) with no
// space to wrap at: it makes any box that does not break words wider than the screen. Tests put
// it into the data of the pages they check with CheckLayout.
const (
	// LongName is as long a word as a name may be (the directory and catalogs take 200 characters).
	LongName = "Supercalifragilisticexpialidocious-Pneumonoultramicroscopicsilicovolcanoconiosis-" +
		"Hippopotomonstrosesquippedaliophobia-Floccinaucinihilipilification-Antidisestablishmentarianism"
	// LongWord is a word of over 300 characters, for justifications, reasons and descriptions.
	LongWord = LongName + "-Incomprehensibilities-Thyroparathyroidectomized-Dichlorodifluoromethane-" +
		"Spectrophotofluorometrically-Pseudopseudohypoparathyroidism-Honorificabilitudinitatibus"
	LongURL   = "https://wiki.example.com/engineering/platform/runbooks/2026/q3-migration/access-justification?ticket=PLAT-48213&section=approvals&details=the-whole-story-with-no-spaces-at-all"
	LongEmail = "floccinaucinihilipilification.antidisestablishmentarianism@pneumonoultramicroscopicsilicovolcanoconiosis.example.com"
)

// layoutProblems is a script that lists what is wrong with the layout of the page at the current
// window width:
//   - the page is wider than the window;
//   - an element's content is wider than its box (text running out of a column, under a
//     neighbour), which a phone may not show as a wide page but a person sees as broken, or
//     taller than a box of fixed height;
//   - a box scrolls sideways (a wide table) with no visible hint that more is there;
//   - a navigation link (tabs, the admin navigation) lies outside the window or is cut off by
//     its container, instead of being shown or being in a menu that opens;
//   - buttons side by side (in one row of one flex or grid box) differ in height.
//
// Boxes that cut their text with an ellipsis on purpose (truncate) are not problems. Of nested
// boxes that overflow, only the innermost is named.
const layoutProblems = `(async () => {
	// Let the page's own script react to the last resize first.
	await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
	const out = [], bad = [];
	const vw = document.documentElement.clientWidth;
	const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
		(e.dataset && e.dataset.testid ? '[data-testid=' + e.dataset.testid + ']' : '') +
		' "' + (e.innerText || e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50) + '"';
	const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
	if (document.documentElement.scrollWidth > vw + 1) {
		out.push('the page is ' + document.documentElement.scrollWidth + ' px wide in a ' + vw + ' px window');
	}
	// An in-flow child reaching below the bottom of its box; positioned ones (a line drawn
	// past the end, an open menu) are drawn there on purpose.
	const spillsDown = e => {
		const edge = e.getBoundingClientRect().top + e.clientTop + e.clientHeight + 1;
		return Array.from(e.children).some(c => {
			const s = getComputedStyle(c);
			return s.position !== 'absolute' && s.position !== 'fixed' && parseFloat(s.marginBottom) >= 0 &&
				c.getClientRects().length > 0 && c.getBoundingClientRect().bottom > edge;
		});
	};
	for (const e of document.body.querySelectorAll('*')) {
		if (e.closest('svg') || /^(INPUT|TEXTAREA|SELECT|OPTION|SCRIPT|STYLE|BR|TEMPLATE)$/.test(e.tagName)) continue;
		// What a closed <details> holds is not shown (its summary is).
		const closed = e.closest('details:not([open])');
		if (closed && !e.closest('summary') && e !== closed) continue;
		const cs = getComputedStyle(e);
		// A box of fixed height (the top bar) that its text outgrows.
		if (e.clientHeight > 1 && e.scrollHeight > e.clientHeight + 1 && cs.overflowY === 'visible' && spillsDown(e)) {
			out.push('content taller than its box: ' + name(e) + ' (' + e.scrollHeight + ' px in ' + e.clientHeight + ' px)');
		}
		if (e.clientWidth <= 1 || e.scrollWidth <= e.clientWidth + 1) continue;
		if (cs.overflowX === 'auto' || cs.overflowX === 'scroll') {
			const hint = e.parentElement && e.parentElement.querySelector('[data-scroll-hint]');
			if (!hint || !shown(hint)) out.push('scrolls sideways with no visible hint: ' + name(e));
			continue;
		}
		if ((cs.overflowX === 'hidden' || cs.overflowX === 'clip') && cs.textOverflow === 'ellipsis') continue;
		bad.push(e);
	}
	// A child pulled outward by a negative margin (a hover area reaching into the padding) is
	// not content running out; text or a child with no such margin past the edge is.
	const spills = e => {
		const r = e.getBoundingClientRect(), edge = r.left + e.clientLeft + e.clientWidth + 1;
		for (const n of e.childNodes) {
			if (n.nodeType === Node.TEXT_NODE) {
				const range = document.createRange();
				range.selectNodeContents(n);
				if (range.getBoundingClientRect().right > edge) return true;
			} else if (n.nodeType === Node.ELEMENT_NODE && n.getBoundingClientRect().right > edge &&
				parseFloat(getComputedStyle(n).marginRight) >= 0) {
				return true;
			}
		}
		return false;
	};
	for (const e of bad) {
		if (spills(e) && !bad.some(d => d !== e && e.contains(d) && spills(d))) {
			out.push('content wider than its box: ' + name(e) + ' (' + e.scrollWidth + ' px in ' + e.clientWidth + ' px)');
		}
	}
	const inView = e => {
		const r = e.getBoundingClientRect();
		if (r.width === 0 || r.left < -1 || r.right > vw + 1) return false;
		for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
			if (getComputedStyle(p).overflowX === 'visible') continue;
			const q = p.getBoundingClientRect();
			if (r.left < q.left - 1 || r.right > q.right + 1) return false;
		}
		return true;
	};
	const inMenu = e => {
		const d = e.closest('details');
		return !!d && !d.open && !!d.querySelector(':scope > summary') && inView(d.querySelector(':scope > summary'));
	};
	const reachable = a => inView(a) || inMenu(a);
	for (const a of document.querySelectorAll('nav a[href]')) {
		if (reachable(a)) continue;
		const twins = Array.from(document.querySelectorAll('a[href]')).filter(b => b !== a && b.getAttribute('href') === a.getAttribute('href'));
		if (a.getClientRects().length === 0 && twins.some(reachable)) continue;
		out.push('navigation link out of sight with no menu: ' + name(a));
	}
	// Buttons side by side look alike: the same height in one row, whatever made them (a link,
	// a form's button, a dialog's trigger).
	const isButton = e => e.classList.contains('rounded-md') && e.classList.contains('border') &&
		e.classList.contains('font-semibold') && e.classList.contains('whitespace-nowrap') && shown(e);
	const rows = new Map();
	for (const e of document.body.querySelectorAll('a, button')) {
		if (!isButton(e) || e.closest('dialog:not([open])')) continue;
		let row = e.parentElement;
		while (row && row !== document.body && !/flex|grid/.test(getComputedStyle(row).display)) row = row.parentElement;
		if (!rows.has(row)) rows.set(row, []);
		rows.get(row).push(e);
	}
	// Buttons of one box are in one row when their heights overlap.
	for (const list of rows.values()) {
		const boxes = list.map(e => ({e, r: e.getBoundingClientRect()})).sort((x, y) => x.r.top - y.r.top);
		let group = [], bottom = -Infinity;
		const check = () => {
			const hs = group.map(b => Math.round(b.r.height));
			if (group.length > 1 && Math.max(...hs) - Math.min(...hs) > 1) {
				out.push('buttons side by side differ in height: ' + group.map((b, i) => name(b.e) + ' ' + hs[i] + ' px').join(', '));
			}
		};
		for (const b of boxes) {
			if (b.r.top >= bottom) {
				check();
				group = [];
			}
			group.push(b);
			bottom = Math.max(bottom, b.r.bottom);
		}
		check();
	}
	return out.slice(0, 12);
})()`

// LayoutProblems lists what is wrong with the layout of the current page at the current window
// width (see layoutProblems); none is what a person expects.
func (b *Browser) LayoutProblems() []string {
	b.t.Helper()
	out, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](layoutProblems, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("layout check: %v", err)
	}
	return out
}

// CheckLayout reports the layout problems of the current page as test errors naming the page.
func (b *Browser) CheckLayout(name string) {
	b.t.Helper()
	if p := b.LayoutProblems(); len(p) > 0 {
		b.t.Errorf("%s at %s wide:\n\t%s", name, b.width(), strings.Join(p, "\n\t"))
	}
}

func (b *Browser) width() string {
	w, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`window.innerWidth + " px"`))
	if err != nil {
		return "?"
	}
	return w
}
