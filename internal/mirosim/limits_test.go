package mirosim

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestCreditsFor(t *testing.T) {
	want := map[string]int{"oauth_token": 0, "get_org": 500, "list_members": 500, "get_member": 500,
		"list_teams": 50, "get_team": 50, "list_team_members": 100, "get_team_member": 50,
		"invite_team_member": 100, "update_team_member": 100, "delete_team_member": 50,
		"scim_list_users": 0, "scim_delete_user": 0, "unknown": 0}
	for r, c := range want {
		if got := CreditsFor(r); got != c {
			t.Errorf("CreditsFor(%s) = %d, want %d", r, got, c)
		}
	}
}

func headerInt(t *testing.T, r resp, name string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(r.h.Get(name), 10, 64)
	if err != nil {
		t.Fatalf("header %s=%q: %v", name, r.h.Get(name), err)
	}
	return v
}

func TestCreditAccountingAnd429(t *testing.T) {
	// 1_700_000_003 is 5 s into a 6 s window aligned to Unix time (1_699_999_998 .. 1_700_000_004).
	for _, c := range []struct {
		style      ResetStyle
		reset      string
		retryAfter bool
	}{
		{ResetEpoch, "1700000004", false},
		{ResetSeconds, "1", true},
		{ResetNone, "", true},
	} {
		t.Run(strconv.Itoa(int(c.style)), func(t *testing.T) {
			clk := newClock(time.Unix(1_700_000_003, 0))
			s := startSim(t, smallOrg(), Options{Credits: 1200, Window: 6 * time.Second, ResetStyle: c.style,
				RetryAfter: c.retryAfter, Now: clk.Now})
			team := s.org.Teams[0].ID
			steps := []struct {
				path      string
				status    int
				remaining int64
			}{
				{s.orgPath("/members?limit=1"), 200, 700},
				{s.orgPath("/teams"), 200, 650},
				{s.orgPath("/teams/" + team + "/members"), 200, 550},
				{s.orgPath("/members/42"), 404, 50}, // 4xx answers are charged too
				{s.orgPath("/teams/" + team), 200, 0},
				{s.orgPath("/teams"), 429, 0}, // not charged
				{"/v1/oauth-token", 200, 0},   // unmetered, still reports
			}
			for i, st := range steps {
				r := s.get(st.path)
				wantStatus(t, r, st.status)
				if got := headerInt(t, r, "X-RateLimit-Remaining"); got != st.remaining {
					t.Fatalf("step %d: remaining %d, want %d", i, got, st.remaining)
				}
				if got := headerInt(t, r, "X-RateLimit-Limit"); got != 1200 {
					t.Fatalf("limit %d", got)
				}
				if got := r.h.Get("X-RateLimit-Reset"); got != c.reset {
					t.Fatalf("reset %q, want %q", got, c.reset)
				}
				if st.status == 429 {
					if r.errCode(t) != "tooManyRequests" {
						t.Fatal("429 code")
					}
					if got, want := r.h.Get("Retry-After"), map[bool]string{true: "1"}[c.retryAfter]; got != want {
						t.Fatalf("Retry-After %q, want %q", got, want)
					}
				}
			}
			if s.CreditsSpent() != 1200 || s.Status429() != 1 {
				t.Fatalf("spent %d, 429s %d", s.CreditsSpent(), s.Status429())
			}
			clk.Add(time.Second) // the next aligned window
			r := s.get(s.orgPath("/teams"))
			wantStatus(t, r, 200)
			if headerInt(t, r, "X-RateLimit-Remaining") != 1150 {
				t.Fatalf("new window remaining %s", r.h.Get("X-RateLimit-Remaining"))
			}
		})
	}
}

func TestExhaustCreditsAndUnlimited(t *testing.T) {
	clk := newClock(time.Unix(1_700_000_010, 0))
	s := startSim(t, smallOrg(), Options{RetryAfter: true, Now: clk.Now})
	wantStatus(t, s.get(s.orgPath("/teams")), 200)
	s.ExhaustCredits()
	r := s.get(s.orgPath("/teams"))
	wantStatus(t, r, 429)
	if r.h.Get("Retry-After") == "" || r.h.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("headers %v", r.h)
	}
	if reset := headerInt(t, r, "X-RateLimit-Reset"); reset != 1_700_000_040 {
		t.Fatalf("epoch reset %d, want the next minute boundary 1700000040", reset)
	}
	if headerInt(t, r, "Retry-After") != 30 {
		t.Fatalf("Retry-After %s, want 30", r.h.Get("Retry-After"))
	}
	if s.CreditsSpent() != 50 {
		t.Fatalf("ExhaustCredits must not count as spent: %d", s.CreditsSpent())
	}
	s.SetOptions(func(o *Options) { o.Credits = -1 })
	for range 3 {
		r = s.get(s.orgPath("/members"))
		wantStatus(t, r, 200)
	}
	if r.h.Get("X-RateLimit-Limit") == "" || headerInt(t, r, "X-RateLimit-Remaining") < 1_000_000 {
		t.Fatalf("unlimited headers %v", r.h)
	}
}

func TestPerTokenBuckets(t *testing.T) {
	clk := newClock(time.Unix(1_700_000_010, 0))
	s := startSim(t, smallOrg(), Options{Credits: 500, Now: clk.Now})
	wantStatus(t, s.get(s.orgPath("")), 200)
	wantStatus(t, s.get(s.orgPath("")), 429)
	s.SetOptions(func(o *Options) { o.Token = "second-token" })
	r := s.do("GET", s.orgPath(""), "second-token", nil)
	wantStatus(t, r, 200) // its own window
}

func TestSCIMLimit(t *testing.T) {
	clk := newClock(time.Unix(1_700_000_010, 0))
	s := startSim(t, smallOrg(), Options{RetryAfter: true, Now: clk.Now})
	id := "3458764500000000001"
	var last resp
	for range 21 {
		last = s.do("DELETE", "/api/v1/scim/Users/"+id, scimTok, nil)
	}
	wantStatus(t, last, 429)
	if last.h.Get("Retry-After") == "" {
		t.Error("no Retry-After on SCIM 429")
	}
	var e struct{ Status string }
	last.json(t, &e)
	if e.Status != "429" || s.Status429() != 1 {
		t.Fatalf("SCIM 429 body %s, count %d", last.body, s.Status429())
	}
	wantStatus(t, s.do("GET", "/api/v1/scim/Users?count=1", scimTok, nil), 200) // separate per-route limit
	clk.Add(30 * time.Second)                                                   // next 30 s window
	wantStatus(t, s.do("DELETE", "/api/v1/scim/Users/"+id, scimTok, nil), 404)
}

func TestConcurrentRequests(t *testing.T) {
	s := startSim(t, smallOrg(), Options{Credits: -1})
	team := s.org.Teams[0]
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				switch (i + j) % 4 {
				case 0:
					s.get(s.orgPath("/members?limit=5"))
				case 1:
					s.get(s.orgPath("/teams/" + team.ID + "/members"))
				case 2:
					s.do("GET", "/api/v1/scim/Users?count=5", scimTok, nil)
				case 3:
					s.do("POST", s.orgPath("/teams/"+team.ID+"/members"), tok,
						map[string]string{"email": s.org.Members[(i*10+j)%len(s.org.Members)].Email})
				}
				_ = s.Org()
			}
		}()
	}
	wg.Wait()
	if s.TotalCount() != 80 {
		t.Fatalf("total %d, want 80", s.TotalCount())
	}
	c := s.Counts()
	if c["list_members"]+c["list_team_members"]+c["scim_list_users"]+c["invite_team_member"] != 80 {
		t.Fatalf("counts %v", c)
	}
	s.ResetCounts()
	if s.TotalCount() != 0 || s.CreditsSpent() != 0 || len(s.Counts()) != 0 {
		t.Fatal("ResetCounts left counts")
	}
}
