// Command benchchart draws docs/benchmarks.svg from the JSON that `make bench`
// writes (BENCH_OUT): wall time and API calls against org size, per worker count.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
)

type result struct {
	Users, Workers, LatencyMS int
	Calls, MinCalls           int
	WallS, CreditFloorS       float64
	LatencyFloorS             float64
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchchart results.json out.svg")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	var rs []result
	if err := json.Unmarshal(data, &rs); err != nil {
		fail(err)
	}
	if err := os.WriteFile(os.Args[2], []byte(render(rs)), 0o644); err != nil { //nolint:gosec // a chart, not a secret
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchchart:", err)
	os.Exit(1)
}

type series struct {
	name, color string
	dash        bool
	pts         [][2]float64 // users, value
}

func render(rs []result) string {
	latency := 0
	for _, r := range rs {
		latency = max(latency, r.LatencyMS)
	}
	wall := map[int]*series{}
	var floor, calls, minCalls series
	floor = series{name: "latency/credit floor, 4 workers", color: "#999", dash: true}
	calls = series{name: "API calls", color: "#1f77b4"}
	minCalls = series{name: "minimum (formula)", color: "#999", dash: true}
	colors := map[int]string{1: "#d62728", 4: "#2ca02c"}
	seenCalls := map[int]bool{}
	for _, r := range rs {
		if r.LatencyMS != latency {
			continue
		}
		s := wall[r.Workers]
		if s == nil {
			s = &series{name: fmt.Sprintf("wall time, %d worker(s)", r.Workers), color: colors[r.Workers]}
			wall[r.Workers] = s
		}
		s.pts = append(s.pts, [2]float64{float64(r.Users), r.WallS})
		if r.Workers == 4 {
			floor.pts = append(floor.pts, [2]float64{float64(r.Users), math.Max(r.CreditFloorS, r.LatencyFloorS)})
		}
		if !seenCalls[r.Users] {
			seenCalls[r.Users] = true
			calls.pts = append(calls.pts, [2]float64{float64(r.Users), float64(r.Calls)})
			minCalls.pts = append(minCalls.pts, [2]float64{float64(r.Users), float64(r.MinCalls)})
		}
	}
	keys := make([]int, 0, len(wall))
	for k := range wall {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	ws := make([]series, 0, len(keys)+1)
	for _, k := range keys {
		ws = append(ws, *wall[k])
	}
	ws = append(ws, floor)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="400" font-family="sans-serif" font-size="12">`+"\n")
	b.WriteString(`<rect width="960" height="400" fill="white"/>` + "\n")
	panel(&b, 0, fmt.Sprintf("Wall time (s) vs org size, %d ms latency", latency), ws)
	panel(&b, 480, "API calls vs org size", []series{calls, minCalls})
	b.WriteString("</svg>\n")
	return b.String()
}

// panel draws a log-log chart at x offset ox.
func panel(b *strings.Builder, ox float64, title string, ss []series) {
	const w, h, left, top, bottom = 480.0, 400.0, 60.0, 40.0, 80.0
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, p := range s.pts {
			minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
			minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
		}
	}
	if math.IsInf(minX, 0) {
		return
	}
	lx0, lx1 := math.Floor(math.Log10(minX)), math.Ceil(math.Log10(maxX))
	ly0, ly1 := math.Floor(math.Log10(minY)), math.Ceil(math.Log10(maxY))
	if lx1 == lx0 {
		lx1++
	}
	if ly1 == ly0 {
		ly1++
	}
	pw, ph := w-left-20, h-top-bottom
	px := func(x float64) float64 { return ox + left + (math.Log10(x)-lx0)/(lx1-lx0)*pw }
	py := func(y float64) float64 { return top + ph - (math.Log10(y)-ly0)/(ly1-ly0)*ph }
	fmt.Fprintf(b, `<text x="%.0f" y="20" font-weight="bold">%s</text>`+"\n", ox+left, title)
	for e := lx0; e <= lx1; e++ {
		x := ox + left + (e-lx0)/(lx1-lx0)*pw
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n",
			x, top, x, top+ph, x, top+ph+15, human(math.Pow(10, e)))
	}
	for e := ly0; e <= ly1; e++ {
		y := top + ph - (e-ly0)/(ly1-ly0)*ph
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n",
			ox+left, y, ox+left+pw, y, ox+left-5, y+4, human(math.Pow(10, e)))
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">org members</text>`+"\n", ox+left+pw/2, top+ph+32)
	for i, s := range ss {
		var pts []string
		for _, p := range s.pts {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(p[0]), py(p[1])))
		}
		dash := ""
		if s.dash {
			dash = ` stroke-dasharray="5,4"`
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", s.color, dash, strings.Join(pts, " "))
		for _, p := range s.pts {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", px(p[0]), py(p[1]), s.color)
		}
		ly := top + ph + 48 + float64(i%2)*14
		lx := ox + left + float64(i/2)*200
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/><text x="%.1f" y="%.1f">%s</text>`+"\n",
			lx, ly-4, lx+20, ly-4, s.color, dash, lx+25, ly, s.name)
	}
}

func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%gk", v/1e3)
	default:
		return fmt.Sprintf("%g", v)
	}
}
