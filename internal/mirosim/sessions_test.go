package mirosim

import (
	"net/url"
	"strings"
	"testing"
)

func TestResetSessions(t *testing.T) {
	s := startSim(t, smallOrg(), Options{})
	reset := func(email string) resp {
		t.Helper()
		return s.do("POST", "/v2/sessions/reset_all?"+url.Values{"email": {email}}.Encode(), tok, nil)
	}
	var guest, inactive *Member
	for i := 1; i < len(s.org.Members); i++ { // distinct from Members[0], reset below
		m := &s.org.Members[i]
		if guest == nil && m.Role == roleGuest {
			guest = m
		}
		if inactive == nil && !m.Active && m.Role != roleGuest {
			inactive = m
		}
	}
	m := s.org.Members[0]
	for n := 1; n <= 2; n++ { // idempotent: the second reset succeeds the same way
		r := reset(m.Email)
		wantStatus(t, r, 200)
		if len(r.body) != 0 || r.h.Get("Content-Type") != "" {
			t.Fatalf("reset %d: body %q, type %q", n, r.body, r.h.Get("Content-Type"))
		}
		if got := s.SessionResets(m.ID); got != n {
			t.Fatalf("after %d resets: %d", n, got)
		}
	}
	// Any org member with an email: any case, guests and deactivated users included.
	for _, who := range []*Member{guest, inactive} {
		wantStatus(t, reset(strings.ToUpper(who.Email)), 200)
		if s.SessionResets(who.ID) != 1 {
			t.Errorf("%s: %d resets", who.ID, s.SessionResets(who.ID))
		}
	}
	if r := reset("nobody@example.invalid"); r.status != 404 || r.errCode(t) != "notFound" {
		t.Errorf("unknown email: %d %s", r.status, r.body)
	}
	for _, q := range []string{"", "?email=", "?email=%20"} {
		r := s.do("POST", "/v2/sessions/reset_all"+q, tok, nil)
		if r.status != 400 || r.errCode(t) != "invalidParameters" {
			t.Errorf("%q: %d %s", q, r.status, r.body)
		}
	}
	if n := s.Count("reset_sessions"); n != 8 || s.CreditsSpent() != 8*500 {
		t.Errorf("%d calls, %d credits", n, s.CreditsSpent())
	}
	// Another method is no route; the counter stays.
	wantStatus(t, s.do("GET", "/v2/sessions/reset_all?email="+url.QueryEscape(m.Email), tok, nil), 404)
	if s.SessionResets(m.ID) != 2 || s.SessionResets("42") != 0 {
		t.Errorf("counters %d, %d", s.SessionResets(m.ID), s.SessionResets("42"))
	}
	// A deleted user's email no longer resolves.
	var user *Member
	for i := range s.org.Members {
		if x := &s.org.Members[i]; x.Role == roleUser {
			user = x
			break
		}
	}
	wantStatus(t, s.scim("DELETE", "/"+user.ID, nil), 204)
	wantStatus(t, reset(user.Email), 404)
}
