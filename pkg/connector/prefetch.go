package connector

import (
	"context"
	"sync"

	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/conductorone/baton-sdk/pkg/annotations"
)

// teamPrefetch keeps Miro busy with team-member pages while the SDK is doing
// something else: paging the org-member list (one sequential cursor chain),
// writing grants, listing entitlements. Without it every SDK worker alternates
// between one call and its own bookkeeping, and the network idles for half of
// a large sync.
//
// It never has more calls in flight than the SDK has workers: calls share
// `limit` slots, the worker count main passes in (WithWorkers). A call made for an SDK
// worker (a page the SDK asked for, the team list, the member walk) comes
// first; speculative fetches only take a slot nobody waits for. While the
// org-member list is being walked one slot stays reserved for it, because that
// chain decides when the SDK may start on grants.
//
// Every page is still fetched once: a page the SDK asks for is taken from the
// fetched pages, or waited for when in flight, or fetched by the caller. At most
// maxReady pages wait in memory.
type teamPrefetch struct {
	fetch fetchTeamPage
	// abandoned reports that the SDK has stopped calling (a cancelled sync):
	// speculation then stops rather than spend credits nobody will use.
	abandoned func() bool
	off       bool // never fetch ahead (WithoutPrefetch)

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced whenever a slot frees up
	limit     int           // slots: the SDK's worker count
	busy      int           // calls in flight, for SDK workers and speculative
	walking   int           // org-member walks in progress; speculation leaves them a slot
	fgWaiting int           // SDK workers waiting for a slot
	run       *prefetchRun  // the run of the sync that asked last; ends with its scope (see end)
}

// fetchTeamPage fetches one page of a team's members for the SDK or ahead of
// it; lists is the sync's list guard. The connector's fetches through the
// Miro client (fetchTeamMembers); the scheduler's tests fetch without HTTP.
type fetchTeamPage func(ctx context.Context, lists *listGuard, teamID, cursor string) (*miro.Page[miro.TeamMember], annotations.Annotations, error)

// maxReady bounds the fetched pages waiting for the SDK (about 10 kB each).
const maxReady = 4000

// prefetchRun is one sync's state.
type prefetchRun struct {
	syncID   string
	lists    *listGuard      // the sync's (its scope's)
	ctx      context.Context // detached from SDK calls, which end before their fetches may
	cancel   context.CancelFunc
	teams    []string // in list order
	index    map[string]int
	pending  int           // listed teams whose first page no one has started to fetch
	next     []teamPageKey // later pages of teams already begun, most recent last
	inflight map[teamPageKey]*pageCall
	ready    map[teamPageKey]teamPageResult
	fetched  map[teamPageKey]bool // ever started (ahead or for the SDK), so never fetched ahead twice
	healthy  bool                 // no speculative fetch failed since a team page last came back
	pos, dir int                  // where the SDK last asked for a first page, and which way it moves
}

type teamPageKey struct{ teamID, cursor string }

type teamPageResult struct {
	page  *miro.Page[miro.TeamMember]
	annos annotations.Annotations
	err   error
}

type pageCall struct{ done chan struct{} }

// newTeamPrefetch returns a prefetcher whose calls share slots (at least 1).
func newTeamPrefetch(fetch fetchTeamPage, slots int) *teamPrefetch {
	return &teamPrefetch{fetch: fetch, limit: max(slots, 1), changed: make(chan struct{})}
}

// runLocked returns the state of sc's sync, replacing another sync's.
func (p *teamPrefetch) runLocked(ctx context.Context, sc *syncScope) *prefetchRun {
	if p.run != nil && p.run.syncID == sc.id {
		return p.run
	}
	if p.run != nil {
		p.run.cancel()
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.run = &prefetchRun{
		syncID: sc.id, lists: &sc.lists, ctx: rctx, cancel: cancel, index: map[string]int{}, dir: 1, healthy: true,
		inflight: map[teamPageKey]*pageCall{}, ready: map[teamPageKey]teamPageResult{}, fetched: map[teamPageKey]bool{},
	}
	return p.run
}

// end ends the run of a sync whose scope has ended: its fetches are cancelled
// and the pages it fetched ahead are dropped.
func (p *teamPrefetch) end(syncID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.run != nil && p.run.syncID == syncID {
		p.run.cancel()
		p.run = nil
	}
}

// add queues the first page of each team, in list order.
func (p *teamPrefetch) add(ctx context.Context, sc *syncScope, teamIDs []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.runLocked(ctx, sc)
	for _, id := range teamIDs {
		if _, ok := r.index[id]; !ok {
			r.index[id] = len(r.teams)
			r.teams = append(r.teams, id)
			if !r.fetched[teamPageKey{teamID: id}] {
				r.pending++
			}
		}
	}
	p.dispatchLocked()
}

// walk marks an org-member walk in progress until the returned func is called:
// speculation leaves it a slot.
func (p *teamPrefetch) walk() func() {
	p.mu.Lock()
	p.walking++
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		p.walking--
		p.freedLocked()
		p.mu.Unlock()
	}
}

// Acquire takes a slot for a call made for an SDK worker (the client asks on
// every attempt, see miro.Client.SetGate): before any speculative fetch, and
// never beyond the limit.
func (p *teamPrefetch) Acquire(ctx context.Context) error {
	p.mu.Lock()
	p.fgWaiting++
	for p.busy > 0 && p.busy >= p.limit {
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			p.mu.Lock()
			p.fgWaiting--
			p.dispatchLocked() // a speculative fetch may have been held back for us
			p.mu.Unlock()
			return ctx.Err()
		}
		p.mu.Lock()
	}
	p.fgWaiting--
	p.busy++
	p.mu.Unlock()
	return nil
}

// Release gives back a slot taken by Acquire.
func (p *teamPrefetch) Release() {
	p.mu.Lock()
	p.busy--
	p.freedLocked()
	p.mu.Unlock()
}

// freedLocked wakes waiters for a slot and lets speculation use what is left.
func (p *teamPrefetch) freedLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
	p.dispatchLocked()
}

// dispatchLocked starts speculative fetches while slots are free and no SDK
// worker waits for one.
func (p *teamPrefetch) dispatchLocked() {
	r := p.run
	if p.off || r == nil || r.ctx.Err() != nil || !r.healthy || (p.abandoned != nil && p.abandoned()) {
		// After a failed speculative fetch only the pages the SDK asks for are
		// tried, until one comes back: a failing endpoint is not hammered.
		return
	}
	free := p.limit - p.busy
	if p.walking > 0 {
		free-- // the walk's next page must not wait for a speculative fetch
	}
	for ; p.fgWaiting == 0 && free > 0 && len(r.ready)+len(r.inflight) < maxReady; free-- {
		k, ok := r.nextLocked()
		if !ok {
			return
		}
		p.busy++
		go p.speculate(r, k, r.startLocked(k))
	}
}

// nextLocked picks the page to fetch ahead: the next page of a team already
// begun (the SDK reads a team's pages in order), else the first page of the team
// nearest to where the SDK last asked, in the direction it moves.
func (r *prefetchRun) nextLocked() (teamPageKey, bool) {
	for len(r.next) > 0 {
		k := r.next[len(r.next)-1]
		r.next = r.next[:len(r.next)-1]
		if !r.fetched[k] {
			return k, true
		}
	}
	if r.pending == 0 {
		return teamPageKey{}, false
	}
	for _, dir := range []int{r.dir, -r.dir} {
		for i := r.pos; i >= 0 && i < len(r.teams); i += dir {
			if k := (teamPageKey{teamID: r.teams[i]}); !r.fetched[k] {
				return k, true
			}
		}
	}
	return teamPageKey{}, false
}

// startLocked registers a fetch of k about to begin, by whoever makes it.
func (r *prefetchRun) startLocked(k teamPageKey) *pageCall {
	call := &pageCall{done: make(chan struct{})}
	r.inflight[k] = call
	if !r.fetched[k] {
		r.fetched[k] = true
		if _, listed := r.index[k.teamID]; listed && k.cursor == "" {
			r.pending--
		}
	}
	return call
}

func (p *teamPrefetch) speculate(r *prefetchRun, k teamPageKey, call *pageCall) {
	// One attempt: a page that fails is left to the SDK's own call, which
	// retries with the full budget and reports the error.
	page, annos, err := p.fetch(miro.WithGateHeld(miro.WithSingleAttempt(r.ctx)), r.lists, k.teamID, k.cursor)
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(r.inflight, k)
	r.healthy = err == nil
	if r.ctx.Err() == nil && err == nil {
		r.ready[k] = teamPageResult{page: page, annos: annos}
		if page.Cursor != "" {
			r.next = append(r.next, teamPageKey{k.teamID, page.Cursor})
		}
	}
	close(call.done)
	p.busy--
	p.freedLocked()
}

// page returns one page of a team's members: fetched ahead, awaited, or fetched now.
func (p *teamPrefetch) page(ctx context.Context, sc *syncScope, teamID, cursor string) (*miro.Page[miro.TeamMember], annotations.Annotations, error) {
	k := teamPageKey{teamID, cursor}
	var (
		r    *prefetchRun
		mine *pageCall
	)
	for mine == nil {
		p.mu.Lock()
		r = p.runLocked(ctx, sc)
		r.noteDemandLocked(k)
		if res, ok := r.ready[k]; ok {
			delete(r.ready, k)
			p.dispatchLocked()
			p.mu.Unlock()
			return res.page, res.annos, res.err
		}
		call, inflight := r.inflight[k]
		if !inflight {
			mine = r.startLocked(k) // fetched here, so not also ahead
		}
		p.mu.Unlock()
		if inflight {
			select {
			case <-call.done:
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		}
	}
	page, annos, err := p.fetch(ctx, r.lists, teamID, cursor)
	p.mu.Lock()
	delete(r.inflight, k)
	close(mine.done)
	if err == nil && r.ctx.Err() == nil {
		r.healthy = true
		if page.Cursor != "" {
			r.next = append(r.next, teamPageKey{teamID, page.Cursor})
		}
		p.dispatchLocked()
	}
	p.mu.Unlock()
	return page, annos, err
}

// noteDemandLocked records where the SDK asked for a first page, so
// speculation follows the SDK's order of teams.
func (r *prefetchRun) noteDemandLocked(k teamPageKey) {
	i, ok := r.index[k.teamID]
	if !ok || k.cursor != "" {
		return
	}
	if i != r.pos {
		r.dir = 1
		if i < r.pos {
			r.dir = -1
		}
		r.pos = i
	}
}
