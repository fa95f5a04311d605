package connector

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/conductorone/baton-sdk/pkg/annotations"
)

// TestPrefetchScheduler drives the prefetcher with an injected fetch, without
// HTTP: speculation never has more fetches in flight than the slots the SDK's
// concurrency allows, every page the SDK reads is fetched once (ahead or on
// demand), and ending the sync's scope drops its run.
func TestPrefetchScheduler(t *testing.T) {
	const slots, teams = 3, 6
	var (
		mu       sync.Mutex
		started  = map[string]int{}
		inflight int
		peak     int
	)
	release := make(chan struct{})
	fetch := func(ctx context.Context, _ *listGuard, teamID, cursor string) (*miro.Page[miro.TeamMember], annotations.Annotations, error) {
		mu.Lock()
		started[teamID+"/"+cursor]++
		inflight++
		peak = max(peak, inflight)
		mu.Unlock()
		select {
		case <-release:
		case <-ctx.Done():
		}
		mu.Lock()
		inflight--
		mu.Unlock()
		next := ""
		if teamID == "t0" && cursor == "" {
			next = "c2" // t0 has a second page
		}
		return &miro.Page[miro.TeamMember]{Data: []miro.TeamMember{{ID: "u-" + teamID + cursor}}, Cursor: next}, nil, nil
	}
	p := newTeamPrefetch(fetch, slots)
	sc := &syncScope{id: "s1"}
	ctx := context.Background()
	ids := make([]string, teams)
	for i := range ids {
		ids[i] = fmt.Sprintf("t%d", i)
	}
	p.add(ctx, sc, ids)

	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := inflight
		mu.Unlock()
		if n == slots || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // room for a fetch beyond the slots to start, if one would
	mu.Lock()
	if peak != slots || len(started) != slots {
		t.Errorf("%d fetches ahead started, at most %d at once; want exactly %d (the slots)", len(started), peak, slots)
	}
	mu.Unlock()
	close(release)

	// The SDK reads every page of every team.
	for _, id := range ids {
		cursor := ""
		for {
			page, _, err := p.page(ctx, sc, id, cursor)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Data) != 1 || page.Data[0].ID != "u-"+id+cursor {
				t.Fatalf("page %s/%s = %+v", id, cursor, page.Data)
			}
			if cursor = page.Cursor; cursor == "" {
				break
			}
		}
	}
	mu.Lock()
	if len(started) != teams+1 {
		t.Errorf("%d pages fetched, want %d", len(started), teams+1)
	}
	for k, n := range started {
		if n != 1 {
			t.Errorf("page %s fetched %d times", k, n)
		}
	}
	mu.Unlock()

	p.end("other") // another sync's end leaves this run alone
	if p.run == nil {
		t.Fatal("ending another sync dropped this sync's run")
	}
	run := p.run
	p.end("s1")
	if p.run != nil || run.ctx.Err() == nil {
		t.Error("the run outlived its sync's scope")
	}
}

// TestWorkersSizeTheGate: the worker count main passes in (WithWorkers) is the
// number of slots the client's calls share; without it, or below 1, one slot
// (the SDK's default of one worker).
func TestWorkersSizeTheGate(t *testing.T) {
	t.Parallel()
	client, err := miro.New(miro.Options{APIURL: "http://127.0.0.1:1", AccessToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		opts []Option
		want int
	}{
		{nil, 1},
		{[]Option{WithWorkers(4)}, 4},
		{[]Option{WithWorkers(0)}, 1},
		{[]Option{WithWorkers(-1)}, 1},
		{[]Option{WithWorkers(2), WithWorkers(3)}, 3},
	} {
		if got := NewWithClient(client, tt.opts...).prefetch.limit; got != tt.want {
			t.Errorf("%d options: %d slots, want %d", len(tt.opts), got, tt.want)
		}
	}
}
