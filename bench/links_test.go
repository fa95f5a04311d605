package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
)

// BenchmarkGroupLinkSide syncs an org of LINK_TEAMS (default 5,000) teams and
// LINK_GROUPS (default 50) user groups with the real binary (LINK_BIN: another
// build to compare, e.g. an older commit's) and prints the group-to-team link
// calls per side, their credits and the sync's, after checking that the c1z
// holds every link:
//
//	go test -run '^$' -bench GroupLinkSide -benchtime 1x -timeout 30m ./bench/
func BenchmarkGroupLinkSide(b *testing.B) {
	bin := os.Getenv("LINK_BIN")
	if bin == "" {
		bin = buildBinary(b)
	}
	teams, groups := envInt("LINK_TEAMS", 5000), envInt("LINK_GROUPS", 50)
	org := mirosim.Generate(mirosim.GenOptions{Seed: 2020, Users: envInt("LINK_USERS", 20000), Teams: teams, Groups: groups})
	sim := mirosim.New(org.Clone(), mirosim.Options{Token: "bench-token", Credits: -1})
	if _, err := sim.Start(); err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	out := filepath.Join(b.TempDir(), "sync.c1z")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--miro-api-url", sim.BaseURL(), "--miro-scim-url", sim.SCIMURL(), // #nosec G204 -- the binary under test
		"--workers", "4", "--log-level", "error", "-f", out)
	cmd.Env = append(os.Environ(), "BATON_MIRO_ACCESS_TOKEN=bench-token")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("sync failed: %v\n%s", err, stderr.String())
	}
	wall := time.Since(start)
	got, err := simtest.ReadC1Z(ctx, out)
	if err != nil {
		b.Fatal(err)
	}
	exact := "exact"
	if diff := simtest.Expect(org).Diff(got); diff != "" {
		exact = "NOT exact: " + strings.SplitN(diff, "\n", 3)[1]
	}
	links := 0
	for _, g := range org.Groups {
		links += len(g.TeamIDs)
	}
	perGroup, perTeam := sim.Count("list_group_teams"), sim.Count("list_team_groups")
	const linkCredits = 50 // both link routes are Level 1
	fmt.Printf("group links: %d teams, %d groups, %d links: %d calls per group, %d per team (%d credits); sync: %d calls, %d credits, %.0f s; c1z %s\n",
		teams, groups, links, perGroup, perTeam, (perGroup+perTeam)*linkCredits, sim.TotalCount(), sim.CreditsSpent(), wall.Seconds(), exact)
}
