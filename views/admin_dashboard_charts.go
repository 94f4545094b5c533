package views

import (
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// requestSeries are the outcomes of RequestsChart, in the Badge's colours: approved green,
// denied red, canceled gray, waiting amber.
var requestSeries = []struct {
	outcome string
	series  components.ChartSeries
}{
	{entitlement.OutcomeApproved, components.ChartSeries{Name: "Approved", Fill: "fill-emerald-500", Swatch: "bg-emerald-500"}},
	{entitlement.OutcomeDenied, components.ChartSeries{Name: "Denied", Fill: "fill-red-500", Swatch: "bg-red-500"}},
	{entitlement.OutcomeCanceled, components.ChartSeries{Name: "Canceled", Fill: "fill-gray-400", Swatch: "bg-gray-400"}},
	{entitlement.OutcomeWaiting, components.ChartSeries{Name: "Waiting", Fill: "fill-amber-400", Swatch: "bg-amber-400"}},
}

func oneSeries(name string) []components.ChartSeries {
	return []components.ChartSeries{{Name: name, Fill: "fill-indigo-500", Swatch: "bg-indigo-500"}}
}

// dayLabel is a day under a bar: every seventh, counted back from the last, so that the newest
// day is always named.
func dayLabel(i, n int, d time.Time) string {
	if (n-1-i)%7 != 0 {
		return ""
	}
	return d.Format("2 Jan")
}

// RequestsChart draws requests per day by outcome.
func RequestsChart(c entitlement.DashboardCharts) components.BarChartProps {
	p := components.BarChartProps{ID: "chart-requests", Title: "Requests per day, last " + strconv.Itoa(entitlement.ChartDays) + " days",
		RowHeader: "Day", TestID: "chart-requests"}
	for _, s := range requestSeries {
		p.Series = append(p.Series, s.series)
	}
	totals := make([]int, len(requestSeries))
	for i, d := range c.RequestsByDay {
		b := components.ChartBar{Label: dayLabel(i, len(c.RequestsByDay), d.Day), Row: CalendarDate(d.Day)}
		for j, s := range requestSeries {
			b.Values = append(b.Values, d.Counts[s.outcome])
			totals[j] += d.Counts[s.outcome]
		}
		p.Bars = append(p.Bars, b)
	}
	all := 0
	for _, n := range totals {
		all += n
	}
	p.Summary = words.Plural(all, "request", "requests") + " in " + strconv.Itoa(entitlement.ChartDays) + " days: " +
		itoa(totals[0]) + " approved, " + itoa(totals[1]) + " denied, " + itoa(totals[2]) + " canceled, " + itoa(totals[3]) + " waiting."
	return p
}

// DecisionChart draws how long approvers took.
func DecisionChart(c entitlement.DashboardCharts) components.BarChartProps {
	p := components.BarChartProps{ID: "chart-decisions", Title: "Time to decision, requests of the last " + strconv.Itoa(entitlement.ChartDays) + " days",
		RowHeader: "Decided within", Series: oneSeries("Requests"), TestID: "chart-decisions"}
	n := 0
	for _, b := range c.DecisionTimes {
		label := spanLabel(b)
		p.Bars = append(p.Bars, components.ChartBar{Label: shortSpan(b), Row: label, Values: []int{b.Count}})
		n += b.Count
	}
	p.Summary = "No request was decided by an approver yet."
	if n > 0 {
		p.Summary = words.Plural(n, "request was", "requests were") + " decided by approvers; the median took about " + Duration(c.DecisionMedian) + "."
	}
	return p
}

// PendingChart draws the requests waiting for approval by how long they have waited.
func PendingChart(c entitlement.DashboardCharts) components.BarChartProps {
	p := components.BarChartProps{ID: "chart-pending", Title: "Requests waiting for approval, by how long they have waited",
		RowHeader: "Waiting", Series: oneSeries("Requests"), TestID: "chart-pending"}
	n := 0
	for _, b := range c.PendingByAge {
		label := spanLabel(b)
		p.Bars = append(p.Bars, components.ChartBar{Label: shortSpan(b), Row: label, Values: []int{b.Count}})
		n += b.Count
	}
	p.Summary = "Nothing is waiting for approval."
	if n > 0 {
		p.Summary = words.Plural(n, "request is", "requests are") + " waiting for approval: " + joinCounts(c.PendingByAge) + "."
	}
	return p
}

// EndingChart draws the assignments that end in each of the next days.
func EndingChart(c entitlement.DashboardCharts) components.BarChartProps {
	p := components.BarChartProps{ID: "chart-ending", Title: "Access ending in the next " + strconv.Itoa(entitlement.ChartDays) + " days",
		RowHeader: "Day", Series: oneSeries("Assignments"), TestID: "chart-ending"}
	n := 0
	for i, d := range c.EndingByDay {
		label := ""
		if i%7 == 0 {
			label = d.Day.Format("2 Jan")
		}
		p.Bars = append(p.Bars, components.ChartBar{Label: label, Row: CalendarDate(d.Day), Values: []int{d.Count}})
		n += d.Count
	}
	p.Summary = words.Plural(n, "assignment ends", "assignments end") + " in the next " + strconv.Itoa(entitlement.ChartDays) + " days."
	return p
}

// spanLabel names a bucket of time in words: "Under 1 hour", "1 hour – 8 hours", "Over 7 days".
func spanLabel(b entitlement.Bucket) string {
	switch {
	case b.From == 0:
		return "Under " + Duration(b.To)
	case b.To == 0:
		return "Over " + Duration(b.From)
	}
	return Duration(b.From) + " – " + Duration(b.To)
}

// shortSpan is spanLabel in a few characters, for under a bar: "<1h", "1h–8h", ">7d".
func shortSpan(b entitlement.Bucket) string {
	short := func(d time.Duration) string {
		if d >= 24*time.Hour {
			return itoa(int(d/(24*time.Hour))) + "d"
		}
		return itoa(int(d/time.Hour)) + "h"
	}
	switch {
	case b.From == 0:
		return "<" + short(b.To)
	case b.To == 0:
		return ">" + short(b.From)
	}
	return short(b.From) + "–" + short(b.To)
}

// joinCounts says how many wait in each non-empty bucket: "2 waiting under 1 day, 1 waiting over
// 7 days".
func joinCounts(bs []entitlement.Bucket) string {
	out := ""
	for _, b := range bs {
		if b.Count == 0 {
			continue
		}
		if out != "" {
			out += ", "
		}
		label := spanLabel(b)
		out += itoa(b.Count) + " waiting " + strings.ToLower(label[:1]) + label[1:]
	}
	return out
}

// Duration says a span in the largest unit that fits, rounded: "45 minutes", "8 hours", "3 days".
func Duration(d time.Duration) string {
	round := func(unit time.Duration) int { return int((d + unit/2) / unit) }
	switch {
	case d >= 24*time.Hour:
		return words.Plural(round(24*time.Hour), "day", "days")
	case d >= time.Hour:
		return words.Plural(round(time.Hour), "hour", "hours")
	case d >= time.Minute:
		return words.Plural(round(time.Minute), "minute", "minutes")
	}
	return "under a minute"
}
