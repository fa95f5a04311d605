package mirosim

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

type auditEventT struct {
	ID, Event, Category, CreatedAt string
	CreatedBy                      struct{ Type, ID, Name, Email string }
	Object                         *struct{ ID, Name string }
	Context                        struct {
		IP   string
		Team *struct{ ID, Name string }
	}
	Details any
}

var auditNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func auditQuery(after, before time.Time, extra ...string) string {
	q := url.Values{"createdAfter": {after.UTC().Format(auditQueryLayout)},
		"createdBefore": {before.UTC().Format(auditQueryLayout)}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/v2/audit/logs?" + q.Encode()
}

// TestAuditLogPaging: a seeded log pages 100 at a time in time order, each event once, and the window's
// bounds are exclusive.
func TestAuditLogPaging(t *testing.T) {
	s := startSim(t, smallOrg(), Options{Now: func() time.Time { return auditNow }, Credits: -1})
	seeded := s.SeedAuditLog(AuditSeed{Seed: 1, Events: 1234, Span: 20 * 24 * time.Hour})
	if len(seeded) != 1234 {
		t.Fatalf("seeded %d events", len(seeded))
	}
	log := s.AuditLog()
	equal := 0
	for i := 1; i < len(log); i++ {
		if log[i].At.Equal(log[i-1].At) {
			equal++
		}
	}
	if equal < 50 {
		t.Errorf("only %d events share their time with the one before; the log should have many", equal)
	}
	after, before := auditNow.Add(-21*24*time.Hour), auditNow
	var got []auditEventT
	cursor, calls := "", 0
	for {
		calls++
		r := s.get(auditQuery(after, before, "limit", "100", "cursor", cursor))
		wantStatus(t, r, 200)
		var p page[auditEventT]
		r.json(t, &p)
		if p.Type != "cursor-list" || p.Size != len(p.Data) || p.Limit != 100 {
			t.Fatalf("envelope %+v", p)
		}
		got = append(got, p.Data...)
		if p.Cursor == "" {
			break
		}
		cursor = p.Cursor
	}
	if calls != 13 || len(got) != 1234 {
		t.Fatalf("%d calls, %d events; want 13 and 1234", calls, len(got))
	}
	for i := range got {
		if got[i].ID != log[i].ID {
			t.Fatalf("event %d: id %s, want %s", i, got[i].ID, log[i].ID)
		}
		if _, err := time.Parse(auditOutputLayout, got[i].CreatedAt); err != nil {
			t.Fatalf("createdAt %q: %v", got[i].CreatedAt, err)
		}
	}
	// Exclusive bounds: a window from the first event's time to the last's leaves both out.
	first, last := log[0].At, log[len(log)-1].At
	var p page[auditEventT]
	s.get(auditQuery(first, last, "limit", "100", "sorting", "DESC")).json(t, &p)
	if len(p.Data) != 100 {
		t.Fatalf("DESC page of %d events", len(p.Data))
	}
	for i := 1; i < len(p.Data); i++ {
		if p.Data[i].ID >= p.Data[i-1].ID {
			t.Errorf("DESC page not newest first at %d: %s after %s", i, p.Data[i].ID, p.Data[i-1].ID)
		}
	}
	for _, e := range p.Data {
		if !e.At().After(first) || !e.At().Before(last) {
			t.Errorf("event %s at %s is outside the exclusive window (%s, %s)", e.ID, e.CreatedAt, first, last)
		}
	}
}

func (e auditEventT) At() time.Time {
	t, _ := time.Parse(auditOutputLayout, e.CreatedAt)
	return t
}

// TestAuditLogValidation: required bounds, format, the 90-day limit, limit ≤ 100, sorting, scope, admin.
func TestAuditLogValidation(t *testing.T) {
	s := startSim(t, smallOrg(), Options{Now: func() time.Time { return auditNow }, Credits: -1})
	ok := auditNow.Add(-time.Hour)
	for _, c := range []struct{ name, path string }{
		{"no bounds", "/v2/audit/logs"},
		{"no createdBefore", "/v2/audit/logs?createdAfter=" + ok.Format(auditQueryLayout)},
		{"no milliseconds", "/v2/audit/logs?createdAfter=2026-11-30T10:00:00Z&createdBefore=2026-11-30T11:00:00.000Z"},
		{"offset", "/v2/audit/logs?createdAfter=2026-11-30T10:00:00.000%2B01:00&createdBefore=2026-11-30T11:00:00.000Z"},
		{"older than 90 days", auditQuery(auditNow.Add(-90*24*time.Hour-time.Second), auditNow)},
		{"after not before before", auditQuery(ok, ok)},
		{"limit 101", auditQuery(ok, auditNow, "limit", "101")},
		{"limit 0", auditQuery(ok, auditNow, "limit", "0")},
		{"sorting", auditQuery(ok, auditNow, "sorting", "NEWEST")},
	} {
		r := s.get(c.path)
		if r.status != 400 || r.errCode(t) != "invalidParameters" {
			t.Errorf("%s: status %d %s, want 400 invalidParameters", c.name, r.status, r.body)
		}
	}
	wantStatus(t, s.get(auditQuery(auditNow.Add(-90*24*time.Hour+time.Second), auditNow)), 200)

	noScope := startSim(t, smallOrg(), Options{Scopes: []string{scopeOrgRead}, Credits: -1})
	r := noScope.get(auditQuery(time.Now().Add(-time.Hour), time.Now()))
	if r.status != 403 || r.errCode(t) != "insufficientPermissions" {
		t.Errorf("without auditlogs:read: %d %s", r.status, r.body)
	}
	notAdmin := startSim(t, smallOrg(), Options{NotAdmin: true, Credits: -1})
	if r := notAdmin.get(auditQuery(time.Now().Add(-time.Hour), time.Now())); r.status != 403 {
		t.Errorf("not a Company Admin: %d %s", r.status, r.body)
	}
	if got := CreditsFor("list_audit_logs"); got != 100 {
		t.Errorf("list_audit_logs costs %d credits, want 100 (Level 2)", got)
	}
}

// TestAuditLogRecordsWrites: the simulator's own team, group and SCIM writes add events.
func TestAuditLogRecordsWrites(t *testing.T) {
	org := Generate(GenOptions{Seed: 7, Users: 250, Teams: 30, Groups: 5})
	s := startSim(t, org, Options{Credits: -1})
	var team *Team
	for i := range s.org.Teams {
		if len(s.org.Teams[i].Members) >= 3 {
			team = &s.org.Teams[i]
			break
		}
	}
	var outsider *Member
	for i := range s.org.Members {
		m := &s.org.Members[i]
		if m.Role == roleUser && m.Active && teamMemberIndex(team, m.ID) < 0 && !slices.ContainsFunc(s.org.Groups[0].MemberIDs, func(id string) bool { return id == m.ID }) {
			outsider = m
			break
		}
	}
	tm := s.orgPath("/teams/" + team.ID + "/members")
	wantStatus(t, s.do("POST", tm, tok, map[string]string{"email": outsider.Email, "role": "member"}), 201)
	wantStatus(t, s.do("PATCH", tm+"/"+outsider.ID, tok, map[string]string{"role": "admin"}), 200)
	wantStatus(t, s.do("PATCH", tm+"/"+outsider.ID, tok, map[string]string{"role": "admin"}), 200) // no change
	wantStatus(t, s.do("DELETE", tm+"/"+outsider.ID, tok, nil), 204)
	g := s.orgPath("/groups/" + s.org.Groups[0].ID + "/members")
	wantStatus(t, s.do("POST", g, tok, map[string]string{"email": outsider.Email}), 201)
	wantStatus(t, s.do("DELETE", g+"/"+outsider.ID, tok, nil), 204)
	patch := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []map[string]any{{"op": "Replace", "path": "active", "value": false}}}
	wantStatus(t, s.do("PATCH", "/api/v1/scim/Users/"+outsider.ID, scimTok, patch), 200)

	var got []string
	for _, e := range s.AuditLog() {
		got = append(got, e.Event)
		switch e.Event {
		case "team_member_added", "team_member_role_changed", "team_member_removed":
			if e.TeamID != team.ID || e.ObjectID != outsider.ID || e.ActorType != "user" {
				t.Errorf("%s: %+v", e.Event, e)
			}
		case "user_group_member_added", "user_group_member_removed":
			if e.ObjectID != s.org.Groups[0].ID || e.Details["userId"] != outsider.ID {
				t.Errorf("%s: %+v", e.Event, e)
			}
		case "user_deactivated":
			if e.ObjectID != outsider.ID || e.ActorType != "scim_provisioner" {
				t.Errorf("%s: %+v", e.Event, e)
			}
		}
	}
	want := []string{"team_member_added", "team_member_role_changed", "team_member_removed",
		"user_group_member_added", "user_group_member_removed", "user_deactivated"}
	if !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	// They are served, newest last.
	var p page[auditEventT]
	s.get(auditQuery(time.Now().Add(-time.Hour), time.Now().Add(time.Minute))).json(t, &p)
	if len(p.Data) != len(want) || p.Data[0].Event != want[0] || p.Data[0].Context.Team == nil {
		t.Errorf("served %+v", p.Data)
	}
}
