package connector_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
	"github.com/conductorone/baton-miro/pkg/miro"
)

// TestSyncWithADeadSessionStore: a session store that fails every call
// (Unavailable). Without SCIM the sync uses the store for bookkeeping only:
// it completes and the c1z is exact, read from Miro at the cost of calls.
// With SCIM the users' profiles are kept only in the store: the SDK retries
// the users page a bounded number of times, each try reading SCIM again,
// then the sync fails with Aborted, naming the store. It never loops.
func TestSyncWithADeadSessionStore(t *testing.T) {
	gen := mirosim.GenOptions{Seed: 97, Users: 300, Teams: 60, Groups: 20, Boards: true, GroupShares: true}
	boards := []connector.Option{connector.WithSyncBoards(true)}
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("without SCIM workers=%d", workers), func(t *testing.T) {
			ctx, cancel := syncContext(t)
			defer cancel()
			sim, org := startSim(t, gen, mirosim.Options{Credits: -1})
			got, err := simtest.SyncAndReadWith(synctest.WithSessionFaults(ctx, 1), sim, simToken,
				filepath.Join(t.TempDir(), "sync.c1z"), workers, boards)
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			if diff := simtest.ExpectParts(org, simtest.Parts{Boards: true}).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
		})
	}
	t.Run("with SCIM", func(t *testing.T) {
		ctx, cancel := syncContext(t)
		defer cancel()
		sim, _ := startSim(t, gen, mirosim.Options{Credits: -1, SCIMToken: "scim-secret"})
		// Validate's one SCIM call, then one SCIM page per try of the users
		// page: the first try and three retries (the connector's storeRetries).
		const tries = 4
		want := 1 + tries
		// A sync that reads SCIM more often is stopped here, so a retry
		// without end fails this test instead of running to its deadline.
		ctx, stop := context.WithCancel(ctx)
		defer stop()
		go func() {
			for ctx.Err() == nil && sim.Count("scim_list_users") <= want {
				time.Sleep(20 * time.Millisecond)
			}
			stop()
		}()
		_, err := simtest.SyncAndReadWith(synctest.WithSessionFaults(ctx, 1), sim, simToken,
			filepath.Join(t.TempDir(), "sync.c1z"), 4, boards, func(o *miro.Options) { o.SCIMToken = "scim-secret" })
		if n := sim.Count("scim_list_users"); n != want {
			t.Errorf("%d SCIM listings, want %d (Validate's and %d tries of the users page); the sync ended with: %v", n, want, tries, err)
		}
		if err == nil {
			t.Fatal("the sync succeeded although no SCIM profile could be kept")
		}
		if status.Code(err) != codes.Aborted || !strings.Contains(err.Error(), fmt.Sprintf("session store failed %d times in a row", tries)) {
			t.Errorf("the sync failed with %v; want Aborted, naming the session store", err)
		}
	})
}
