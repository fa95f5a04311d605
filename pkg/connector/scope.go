package connector

import (
	"sync"
	"time"
)

// A sync scope is one value per sync id that owns every per-sync cache of the
// connector: the cursor-cycle guard of the sync's lists, the org-member walk
// (its summary, its member ids and its progress), and whether Miro refused
// user groups in that sync. The prefetcher's run (prefetch.go) belongs to the
// scope of its sync too: it ends when the scope ends. What the SDK's session
// store holds (member pages, SCIM profiles, listed groups) is the SDK's to
// clear; the scope holds only what lives in the connector's memory.
//
// Lifetime rule. The SDK tells a connector neither when a sync starts nor when
// it ends (connectorbuilder's Cleanup clears the session store and HTTP caches
// without calling the connector), so a scope ends by rule:
//   - while an SDK call of its sync runs in the connector it is never dropped;
//   - it ends maxSyncScopes other sync ids later: only the most recently used
//     scopes are kept (least recently used first out). One process runs one
//     sync at a time, but a service can interleave a full sync with targeted
//     syncs, and a resumed sync keeps its id, so a few are kept, not one;
//   - it ends after scopeIdle without an SDK call of its sync, checked by a
//     timer armed when the last call of a scope returns and on every lookup.
//     Between the calls of a live sync the SDK is away for seconds (see
//     sdkGone), so a live sync never idles this long.
//
// Dropping a scope too early is never wrong, only dearer: its caches are
// rebuilt from the session store (or Miro) by the next call that needs them,
// and its lists are no longer checked for cycles from the start.
type syncScope struct {
	id    string
	lists listGuard // every cursor-paged list of the sync (listguard.go)
	walk  walkState // the org-member walk's progress (progress.go)
	// The org's classification labels, read once (classification.go).
	labels labelCache

	mu           sync.Mutex
	summary      *summaryCall        // the sync's one walk of the member list (members.go)
	memberIDs    map[string]struct{} // every org member id, once walked
	groupsDenied bool                // Miro refused user groups in this sync (warned once)
	// Which side of the group-to-team links this sync reads, once decided
	// (link_side.go): both syncers must decide alike.
	linkSideDecided, linksPerGroup bool
	// Failures in a row of the session store that only it could answer (session.go).
	storeFailures int

	// Guarded by syncScopes.mu.
	active   int       // SDK calls of this sync running now
	lastUsed time.Time // when the scope was last looked up or a call of it returned
}

const (
	// maxSyncScopes is how many sync ids keep their scope (least recently used out).
	maxSyncScopes = 4
	// scopeIdle ends a scope whose sync has made no SDK call for this long.
	scopeIdle = 10 * time.Minute
)

// syncScopes holds the scopes of the most recent syncs. The zero value is ready.
type syncScopes struct {
	// The clock, both halves injectable (tests): now tells the time (nil =
	// time.Now) and afterFunc runs f after d, returning what stops it (nil =
	// time.AfterFunc).
	now       func() time.Time
	afterFunc func(d time.Duration, f func()) (stop func() bool)
	onEnd     func(id string) // told of every scope that ends, outside the lock

	mu    sync.Mutex
	byID  map[string]*syncScope
	timer func() bool // stops the timer armed while an idle scope waits for its end; nil = none armed
}

func (s *syncScopes) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

func (s *syncScopes) after(d time.Duration, f func()) func() bool {
	if s.afterFunc != nil {
		return s.afterFunc(d, f)
	}
	return time.AfterFunc(d, f).Stop
}

// get returns the scope of a sync, creating it.
func (s *syncScopes) get(id string) *syncScope {
	s.mu.Lock()
	sc, ended := s.lookupLocked(id)
	s.mu.Unlock()
	s.end(ended)
	return sc
}

// hold keeps the scope of a sync alive until the returned func is called: the
// span of one SDK call. An empty id (a call outside any sync) holds nothing.
func (s *syncScopes) hold(id string) func() {
	if id == "" {
		return func() {}
	}
	s.mu.Lock()
	sc, ended := s.lookupLocked(id)
	sc.active++
	s.mu.Unlock()
	s.end(ended)
	return func() {
		s.mu.Lock()
		sc.active--
		sc.lastUsed = s.clock()
		s.armLocked()
		s.mu.Unlock()
	}
}

func (s *syncScopes) lookupLocked(id string) (*syncScope, []*syncScope) {
	now := s.clock()
	ended := s.expireLocked(now)
	sc := s.byID[id]
	if sc == nil {
		if s.byID == nil {
			s.byID = map[string]*syncScope{}
		}
		sc = &syncScope{id: id}
		s.byID[id] = sc
		ended = append(ended, s.evictLocked(id)...)
	}
	sc.lastUsed = now
	return sc, ended
}

// expireLocked removes the scopes idle for scopeIdle.
func (s *syncScopes) expireLocked(now time.Time) []*syncScope {
	var ended []*syncScope
	for id, sc := range s.byID {
		if sc.active == 0 && now.Sub(sc.lastUsed) >= scopeIdle {
			delete(s.byID, id)
			ended = append(ended, sc)
		}
	}
	return ended
}

// evictLocked removes the least recently used idle scopes beyond maxSyncScopes,
// never keep's.
func (s *syncScopes) evictLocked(keep string) []*syncScope {
	var ended []*syncScope
	for len(s.byID) > maxSyncScopes {
		var lru *syncScope
		for _, sc := range s.byID {
			if sc.active == 0 && sc.id != keep && (lru == nil || sc.lastUsed.Before(lru.lastUsed)) {
				lru = sc
			}
		}
		if lru == nil {
			break // every other scope has a call running: keep them all for now
		}
		delete(s.byID, lru.id)
		ended = append(ended, lru)
	}
	return ended
}

// armLocked starts the timer for the next idle scope's end, if none runs.
func (s *syncScopes) armLocked() {
	if s.timer != nil {
		return
	}
	var next time.Time
	for _, sc := range s.byID {
		if at := sc.lastUsed.Add(scopeIdle); sc.active == 0 && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	if next.IsZero() {
		return
	}
	s.timer = s.after(max(next.Sub(s.clock()), time.Second), s.sweep)
}

// sweep ends the idle scopes and arms the timer for the next one.
func (s *syncScopes) sweep() {
	s.mu.Lock()
	s.timer = nil
	ended := s.expireLocked(s.clock())
	s.armLocked()
	s.mu.Unlock()
	s.end(ended)
}

// end releases what ended scopes hold and tells onEnd.
func (s *syncScopes) end(ended []*syncScope) {
	for _, sc := range ended {
		sc.mu.Lock()
		sc.summary, sc.memberIDs = nil, nil
		sc.mu.Unlock()
		sc.lists.reset()
		if s.onEnd != nil {
			s.onEnd(sc.id)
		}
	}
}

// len is the number of scopes held (tests).
func (s *syncScopes) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}
