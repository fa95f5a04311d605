package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
)

// FeedResult is one measured read of the audit-log event feed.
type FeedResult struct {
	Entries, Events, Usage int
	Calls, MinCalls        int
	Status429              int
	EventsPerCall          float64
	WallS                  float64
}

// BenchmarkEventFeed reads seeded audit logs of 1,000 to 100,000 entries (BENCH_MAX_EVENTS limits them)
// through the real binary's event feed (--event-feed=true) at BENCH_LATENCY and the time-compressed credit
// budget, and reports events per call and calls against ⌈entries ÷ 100⌉. Every run checks that each
// sign-in came out once as a usage event.
func BenchmarkEventFeed(b *testing.B) {
	bin := buildBinary(b)
	window := envDuration("BENCH_WINDOW", 6*time.Second)
	latency := envDuration("BENCH_LATENCY", 50*time.Millisecond)
	maxEvents := envInt("BENCH_MAX_EVENTS", 100_000)
	var results []FeedResult
	for _, n := range []int{1_000, 10_000, 100_000} {
		if n > maxEvents {
			continue
		}
		b.Run(fmt.Sprintf("entries=%d/latency=%s", n, latency), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res := feedOnce(b, bin, n, latency, window)
				if i == 0 {
					results = append(results, res)
				}
				b.ReportMetric(float64(res.Calls), "calls")
				b.ReportMetric(float64(res.MinCalls), "min-calls")
				b.ReportMetric(res.EventsPerCall, "events/call")
				b.ReportMetric(float64(res.Status429), "429s")
				b.ReportMetric(res.WallS, "wall-s")
			}
		})
	}
	fmt.Println("\n| log entries | events | usage | calls | ⌈entries ÷ 100⌉ | events/call | 429s | wall s |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		fmt.Printf("| %d | %d | %d | %d | %d | %.1f | %d | %.2f |\n", r.Entries, r.Events, r.Usage, r.Calls, r.MinCalls,
			r.EventsPerCall, r.Status429, r.WallS)
	}
}

func feedOnce(b *testing.B, bin string, entries int, latency, window time.Duration) FeedResult {
	b.Helper()
	org := mirosim.Generate(mirosim.GenOptions{Seed: 2026, Users: 2_000, Teams: 100, Groups: 20})
	sim := mirosim.New(org, mirosim.Options{Token: "bench-token", Credits: budget, Window: window, Latency: latency})
	if _, err := sim.Start(); err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	now := time.Now().UTC()
	sim.SeedAuditLog(mirosim.AuditSeed{Seed: 2026, Events: entries, Span: 30 * 24 * time.Hour, End: now.Add(-time.Minute)})
	start := now.Add(-31 * 24 * time.Hour).Truncate(time.Second)
	signIns := 0
	for _, e := range sim.AuditLog() {
		if e.Event == "sign_in_succeeded" {
			signIns++
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--miro-api-url", sim.BaseURL(), "--miro-scim-url", sim.SCIMURL(),
		"--log-level", "error", "--event-feed=true", "--event-feed-id", "miro_audit_log",
		"--event-feed-start-at", start.Format(time.RFC3339))
	cmd.Env = append(os.Environ(), "BATON_MIRO_ACCESS_TOKEN=bench-token")
	cmd.Dir = b.TempDir()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	b.ResetTimer()
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	b.StopTimer()
	if err != nil {
		b.Fatalf("event feed failed: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	usage := 0
	for _, l := range lines {
		if strings.Contains(l, `"usageEvent"`) {
			usage++
		}
	}
	if usage != signIns {
		b.Fatalf("%d usage events for %d sign-ins", usage, signIns)
	}
	calls := sim.Count("list_audit_logs")
	minCalls := (entries + 99) / 100
	if calls > minCalls+1 {
		b.Errorf("%d calls for %d entries", calls, entries)
	}
	return FeedResult{Entries: entries, Events: len(lines), Usage: usage, Calls: calls, MinCalls: minCalls,
		Status429: sim.Status429(), EventsPerCall: float64(len(lines)) / float64(max(calls, 1)), WallS: wall.Seconds()}
}
