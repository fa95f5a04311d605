package connector_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
)

// TestSyncWithinCreditBudget runs a sync whose credits exceed the simulator's
// window several times over (a time-compressed Miro budget) and requires zero
// 429s, the exact org and the exact call count: the pacer waits for resets
// instead of being throttled.
func TestSyncWithinCreditBudget(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	gen := mirosim.GenOptions{Seed: 11, Users: 600, Teams: 60}
	org := mirosim.Generate(gen)
	minCredits := simtest.MinCredits(org)
	credits := minCredits/3 + 1 // about three windows' worth
	sim, want := startSim(t, gen, mirosim.Options{Credits: credits, Window: time.Second})

	conn, _, err := simtest.NewConnectorWith(sim, simToken, []connector.Option{connector.WithWorkers(4)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sync.c1z")
	if err := synctest.Sync(ctx, conn, path, 4); err != nil {
		t.Fatalf("sync: %v", err)
	}
	got, err := synctest.Read(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := simtest.Expect(want).Diff(got); diff != "" {
		t.Fatalf("c1z differs:\n%s", diff)
	}
	if n := sim.Status429(); n != 0 {
		t.Errorf("%d responses were 429; the pacer should have kept under the budget", n)
	}
	if sim.CreditsSpent() != minCredits {
		t.Errorf("spent %d credits, minimum %d", sim.CreditsSpent(), minCredits)
	}
	requireBudget(t, sim, want)
}

// TestSyncAfterForced429 spends the whole window in the middle of a four-worker
// sync: the workers share exactly one wait until the announced reset, and the
// sync still produces the exact org with no call beyond the budget except the
// throttled ones.
func TestSyncAfterForced429(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	sim, want := startSim(t, mirosim.GenOptions{Seed: 12, Users: 500, Teams: 80}, mirosim.Options{Credits: 1_000_000, Window: 2 * time.Second})
	conn, client, err := simtest.NewConnectorWith(sim, simToken, []connector.Option{connector.WithWorkers(4)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil && sim.Count("list_team_members") < 20 {
			time.Sleep(time.Millisecond)
		}
		sim.ExhaustCredits()
	}()
	path := filepath.Join(t.TempDir(), "sync.c1z")
	if err := synctest.Sync(ctx, conn, path, 4); err != nil {
		t.Fatalf("sync: %v", err)
	}
	<-done
	got, err := synctest.Read(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := simtest.Expect(want).Diff(got); diff != "" {
		t.Fatalf("c1z differs:\n%s", diff)
	}
	st := client.Pacer().Stats()
	if sim.Status429() == 0 || st.Throttled != sim.Status429() {
		t.Fatalf("simulator sent %d 429s, pacer saw %d; the test did not force a throttle", sim.Status429(), st.Throttled)
	}
	if st.Waits != 1 {
		t.Errorf("pacer waited %d times; after one forced 429 all workers should share exactly one wait", st.Waits)
	}
	if st.Throttled > 4 {
		t.Errorf("%d 429s: only the calls already in flight (≤ 4 workers) may be throttled", st.Throttled)
	}
	// Every call beyond the budget is a throttled call that was repeated.
	budget := simtest.MinCalls(want)
	total := 0
	for _, n := range budget {
		total += n
	}
	if got := sim.TotalCount(); got != total+sim.Status429() {
		t.Errorf("%d calls, want budget %d + %d throttled", got, total, sim.Status429())
	}
}
