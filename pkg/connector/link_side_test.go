package connector_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
	"github.com/conductorone/baton-miro/pkg/miro"
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
				ctx, cancel := syncContext(t)
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

// TestSyncWithAFailingSessionStore: a session store that fails every few
// calls (as one briefly away) costs calls, never data: the c1z is exact, with
// every link, group share and SCIM name, whichever bookkeeping call failed.
func TestSyncWithAFailingSessionStore(t *testing.T) {
	for _, every := range []int{9, 13} {
		t.Run(fmt.Sprintf("every %d calls", every), func(t *testing.T) {
			ctx, cancel := syncContext(t)
			defer cancel()
			sim, org := startSim(t, mirosim.GenOptions{Seed: 97, Users: 300, Teams: 60, Groups: 20, Boards: true, GroupShares: true},
				mirosim.Options{Credits: -1, SCIMToken: "scim-secret"})
			got, err := simtest.SyncAndReadWith(synctest.WithSessionFaults(ctx, every), sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 4,
				[]connector.Option{connector.WithSyncBoards(true)}, func(o *miro.Options) { o.SCIMToken = "scim-secret" })
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			if diff := simtest.ExpectParts(org, simtest.Parts{Boards: true}).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
			named := 0
			for _, m := range org.Members {
				guest := m.Role == "organization_external_user" || m.Role == "organization_team_guest_user"
				if guest || m.DisplayName == "" {
					continue
				}
				named++
				if name := got.Resources["user"][m.ID].GetDisplayName(); name != m.DisplayName {
					t.Errorf("user %s is named %q, want %q from SCIM", m.ID, name, m.DisplayName)
				}
			}
			if named == 0 {
				t.Fatal("no member has a SCIM name to check")
			}
		})
	}
}
