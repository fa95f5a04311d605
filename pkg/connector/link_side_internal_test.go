package connector

import (
	"context"
	"testing"

	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"
)

// mapSession is a session store in a map (the SDK's is per sync; so is this).
type mapSession map[string][]byte

func (m mapSession) Get(_ context.Context, k string, _ ...sessions.SessionStoreOption) ([]byte, bool, error) {
	v, ok := m[k]
	return v, ok, nil
}

func (m mapSession) GetMany(_ context.Context, keys []string, _ ...sessions.SessionStoreOption) (map[string][]byte, []string, error) {
	out := map[string][]byte{}
	var missing []string
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		} else {
			missing = append(missing, k)
		}
	}
	return out, missing, nil
}

func (m mapSession) Set(_ context.Context, k string, v []byte, _ ...sessions.SessionStoreOption) error {
	m[k] = v
	return nil
}

func (m mapSession) SetMany(_ context.Context, kv map[string][]byte, _ ...sessions.SessionStoreOption) error {
	for k, v := range kv {
		m[k] = v
	}
	return nil
}

func (m mapSession) Delete(_ context.Context, k string, _ ...sessions.SessionStoreOption) error {
	delete(m, k)
	return nil
}

func (m mapSession) Clear(context.Context, ...sessions.SessionStoreOption) error {
	clear(m)
	return nil
}

func (m mapSession) GetAll(context.Context, string, ...sessions.SessionStoreOption) (map[string][]byte, string, error) {
	return m, "", nil
}

// TestListingTotal: the running count survives a page recorded twice (a
// resumed sync asks for a page again), is unknown until the last page, and
// is unknown when a page's predecessor was never recorded.
func TestListingTotal(t *testing.T) {
	ctx := context.Background()
	ss := mapSession{}
	teamListing.record(ctx, ss, "", "c1", []string{"a", "b"}, nil)
	if _, ok := teamListing.total(ctx, ss); ok {
		t.Fatal("a total before the last page")
	}
	teamListing.record(ctx, ss, "c1", "c2", []string{"c"}, nil)
	teamListing.record(ctx, ss, "c1", "c2", []string{"c"}, nil) // resumed: the same page again
	teamListing.record(ctx, ss, "c2", "", []string{"d", "e"}, nil)
	if n, ok := teamListing.total(ctx, ss); !ok || n != 5 {
		t.Fatalf("total %d, %v; want 5", n, ok)
	}
	if u := teamListing.unlisted(ctx, ss, []string{"a", "z"}); !u["z"] || u["a"] {
		t.Errorf("unlisted %v, want only z", u)
	}

	broken := mapSession{}
	groupListing.record(ctx, broken, "lost", "", []string{"x"}, nil) // its predecessor's count is missing
	if _, ok := groupListing.total(ctx, broken); ok {
		t.Error("a total without the count of the pages before")
	}
	if linksPerGroup(ctx, rsOpts(broken)) {
		t.Error("per group without both totals")
	}
}

func rsOpts(ss sessions.SessionStore) rs.SyncOpAttrs { return rs.SyncOpAttrs{Session: ss} }
