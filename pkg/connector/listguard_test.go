package connector

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestListGuardBoundsMemory: a list's state goes when the list ends, and at
// most maxGuardedSyncs syncs are remembered; re-reading a page (a retry) is
// neither a cycle nor a duplicate.
func TestListGuardBoundsMemory(t *testing.T) {
	ctx := context.Background()
	var g listGuards
	ref := func(ids ...string) []itemRef {
		out := make([]itemRef, 0, len(ids))
		for _, id := range ids {
			out = append(out, itemRef{id: id, required: true})
		}
		return out
	}
	for i := range 5 {
		sync := fmt.Sprintf("sync-%d", i)
		for _, step := range []struct {
			cursor, next string
			ids          []string
		}{
			{"", "A", []string{"1", "2"}},
			{"A", "B", []string{"3"}},
			{"A", "B", []string{"3"}}, // the SDK asks again: fine
			{"B", "", []string{"4"}},
		} {
			if err := g.check(ctx, sync, "organization members", step.cursor, step.next, ref(step.ids...)); err != nil {
				t.Fatalf("%s: %v", sync, err)
			}
		}
		// Another list of the same sync, left unfinished.
		if err := g.check(ctx, sync, "members of team 7", "", "X", ref("1")); err != nil {
			t.Fatal(err)
		}
	}
	if len(g.syncs) != maxGuardedSyncs {
		t.Fatalf("%d syncs remembered, want %d", len(g.syncs), maxGuardedSyncs)
	}
	for _, s := range g.syncs {
		if len(s.lists) != 1 || s.lists["members of team 7"] == nil {
			t.Errorf("sync %s keeps lists %v, want only the unfinished one", s.id, s.lists)
		}
	}
	// The unfinished list still catches a cycle.
	if err := g.check(ctx, "sync-4", "members of team 7", "X", "Y", ref("2")); err != nil {
		t.Fatal(err)
	}
	err := g.check(ctx, "sync-4", "members of team 7", "Y", "X", ref("3"))
	if err == nil || !strings.Contains(err.Error(), "members of team 7") || !strings.Contains(err.Error(), "cursors loop") {
		t.Errorf("cycle not caught: %v", err)
	}
}
