package connector_test

import (
	"path/filepath"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
)

// TestValidateCostPerSync: in one connector (one process), only the first
// Validate reads the organization (Level 3); every Validate reads the token
// context, so a token revoked later still fails the next sync's Validate; a
// full sync reads the organization once (license seats), every time; a
// targeted sync never does.
func TestValidateCostPerSync(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	sim, org := startSim(t, mirosim.GenOptions{Seed: 5, Users: 120, Teams: 6}, mirosim.Options{Credits: -1})
	conn, _, err := simtest.NewConnector(sim, simToken)
	if err != nil {
		t.Fatal(err)
	}
	want := func(step string, wantCalls map[string]int) {
		t.Helper()
		got := sim.Counts()
		for _, r := range []string{"oauth_token", "get_org"} {
			if got[r] != wantCalls[r] {
				t.Errorf("%s: %d %s calls, want %d (all: %v)", step, got[r], r, wantCalls[r], got)
			}
		}
		sim.ResetCounts()
	}
	for i := range 3 {
		if _, err := conn.Validate(ctx); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want("first Validate", map[string]int{"oauth_token": 1, "get_org": 1})
		} else {
			want("a later Validate", map[string]int{"oauth_token": 1})
		}
	}
	for i := range 2 {
		if err := synctest.Sync(ctx, conn, filepath.Join(t.TempDir(), "full.c1z"), 1); err != nil {
			t.Fatal(err)
		}
		// The first sync uses the first Validate's reading for license seats; the second reads it itself.
		if i == 0 {
			want("full sync after the first Validate", map[string]int{"oauth_token": 1})
		} else {
			want("a later full sync", map[string]int{"oauth_token": 1, "get_org": 1})
		}
	}
	target := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: "user", Resource: org.Members[7].ID}.Build()}.Build()
	if err := synctest.Sync(ctx, conn, filepath.Join(t.TempDir(), "partial.c1z"), 1, sdksync.WithTargetedSyncResources([]*v2.Resource{target})); err != nil {
		t.Fatal(err)
	}
	want("targeted sync", map[string]int{"oauth_token": 1})

	sim.SetOptions(func(o *mirosim.Options) { o.Token = "rotated-token" })
	if _, err := conn.Validate(ctx); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("Validate after the token was revoked: %v, want Unauthenticated", err)
	}
}
