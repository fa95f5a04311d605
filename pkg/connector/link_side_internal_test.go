package connector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	baton_v1 "github.com/conductorone/baton-sdk/pb/c1/connectorapi/baton/v1"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"
)

// testSyncID is a sync id of the shape the session service requires.
const testSyncID = "2ZaaaaaaaaaaaaaaaaaaaaaaaaA"

// limitedSession is a session store in a map that refuses what the SDK's
// gRPC session service refuses (each request is checked with the service's
// own proto validation), answers part of every GetMany as unprocessed, and
// can fail the writes or reads whose keys match failOn.
type limitedSession struct {
	m      map[string][]byte
	failOn func(keys []string) bool
	sets   int
}

func newLimitedSession() *limitedSession { return &limitedSession{m: map[string][]byte{}} }

var errStoreDown = errors.New("session store down")

func (s *limitedSession) fail(keys ...string) bool { return s.failOn != nil && s.failOn(keys) }

func (s *limitedSession) Get(_ context.Context, k string, _ ...sessions.SessionStoreOption) ([]byte, bool, error) {
	if err := (baton_v1.GetRequest_builder{SyncId: testSyncID, Key: k}.Build()).ValidateAll(); err != nil {
		return nil, false, err
	}
	if s.fail(k) {
		return nil, false, errStoreDown
	}
	v, ok := s.m[k]
	return v, ok, nil
}

func (s *limitedSession) GetMany(_ context.Context, keys []string, _ ...sessions.SessionStoreOption) (map[string][]byte, []string, error) {
	if err := (baton_v1.GetManyRequest_builder{SyncId: testSyncID, Keys: keys}.Build()).ValidateAll(); err != nil {
		return nil, nil, err
	}
	if s.fail(keys...) {
		return nil, nil, errStoreDown
	}
	sorted := slices.Sorted(slices.Values(keys))
	half := (len(sorted) + 1) / 2
	out := map[string][]byte{}
	for _, k := range sorted[:half] {
		if v, ok := s.m[k]; ok {
			out[k] = v
		}
	}
	return out, sorted[half:], nil
}

func (s *limitedSession) Set(_ context.Context, k string, v []byte, _ ...sessions.SessionStoreOption) error {
	return s.SetMany(context.Background(), map[string][]byte{k: v})
}

func (s *limitedSession) SetMany(_ context.Context, kv map[string][]byte, _ ...sessions.SessionStoreOption) error {
	if err := (baton_v1.SetManyRequest_builder{SyncId: testSyncID, Values: kv}.Build()).ValidateAll(); err != nil {
		return err
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	if s.fail(keys...) {
		return errStoreDown
	}
	s.sets++
	for k, v := range kv {
		s.m[k] = v
	}
	return nil
}

func (s *limitedSession) Delete(_ context.Context, k string, _ ...sessions.SessionStoreOption) error {
	delete(s.m, k)
	return nil
}

func (s *limitedSession) Clear(context.Context, ...sessions.SessionStoreOption) error {
	clear(s.m)
	return nil
}

func (s *limitedSession) GetAll(context.Context, string, ...sessions.SessionStoreOption) (map[string][]byte, string, error) {
	return s.m, "", nil
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// TestListingTotal: the running count survives a page recorded twice (a
// resumed sync asks for a page again), is unknown until the last page, and
// is unknown when a page's predecessor was never recorded; full pages of 100
// ids (and their bookkeeping) fit the session service's limits.
func TestListingTotal(t *testing.T) {
	ctx := context.Background()
	ss := newLimitedSession()
	teamListing.record(ctx, ss, "", "c1", ids("a", 100), nil)
	if _, ok, err := teamListing.total(ctx, ss); ok || err != nil {
		t.Fatalf("a total before the last page (%v)", err)
	}
	teamListing.record(ctx, ss, "c1", "c2", ids("b", 100), nil)
	teamListing.record(ctx, ss, "c1", "c2", ids("b", 100), nil) // resumed: the same page again
	teamListing.record(ctx, ss, "c2", "", ids("c", 99), map[string][]byte{"extra": {1}})
	if n, ok, err := teamListing.total(ctx, ss); !ok || err != nil || n != 299 {
		t.Fatalf("total %d, %v, %v; want 299", n, ok, err)
	}
	if u := teamListing.unlisted(ctx, ss, append(ids("a", 100), "z")); len(u) != 1 || !u["z"] {
		t.Errorf("unlisted %v, want only z", u)
	}

	broken := newLimitedSession()
	groupListing.record(ctx, broken, "lost", "", []string{"x"}, nil) // its predecessor's count is missing
	if _, ok, _ := groupListing.total(ctx, broken); ok {
		t.Error("a total without the count of the pages before")
	}
	if u := groupListing.unlisted(ctx, broken, []string{"x", "y"}); u != nil {
		t.Errorf("an incomplete listing proved %v unlisted", u)
	}
}

// TestListingNeverProvesWhatFailed: when the store refuses any write of a
// listing, the listing is never complete, so no id is ever taken as unlisted
// and links are read per team; when it cannot be read, nothing is dropped and
// the link side is not guessed.
func TestListingNeverProvesWhatFailed(t *testing.T) {
	ctx := context.Background()
	for _, failing := range []string{"team-id:b7", "team-count-after:c2", "team-listing-complete"} {
		ss := newLimitedSession()
		ss.failOn = func(keys []string) bool { return slices.Contains(keys, failing) }
		teamListing.record(ctx, ss, "", "c1", ids("a", 100), nil)
		teamListing.record(ctx, ss, "c1", "c2", ids("b", 100), nil)
		teamListing.record(ctx, ss, "c2", "", ids("c", 10), nil)
		ss.failOn = nil
		if _, ok, _ := teamListing.total(ctx, ss); ok {
			t.Errorf("failing %s: the listing counts as complete", failing)
		}
		if u := teamListing.unlisted(ctx, ss, []string{"b7", "nope"}); u != nil {
			t.Errorf("failing %s: %v taken as unlisted", failing, u)
		}
	}

	ss := newLimitedSession()
	teamListing.record(ctx, ss, "", "", ids("t", 5), nil)
	groupListing.record(ctx, ss, "", "", ids("g", 2), nil)
	ss.failOn = func([]string) bool { return true }
	if u := teamListing.unlisted(ctx, ss, []string{"nope"}); u != nil {
		t.Errorf("an unreadable store proved %v unlisted", u)
	}
	c := &Connector{}
	opts := rs.SyncOpAttrs{Session: ss, SyncID: testSyncID}
	if _, err := c.linksPerGroup(ctx, opts); err == nil || !strings.Contains(err.Error(), "session store") {
		t.Errorf("an unreadable store decided the link side: %v", err)
	}
	ss.failOn = nil
	perGroup, err := c.linksPerGroup(ctx, opts)
	if err != nil || !perGroup {
		t.Fatalf("2 groups, 5 teams: per group %v (%v); want true", perGroup, err)
	}
	ss.failOn = func([]string) bool { return true }
	if again, err := c.linksPerGroup(ctx, opts); err != nil || !again {
		t.Errorf("the decision of a sync changed with the store: %v, %v", again, err)
	}
}

// TestSessionKeysFitTheService: cursors too long for a key are hashed.
func TestSessionKeysFitTheService(t *testing.T) {
	long := strings.Repeat("c", 2000)
	k := sessionKey(pageKeyPrefix, long)
	if len(k) > maxSessionKey || k == sessionKey(pageKeyPrefix, long+"x") {
		t.Fatalf("key of a long cursor: %d characters, or not distinct", len(k))
	}
	if sessionKey(pageKeyPrefix, "abc") != pageKeyPrefix+"abc" {
		t.Error("a short key changed")
	}
	ss := newLimitedSession()
	teamListing.record(context.Background(), ss, "", long, ids("a", 3), nil)
	teamListing.record(context.Background(), ss, long, "", ids("b", 3), nil)
	if n, ok, err := teamListing.total(context.Background(), ss); !ok || err != nil || n != 6 {
		t.Errorf("total across a long cursor: %d, %v, %v; want 6", n, ok, err)
	}
}
