package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// scriptedAudit serves Miro's audit-log endpoint from a script: the page for
// each cursor ("" for the first), as a misbehaving Miro might.
type scriptedAudit struct {
	pages map[string]auditScriptPage
	calls atomic.Int64
}

type auditScriptPage struct {
	ids    []string // sign-ins, one per id, at the given times
	at     []time.Time
	cursor string
}

func (s *scriptedAudit) start(t *testing.T) *auditFeed {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		p, ok := s.pages[r.URL.Query().Get("cursor")]
		if !ok {
			http.Error(w, `{"status":400,"code":"invalidCursor","message":"unknown cursor"}`, http.StatusBadRequest)
			return
		}
		var data []map[string]any
		for i, id := range p.ids {
			data = append(data, map[string]any{"id": id, "event": "sign_in_succeeded", "category": "authentication",
				"createdAt": miro.FormatAuditTime(p.at[i]), "createdBy": map[string]any{"type": "user", "id": "u" + id}})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "cursor": p.cursor})
	}))
	t.Cleanup(srv.Close)
	client, err := miro.New(miro.Options{APIURL: srv.URL, SCIMURL: srv.URL, AccessToken: "t",
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return newAuditFeed(NewWithClient(client), func() time.Time { return feedNow })
}

// readAll reads the feed as the SDK's one-shot --event-feed does, at most
// limit calls; it returns the events' ids and the error that ended it.
func readAll(f *auditFeed, start time.Time, cursor string, limit int) ([]string, error) {
	var ids []string
	for range limit {
		evs, st, _, err := f.ListEvents(context.Background(), timestamppb.New(start), &pagination.StreamToken{Size: 100, Cursor: cursor})
		if err != nil {
			return ids, err
		}
		for _, ev := range evs {
			ids = append(ids, ev.GetId())
		}
		if !st.HasMore {
			return ids, nil
		}
		cursor = st.Cursor
	}
	return ids, fmt.Errorf("still reading after %d calls", limit)
}

func times(at time.Time, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = at
	}
	return out
}

// TestAuditCursorCycle: Miro's cursors going round (c1 → c2 → c1) end the
// feed with an error after a few pages, each entry read once (main looped
// forever: only "the cursor given back" was checked).
func TestAuditCursorCycle(t *testing.T) {
	at := feedNow.Add(-time.Hour)
	s := &scriptedAudit{pages: map[string]auditScriptPage{
		"":   {ids: []string{"a", "b"}, at: []time.Time{at, at.Add(time.Second)}, cursor: "c1"},
		"c1": {ids: []string{"c"}, at: []time.Time{at.Add(2 * time.Second)}, cursor: "c2"},
		"c2": {ids: []string{"d"}, at: []time.Time{at.Add(3 * time.Second)}, cursor: "c1"},
	}}
	ids, err := readAll(s.start(t), at.Add(-time.Minute), "", 100)
	if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "round in a circle") {
		t.Fatalf("err %v after %d calls", err, s.calls.Load())
	}
	if strings.Join(ids, ",") != "a,b,c,d" {
		t.Errorf("events %v, want each entry once", ids)
	}
	if n := s.calls.Load(); n > 3+maxStalled {
		t.Errorf("%d calls", n)
	}
}

// TestAuditSameEntriesNewCursors: every page a new cursor but the same
// entries ends the same way (main: 440 requests, 1,317 events, 9 distinct).
func TestAuditSameEntriesNewCursors(t *testing.T) {
	at := feedNow.Add(-time.Hour)
	pages := map[string]auditScriptPage{}
	for i := range 1000 {
		cur := ""
		if i > 0 {
			cur = fmt.Sprintf("k%d", i)
		}
		pages[cur] = auditScriptPage{ids: []string{"x", "y", "z"}, at: []time.Time{at, at, at.Add(time.Second)}, cursor: fmt.Sprintf("k%d", i+1)}
	}
	s := &scriptedAudit{pages: pages}
	ids, err := readAll(s.start(t), at.Add(-time.Minute), "", 2000)
	if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "no entry not already read") {
		t.Fatalf("err %v after %d calls", err, s.calls.Load())
	}
	if strings.Join(ids, ",") != "x,y,z" {
		t.Errorf("events %v", ids)
	}
}

// TestAuditDuplicateEntries: the same audit entry id gives one event, within
// a page and across pages (main: a page of 100 identical entries gave 100
// identical events).
func TestAuditDuplicateEntries(t *testing.T) {
	at := feedNow.Add(-time.Hour)
	same := make([]string, 100)
	for i := range same {
		same[i] = "dup"
	}
	s := &scriptedAudit{pages: map[string]auditScriptPage{
		"":   {ids: same, at: times(at, 100), cursor: "p2"},
		"p2": {ids: []string{"dup", "new"}, at: []time.Time{at, at.Add(time.Millisecond)}},
	}}
	ids, err := readAll(s.start(t), at.Add(-time.Minute), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != "dup,new" {
		t.Errorf("events %v, want dup,new", ids)
	}
}

// TestAuditFutureWindow: a forged cursor whose window starts in year 9999, or
// a start in the future, is refused clearly (main returned nothing, forever).
func TestAuditFutureWindow(t *testing.T) {
	f := (&scriptedAudit{pages: map[string]auditScriptPage{"": {}}}).start(t)
	forged := feedState{After: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}.encode()
	_, _, _, err := f.ListEvents(context.Background(), nil, &pagination.StreamToken{Size: 100, Cursor: forged})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "9999-01-01") || !strings.Contains(err.Error(), "--event-feed-start-at") {
		t.Errorf("forged cursor: %v", err)
	}
	_, _, _, err = f.ListEvents(context.Background(), timestamppb.New(feedNow.Add(30*24*time.Hour)), &pagination.StreamToken{Size: 100})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "in the future") {
		t.Errorf("future start: %v", err)
	}
	var _ []*v2.Event
}
