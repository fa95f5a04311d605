package connector

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// maxEmptyPages bounds how many empty pages that still carry a cursor we follow
// in a row: one can legitimately end a list whose size is a multiple of the
// page size; a stream of them is a broken server.
const maxEmptyPages = 3

// fetchPage fetches the page at cursor, following empty pages that carry a
// cursor, so an empty page never ends a list early and a cursor that does not
// move never loops forever. Every page fetched is shown to the sync's list
// guard (when lists is non-nil), which fails a list whose cursors cycle or
// whose pages keep repeating items already listed.
func fetchPage[T any](ctx context.Context, lists *listGuard, what, cursor string,
	fetch func(ctx context.Context, cursor string) (*miro.Page[T], *miro.Response, error),
) (*miro.Page[T], *miro.Response, error) {
	cur := cursor
	for empties := 0; ; empties++ {
		p, resp, err := fetch(ctx, cur)
		if err != nil {
			return nil, resp, err
		}
		if p.Cursor != "" && p.Cursor == cur {
			return nil, resp, fmt.Errorf("listing %s: Miro returned the cursor it was given (%q), which would loop forever", what, truncateRunes(cur, 40))
		}
		if err := lists.check(ctx, what, cur, p.Cursor, refsOf(p.Data)); err != nil {
			return nil, resp, err
		}
		if len(p.Data) > 0 || p.Cursor == "" {
			return p, resp, nil
		}
		if empties >= maxEmptyPages {
			return nil, resp, fmt.Errorf("listing %s: Miro returned %d empty pages in a row that still carry a cursor", what, empties+1)
		}
		cur = p.Cursor
	}
}

// maxDisplayName bounds names shown to people: Miro's own limits are far lower
// (60 characters for team names), and a runaway value must not blow up every
// entitlement built from it.
const maxDisplayName = 256

// maxValue bounds any string value we copy from Miro into a resource. Miro's
// own limits are far lower (emails are at most 254 bytes); a runaway value
// would otherwise push a page past gRPC's 4 MB message limit and fail the sync.
const maxValue = 1024

// clip shortens a runaway value and marks it with "…" so it cannot be mistaken
// for (or match) a real one.
func clip(s string) string { return truncateRunes(s, maxValue) }

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func displayName(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return truncateRunes(s, maxDisplayName)
}
