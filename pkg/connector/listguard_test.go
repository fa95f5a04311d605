package connector

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestListGuardBoundsMemory: a list's state goes when the list ends, and the
// lists of at most maxSyncScopes syncs are remembered (each sync's guard lives
// in its scope); re-reading a page (a retry) is neither a cycle nor a duplicate.
func TestListGuardBoundsMemory(t *testing.T) {
	ctx := context.Background()
	var scopes syncScopes
	ref := func(ids ...string) []itemRef {
		out := make([]itemRef, 0, len(ids))
		for _, id := range ids {
			out = append(out, itemRef{id: id, required: true})
		}
		return out
	}
	const syncs = maxSyncScopes + 3
	for i := range syncs {
		sync := fmt.Sprintf("sync-%d", i)
		g := &scopes.get(sync).lists
		for _, step := range []struct {
			cursor, next string
			ids          []string
		}{
			{"", "A", []string{"1", "2"}},
			{"A", "B", []string{"3"}},
			{"A", "B", []string{"3"}}, // the SDK asks again: fine
			{"B", "", []string{"4"}},
		} {
			if err := g.check(ctx, "organization members", step.cursor, step.next, ref(step.ids...)); err != nil {
				t.Fatalf("%s: %v", sync, err)
			}
		}
		// Another list of the same sync, left unfinished.
		if err := g.check(ctx, "members of team 7", "", "X", ref("1")); err != nil {
			t.Fatal(err)
		}
	}
	if scopes.len() != maxSyncScopes {
		t.Fatalf("%d syncs remembered, want %d", scopes.len(), maxSyncScopes)
	}
	for _, s := range scopes.byID {
		if len(s.lists.lists) != 1 || s.lists.lists["members of team 7"] == nil {
			t.Errorf("sync %s keeps lists %v, want only the unfinished one", s.id, s.lists.lists)
		}
	}
	// The unfinished list still catches a cycle.
	last := &scopes.get(fmt.Sprintf("sync-%d", syncs-1)).lists
	if err := last.check(ctx, "members of team 7", "X", "Y", ref("2")); err != nil {
		t.Fatal(err)
	}
	err := last.check(ctx, "members of team 7", "Y", "X", ref("3"))
	if err == nil || !strings.Contains(err.Error(), "members of team 7") || !strings.Contains(err.Error(), "cursors loop") {
		t.Errorf("cycle not caught: %v", err)
	}
}
