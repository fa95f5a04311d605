package connector_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
)

var boardRoutes = []string{"list_boards", "list_board_members", "list_projects", "list_project_members"}

// boardGen is an org with boards and projects past their page sizes: a team
// with more than 50 boards, boards with more than 50 members, a project with
// more than 100 members; and user groups, so every part runs together.
var boardGen = mirosim.GenOptions{Seed: 91, Users: 1000, Teams: 40, Groups: 20, Boards: true}

func withBoards() []connector.Option { return []connector.Option{connector.WithSyncBoards(true)} }

// TestSyncBoards syncs boards and projects (--sync-boards) with one and four
// workers: the c1z must hold every board and project as a child of its team,
// one grant per member with the member's role, and the board's sharing policy
// in its profile; the calls must equal the budget exactly.
func TestSyncBoards(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			ctx, cancel := syncContext(t)
			defer cancel()
			sim, org := startSim(t, boardGen, mirosim.Options{Credits: -1})
			requireBoardSkew(t, org)

			got, err := simtest.SyncAndReadWith(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), workers, withBoards())
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			if diff := simtest.Expect(org).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
			requireBudget(t, sim, org)
			requireBoardDetails(t, got, org)
			logPart(t, sim, org, simtest.DefaultParts(org), boardRoutes)
		})
	}
}

func requireBoardSkew(t *testing.T, org *mirosim.Org) {
	t.Helper()
	perTeam := map[string]int{}
	bigBoards, bigProjects := 0, 0
	for _, b := range org.Boards {
		perTeam[b.TeamID]++
		if len(b.Members) > 50 {
			bigBoards++
		}
	}
	bigTeams := 0
	for _, n := range perTeam {
		if n > 50 {
			bigTeams++
		}
	}
	for _, p := range org.Projects {
		if len(p.Members) > 100 {
			bigProjects++
		}
	}
	if bigTeams == 0 || bigBoards == 0 || bigProjects == 0 || len(perTeam) == len(org.Teams) {
		t.Fatalf("generated org lacks skew: %d teams past 50 boards, %d boards past 50 members, %d projects past 100 members, %d of %d teams with boards",
			bigTeams, bigBoards, bigProjects, len(perTeam), len(org.Teams))
	}
}

// requireBoardDetails checks parents and profiles beyond the id sets.
func requireBoardDetails(t *testing.T, got *synctest.Contents, org *mirosim.Org) {
	t.Helper()
	for _, b := range org.Boards {
		r := got.Resources["board"][b.ID]
		if r == nil {
			continue // Diff has reported it
		}
		if p := r.GetParentResourceId(); p.GetResourceType() != "team" || p.GetResource() != b.TeamID {
			t.Errorf("board %s has parent %v, want team %s", b.ID, p, b.TeamID)
		}
		f := r.GetProfile().GetFields()
		want := map[string]string{
			"public_access": b.Policy.Access, "organization_access": b.Policy.OrganizationAccess, "team_access": b.Policy.TeamAccess,
			"sharing_access": b.Policy.SharingAccess, "copy_access": b.Policy.CopyAccess, "project_id": b.ProjectID, "owner_id": b.OwnerID,
		}
		for k, v := range want {
			if f[k].GetStringValue() != v {
				t.Errorf("board %s profile %s = %q, want %q", b.ID, k, f[k].GetStringValue(), v)
			}
		}
		if f["access_password_required"].GetBoolValue() != b.Policy.AccessPasswordRequired {
			t.Errorf("board %s profile access_password_required = %v, want %v", b.ID, f["access_password_required"], b.Policy.AccessPasswordRequired)
		}
		if r.GetDisplayName() != b.Name {
			t.Errorf("board %s named %q, want %q", b.ID, r.GetDisplayName(), b.Name)
		}
	}
	for _, p := range org.Projects {
		if r := got.Resources["project"][p.ID]; r != nil && r.GetParentResourceId().GetResource() != p.TeamID {
			t.Errorf("project %s has parent %v, want team %s", p.ID, r.GetParentResourceId(), p.TeamID)
		}
	}
}

// TestSyncBoardsOff: without --sync-boards the board and project types are
// not registered and not one board or project call is made, even when the
// org has boards.
func TestSyncBoardsOff(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	sim, org := startSim(t, boardGen, mirosim.Options{Credits: -1})
	got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 4)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	parts := simtest.Parts{}
	if diff := simtest.ExpectParts(org, parts).Diff(got); diff != "" {
		t.Fatalf("c1z differs from the org without boards:\n%s", diff)
	}
	want, counts := simtest.MinCallsParts(org, parts), sim.Counts()
	for _, r := range synctest.SortedKeys(merge(want, counts)) {
		if want[r] != counts[r] {
			t.Errorf("route %s: %d calls, budget %d", r, counts[r], want[r])
		}
	}
	for _, r := range boardRoutes {
		if n := sim.Count(r); n != 0 {
			t.Errorf("%s called %d times with --sync-boards off", r, n)
		}
	}
}

// TestSyncBoardsMalformedPages: offset pages that carry an extra item, repeat
// the item before their offset, or point links.next at themselves, and cursor
// pages that repeat an item, still give exactly the org with no extra page.
func TestSyncBoardsMalformedPages(t *testing.T) {
	cases := map[string]map[string]mirosim.Malformation{
		"over_limit":  {"list_boards": mirosim.MalformedOverLimit, "list_board_members": mirosim.MalformedOverLimit, "list_project_members": mirosim.MalformedOverLimit},
		"duplicates":  {"list_boards": mirosim.MalformedDuplicates, "list_board_members": mirosim.MalformedDuplicates, "list_project_members": mirosim.MalformedDuplicates},
		"cursor_loop": {"list_boards": mirosim.MalformedCursorLoop, "list_board_members": mirosim.MalformedCursorLoop},
	}
	for name, mal := range cases {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := syncContext(t)
			defer cancel()
			sim, org := startSim(t, boardGen, mirosim.Options{Credits: -1, Faults: mirosim.Faults{Malformed: mal}})
			got, err := simtest.SyncAndReadWith(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 2, withBoards())
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			if diff := simtest.Expect(org).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
			budget := simtest.MinCalls(org)
			for _, r := range []string{"list_boards", "list_board_members"} {
				if sim.Count(r) != budget[r] {
					t.Errorf("route %s: %d calls, budget %d", r, sim.Count(r), budget[r])
				}
			}
		})
	}
}

// TestSyncBoardsEmptyPageFails: an offset page that is empty before the total
// it announces cannot be paged past; the sync fails clearly instead of
// dropping the rest or looping.
func TestSyncBoardsEmptyPageFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sim, _ := startSim(t, mirosim.GenOptions{Seed: 92, Users: 200, Teams: 8, Boards: true},
		mirosim.Options{Credits: -1, Faults: mirosim.Faults{Malformed: map[string]mirosim.Malformation{"list_board_members": mirosim.MalformedEmptyDataCursor}}})
	_, err := simtest.SyncAndReadWith(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 1, withBoards())
	if err == nil {
		t.Fatal("sync succeeded over empty board-member pages that announce members")
	}
	t.Logf("failed as wanted: %v", err)
	if n := sim.Count("list_board_members"); n > 10 {
		t.Errorf("%d board-member calls before giving up", n)
	}
}
