package connector_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
)

// TestTargetedSyncBoardAndProject: with --sync-boards a targeted sync of one
// board (its team read from the board) or one project (its team given as the
// parent) reads that resource with one get call and yields it under its team
// with its members' and groups' grants.
func TestTargetedSyncBoardAndProject(t *testing.T) {
	org := mirosim.Generate(shareGen)
	bd, pj := org.Boards[0], org.Projects[0] // both shared with every group
	team := func(id string) *v2.ResourceId {
		return v2.ResourceId_builder{ResourceType: "team", Resource: id}.Build()
	}
	cases := []struct {
		name, typ, id, teamID, get, members, groups string
		parent                                      *v2.ResourceId
		memberPages, groupPages, grants             int
	}{
		{"board", "board", bd.ID, bd.TeamID, "get_board", "list_board_members", "list_board_groups", nil,
			max(1, (len(bd.Members)+49)/50), max(1, (len(bd.Groups)+99)/100), len(bd.Members) + len(bd.Groups)},
		{"project", "project", pj.ID, pj.TeamID, "get_project", "list_project_members", "list_project_groups", team(pj.TeamID),
			max(1, (len(pj.Members)+99)/100), max(1, (len(pj.Groups)+99)/100), len(pj.Members) + len(pj.Groups)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			sim, _ := startSim(t, shareGen, mirosim.Options{Credits: -1})
			conn, _, err := simtest.NewConnectorWith(sim, simToken, withBoards())
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "sync.c1z")
			target := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: tc.typ, Resource: tc.id}.Build(), ParentResourceId: tc.parent}.Build()
			if err := synctest.Sync(ctx, conn, path, 1, sdksync.WithTargetedSyncResources([]*v2.Resource{target})); err != nil {
				t.Fatalf("targeted sync: %v", err)
			}
			c1z, err := synctest.Read(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			r := c1z.Resources[tc.typ][tc.id]
			if r == nil {
				t.Fatalf("the targeted %s is not in the c1z", tc.name)
			}
			if p := r.GetParentResourceId(); p.GetResourceType() != "team" || p.GetResource() != tc.teamID {
				t.Errorf("%s parent %v, want team %s", tc.name, p, tc.teamID)
			}
			if len(c1z.Grants) != tc.grants {
				t.Errorf("%d grants, want %d", len(c1z.Grants), tc.grants)
			}
			want := map[string]int{"oauth_token": 1, "get_org": 1, tc.get: 1, tc.members: tc.memberPages, tc.groups: tc.groupPages}
			got := sim.Counts()
			for _, route := range synctest.SortedKeys(merge(want, got)) {
				if want[route] != got[route] {
					t.Errorf("route %s: %d calls, want %d", route, got[route], want[route])
				}
			}
			t.Logf("%s %s: %d grants, calls %v", tc.name, tc.id, len(c1z.Grants), got)
		})
	}
}
