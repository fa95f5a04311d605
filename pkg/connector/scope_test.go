package connector

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }

func (f *fakeClock) add(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }

// TestSyncScopeLifetime: a scope ends maxSyncScopes sync ids later (least
// recently used first) or after scopeIdle without a call, never while a call
// of its sync runs; onEnd hears of each end once.
func TestSyncScopeLifetime(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	var ended []string
	var armed []time.Duration // the timers armed, by delay; the test sweeps by hand
	s := &syncScopes{now: clock.now, onEnd: func(id string) { ended = append(ended, id) },
		afterFunc: func(d time.Duration, _ func()) func() bool {
			armed = append(armed, d)
			return func() bool { return true }
		}}
	ids := func() []string {
		s.mu.Lock()
		defer s.mu.Unlock()
		var out []string
		for id := range s.byID {
			out = append(out, id)
		}
		slices.Sort(out)
		return out
	}
	done := s.hold("a") // a call of sync a runs
	for _, id := range []string{"b", "c", "d", "e"} {
		clock.add(time.Second)
		s.get(id)
	}
	if got := ids(); !slices.Equal(got, []string{"a", "c", "d", "e"}) || !slices.Equal(ended, []string{"b"}) {
		t.Fatalf("scopes %v, ended %v: want a (running), c, d, e kept and b (least recently used) ended", got, ended)
	}
	clock.add(2 * scopeIdle)
	s.sweep()
	if got := ids(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("after %v idle: scopes %v, want only a, whose call still runs", 2*scopeIdle, got)
	}
	done()
	if s.timer == nil {
		t.Error("the last call of a scope returned and no timer waits for its end")
	}
	// Measured on the injected clock: a's end is exactly scopeIdle away.
	if len(armed) == 0 || armed[len(armed)-1] != scopeIdle {
		t.Errorf("timers armed for %v, want the last for scopeIdle (%v)", armed, scopeIdle)
	}
	clock.add(scopeIdle - time.Second)
	s.sweep()
	if got := ids(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("a ended %v after its last call, before scopeIdle", scopeIdle-time.Second)
	}
	clock.add(time.Second)
	s.sweep()
	// b first (least recently used), then c, d, e in the sweep (in any order), then a.
	if got := ids(); len(got) != 0 || len(ended) != 5 || ended[0] != "b" || ended[4] != "a" ||
		!slices.Equal(slices.Sorted(slices.Values(ended)), []string{"a", "b", "c", "d", "e"}) {
		t.Fatalf("scopes %v, ended %v: want none left, each ended once", got, ended)
	}
	if s.timer != nil {
		t.Error("a timer is armed with no scope left")
	}
	// A lookup also ends idle scopes, timer or not.
	s.get("f")
	clock.add(scopeIdle)
	s.get("g")
	if got := ids(); !slices.Equal(got, []string{"g"}) {
		t.Errorf("scopes %v, want only g", got)
	}
	// Calls outside a sync hold no scope.
	s.hold("")()
	if got := ids(); !slices.Equal(got, []string{"g"}) {
		t.Errorf("a call outside a sync made a scope: %v", got)
	}
}

// TestCountedKeepsCapabilities: the wrapper that counts SDK calls offers the
// SDK exactly the interfaces of the syncer it wraps, for every resource type.
func TestCountedKeepsCapabilities(t *testing.T) {
	client, err := miro.New(miro.Options{AccessToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	c := NewWithClient(client, WithSyncBoards(true))
	sdkInterfaces := []reflect.Type{
		reflect.TypeFor[connectorbuilder.ResourceSyncerV2](),
		reflect.TypeFor[connectorbuilder.ResourceSyncer](),
		reflect.TypeFor[connectorbuilder.ResourceTargetedSyncerLimited](),
		reflect.TypeFor[connectorbuilder.ResourceProvisionerV2Limited](),
		reflect.TypeFor[connectorbuilder.ResourceProvisionerLimited](),
		reflect.TypeFor[connectorbuilder.TypeScopedGrantsSyncer](),
		reflect.TypeFor[connectorbuilder.TypeScopedEntitlementsSyncer](),
		reflect.TypeFor[connectorbuilder.StaticEntitlementSyncerV2](),
		reflect.TypeFor[connectorbuilder.AccountManagerLimited](),
		reflect.TypeFor[connectorbuilder.ResourceDeleterV2Limited](),
		reflect.TypeFor[connectorbuilder.ResourceDeleterLimited](),
		reflect.TypeFor[connectorbuilder.ResourceManagerV2Limited](),
		reflect.TypeFor[connectorbuilder.ResourceManagerLimited](),
		reflect.TypeFor[connectorbuilder.ResourceActionProvider](),
		reflect.TypeFor[connectorbuilder.CredentialManagerLimited](),
	}
	inner, wrapped := c.syncers(), c.ResourceSyncers(context.Background())
	if len(inner) != len(wrapped) || len(inner) != 8 {
		t.Fatalf("%d syncers, %d wrapped; want 8 each", len(inner), len(wrapped))
	}
	for i := range inner {
		for _, it := range sdkInterfaces {
			in, out := reflect.TypeOf(inner[i]).Implements(it), reflect.TypeOf(wrapped[i]).Implements(it)
			if in != out {
				t.Errorf("%T implements %v: %v; its wrapper %T: %v", inner[i], it, in, wrapped[i], out)
			}
		}
	}
}

// TestManySyncsLeaveNoState (issue 13, section 4): 50 syncs on one connector
// leave no per-sync state once their scopes end, and the heap does not grow
// beyond noise.
func TestManySyncsLeaveNoState(t *testing.T) {
	const syncs = 50
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	org := mirosim.Generate(mirosim.GenOptions{Seed: 11, Users: 150, Teams: 6, Groups: 4})
	sim := mirosim.New(org, mirosim.Options{Token: "t", Credits: -1})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	client, err := miro.New(miro.Options{APIURL: sim.BaseURL(), SCIMURL: sim.SCIMURL(), AccessToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	c := NewWithClient(client, WithWorkers(2))
	clock := &fakeClock{t: time.Now()}
	c.scopes.now = clock.now
	dir := t.TempDir()
	// The in-process SDK harness (internal/synctest) dials the connector
	// through bufconn pipes of 4 MB, which grpc's connect deadline timers keep
	// reachable for about 20 s after each sync: the heap is read once they
	// have fired, so it shows what outlives a sync, not the harness's traffic.
	heap := func() uint64 {
		time.Sleep(harnessDrain)
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var before uint64
	for i := range syncs {
		path := filepath.Join(dir, fmt.Sprintf("sync-%d.c1z", i))
		if err := synctest.Sync(ctx, c, path, 2); err != nil {
			t.Fatalf("sync %d: %v", i+1, err)
		}
		_ = os.Remove(path)
		if n := c.scopes.len(); n > maxSyncScopes {
			t.Fatalf("after sync %d: %d scopes, at most %d may be kept", i+1, n, maxSyncScopes)
		}
		if i == 4 { // the SDK's and the runtime's one-time allocations are made by now
			before = heap()
		}
	}
	kept := c.scopes.len()
	clock.add(scopeIdle)
	c.scopes.sweep()
	after := heap()
	t.Logf("%d syncs: %d scopes kept after the last sync, %d after scopeIdle; heap %.2f MB after sync 5, %.2f MB after sync %d once the scopes ended",
		syncs, kept, c.scopes.len(), mb(before), mb(after), syncs)
	if kept != maxSyncScopes {
		t.Errorf("%d scopes after %d syncs, want the %d most recent", kept, syncs, maxSyncScopes)
	}
	if n := c.scopes.len(); n != 0 {
		t.Errorf("%d scopes left after scopeIdle without calls", n)
	}
	c.prefetch.mu.Lock()
	run := c.prefetch.run
	c.prefetch.mu.Unlock()
	if run != nil {
		t.Errorf("the prefetcher still holds the run of sync %q", run.syncID)
	}
	const noise = 2 << 20
	if after > before+noise {
		t.Errorf("heap grew from %.2f MB to %.2f MB over %d syncs (noise allowance %.0f MB)", mb(before), mb(after), syncs-5, mb(noise))
	}
}

// harnessDrain outlasts grpc's 20 s connect deadline (see TestManySyncsLeaveNoState).
const harnessDrain = 22 * time.Second

func mb(n uint64) float64 { return float64(n) / (1 << 20) }
