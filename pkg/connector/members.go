package connector

import (
	"context"
	"sort"

	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/session"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"
)

// memberIndex serves org-member pages to every syncer that needs them: users,
// org roles, admin roles and licenses all come from the same pages, so each page
// is fetched from Miro once per sync (org-member calls cost 500 credits) and
// kept in the sync's session store. On a miss (targeted sync, eviction, resumed
// sync) it falls back to the API.
type memberIndex struct {
	client *miro.Client
	orgID  func(context.Context) (string, error)
	flight singleflight.Group
	// prefetch is told when the member walk runs, so it leaves the walk a slot.
	prefetch *teamPrefetch
	progress walkProgress
	// What it knows of one sync (the walk, its summary, the member ids) lives
	// in the sync's scope (scope.go), passed to every method.
}

// memberPage is one cached page: the members and the cursor of the next page.
type memberPage struct {
	Members []miro.Member `json:"m"`
	Next    string        `json:"n"`
}

// memberSummary is what the role, admin-role and license lists need to know of
// the whole org: the values in use and how many members hold each.
type memberSummary struct {
	Roles      map[string]int    `json:"r"`
	Licenses   map[string]int    `json:"l"`
	AdminRoles map[string]string `json:"a"` // name -> "prebuilt" | "custom"
	// Cursors of every page after the first, in order: lets grant syncs
	// fan out over the pages instead of walking them one by one.
	Cursors []string `json:"c,omitempty"`
}

const (
	pageKeyPrefix = "member-page:"
	summaryKey    = "member-summary"
)

func pageKey(cursor string) string { return sessionKey(pageKeyPrefix, cursor) }

// page returns the org-member page that starts at cursor ("" = first page).
// annos carries rate-limit data when the page came from Miro.
func (m *memberIndex) page(ctx context.Context, ss sessions.SessionStore, sc *syncScope, cursor string) (*memberPage, annotations.Annotations, error) {
	if p, ok := m.cached(ctx, ss, cursor); ok {
		return p, nil, nil
	}
	type result struct {
		page  *memberPage
		annos annotations.Annotations
	}
	// Concurrent syncers asking for the same page share one call.
	v, err, _ := m.flight.Do(sc.id+"\x00"+cursor, func() (any, error) {
		// Another caller may have stored it between our miss and this flight.
		if p, ok := m.cached(ctx, ss, cursor); ok {
			return result{page: p}, nil
		}
		orgID, err := m.orgID(ctx)
		if err != nil {
			return nil, err
		}
		m.progress.begin(&sc.walk, m.client.Pacer().Stats())
		apiPage, resp, err := fetchPage(ctx, &sc.lists, "organization members", cursor,
			func(ctx context.Context, cursor string) (*miro.Page[miro.Member], *miro.Response, error) {
				// The member list is one chain the whole sync waits for.
				return m.client.ListMembers(miro.WithUrgency(ctx), orgID, cursor)
			})
		if err != nil {
			return nil, explain(err, "listing organization members")
		}
		p := &memberPage{Members: apiPage.Data, Next: apiPage.Cursor}
		m.progress.fetched(ctx, &sc.walk, len(p.Members), p.Next == "", m.client.Pacer().Stats())
		m.store(ctx, ss, cursor, p)
		return result{page: p, annos: rateLimitAnnotations(resp)}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	r, _ := v.(result) // the only type the flight returns
	return r.page, r.annos, nil
}

// store caches a page for the other syncers of this sync.
func (m *memberIndex) store(ctx context.Context, ss sessions.SessionStore, cursor string, p *memberPage) {
	if ss == nil {
		return
	}
	if err := session.SetJSON(ctx, ss, pageKey(cursor), p); err != nil {
		ctxzap.Extract(ctx).Debug("caching an org-member page failed; later readers will refetch it", zap.Error(err))
	}
}

// notMembers returns the ids that are not org members. The first call of a sync
// collects every member id from the cached member pages (the list phase has
// fetched them all by then), once, in memory. A sync that did not list the
// members (a targeted sync) has nothing to check against and gets nil.
func (m *memberIndex) notMembers(ctx context.Context, ss sessions.SessionStore, sc *syncScope, ids []string) (map[string]bool, error) {
	if !m.listed(ctx, ss, sc) {
		return nil, nil
	}
	known, err := m.memberIDs(ctx, ss, sc)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, id := range ids {
		if _, ok := known[id]; !ok {
			out[id] = true
		}
	}
	return out, nil
}

// listed reports whether this sync has walked the whole member list.
func (m *memberIndex) listed(ctx context.Context, ss sessions.SessionStore, sc *syncScope) bool {
	sc.mu.Lock()
	call := sc.summary
	sc.mu.Unlock()
	if call != nil {
		select {
		case <-call.done:
			return call.err == nil
		default:
			return false
		}
	}
	if ss == nil {
		return false
	}
	_, ok, err := ss.Get(ctx, summaryKey)
	return err == nil && ok
}

func (m *memberIndex) memberIDs(ctx context.Context, ss sessions.SessionStore, sc *syncScope) (map[string]struct{}, error) {
	sc.mu.Lock()
	if sc.memberIDs != nil {
		ids := sc.memberIDs
		sc.mu.Unlock()
		return ids, nil
	}
	sc.mu.Unlock()
	v, err, _ := m.flight.Do(sc.id+"\x00ids", func() (any, error) {
		ids := map[string]struct{}{}
		if err := m.walk(ctx, ss, sc, func(mem miro.Member) { ids[mem.ID] = struct{}{} }); err != nil {
			return nil, err
		}
		sc.mu.Lock()
		sc.memberIDs = ids
		sc.mu.Unlock()
		return ids, nil
	})
	if err != nil {
		return nil, err
	}
	ids, _ := v.(map[string]struct{}) // the only type the flight returns
	return ids, nil
}

func (m *memberIndex) cached(ctx context.Context, ss sessions.SessionStore, cursor string) (*memberPage, bool) {
	if ss == nil {
		return nil, false
	}
	p, ok, err := session.GetJSON[*memberPage](ctx, ss, pageKey(cursor))
	if err != nil || !ok || p == nil {
		return nil, false
	}
	return p, true
}

// summary walks every member page once per sync and records the values in use.
func (m *memberIndex) summary(ctx context.Context, ss sessions.SessionStore, sc *syncScope) (*memberSummary, error) {
	if ss != nil {
		if s, ok, err := session.GetJSON[*memberSummary](ctx, ss, summaryKey); err == nil && ok && s != nil {
			return s, nil
		}
	}
	sc.mu.Lock()
	call := sc.summary
	leader := call == nil
	if leader {
		call = &summaryCall{done: make(chan struct{})}
		sc.summary = call
	}
	sc.mu.Unlock()
	if leader {
		done := m.prefetch.walk()
		call.val, call.err = m.computeSummary(ctx, ss, sc)
		done()
		if call.err != nil {
			sc.mu.Lock()
			if sc.summary == call {
				sc.summary = nil // let a retry try again
			}
			sc.mu.Unlock()
		}
		close(call.done)
	}
	select {
	case <-call.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return call.val, call.err
}

// summaryCall is one walk of the member list, shared by every caller of a sync.
type summaryCall struct {
	done chan struct{}
	val  *memberSummary
	err  error
}

func (m *memberIndex) computeSummary(ctx context.Context, ss sessions.SessionStore, sc *syncScope) (*memberSummary, error) {
	s := &memberSummary{Roles: map[string]int{}, Licenses: map[string]int{}, AdminRoles: map[string]string{}}
	err := m.walkPages(ctx, ss, sc, func(cursor string) {
		if cursor != "" {
			s.Cursors = append(s.Cursors, cursor)
		}
	}, func(mem miro.Member) {
		s.Roles[normalizeEnum(mem.Role)]++
		s.Licenses[normalizeEnum(mem.License)]++
		for _, ar := range mem.AdminRoles {
			if ar.Name != "" {
				s.AdminRoles[ar.Name] = ar.Type
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if ss != nil {
		if err := session.SetJSON(ctx, ss, summaryKey, s); err != nil {
			ctxzap.Extract(ctx).Debug("caching the member summary failed", zap.Error(err))
		}
	}
	return s, nil
}

// walk calls fn for every member of the org, page by page.
func (m *memberIndex) walk(ctx context.Context, ss sessions.SessionStore, sc *syncScope, fn func(miro.Member)) error {
	return m.walkPages(ctx, ss, sc, nil, fn)
}

// walkPages is walk that also reports each page's cursor.
func (m *memberIndex) walkPages(ctx context.Context, ss sessions.SessionStore, sc *syncScope, onPage func(cursor string), fn func(miro.Member)) error {
	cursor := ""
	for {
		p, _, err := m.page(ctx, ss, sc, cursor)
		if err != nil {
			return err
		}
		if onPage != nil {
			onPage(cursor)
		}
		for _, mem := range p.Members {
			fn(mem)
		}
		if p.Next == "" {
			return nil
		}
		cursor = p.Next
	}
}

// normalizeEnum maps an absent value to Miro's own "unknown".
func normalizeEnum(v string) string {
	if v == "" {
		return miro.RoleUnknown
	}
	return v
}

// withKnown returns the documented values followed by any others seen, sorted.
func withKnown(known []string, seen map[string]int) []string {
	out := append([]string(nil), known...)
	isKnown := map[string]bool{}
	for _, k := range known {
		isKnown[k] = true
	}
	var extra []string
	for v := range seen {
		if !isKnown[v] {
			extra = append(extra, v)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}
