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

const simToken = "e2e-access-token"

func startSim(t *testing.T, gen mirosim.GenOptions, opts mirosim.Options) (*mirosim.Server, *mirosim.Org) {
	t.Helper()
	org := mirosim.Generate(gen)
	want := org.Clone()
	if opts.Token == "" {
		opts.Token = simToken
	}
	sim := mirosim.New(org, opts)
	if _, err := sim.Start(); err != nil {
		t.Fatalf("starting simulator: %v", err)
	}
	t.Cleanup(sim.Close)
	return sim, want
}

// TestSyncExactOrg syncs a 1,000-user / 100-team org (teams over 100 members,
// empty teams, every enum value) with one and four workers and requires the
// c1z to equal the simulator's org and the API calls to equal the budget.
func TestSyncExactOrg(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			ctx, cancel := syncContext(t)
			defer cancel()
			sim, org := startSim(t, mirosim.GenOptions{Seed: 42, Users: 1000, Teams: 100}, mirosim.Options{Credits: -1})
			requireSkew(t, org)

			got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), workers)
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			if diff := simtest.Expect(org).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
			requireBudget(t, sim, org)
		})
	}
}

// TestSyncStaysWithinWorkers: team pages are fetched ahead of the SDK, yet the
// calls in flight never exceed the SDK's workers, and every page is fetched once.
func TestSyncStaysWithinWorkers(t *testing.T) {
	for _, workers := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			ctx, cancel := syncContext(t)
			defer cancel()
			// Latency makes calls overlap where the connector lets them.
			sim, org := startSim(t, mirosim.GenOptions{Seed: 42, Users: 1000, Teams: 100}, mirosim.Options{Credits: -1, Latency: 5 * time.Millisecond})
			got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), workers)
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			if diff := simtest.Expect(org).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
			requireBudget(t, sim, org)
			peak := sim.MaxConcurrent()
			if peak > workers {
				t.Errorf("%d calls were in flight at once with %d workers", peak, workers)
			}
			if workers > 1 && peak < 2 {
				t.Errorf("calls never overlapped with %d workers: nothing was fetched ahead", workers)
			}
		})
	}
}

// TestSyncUnknownEnums: values Miro may add later are kept, not dropped or fatal.
func TestSyncUnknownEnums(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sim, org := startSim(t, mirosim.GenOptions{Seed: 7, Users: 300, Teams: 20, UnknownEnums: true}, mirosim.Options{Credits: -1})
	got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 2)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if diff := simtest.Expect(org).Diff(got); diff != "" {
		t.Fatalf("c1z differs from the simulated org:\n%s", diff)
	}
	for _, id := range []string{"organization_future_role"} {
		if got.Resources["role"][id] == nil {
			t.Errorf("unknown org role %q was not kept as a role resource", id)
		}
	}
	if got.Resources["license"]["enterprise_plus"] == nil {
		t.Errorf("unknown license enterprise_plus was not kept as a license resource")
	}
	kept := 0
	for _, g := range got.Grants {
		for _, a := range g.GetAnnotations() {
			if a.MessageName() == "c1.connector.v2.GrantMetadata" {
				kept++
			}
		}
	}
	if kept == 0 {
		t.Errorf("no grant carries the raw value of an unknown team role in its metadata")
	}
	requireBudget(t, sim, org)
}

func requireSkew(t *testing.T, org *mirosim.Org) {
	t.Helper()
	over100, empty := 0, 0
	for _, team := range org.Teams {
		switch n := len(team.Members); {
		case n > 100:
			over100++
		case n == 0:
			empty++
		}
	}
	if over100 == 0 || empty == 0 {
		t.Fatalf("generated org lacks skew: %d teams over 100 members, %d empty", over100, empty)
	}
}

// requireBudget asserts the exact API calls of a full sync: nothing beyond the
// minimum, no per-user calls.
func requireBudget(t *testing.T, sim *mirosim.Server, org *mirosim.Org) {
	t.Helper()
	requireBudgetParts(t, sim, org, simtest.DefaultParts(org))
}

// requireBudgetParts is requireBudget for a sync covering parts of org.
func requireBudgetParts(t *testing.T, sim *mirosim.Server, org *mirosim.Org, parts simtest.Parts) {
	t.Helper()
	want := simtest.MinCallsParts(org, parts)
	got := sim.Counts()
	for route, n := range got {
		if want[route] != n {
			t.Errorf("route %s: %d calls, budget %d", route, n, want[route])
		}
	}
	for route, n := range want {
		if got[route] != n {
			t.Errorf("route %s: %d calls, budget %d", route, got[route], n)
		}
	}
}

// syncContext is the context of a test's syncs: it ends with the test run's
// own deadline (go test -timeout), not an arbitrary wall-clock budget, so a
// loaded machine makes a test slower, never a failure; a hung sync still ends
// the run with its goroutines dumped.
func syncContext(t *testing.T) (context.Context, context.CancelFunc) {
	if d, ok := t.Deadline(); ok {
		return context.WithDeadline(context.Background(), d)
	}
	return context.WithCancel(context.Background())
}
