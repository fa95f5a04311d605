package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
)

// TestBinaryGroupLinks runs the released binary, whose connector reaches the
// session store over the SDK's validated gRPC service, over orgs of many
// teams or many groups: every team↔group link and every board and project
// group share is in the c1z, the links are read from the cheaper side, and no
// session request is refused (no InvalidArgument line at any log level).
func TestBinaryGroupLinks(t *testing.T) {
	cases := []struct {
		name                   string
		gen                    mirosim.GenOptions
		args                   []string
		parts                  simtest.Parts
		perGroup, perTeam      int
		boardShares, projShare bool
	}{
		{name: "120 teams 40 groups", gen: mirosim.GenOptions{Seed: 20, Users: 600, Teams: 120, Groups: 40},
			perGroup: 40},
		{name: "40 teams 150 groups", gen: mirosim.GenOptions{Seed: 21, Users: 300, Teams: 40, Groups: 150, GroupMembers: 30},
			perTeam: 40},
		{name: "sync-boards 150 groups", gen: mirosim.GenOptions{Seed: 22, Users: 300, Teams: 40, Groups: 150, Boards: true,
			GroupShares: true, ShareRate: 0.9, MaxShares: 20},
			args: []string{"--sync-boards"}, parts: simtest.Parts{Boards: true}, perTeam: 40, boardShares: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, org := startSim(t, tc.gen, mirosim.Options{Token: "bin-token", Credits: -1})
			out := filepath.Join(t.TempDir(), "sync.c1z")
			args := append(append(simArgs(sim), "--workers", "4", "--log-level", "debug", "-f", out), tc.args...)
			res := run(t, 3*time.Minute, []string{"BATON_MIRO_ACCESS_TOKEN=bin-token"}, args...)
			if res.exitCode != 0 {
				t.Fatalf("exit %d\nstderr: %s", res.exitCode, tail(res.stderr))
			}
			for _, bad := range []string{"InvalidArgument", "not in this sync's listing", "did not keep a page", "did not answer"} {
				if n := strings.Count(res.stderr, bad); n > 0 {
					t.Errorf("%d log lines with %q, e.g. %s", n, bad, lineWith(res.stderr, bad))
				}
			}
			got, err := synctest.Read(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			want := simtest.ExpectParts(org, tc.parts)
			if diff := want.Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
			links, shares := 0, 0
			for _, g := range org.Groups {
				links += len(g.TeamIDs)
			}
			for _, b := range org.Boards {
				shares += len(b.Groups)
			}
			for _, p := range org.Projects {
				shares += len(p.Groups)
			}
			if tc.boardShares && shares < 100 {
				t.Fatalf("the org has %d board and project shares; the case needs many", shares)
			}
			gt, tg := sim.Count("list_group_teams"), sim.Count("list_team_groups")
			if gt != tc.perGroup || tg != tc.perTeam {
				t.Errorf("link calls: %d per group, %d per team; want %d and %d", gt, tg, tc.perGroup, tc.perTeam)
			}
			t.Logf("%d teams, %d groups: %d links, %d board and project shares, all in the c1z; link calls %d per group, %d per team",
				len(org.Teams), len(org.Groups), links, shares, gt, tg)
		})
	}
}

// lineWith returns the first line of s holding sub.
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
