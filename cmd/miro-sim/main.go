// Command miro-sim serves the Miro API simulator (internal/mirosim) on a loopback address for demos, benchmarks and
// manual runs of baton-miro.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "miro-sim:", err)
		os.Exit(2)
	}
}

// run serves until ctx ends, then prints the per-route counts.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("miro-sim", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	users := fs.Int("users", 1000, "org members to generate")
	teams := fs.Int("teams", 100, "teams to generate")
	seed := fs.Int64("seed", 1, "generator seed")
	token := fs.String("token", "sim-access-token", "REST OAuth bearer token")
	scimToken := fs.String("scim-token", "sim-scim-token", "SCIM bearer token")
	latency := fs.Duration("latency", 0, "latency added to every response")
	credits := fs.Int("credits", 100000, "credits per window (<0 = unlimited)")
	window := fs.Duration("window", time.Minute, "credit window")
	faultRate := fs.Float64("fault-rate", 0, "probability of a transient fault (500/502/503/drop/truncate)")
	unknownEnums := fs.Bool("unknown-enums", false, "add values outside Miro's enums")
	groups := fs.Int("groups", 0, "user groups to generate")
	boards := fs.Bool("boards", false, "generate boards (with members) and projects")
	groupShares := fs.Bool("group-shares", false, "share boards and projects with user groups (needs --boards and --groups)")
	teamSettings := fs.Bool("team-settings", false, "give teams varied settings (else every team has the defaults)")
	groupMembers := fs.Int("group-members", 0, "least members of every non-empty user group (0 = skewed sizes), e.g. groups larger than teams")
	shareRate := fs.Float64("share-rate", 0, "share of boards and projects shared with user groups, 0..1 (0 = a quarter; needs --group-shares)")
	maxShares := fs.Int("max-shares", 0, "most user groups one board or project is shared with (0 = 3; needs --group-shares)")
	auditEvents := fs.Int("audit-events", 0, "audit-log events to seed (mostly sign-ins), spread over --audit-days")
	auditDays := fs.Int("audit-days", 30, "days before now that the seeded audit log covers")
	readyFile := fs.String("ready-file", "", "write base_url, scim_url and tokens here once listening")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkLoopback(*addr); err != nil {
		return err
	}
	if *shareRate < 0 || *shareRate > 1 || *groupMembers < 0 || *maxShares < 0 {
		return errors.New("--share-rate must be within 0..1, --group-members and --max-shares not negative")
	}
	if *credits == 0 {
		return errors.New("--credits must not be 0 (use a negative value for unlimited)")
	}

	org := mirosim.Generate(mirosim.GenOptions{Seed: *seed, Users: *users, Teams: *teams, UnknownEnums: *unknownEnums,
		Groups: *groups, Boards: *boards, GroupShares: *groupShares, TeamSettings: *teamSettings,
		GroupMembers: *groupMembers, ShareRate: *shareRate, MaxShares: *maxShares})
	sim := mirosim.New(org, mirosim.Options{Token: *token, SCIMToken: *scimToken, Latency: *latency,
		Credits: *credits, Window: *window, Faults: mirosim.Faults{Rate: *faultRate, Seed: *seed}})
	sim.SeedAuditLog(mirosim.AuditSeed{Seed: *seed, Events: *auditEvents, Span: time.Duration(max(*auditDays, 1)) * 24 * time.Hour})
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	info := fmt.Sprintf("base_url=%s\nscim_url=%s/api/v1/scim\ntoken=%s\nscim_token=%s\n", base, base, *token, *scimToken)
	if *readyFile != "" {
		// Written to a temp name and renamed, so a watcher never reads half a file.
		if err := os.WriteFile(*readyFile+".tmp", []byte(info), 0o600); err != nil {
			return err
		}
		if err := os.Rename(*readyFile+".tmp", *readyFile); err != nil {
			return err
		}
	}
	fmt.Fprint(out, info)

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(shut)

	counts := sim.Counts()
	fmt.Fprintln(out, "requests by route:")
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(out, "  %-22s %d\n", k, counts[k])
	}
	fmt.Fprintf(out, "total=%d credits=%d 429s=%d\n", sim.TotalCount(), sim.CreditsSpent(), sim.Status429())
	return nil
}

// checkLoopback refuses to expose the simulator (and its fixed tokens) beyond this machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %q: only loopback addresses are allowed", addr)
	}
	return nil
}
