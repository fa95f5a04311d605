package connector

import (
	"context"
	"sync"
	"time"

	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/conductorone/baton-sdk/pkg/annotations"
)

// teamPrefetch fetches team-member pages while the org-member list is still
// being paged. Miro's member cursor is the last member id, so that list is one
// sequential chain; meanwhile the SDK workers that list org roles, admin roles
// and licenses only wait for it to end. They spend that wait fetching team
// memberships instead, so the grants phase finds most of them ready. It never
// runs more calls than there are waiting workers, and every page is still
// fetched exactly once: prefetching happens only during the list phase, which
// the SDK finishes before it asks for any grant.
type teamPrefetch struct {
	client *miro.Client
	orgID  func(context.Context) (string, error)

	mu     sync.Mutex
	syncID string
	queue  []teamPageKey                  // pages to fetch next
	pages  map[teamPageKey]teamPageResult // fetched, waiting for Grants
}

type teamPageKey struct{ teamID, cursor string }

type teamPageResult struct {
	page  *miro.Page[miro.TeamMember]
	annos annotations.Annotations
	err   error
}

// reset forgets another sync's state.
func (p *teamPrefetch) resetLocked(syncID string) {
	if p.syncID != syncID {
		p.syncID, p.queue, p.pages = syncID, nil, map[teamPageKey]teamPageResult{}
	}
}

// add queues the first page of each team.
func (p *teamPrefetch) add(syncID string, teamIDs []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetLocked(syncID)
	for _, id := range teamIDs {
		p.queue = append(p.queue, teamPageKey{teamID: id})
	}
}

// take returns (and forgets) a prefetched page.
func (p *teamPrefetch) take(syncID, teamID, cursor string) (teamPageResult, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.syncID != syncID {
		return teamPageResult{}, false
	}
	k := teamPageKey{teamID, cursor}
	r, ok := p.pages[k]
	if ok {
		delete(p.pages, k)
	}
	return r, ok
}

// work fetches one queued page; false when the queue is empty.
func (p *teamPrefetch) work(ctx context.Context, syncID string) bool {
	p.mu.Lock()
	if p.syncID != syncID || len(p.queue) == 0 {
		p.mu.Unlock()
		return false
	}
	k := p.queue[0]
	p.queue = p.queue[1:]
	p.mu.Unlock()

	page, annos, err := p.fetch(ctx, k.teamID, k.cursor)
	if ctx.Err() != nil {
		return false // the caller is gone; Grants will fetch this page itself
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.syncID != syncID {
		return false
	}
	p.pages[k] = teamPageResult{page: page, annos: annos, err: err}
	if err == nil && page.Cursor != "" {
		// Continue this team next, so its pages are ready in order.
		p.queue = append([]teamPageKey{{k.teamID, page.Cursor}}, p.queue...)
	}
	return true
}

// whileWaiting prefetches until done is closed (or nothing is left to fetch
// and done is closed later).
func (p *teamPrefetch) whileWaiting(ctx context.Context, syncID string, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		default:
		}
		if !p.work(ctx, syncID) {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
}

// page returns one page of a team's members, prefetched or fetched now.
func (p *teamPrefetch) page(ctx context.Context, syncID, teamID, cursor string) (*miro.Page[miro.TeamMember], annotations.Annotations, error) {
	if r, ok := p.take(syncID, teamID, cursor); ok {
		return r.page, r.annos, r.err
	}
	return p.fetch(ctx, teamID, cursor)
}

func (p *teamPrefetch) fetch(ctx context.Context, teamID, cursor string) (*miro.Page[miro.TeamMember], annotations.Annotations, error) {
	orgID, err := p.orgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	what := "members of team " + teamID
	page, resp, err := fetchPage(ctx, what, cursor,
		func(ctx context.Context, cursor string) (*miro.Page[miro.TeamMember], *miro.Response, error) {
			return p.client.ListTeamMembers(ctx, orgID, teamID, cursor)
		})
	if err != nil {
		return nil, nil, explain(err, "listing "+what)
	}
	return page, rateLimitAnnotations(resp), nil
}
