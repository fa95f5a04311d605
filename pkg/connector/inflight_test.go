package connector_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"
)

// TestUserGroupSyncKeepsWorkersBusy: a sync of user groups alone under four
// workers, with the connector told the count (WithWorkers, as main passes
// --workers), keeps four calls in flight, never more (issue 15: 1 in flight).
func TestUserGroupSyncKeepsWorkersBusy(t *testing.T) {
	const workers = 4
	ctx, cancel := syncContext(t)
	defer cancel()
	sim, _ := startSim(t, mirosim.GenOptions{Seed: 5, Users: 200, Teams: 4, Groups: 40},
		mirosim.Options{Credits: -1, Latency: 10 * time.Millisecond})
	conn, _, err := simtest.NewConnectorWith(sim, simToken, []connector.Option{connector.WithWorkers(workers)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sync.c1z")
	if err := synctest.Sync(ctx, conn, path, workers, sdksync.WithSyncResourceTypes([]string{"user_group"})); err != nil {
		t.Fatalf("sync: %v", err)
	}
	peak := sim.MaxConcurrent()
	t.Logf("user-group-only sync, %d workers: at most %d calls in flight, %d calls", workers, peak, sim.TotalCount())
	if peak != workers {
		t.Errorf("at most %d calls in flight with %d workers, want %d", peak, workers, workers)
	}
}
