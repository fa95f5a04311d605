package mirosim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawGet does a GET with its own client so transport-level failures are visible.
func (s *sim) rawGet(path, token string, timeout time.Duration) (*http.Response, []byte, error) {
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest(http.MethodGet, s.base+path, http.NoBody)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

func TestFaultKinds(t *testing.T) {
	org := smallOrg()
	for _, k := range []FaultKind{Fault500, Fault502, Fault503} {
		t.Run(string(k), func(t *testing.T) {
			s := startSim(t, org, Options{Faults: Faults{Rate: 1, Kinds: []FaultKind{k}}})
			r := s.get(s.orgPath("/teams"))
			code, _ := strconv.Atoi(string(k))
			wantStatus(t, r, code)
			isJSON := json.Valid(r.body)
			if k == Fault500 && (!isJSON || r.errCode(t) != "internalError") {
				t.Fatalf("500 body %s", r.body)
			}
			if k != Fault500 && (isJSON || !strings.HasPrefix(r.h.Get("Content-Type"), "text/html")) {
				t.Fatalf("gateway error should be HTML: %s", r.body)
			}
			sr := s.do("GET", "/api/v1/scim/Users", scimTok, nil)
			wantStatus(t, sr, code)
			if s.Count("list_teams") != 1 || s.Count("scim_list_users") != 1 || s.CreditsSpent() != 0 {
				t.Fatalf("faulted requests must be counted and not charged: %v, %d", s.Counts(), s.CreditsSpent())
			}
		})
	}
	t.Run("500 on SCIM is a SCIM error", func(t *testing.T) {
		s := startSim(t, org, Options{Faults: Faults{Rate: 1, Kinds: []FaultKind{Fault500}}})
		var e struct{ Schemas []string }
		s.do("GET", "/api/v1/scim/Users", scimTok, nil).json(t, &e)
		if len(e.Schemas) != 1 || e.Schemas[0] != scimErrorSchema {
			t.Fatalf("schemas %v", e.Schemas)
		}
	})
	t.Run("drop", func(t *testing.T) {
		s := startSim(t, org, Options{Faults: Faults{Rate: 1, Kinds: []FaultKind{FaultDrop}}})
		if _, _, err := s.rawGet(s.orgPath("/teams"), tok, 5*time.Second); err == nil {
			t.Fatal("dropped connection produced an answer")
		}
	})
	t.Run("truncate", func(t *testing.T) {
		s := startSim(t, org, Options{Faults: Faults{Rate: 1, Kinds: []FaultKind{FaultTruncate}}})
		res, body, err := s.rawGet(s.orgPath("/members"), tok, 5*time.Second)
		if res == nil {
			t.Fatalf("no response: %v", err)
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) || res.StatusCode != http.StatusOK {
			t.Fatalf("status %d, err %v; want 200 and unexpected EOF", res.StatusCode, err)
		}
		if full := res.ContentLength; full < 1000 || int64(len(body)) != full/2 {
			t.Fatalf("got %d of %d bytes, want half", len(body), full)
		}
		if s.CreditsSpent() != 500 {
			t.Fatalf("a truncated answer was computed, so charged: %d", s.CreditsSpent())
		}
	})
	t.Run("slow", func(t *testing.T) {
		s := startSim(t, org, Options{Faults: Faults{Rate: 1, Kinds: []FaultKind{FaultSlow}, SlowDelay: 400 * time.Millisecond}})
		start := time.Now()
		if _, _, err := s.rawGet(s.orgPath("/teams"), tok, 100*time.Millisecond); err == nil {
			t.Fatal("client timeout did not fire")
		}
		res, _, err := s.rawGet(s.orgPath("/teams"), tok, 5*time.Second)
		if err != nil || res.StatusCode != http.StatusOK || time.Since(start) < 500*time.Millisecond {
			t.Fatalf("slow answer: %v %v after %v", res, err, time.Since(start))
		}
	})
}

func TestFaultRateRoutesAndSeed(t *testing.T) {
	org := smallOrg()
	statuses := func(seed int64) string {
		s := startSim(t, org, Options{Credits: -1,
			Faults: Faults{Rate: 0.5, Seed: seed, Kinds: []FaultKind{Fault503}, Routes: []string{"list_teams"}}})
		var b strings.Builder
		for range 40 {
			b.WriteString(strconv.Itoa(s.get(s.orgPath("/teams")).status / 100))
			wantStatus(t, s.get(s.orgPath("")), 200) // not in Routes
		}
		return b.String()
	}
	a, b, c := statuses(1), statuses(1), statuses(2)
	if a != b || a == c {
		t.Fatalf("same seed must repeat, another seed differ: %s %s %s", a, b, c)
	}
	if n := strings.Count(a, "5"); n < 10 || n > 30 {
		t.Fatalf("%d of 40 faulted at rate 0.5: %s", n, a)
	}
	// Default kinds: every transient kind but slow shows up; none answers normally.
	s := startSim(t, org, Options{Faults: Faults{Rate: 1}})
	seen := map[string]bool{}
	for range 40 {
		res, _, err := s.rawGet(s.orgPath(""), tok, 5*time.Second)
		switch {
		case res == nil:
			seen["drop"] = true
		case err != nil:
			seen["truncate"] = true
		case res.StatusCode == http.StatusOK:
			t.Fatal("rate 1 answered normally")
		default:
			seen[strconv.Itoa(res.StatusCode)] = true
		}
	}
	if len(seen) != 5 {
		t.Fatalf("default kinds seen: %v", seen)
	}
	// Faults can be switched off at runtime.
	s.SetOptions(func(o *Options) { o.Faults.Rate = 0 })
	wantStatus(t, s.get(s.orgPath("")), 200)
}

func TestLatency(t *testing.T) {
	s := startSim(t, smallOrg(), Options{Latency: 150 * time.Millisecond})
	start := time.Now()
	wantStatus(t, s.get("/v1/oauth-token"), 200)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("answered in %v", d)
	}
	s.SetOptions(func(o *Options) { o.Latency = 10 * time.Second })
	start = time.Now()
	if _, _, err := s.rawGet("/v1/oauth-token", tok, 100*time.Millisecond); err == nil {
		t.Fatal("client timeout did not end the request")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("timeout took %v", d)
	}
}

func TestMalformations(t *testing.T) {
	org := smallOrg()
	mal := func(route string, m Malformation) *sim {
		return startSim(t, org, Options{Credits: -1, Faults: Faults{Malformed: map[string]Malformation{route: m}}})
	}
	t.Run("invalid_json", func(t *testing.T) {
		s := mal("list_members", MalformedJSON)
		r := s.get(s.orgPath("/members"))
		wantStatus(t, r, 200)
		if json.Valid(r.body) || r.h.Get("Content-Type") != "application/json" {
			t.Fatalf("body %q is valid JSON", r.body)
		}
		wantStatus(t, s.get(s.orgPath("/teams")), 200) // other routes untouched
		if !json.Valid(s.get(s.orgPath("/teams")).body) {
			t.Fatal("other route broken")
		}
	})
	t.Run("html_200", func(t *testing.T) {
		s := mal("get_org", MalformedHTML)
		r := s.get(s.orgPath(""))
		if r.status != 200 || !strings.HasPrefix(r.h.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "<html>") {
			t.Fatalf("%d %s %s", r.status, r.h.Get("Content-Type"), r.body)
		}
	})
	t.Run("wrong_content_type", func(t *testing.T) {
		s := mal("list_teams", MalformedContentType)
		r := s.get(s.orgPath("/teams"))
		if r.status != 200 || !strings.HasPrefix(r.h.Get("Content-Type"), "text/plain") || !json.Valid(r.body) {
			t.Fatalf("%d %s", r.status, r.h.Get("Content-Type"))
		}
	})
	t.Run("cursor_loop", func(t *testing.T) {
		for _, route := range []string{"list_members", "list_teams"} {
			s := mal(route, MalformedCursorLoop)
			path := map[string]string{"list_members": "/members", "list_teams": "/teams"}[route]
			var p1, p2, p3 page[map[string]any]
			s.get(s.orgPath(path+"?limit=2")).json(t, &p1)
			s.get(s.orgPath(path+"?limit=2&cursor="+p1.Cursor)).json(t, &p2)
			s.get(s.orgPath(path+"?limit=2&cursor="+p2.Cursor)).json(t, &p3)
			if p1.Cursor == "" || p2.Cursor != p1.Cursor || p3.Cursor != p1.Cursor || len(p2.Data) != 2 {
				t.Fatalf("%s: cursors %q %q %q", route, p1.Cursor, p2.Cursor, p3.Cursor)
			}
		}
	})
	t.Run("empty_data_cursor", func(t *testing.T) {
		s := mal("list_team_members", MalformedEmptyDataCursor)
		path := s.orgPath("/teams/" + s.org.Teams[0].ID + "/members")
		cursor := ""
		for i := range 3 {
			var p page[map[string]any]
			r := s.get(path + "?cursor=" + cursor)
			wantStatus(t, r, 200)
			r.json(t, &p)
			if len(p.Data) != 0 || p.Size != 0 || p.Cursor == "" {
				t.Fatalf("page %d: %s", i, r.body)
			}
			cursor = p.Cursor
		}
	})
	t.Run("over_limit", func(t *testing.T) {
		s := mal("list_members", MalformedOverLimit)
		var p page[memberJSONT]
		s.get(s.orgPath("/members?limit=5")).json(t, &p)
		if len(p.Data) != 6 || p.Cursor != p.Data[5].ID {
			t.Fatalf("%d items, cursor %q", len(p.Data), p.Cursor)
		}
		sr := startSim(t, org, Options{Faults: Faults{Malformed: map[string]Malformation{"scim_list_users": MalformedOverLimit}}})
		var l struct{ Resources []any }
		sr.do("GET", "/api/v1/scim/Users?count=4", scimTok, nil).json(t, &l)
		if len(l.Resources) != 5 {
			t.Fatalf("SCIM over_limit gave %d", len(l.Resources))
		}
	})
	t.Run("duplicates", func(t *testing.T) {
		s := mal("list_teams", MalformedDuplicates)
		var p1, p2 page[teamOut]
		s.get(s.orgPath("/teams?limit=4")).json(t, &p1)
		s.get(s.orgPath("/teams?limit=4&cursor="+p1.Cursor)).json(t, &p2)
		if len(p1.Data) != 4 || len(p2.Data) != 4 || p2.Data[0].ID != p1.Data[3].ID {
			t.Fatalf("page 2 should start with page 1's last item: %v / %v", p1.Data, p2.Data)
		}
		// A client that dedups still reaches every team.
		all, _ := pageAll[teamOut](t, s, s.orgPath("/teams"), 4)
		uniq := map[string]bool{}
		for _, x := range all {
			uniq[x.ID] = true
		}
		if len(uniq) != len(s.org.Teams) || len(all) <= len(s.org.Teams) {
			t.Fatalf("%d items, %d unique, %d teams", len(all), len(uniq), len(s.org.Teams))
		}
	})
	t.Run("huge_strings", func(t *testing.T) {
		s := mal("list_members", MalformedHugeStrings)
		var p page[memberJSONT]
		s.get(s.orgPath("/members?limit=3")).json(t, &p)
		if len(p.Data[0].Email) < 1<<20 || len(p.Data[1].Email) > 200 {
			t.Fatalf("email sizes %d, %d", len(p.Data[0].Email), len(p.Data[1].Email))
		}
		sc := startSim(t, org, Options{Faults: Faults{Malformed: map[string]Malformation{"scim_get_user": MalformedHugeStrings}}})
		var u struct{ UserName string }
		sc.do("GET", "/api/v1/scim/Users/"+firstVisible(sc).ID, scimTok, nil).json(t, &u)
		if len(u.UserName) < 1<<20 {
			t.Fatal("SCIM userName not huge")
		}
	})
	t.Run("write still applies", func(t *testing.T) {
		s := mal("invite_team_member", MalformedJSON)
		team := s.org.Teams[0]
		in := map[string]bool{}
		for _, m := range team.Members {
			in[m.UserID] = true
		}
		var who Member
		for _, m := range s.org.Members {
			if !in[m.ID] {
				who = m
				break
			}
		}
		r := s.do("POST", s.orgPath("/teams/"+team.ID+"/members"), tok, map[string]string{"email": who.Email})
		if r.status != 200 || json.Valid(r.body) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r = s.get(s.orgPath("/teams/" + team.ID + "/members/" + who.ID))
		wantStatus(t, r, 200)
	})
}

func firstVisible(s *sim) Member {
	for _, m := range s.org.Members {
		if scimVisible(&m) {
			return m
		}
	}
	return Member{}
}

// TestFaultThrottle: the first Throttle metered requests get a 429 that
// charges nothing and announces a reset a second away; unmetered ones pass.
func TestFaultThrottle(t *testing.T) {
	s := startSim(t, smallOrg(), Options{Faults: Faults{Throttle: 2}})
	wantStatus(t, s.get("/v1/oauth-token"), http.StatusOK)
	for i := range 2 {
		r := s.get(s.orgPath("/teams"))
		wantStatus(t, r, http.StatusTooManyRequests)
		if r.h.Get("X-RateLimit-Remaining") != "0" || r.h.Get("X-RateLimit-Reset") == "" {
			t.Fatalf("429 %d: headers %v", i, r.h)
		}
	}
	wantStatus(t, s.get(s.orgPath("/teams")), http.StatusOK)
	if s.Status429() != 2 || s.CreditsSpent() != CreditsFor("list_teams") {
		t.Fatalf("%d 429s, %d credits; want 2 and one list_teams", s.Status429(), s.CreditsSpent())
	}
}
