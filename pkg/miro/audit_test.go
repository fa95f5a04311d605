package miro

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestAuditListQuery: the window goes out as Miro asks (UTC, milliseconds, Z), ascending, 100 a page.
func TestAuditListQuery(t *testing.T) {
	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "cursor-list", "limit": 100, "size": 0, "data": []any{}})
	})
	c := newTestClient(t, s)
	after := time.Date(2026, 11, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	before := after.Add(time.Hour)
	if _, _, err := c.ListAuditLogs(context.Background(), AuditQuery{CreatedAfter: after, CreatedBefore: before, Cursor: "c#1"}); err != nil {
		t.Fatal(err)
	}
	q := s.request(0).URL.Query()
	for k, want := range map[string]string{"createdAfter": "2026-11-01T09:00:00.123Z", "createdBefore": "2026-11-01T10:00:00.123Z",
		"limit": "100", "sorting": "ASC", "cursor": "c#1"} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if s.request(0).URL.Path != "/v2/audit/logs" {
		t.Errorf("path %s", s.request(0).URL.Path)
	}
	if _, _, err := c.ListAuditLogs(context.Background(), AuditQuery{CreatedAfter: after}); err == nil || s.count() != 1 {
		t.Errorf("a query without createdBefore: err %v after %d requests; want an error before any request", err, s.count())
	}
}

// TestAuditDecode: the shapes Miro documents and odd ones: details as an object or as a string holding one,
// createdAt with a colon-less offset, unknown fields, a null cursor; an entry that cannot be read at all is
// left out and described, the rest of the page kept.
func TestAuditDecode(t *testing.T) {
	body := `{"type":"cursor-list","limit":100,"size":4,"cursor":"2023-09-01T09:30:10.840687Z#1234567890123456789-DDB","data":[
	 {"id":"e1","event":"sign_in_succeeded","category":"authentication","createdAt":"2023-09-01T09:30:10.840+0000",
	  "createdBy":{"type":"user","id":"3074457345821141000","name":"Ann","email":"ann@example.com"},
	  "context":{"ip":"10.0.0.1","organization":{"id":"1","name":"Acme"}},
	  "details":"{ \"authType\": \"SSO\", \"mfaFactorType\": \"NONE\" }","future":{"x":1}},
	 {"id":"e2","event":"team_member_added","category":"teams","createdAt":"2023-09-01T09:30:11Z",
	  "createdBy":{"type":"user","id":"9"},"object":{"id":"42","name":"bob@example.com"},
	  "context":{"team":{"id":"77","name":"Design"}},"details":{"role":"member"}},
	 {"id":"e3","event":"sign_in_succeeded","createdBy":"not an object","createdAt":"2023-09-01T09:30:12Z"},
	 {"id":"e4","event":"odd","createdAt":"yesterday","details":[1,2]}]}`
	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) { writeRaw(w, 200, "application/json", body) })
	c := newTestClient(t, s)
	now := time.Now()
	p, _, err := c.ListAuditLogs(context.Background(), AuditQuery{CreatedAfter: now.Add(-time.Hour), CreatedBefore: now})
	if err != nil {
		t.Fatal(err)
	}
	if p.Cursor != "2023-09-01T09:30:10.840687Z#1234567890123456789-DDB" || len(p.Events) != 3 || len(p.Malformed) != 1 {
		t.Fatalf("cursor %q, %d events, malformed %v", p.Cursor, len(p.Events), p.Malformed)
	}
	e1, e2, e4 := p.Events[0], p.Events[1], p.Events[2]
	if want := time.Date(2023, 9, 1, 9, 30, 10, 840e6, time.UTC); !e1.CreatedAt.Equal(want) {
		t.Errorf("createdAt %v, want %v", e1.CreatedAt, want)
	}
	if e1.CreatedBy.ID != "3074457345821141000" || e1.CreatedBy.Type != "user" || e1.DetailsMap()["authType"] != "SSO" {
		t.Errorf("e1 %+v details %v", e1, e1.DetailsMap())
	}
	if e2.Context.Team == nil || e2.Context.Team.ID != "77" || e2.Object.ID != "42" || e2.DetailsMap()["role"] != "member" {
		t.Errorf("e2 %+v", e2)
	}
	if !e4.CreatedAt.IsZero() || e4.DetailsMap() != nil {
		t.Errorf("e4: an unreadable time is zero and non-object details are nil: %+v", e4)
	}
}

// TestAuditForbidden: a 403 is one call, not retried, and carries Miro's answer.
func TestAuditForbidden(t *testing.T) {
	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
		restError(w, 403, "insufficientPermissions", "Access Denied")
	})
	c := newTestClient(t, s)
	now := time.Now()
	_, _, err := c.ListAuditLogs(context.Background(), AuditQuery{CreatedAfter: now.Add(-time.Hour), CreatedBefore: now})
	if StatusOf(err) != 403 || s.count() != 1 {
		t.Fatalf("err %v after %d calls", err, s.count())
	}
	assertNoToken(t, err)
}
