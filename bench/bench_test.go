// Package bench measures full syncs of simulated Miro orgs through the real
// baton-miro binary, against the simulator with realistic latency and Miro's
// credit budget, time-compressed (100,000 credits per BENCH_WINDOW, default
// 6 s = 10× faster than Miro's minute). Run with `make bench`.
//
// Each run prints API calls and credits against the minimum, 429s, wall time
// against the credit floor (credits ÷ budget rate) and the latency floor
// (calls × latency ÷ workers), peak RSS of the connector and the c1z size.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
)

// Result is one measured sync.
type Result struct {
	Users, Teams, Workers int
	LatencyMS             int
	Calls, MinCalls       int
	Credits, MinCredits   int
	Status429             int
	WallS                 float64
	CreditFloorS          float64
	LatencyFloorS         float64
	Binding               string // "credits" or "latency"
	Ratio                 float64
	PeakRSSMB             float64
	C1ZMB                 float64
}

const budget = 100_000

var sizes = []struct{ users, teams int }{{1_000, 100}, {10_000, 1_000}, {100_000, 5_000}}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// BenchmarkSync runs every size with 1 and 4 workers at BENCH_LATENCY (default
// 50 ms), plus the largest size with 4 workers at 5 ms, where the credit budget
// binds. BENCH_MAX_USERS limits the sizes.
func BenchmarkSync(b *testing.B) {
	bin := buildBinary(b)
	window := envDuration("BENCH_WINDOW", 6*time.Second)
	latency := envDuration("BENCH_LATENCY", 50*time.Millisecond)
	maxUsers := envInt("BENCH_MAX_USERS", 100_000)
	var results []Result
	type run struct {
		users, teams, workers int
		latency               time.Duration
	}
	var runs []run
	for _, s := range sizes {
		if s.users > maxUsers {
			continue
		}
		for _, w := range []int{1, 4} {
			runs = append(runs, run{s.users, s.teams, w, latency})
		}
	}
	last := runs[len(runs)-1]
	runs = append(runs, run{last.users, last.teams, 4, 5 * time.Millisecond})
	for _, r := range runs {
		name := fmt.Sprintf("users=%d/teams=%d/workers=%d/latency=%s", r.users, r.teams, r.workers, r.latency)
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res := syncOnce(b, bin, r.users, r.teams, r.workers, r.latency, window)
				if i == 0 && (len(results) == 0 || results[len(results)-1] != res) {
					results = append(results, res) // the testing package may rerun a sub-benchmark
				}
				b.ReportMetric(float64(res.Calls), "calls")
				b.ReportMetric(float64(res.MinCalls), "min-calls")
				b.ReportMetric(float64(res.Status429), "429s")
				b.ReportMetric(res.WallS, "wall-s")
				b.ReportMetric(res.Ratio, "wall/floor")
				b.ReportMetric(res.PeakRSSMB, "peak-rss-MB")
			}
		})
	}
	printTable(results, window)
	if out := os.Getenv("BENCH_OUT"); out != "" {
		data, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(out, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// buildBinary builds baton-miro as released.
func buildBinary(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "baton-miro")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/baton-miro")
	// As the releases and the image are built (.goreleaser.yaml, Dockerfile): CGO_ENABLED=0, so no C
	// allocator holds memory the Go runtime does not see.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("building baton-miro: %v", err)
	}
	return bin
}

func syncOnce(b *testing.B, bin string, users, teams, workers int, latency, window time.Duration) Result {
	b.Helper()
	org := mirosim.Generate(mirosim.GenOptions{Seed: 2026, Users: users, Teams: teams})
	minCalls := simtest.MinCalls(org)
	minCredits := simtest.MinCredits(org)
	m := measureSync(b, bin, org, mirosim.Options{Token: "bench-token", Credits: budget, Window: window, Latency: latency}, workers)
	// Check the result is exact before reporting its speed.
	if m.diff != "" {
		b.Fatalf("c1z differs from the org:\n%s", m.diff)
	}
	totalMin := 0
	for _, n := range minCalls {
		totalMin += n
	}
	wall := m.wall.Seconds()
	creditFloor := float64(m.credits) / budget * window.Seconds()
	latencyFloor := float64(m.calls) * latency.Seconds() / float64(workers)
	res := Result{
		Users: users, Teams: teams, Workers: workers, LatencyMS: int(latency.Milliseconds()),
		Calls: m.calls, MinCalls: totalMin, Credits: m.credits, MinCredits: minCredits,
		Status429: m.status429, WallS: wall, CreditFloorS: creditFloor, LatencyFloorS: latencyFloor,
		PeakRSSMB: m.peakRSSMB, C1ZMB: m.c1zMB,
	}
	res.Binding, res.Ratio = "credits", wall/creditFloor
	if latencyFloor > creditFloor {
		res.Binding, res.Ratio = "latency", wall/latencyFloor
	}
	return res
}

// measured is one sync of a simulated org by the binary.
type measured struct {
	counts    map[string]int // requests per route
	calls     int
	credits   int
	status429 int
	wall      time.Duration // the sync alone, as the benchmark's timer
	peakRSSMB float64       // the connector's
	c1zMB     float64
	diff      string // how the c1z differs from the org; "" = exact
}

// measureSync serves a copy of org with opts (opts.Token is the binary's
// token) and syncs it once with the binary at bin and workers, timing only
// the sync (the benchmark's timer too), then reads the c1z back and compares
// it with org.
func measureSync(b *testing.B, bin string, org *mirosim.Org, opts mirosim.Options, workers int) measured {
	b.Helper()
	sim := mirosim.New(org.Clone(), opts)
	if _, err := sim.Start(); err != nil {
		b.Fatal(err)
	}
	defer sim.Close()

	out := filepath.Join(b.TempDir(), "sync.c1z")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--miro-api-url", sim.BaseURL(), "--miro-scim-url", sim.SCIMURL(), // #nosec G204 G702 -- the binary under test
		"--workers", strconv.Itoa(workers), "--log-level", "error", "-f", out)
	cmd.Env = append(os.Environ(), "BATON_MIRO_ACCESS_TOKEN="+opts.Token)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b.ResetTimer()
	start := time.Now()
	err := cmd.Start()
	var hwm func() float64
	if err == nil {
		hwm = watchPeakRSS(cmd.Process.Pid)
		err = cmd.Wait()
	}
	wall := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatalf("sync failed: %v\n%s", err, stderr.String())
	}
	got, err := simtest.ReadC1Z(ctx, out)
	if err != nil {
		b.Fatal(err)
	}
	m := measured{counts: sim.Counts(), calls: sim.TotalCount(), credits: sim.CreditsSpent(), status429: sim.Status429(),
		wall: wall, peakRSSMB: hwm(), diff: simtest.Expect(org).Diff(got)}
	if fi, err := os.Stat(out); err == nil {
		m.c1zMB = float64(fi.Size()) / (1 << 20)
	}
	return m
}

// watchPeakRSS samples the process's VmHWM (its own peak resident set) every
// 10 ms until it exits; the returned func gives the last sample in MB. Not
// getrusage: a child started by Go's fork-exec (vfork) inherits the parent's
// peak in ru_maxrss, which here is the test process holding the simulator.
func watchPeakRSS(pid int) func() float64 {
	var (
		mu   sync.Mutex
		peak float64
		done = make(chan struct{})
	)
	path := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		defer close(done)
		for {
			data, err := os.ReadFile(path)
			if err != nil {
				return // exited (or no procfs)
			}
			for line := range strings.Lines(string(data)) {
				if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					if kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB"))); err == nil {
						mu.Lock()
						peak = max(peak, float64(kb)/1024)
						mu.Unlock()
					}
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return func() float64 {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

func printTable(results []Result, window time.Duration) {
	fmt.Printf("\ncredit budget %d per %s (Miro: per minute)\n\n", budget, window)
	fmt.Println("| users | teams | workers | latency | calls (min) | credits (min) | 429s | wall s | credit floor s | latency floor s | binds | wall/floor | peak RSS MB | c1z MB |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
	for _, r := range results {
		fmt.Printf("| %d | %d | %d | %d ms | %d (%d) | %d (%d) | %d | %.1f | %.1f | %.1f | %s | %.2f | %.0f | %.1f |\n",
			r.Users, r.Teams, r.Workers, r.LatencyMS, r.Calls, r.MinCalls, r.Credits, r.MinCredits, r.Status429,
			r.WallS, r.CreditFloorS, r.LatencyFloorS, r.Binding, r.Ratio, r.PeakRSSMB, r.C1ZMB)
	}
}
