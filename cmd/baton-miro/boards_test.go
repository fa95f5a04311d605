package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
)

// TestBinaryGroupsAndBoards runs the real binary over an org with user groups,
// boards and projects: --sync-boards on syncs all of it at the budget; off (the
// default) makes no board or project call; --sync-resource-types without
// user_group reads no group and no team-group link.
func TestBinaryGroupsAndBoards(t *testing.T) {
	gen := mirosim.GenOptions{Seed: 5, Users: 300, Teams: 15, Groups: 12, Boards: true}
	cases := []struct {
		name  string
		args  []string
		parts simtest.Parts
	}{
		{"sync-boards", []string{"--sync-boards"}, simtest.Parts{Boards: true}},
		{"default", nil, simtest.Parts{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, org := startSim(t, gen, mirosim.Options{Token: "bin-token", Credits: -1})
			out := filepath.Join(t.TempDir(), "sync.c1z")
			args := append(append(simArgs(sim), "--workers", "4", "-f", out), tc.args...)
			res := run(t, 3*time.Minute, []string{"BATON_MIRO_ACCESS_TOKEN=bin-token"}, args...)
			if res.exitCode != 0 {
				t.Fatalf("exit %d\nstderr: %s", res.exitCode, res.stderr)
			}
			got, err := synctest.Read(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := simtest.ExpectParts(org, tc.parts).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
			want, counts := simtest.MinCallsParts(org, tc.parts), sim.Counts()
			for _, r := range []string{"list_groups", "list_group_members", "list_team_groups", "list_boards", "list_board_members", "list_projects", "list_project_members"} {
				if counts[r] != want[r] {
					t.Errorf("route %s: %d calls, budget %d", r, counts[r], want[r])
				}
			}
		})
	}
	t.Run("without user_group", func(t *testing.T) {
		sim, _ := startSim(t, gen, mirosim.Options{Token: "bin-token", Credits: -1})
		out := filepath.Join(t.TempDir(), "sync.c1z")
		args := append(simArgs(sim), "-f", out, "--sync-resource-types", "user,team")
		res := run(t, 3*time.Minute, []string{"BATON_MIRO_ACCESS_TOKEN=bin-token"}, args...)
		if res.exitCode != 0 {
			t.Fatalf("exit %d\nstderr: %s", res.exitCode, res.stderr)
		}
		for _, r := range []string{"list_groups", "list_group_members", "list_team_groups"} {
			if n := sim.Count(r); n != 0 {
				t.Errorf("%s called %d times in a sync without user groups", r, n)
			}
		}
		got, err := synctest.Read(context.Background(), out)
		if err != nil {
			t.Fatal(err)
		}
		for k, g := range got.Grants {
			if g.GetPrincipal().GetId().GetResourceType() != "user" {
				t.Errorf("grant %s names a principal this sync did not list", k)
			}
		}
	})
}
