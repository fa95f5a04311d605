package connector_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"
)

// TestTargetedSync: refreshing one user or one team costs a handful of calls,
// not a full sync, and yields that resource (and the team's memberships).
func TestTargetedSync(t *testing.T) {
	gen := mirosim.GenOptions{Seed: 41, Users: 1500, Teams: 50}
	org := mirosim.Generate(gen)
	var bigTeam mirosim.Team
	for _, tm := range org.Teams {
		if len(tm.Members) > len(bigTeam.Members) {
			bigTeam = tm
		}
	}
	user := org.Members[len(org.Members)/2]
	cases := []struct {
		name       string
		target     *v2.ResourceId
		wantCalls  map[string]int
		wantGrants int
	}{
		{"user", v2.ResourceId_builder{ResourceType: "user", Resource: user.ID}.Build(),
			map[string]int{"oauth_token": 1, "get_org": 1, "get_member": 1}, 0},
		{"team", v2.ResourceId_builder{ResourceType: "team", Resource: bigTeam.ID}.Build(),
			// A targeted sync has not listed the org's user groups, so it reads the team's attached groups (one page, here empty).
			map[string]int{"oauth_token": 1, "get_org": 1, "get_team": 1, "list_team_members": (len(bigTeam.Members) + 99) / 100, "list_team_groups": 1}, len(bigTeam.Members)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			sim, _ := startSim(t, gen, mirosim.Options{Credits: -1})
			conn, _, err := simtest.NewConnector(sim, simToken)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "sync.c1z")
			target := v2.Resource_builder{Id: tc.target}.Build()
			if err := synctest.Sync(ctx, conn, path, 1, sdksync.WithTargetedSyncResources([]*v2.Resource{target})); err != nil {
				t.Fatalf("targeted sync: %v", err)
			}
			c1z, err := synctest.Read(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if c1z.Resources[tc.target.GetResourceType()][tc.target.GetResource()] == nil {
				t.Errorf("the targeted %s is not in the c1z", tc.name)
			}
			if len(c1z.Grants) != tc.wantGrants {
				t.Errorf("%d grants, want %d", len(c1z.Grants), tc.wantGrants)
			}
			got := sim.Counts()
			for route, n := range got {
				if tc.wantCalls[route] != n {
					t.Errorf("route %s: %d calls, want %d", route, n, tc.wantCalls[route])
				}
			}
			for route, n := range tc.wantCalls {
				if got[route] != n {
					t.Errorf("route %s: %d calls, want %d", route, got[route], n)
				}
			}
		})
	}
}
