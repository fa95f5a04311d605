package bench

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/conductorone/baton-miro/internal/mirosim"
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
	m := measureSync(b, bin, org, mirosim.Options{Token: "bench-token", Credits: -1}, 4)
	exact := "exact"
	if m.diff != "" {
		exact = "NOT exact: " + strings.SplitN(m.diff, "\n", 3)[1]
	}
	links := 0
	for _, g := range org.Groups {
		links += len(g.TeamIDs)
	}
	perGroup, perTeam := m.counts["list_group_teams"], m.counts["list_team_groups"]
	const linkCredits = 50 // both link routes are Level 1
	fmt.Printf("group links: %d teams, %d groups, %d links: %d calls per group, %d per team (%d credits); sync: %d calls, %d credits, %.0f s; c1z %s\n",
		teams, groups, links, perGroup, perTeam, (perGroup+perTeam)*linkCredits, m.calls, m.credits, m.wall.Seconds(), exact)
}
