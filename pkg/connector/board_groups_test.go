package connector_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
)

// shareGen shares boards and projects with user groups; with more than 100
// groups the first board and project (shared with every group) take two pages.
var shareGen = mirosim.GenOptions{Seed: 93, Users: 400, Teams: 12, Groups: 110, Boards: true, GroupShares: true}

var shareRoutes = []string{"list_board_groups", "list_project_groups"}

// TestSyncBoardGroupShares: a board's or project's role granted to each group
// it is shared with, expandable to the group's members, equals the org
// exactly (direct and expanded grants, with their sources), at the minimum of
// calls: one page of 100 per board and per project.
func TestSyncBoardGroupShares(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			ctx, cancel := syncContext(t)
			defer cancel()
			sim, org := startSim(t, shareGen, mirosim.Options{Credits: -1})
			got, err := simtest.SyncAndReadWith(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), workers, withBoards())
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			if diff := simtest.Expect(org).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
			requireBudget(t, sim, org)
			shares, direct, expanded := 0, 0, 0
			for _, b := range org.Boards {
				shares += len(b.Groups)
			}
			for _, p := range org.Projects {
				shares += len(p.Groups)
			}
			for k, g := range got.Grants {
				onBoard := strings.HasPrefix(k, "board:") || strings.HasPrefix(k, "project:")
				switch {
				case !onBoard:
				case g.GetPrincipal().GetId().GetResourceType() == "user_group":
					direct++
				case len(g.GetSources().GetSources()) > 0:
					expanded++
				}
			}
			if direct != shares || shares == 0 || expanded == 0 {
				t.Errorf("%d group grants on boards and projects for %d shares; %d user grants with sources", direct, shares, expanded)
			}
			t.Logf("%d boards, %d projects; %d group shares -> %d direct group grants, %d user grants with group sources", len(org.Boards), len(org.Projects), shares, direct, expanded)
			logPart(t, sim, org, simtest.DefaultParts(org), shareRoutes)
		})
	}
}

// TestSyncBoardGroupSharesScopeMissing: without organizations:groups:read
// the boards and projects sync without their group shares: not one share
// call, one warning about user groups, the rest exact.
func TestSyncBoardGroupSharesScopeMissing(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	scopes := []string{"organizations:read", "organizations:teams:read", "boards:read", "projects:read"}
	sim, org := startSim(t, shareGen, mirosim.Options{Credits: -1, Scopes: scopes})
	conn, _, err := simtest.NewConnectorWith(sim, simToken, append(withBoards(), connector.WithWorkers(2)))
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.WarnLevel)
	path := filepath.Join(t.TempDir(), "sync.c1z")
	if err := synctest.SyncLogged(ctx, conn, path, 2, zap.New(core)); err != nil {
		t.Fatalf("sync: %v", err)
	}
	got, err := synctest.Read(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	parts := simtest.Parts{GroupsRefused: true, Boards: true}
	if diff := simtest.ExpectParts(org, parts).Diff(got); diff != "" {
		t.Fatalf("c1z differs from the org without groups:\n%s", diff)
	}
	requireBudgetParts(t, sim, org, parts)
	if n := len(logs.FilterMessageSnippet("user groups").All()); n != 1 {
		t.Errorf("%d warnings about user groups, want one", n)
	}
}
