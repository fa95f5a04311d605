package connector_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
)

// TestSyncLinksFromTheCheaperSide: group-to-team links are read per group
// when there are fewer groups than teams (40 groups, 120 teams: 40 link
// calls, not 120) and per team otherwise; the c1z is exact either way, with
// one and four workers, and the calls are at the minimum.
func TestSyncLinksFromTheCheaperSide(t *testing.T) {
	cases := []struct {
		name                   string
		gen                    mirosim.GenOptions
		groupTeams, teamGroups int
	}{
		{"40 groups 120 teams", mirosim.GenOptions{Seed: 95, Users: 600, Teams: 120, Groups: 40}, 40, 0},
		{"50 groups 20 teams", mirosim.GenOptions{Seed: 96, Users: 400, Teams: 20, Groups: 50}, 0, 20},
	}
	for _, tc := range cases {
		for _, workers := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s workers=%d", tc.name, workers), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				defer cancel()
				sim, org := startSim(t, tc.gen, mirosim.Options{Credits: -1})
				got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), workers)
				if err != nil {
					t.Fatalf("sync: %v", err)
				}
				if diff := simtest.Expect(org).Diff(got); diff != "" {
					t.Fatalf("c1z differs from the simulated org:\n%s", diff)
				}
				requireBudget(t, sim, org)
				links := 0
				for _, g := range org.Groups {
					links += len(g.TeamIDs)
				}
				gt, tg := sim.Count("list_group_teams"), sim.Count("list_team_groups")
				if gt != tc.groupTeams || tg != tc.teamGroups {
					t.Errorf("link calls: %d per group, %d per team; want %d and %d", gt, tg, tc.groupTeams, tc.teamGroups)
				}
				t.Logf("%d groups, %d teams, %d links: %d calls per group, %d per team", len(org.Groups), len(org.Teams), links, gt, tg)
			})
		}
	}
}
