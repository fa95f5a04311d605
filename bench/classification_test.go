package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/pkg/connector"
)

// classificationOrg is a generated org of 1,000 users in 100 teams with
// exactly 1,000 boards (the generated ones, then copies under new ids), most
// of them labelled.
func classificationOrg() *mirosim.Org {
	org := mirosim.Generate(mirosim.GenOptions{Seed: 24, Users: 1000, Teams: 100, Boards: true, Classification: true})
	n := len(org.Boards)
	for i := 0; len(org.Boards) < 1000; i++ {
		b := org.Boards[i%n]
		b.ID = fmt.Sprintf("%s%04d", b.ID[:len(b.ID)-1], i)
		b.Members = slices.Clone(b.Members)
		b.Groups = nil
		org.Boards = append(org.Boards, b)
	}
	org.Boards = org.Boards[:1000]
	return org
}

// TestBoardClassificationCost measures, by the simulator's deterministic
// counts, what --sync-board-classification adds to a --sync-boards sync of a
// 1,000-board org: one call per board plus one for the org, at Level 2 (100
// credits) each. Both syncs are exact.
func TestBoardClassificationCost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	org := classificationOrg()
	type cost struct{ calls, credits, boardCalls, orgCalls int }
	measure := func(opts ...connector.Option) cost {
		sim := mirosim.New(org.Clone(), mirosim.Options{Token: "bench-token", Credits: -1})
		if _, err := sim.Start(); err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		got, err := simtest.SyncAndReadWith(ctx, sim, "bench-token", filepath.Join(t.TempDir(), "sync.c1z"), 4,
			append([]connector.Option{connector.WithSyncBoards(true)}, opts...))
		if err != nil {
			t.Fatal(err)
		}
		if diff := simtest.Expect(org).Diff(got); diff != "" {
			t.Fatalf("c1z differs from the simulated org:\n%s", diff)
		}
		return cost{sim.TotalCount(), sim.CreditsSpent(), sim.Count("get_board_classification"), sim.Count("get_classification_settings")}
	}
	off := measure()
	on := measure(connector.WithBoardClassification(true))
	t.Logf("--sync-boards sync of %d boards (%d users, %d teams, %d projects):", len(org.Boards), len(org.Members), len(org.Teams), len(org.Projects))
	t.Logf("  without --sync-board-classification: %6d calls %9d credits", off.calls, off.credits)
	t.Logf("  with    --sync-board-classification: %6d calls %9d credits (%d board label calls, %d org label call)",
		on.calls, on.credits, on.boardCalls, on.orgCalls)
	t.Logf("  classification costs %d calls and %d credits", on.calls-off.calls, on.credits-off.credits)
	if on.boardCalls != len(org.Boards) || on.orgCalls != 1 || off.boardCalls+off.orgCalls != 0 ||
		on.calls-off.calls != len(org.Boards)+1 || on.credits-off.credits != 100*(len(org.Boards)+1) {
		t.Errorf("classification cost %+v over %+v, want exactly one Level 2 call per board plus one", on, off)
	}
}
