package components

import "strconv"

// ChartSeries is one stacked part of every bar: its name in the legend and the table, and its
// fill, a Tailwind fill-* class written out in full so that the build keeps it.
type ChartSeries struct {
	Name string
	Fill string
	// Swatch is the legend's square: the matching bg-* class.
	Swatch string
}

// ChartBar is one bar: its axis label, the full label of its table row, and one value per
// series.
type ChartBar struct {
	Label  string // a few characters under the bar; empty leaves the axis quiet there
	Row    string // in the table and the bar's tooltip
	Values []int
}

// BarChartProps configures BarChart: a server-drawn SVG bar chart (stacked when there are several
// series) whose text alternative is the same numbers as a table, one click away, and a summary
// in words that screen readers hear with the picture.
type BarChartProps struct {
	ID      string // unique on the page; prefixes the ids the chart refers to
	Title   string
	Summary string // the chart in one sentence of words
	Series  []ChartSeries
	Bars    []ChartBar
	// RowHeader names the table's first column ("Day", "Waiting").
	RowHeader string
	TestID    string
}

// Chart geometry, in the SVG's own units; the SVG scales to its container's width.
const (
	chartWidth  = 360
	chartHeight = 150
	chartLeft   = 28 // room for the scale's numbers
	chartRight  = 14 // room for half of the last bar's label
	chartTop    = 8
	chartBottom = 20 // room for the bars' labels
)

// chartRect is one drawn rectangle, with the tooltip that names its value.
type chartRect struct {
	X, Y, W, H string
	Fill       string
	Tip        string
}

// chartLabel is a text at a place.
type chartLabel struct {
	X, Y, Text string
}

// chartLayout is what the template draws.
type chartLayout struct {
	Rects  []chartRect
	XTicks []chartLabel
	YTicks []chartLabel
	Grid   []string // y of each grid line
}

// niceStep is the scale's step for four steps up to at least n: 1, 2 or 5 times a power of ten,
// so that every line of the scale reads as a round number.
func niceStep(n int) int {
	need := (n + 3) / 4
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= need {
				return m * p
			}
		}
	}
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func (p BarChartProps) layout() chartLayout {
	var l chartLayout
	top := 0
	for _, b := range p.Bars {
		sum := 0
		for _, v := range b.Values {
			sum += v
		}
		top = max(top, sum)
	}
	step := niceStep(top)
	scale := 4 * step
	plotH := float64(chartHeight - chartTop - chartBottom)
	base := float64(chartHeight - chartBottom)
	for i := 0; i <= 4; i++ {
		y := base - plotH*float64(i)/4
		l.Grid = append(l.Grid, num(y))
		l.YTicks = append(l.YTicks, chartLabel{X: num(chartLeft - 5), Y: num(y + 3.5), Text: strconv.Itoa(step * i)})
	}
	if len(p.Bars) == 0 {
		return l
	}
	slot := float64(chartWidth-chartLeft-chartRight) / float64(len(p.Bars))
	w := slot * 0.7
	for i, b := range p.Bars {
		x := float64(chartLeft) + slot*float64(i) + (slot-w)/2
		y := base
		for s, v := range b.Values {
			if v == 0 || s >= len(p.Series) {
				continue
			}
			h := plotH * float64(v) / float64(scale)
			y -= h
			l.Rects = append(l.Rects, chartRect{X: num(x), Y: num(y), W: num(w), H: num(h), Fill: p.Series[s].Fill,
				Tip: b.Row + ": " + strconv.Itoa(v) + " " + p.Series[s].Name})
		}
		if b.Label != "" {
			l.XTicks = append(l.XTicks, chartLabel{X: num(x + w/2), Y: num(chartHeight - 5), Text: b.Label})
		}
	}
	return l
}

func (p BarChartProps) id(part string) string { return p.ID + "-" + part }

func (b ChartBar) total() int {
	n := 0
	for _, v := range b.Values {
		n += v
	}
	return n
}
