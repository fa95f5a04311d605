package connector

import (
	"context"
	"fmt"
	"sync"

	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// listGuard watches every cursor-paged list of a sync as its pages arrive from
// Miro, so a server that misbehaves ends the sync with a clear error instead of
// looping: the SDK asks for whatever page token we hand it, and the org-member
// pages come from a cache once fetched, so a cursor that leads back to an
// earlier page would be followed forever.
//
// Per list it keeps the cursor of each page and the id of each item seen,
// until the list ends (a page without a next cursor), so memory is bounded by
// the lists in progress. Each sync scope has one (scope.go), which ends with
// the sync. It is safe for concurrent use; a nil guard checks nothing.
type listGuard struct {
	mu    sync.Mutex
	lists map[string]*listState
}

// maxDuplicateWarnings bounds the duplicate-id warnings of one list.
const maxDuplicateWarnings = 20

// listState is what one list has shown so far.
type listState struct {
	pageNo map[string]int    // cursor of a page fetched -> its number (1 = first), when known
	from   map[string]string // next cursor -> cursor of the page that named it
	seen   map[string]string // item id -> cursor of the page it came on
	dups   int               // duplicate ids seen (warned up to maxDuplicateWarnings)
}

// itemRef is what the guard needs of a list item: its id and, for messages,
// something a person recognizes (an email, a name). required says an empty id
// is an error (the item would become a resource or a principal without id).
type itemRef struct {
	id, label string
	required  bool
}

// refOf reads the id of an item of a cursor-paged list.
func refOf(item any) (itemRef, bool) {
	switch v := item.(type) {
	case miro.Member:
		return itemRef{id: v.ID, label: v.Email, required: true}, true
	case miro.TeamMember:
		return itemRef{id: v.ID, required: true}, true
	case miro.Team:
		return itemRef{id: v.ID, label: v.Name, required: true}, true
	case miro.Group:
		return itemRef{id: v.ID, label: v.Name, required: true}, true
	case miro.GroupMember:
		// An entry without id is skipped by the grant builder (user_group.go).
		return itemRef{id: v.ID, label: v.Email}, true
	case miro.TeamGroup:
		return itemRef{id: v.GroupID()}, true
	case miro.GroupLink:
		return itemRef{id: v.ID}, true
	case miro.Project:
		return itemRef{id: v.ID, label: v.Name}, true
	case miro.ProjectMember:
		return itemRef{id: v.ID, label: v.Email}, true
	}
	return itemRef{}, false
}

func refsOf[T any](data []T) []itemRef {
	refs := make([]itemRef, 0, len(data))
	for _, item := range data {
		if r, ok := refOf(item); ok {
			refs = append(refs, r)
		}
	}
	return refs
}

// listLocked returns the state of a list, creating it.
func (g *listGuard) listLocked(what string) *listState {
	if g.lists == nil {
		g.lists = map[string]*listState{}
	}
	st := g.lists[what]
	if st == nil {
		st = &listState{pageNo: map[string]int{}, from: map[string]string{}, seen: map[string]string{}}
		g.lists[what] = st
	}
	return st
}

// reset forgets every list (the scope has ended).
func (g *listGuard) reset() {
	g.mu.Lock()
	g.lists = nil
	g.mu.Unlock()
}

// number is the page number of the page at cursor, or 0 when unknown (a
// resumed sync that starts mid-list).
func (st *listState) number(cursor string) int {
	if cursor == "" {
		return 1
	}
	if n, ok := st.pageNo[cursor]; ok {
		return n
	}
	if prev, ok := st.from[cursor]; ok {
		if n := st.number(prev); n > 0 {
			return n + 1
		}
	}
	return 0
}

// pageName names a page for messages: its number when known, and its cursor.
func (st *listState) pageName(cursor string) string {
	if cursor == "" {
		return "page 1 (the first page)"
	}
	c := fmt.Sprintf("cursor %q", truncateRunes(cursor, 60))
	if n := st.number(cursor); n > 0 {
		return fmt.Sprintf("page %d (%s)", n, c)
	}
	return "the page at " + c
}

// check records the page of list what fetched at cursor, which names next as
// the next page and holds items. It fails when the page cannot belong to a list
// that moves forward: next leads back to a page already reached from another
// one (a cycle), or every item is one already listed on another page. An item
// without a required id fails too; an id seen on another page is logged.
func (g *listGuard) check(ctx context.Context, what, cursor, next string, items []itemRef) error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.listLocked(what)
	for i, it := range items {
		if it.id == "" && it.required {
			who := fmt.Sprintf("item %d", i+1)
			if it.label != "" {
				who += fmt.Sprintf(" (%s)", truncateRunes(it.label, 80))
			}
			return status.Errorf(codes.Internal, "listing %s: Miro returned %s of %s without an id; "+
				"nothing can be recorded for it, so the sync stops rather than leave it out", what, who, st.pageName(cursor))
		}
	}
	if next != "" {
		if prev, ok := st.from[next]; ok && prev != cursor {
			return status.Errorf(codes.Internal, "listing %s: Miro's cursors loop: %s names cursor %q as the next page, but %s already led to that cursor; "+
				"following it would repeat the list forever", what, st.pageName(cursor), truncateRunes(next, 60), st.pageName(prev))
		}
	}
	fresh, repeated, firstRepeat := 0, 0, ""
	for _, it := range items {
		if it.id == "" {
			continue
		}
		at, ok := st.seen[it.id]
		switch {
		case !ok:
			fresh++
		case at != cursor:
			repeated++
			if firstRepeat == "" {
				firstRepeat = it.id
			}
		}
	}
	if fresh == 0 && repeated > 0 {
		return status.Errorf(codes.Internal, "listing %s: %s holds only items already listed on earlier pages (%d, e.g. id %q); "+
			"Miro's paging is not moving forward, and following it could repeat the list forever", what, st.pageName(cursor), repeated, truncateRunes(firstRepeat, 40))
	}
	log := ctxzap.Extract(ctx)
	for _, it := range items {
		if it.id == "" {
			continue
		}
		at, ok := st.seen[it.id]
		if !ok {
			st.seen[it.id] = cursor
			continue
		}
		if at == cursor {
			continue // the same page again (a retry), not a duplicate
		}
		st.dups++
		if st.dups <= maxDuplicateWarnings {
			log.Warn("Miro listed the same id on two pages of a list; the later copy replaces the earlier one",
				zap.String("list", what), zap.String("id", it.id), zap.String("label", truncateRunes(it.label, 80)),
				zap.String("first_on", st.pageName(at)), zap.String("again_on", st.pageName(cursor)))
		}
		if st.dups == maxDuplicateWarnings {
			log.Warn("further duplicate ids of this list are not logged", zap.String("list", what))
		}
	}
	if n := st.number(cursor); n > 0 {
		st.pageNo[cursor] = n
	}
	if next == "" {
		delete(g.lists, what) // the list has ended
		return nil
	}
	st.from[next] = cursor
	return nil
}
