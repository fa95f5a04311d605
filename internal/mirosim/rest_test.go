package mirosim

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestOAuthToken(t *testing.T) {
	s := startSim(t, smallOrg(), Options{Scopes: []string{"organizations:read"}})
	r := s.get("/v1/oauth-token")
	wantStatus(t, r, 200)
	var info struct {
		Type                                string
		Organization, Team, User, CreatedBy struct{ Type, Name, ID string }
		Scopes                              []string
	}
	r.json(t, &info)
	if info.Organization.ID != s.org.ID || info.Organization.Type != "organization" || info.Team.ID == "" ||
		info.User.Type != "user" || info.CreatedBy.ID != info.User.ID || len(info.Scopes) != 1 {
		t.Fatalf("token info %+v", info)
	}
	i := s.memberIndex(info.User.ID)
	if i < 0 || s.org.Members[i].Role != roleAdmin || !s.org.Members[i].Active {
		t.Fatalf("token user %s is not an active Company Admin", info.User.ID)
	}
	if r.h.Get("X-RateLimit-Limit") == "" {
		t.Error("no rate-limit headers on oauth-token")
	}
	for _, bad := range []string{"nope", scimTok, ""} {
		r := s.do("GET", "/v1/oauth-token", bad, nil)
		wantStatus(t, r, 400)
		if !strings.Contains(string(r.body), "Invalid token provided") {
			t.Errorf("token %q: body %s", bad, r.body)
		}
	}
	if s.CreditsSpent() != 0 {
		t.Errorf("oauth-token is unmetered, spent %d", s.CreditsSpent())
	}
}

func TestGetOrg(t *testing.T) {
	s := startSim(t, smallOrg(), Options{})
	var o struct {
		ID, Name, Plan, Type  string
		FullLicensesPurchased int
	}
	r := s.get(s.orgPath(""))
	wantStatus(t, r, 200)
	r.json(t, &o)
	if o.ID != s.org.ID || o.Plan != "company" || o.Type != "organization" || o.FullLicensesPurchased != s.org.FullLicensesPurchased {
		t.Fatalf("org %+v", o)
	}
	if r.h.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", r.h.Get("Content-Type"))
	}
	r = s.get("/v2/orgs/1234/members")
	wantStatus(t, r, 404)
	if r.errCode(t) != "notFound" {
		t.Error("wrong org id should be notFound")
	}
}

func TestAuthAndAccess(t *testing.T) {
	org := smallOrg()
	cases := []struct {
		name   string
		opts   Options
		token  string
		path   string
		status int
		code   string
	}{
		{"no token", Options{}, "", "/members", 401, "tokenNotProvided"},
		{"wrong token", Options{}, "bad", "/members", 401, "tokenNotProvided"},
		{"scim token on REST", Options{}, scimTok, "/teams", 401, "tokenNotProvided"},
		{"missing org scope", Options{Scopes: []string{scopeTeamsRead}}, tok, "/members", 403, "insufficientPermissions"},
		{"missing teams scope", Options{Scopes: []string{scopeOrgRead}}, tok, "/teams", 403, "insufficientPermissions"},
		{"teams scope ok", Options{Scopes: []string{scopeTeamsRead}}, tok, "/teams", 200, ""},
		{"not admin", Options{NotAdmin: true}, tok, "", 403, "forbiddenAccess"},
		{"not enterprise", Options{NotEnterprise: true}, tok, "/teams", 403, "forbiddenAccess"},
		{"custom token", Options{Token: "abc"}, "abc", "/members?limit=1", 200, ""},
	}
	msgs := map[string]string{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startSim(t, org, c.opts)
			r := s.do("GET", s.orgPath(c.path), c.token, nil)
			wantStatus(t, r, c.status)
			if r.h.Get("X-RateLimit-Remaining") == "" {
				t.Error("rate-limit headers missing")
			}
			if c.code != "" && r.errCode(t) != c.code {
				t.Errorf("code %s, want %s", r.errCode(t), c.code)
			}
			msgs[c.name] = string(r.body)
		})
	}
	if msgs["not admin"] == msgs["not enterprise"] {
		t.Error("NotAdmin and NotEnterprise give the same message")
	}
	// A write needs the write scope.
	s := startSim(t, org, Options{Scopes: []string{scopeTeamsRead}})
	r := s.do("DELETE", s.orgPath("/teams/"+s.org.Teams[0].ID+"/members/1"), tok, nil)
	wantStatus(t, r, 403)
}

func TestUnknownRoute(t *testing.T) {
	s := startSim(t, smallOrg(), Options{})
	// Boards, user groups, group->teams links and audit logs are served now; one group->team link by id is not.
	for _, p := range []string{"/v2/orgs/" + s.org.ID + "/groups/1/teams/2", "/nope"} {
		r := s.get(p)
		wantStatus(t, r, 404)
		if r.errCode(t) != "notFound" {
			t.Errorf("%s: %s", p, r.body)
		}
	}
	r := s.do("DELETE", s.orgPath("/members"), tok, nil) // known path, unsupported method
	wantStatus(t, r, 404)
	if s.Count("unknown") != 3 {
		t.Errorf("unknown count %d", s.Count("unknown"))
	}
}

// pageAll follows cursors until the end and returns every item; it fails on a repeated cursor.
func pageAll[T any](t *testing.T, s *sim, path string, limit int) ([]T, int) {
	t.Helper()
	var all []T
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		q := url.Values{"limit": {strconv.Itoa(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		r := s.get(path + sep + q.Encode())
		wantStatus(t, r, 200)
		var p page[T]
		r.json(t, &p)
		pages++
		if p.Type != "cursor-list" || p.Limit != limit || p.Size != len(p.Data) || len(p.Data) > limit {
			t.Fatalf("page envelope limit=%d size=%d len=%d type=%q", p.Limit, p.Size, len(p.Data), p.Type)
		}
		all = append(all, p.Data...)
		if p.Cursor == "" {
			return all, pages
		}
		if seen[p.Cursor] {
			t.Fatalf("cursor %q repeated", p.Cursor)
		}
		seen[p.Cursor] = true
		cursor = p.Cursor
	}
}

func TestMembersPaging(t *testing.T) {
	s := startSim(t, smallOrg(), Options{Credits: -1})
	for _, limit := range []int{1, 7, 100} {
		all, pages := pageAll[memberJSONT](t, s, s.orgPath("/members"), limit)
		if len(all) != len(s.org.Members) {
			t.Fatalf("limit %d: got %d members, want %d", limit, len(all), len(s.org.Members))
		}
		if want := (len(s.org.Members) + limit - 1) / limit; pages != want {
			t.Errorf("limit %d: %d pages, want %d (no empty trailing page)", limit, pages, want)
		}
		for i, m := range all {
			if m.ID != s.org.Members[i].ID {
				t.Fatalf("limit %d: item %d is %s, want %s (each exactly once, by id)", limit, i, m.ID, s.org.Members[i].ID)
			}
		}
	}
	// The cursor is the last id returned.
	r := s.get(s.orgPath("/members?limit=3"))
	var p page[memberJSONT]
	r.json(t, &p)
	if p.Cursor != p.Data[2].ID {
		t.Errorf("cursor %q, want last id %q", p.Cursor, p.Data[2].ID)
	}
}

func TestMemberJSON(t *testing.T) {
	s := startSim(t, smallOrg(), Options{Credits: -1})
	all, _ := pageAll[memberJSONT](t, s, s.orgPath("/members"), 100)
	var never, withAdmin bool
	for i, m := range all {
		src := s.org.Members[i]
		if m.Type != "organization-member" || m.Email != src.Email || m.Role != src.Role || m.License != src.License ||
			m.Active != src.Active || len(m.AdminRoles) != len(src.AdminRoles) || m.AdminRoles == nil {
			t.Fatalf("member %+v vs %+v", m, src)
		}
		if src.LastActivityAt.IsZero() != (m.LastActivityAt == nil) || src.LicenseAssignedAt.IsZero() != (m.LicenseAssignedAt == nil) {
			t.Fatalf("member %s: zero times must be omitted, set times present", m.ID)
		}
		if m.LastActivityAt == nil {
			never = true
			continue
		}
		withAdmin = withAdmin || len(m.AdminRoles) > 0
		ts, err := time.Parse("2006-01-02T15:04:05.000Z", *m.LastActivityAt)
		if err != nil || !ts.Equal(src.LastActivityAt) {
			t.Fatalf("lastActivityAt %q (%v) vs %v", *m.LastActivityAt, err, src.LastActivityAt)
		}
	}
	if !never || !withAdmin {
		t.Error("sample lacks never-active or admin-role members")
	}
	r := s.get(s.orgPath("/members/" + s.org.Members[5].ID))
	wantStatus(t, r, 200)
	var one memberJSONT
	r.json(t, &one)
	if one.ID != s.org.Members[5].ID {
		t.Fatal("get_member returned another member")
	}
	r = s.get(s.orgPath("/members/3458764500000000001"))
	wantStatus(t, r, 404)
	if r.errCode(t) != "notFound" {
		t.Fatal("unknown member should be notFound")
	}
}

func TestMembersFilters(t *testing.T) {
	s := startSim(t, smallOrg(), Options{Credits: -1})
	count := func(f func(Member) bool) int {
		n := 0
		for _, m := range s.org.Members {
			if f(m) {
				n++
			}
		}
		return n
	}
	cases := []struct {
		q    string
		want func(Member) bool
	}{
		{"role=organization_external_user", func(m Member) bool { return m.Role == roleExternal }},
		{"license=free_restricted", func(m Member) bool { return m.License == "free_restricted" }},
		{"active=false", func(m Member) bool { return !m.Active }},
		{"role=organization_internal_user&active=true&license=full", func(m Member) bool {
			return m.Role == roleUser && m.Active && m.License == "full"
		}},
	}
	for _, c := range cases {
		all, _ := pageAll[memberJSONT](t, s, s.orgPath("/members?"+c.q), 10)
		if n := count(c.want); len(all) != n || n == 0 {
			t.Errorf("%s: %d results, want %d (>0)", c.q, len(all), n)
		}
	}
}

func TestLimitValidation(t *testing.T) {
	s := startSim(t, smallOrg(), Options{})
	team := s.org.Teams[0].ID
	for _, path := range []string{"/members", "/teams", "/teams/" + team + "/members"} {
		for _, l := range []string{"0", "101", "abc", "-1", "1.5"} {
			r := s.get(s.orgPath(path + "?limit=" + l))
			wantStatus(t, r, 400)
			if r.errCode(t) != "invalidParameters" {
				t.Errorf("%s limit=%s: %s", path, l, r.body)
			}
		}
		r := s.get(s.orgPath(path))
		var p page[map[string]any]
		r.json(t, &p)
		if p.Limit != 100 {
			t.Errorf("%s: default limit %d", path, p.Limit)
		}
	}
	for _, q := range []string{"role=admin", "license=gold", "active=maybe"} {
		wantStatus(t, s.get(s.orgPath("/members?"+q)), 400)
	}
	wantStatus(t, s.get(s.orgPath("/teams/"+team+"/members?role=owner")), 400)
	wantStatus(t, s.get(s.orgPath("/teams?cursor=notbase64!")), 400)
	// A member id is not a team cursor, and one team's cursor is not another's.
	wantStatus(t, s.get(s.orgPath("/teams?cursor="+s.org.Members[0].ID)), 400)
	wantStatus(t, s.get(s.orgPath("/teams/"+team+"/members?cursor="+encCursor("tm:"+s.org.Teams[1].ID+":", "1"))), 400)
}

func TestMembersByEmail(t *testing.T) {
	s := startSim(t, smallOrg(), Options{})
	a, b := s.org.Members[3], s.org.Members[10]
	q := url.QueryEscape(strings.ToUpper(a.Email) + ", " + b.Email + ",nobody@example.com")
	r := s.get(s.orgPath("/members?emails=" + q + "&limit=abc&role=bogus"))
	wantStatus(t, r, 200)
	if r.body[0] != '[' {
		t.Fatalf("emails= must answer a bare array, got %.80s", r.body)
	}
	var got []memberJSONT
	r.json(t, &got)
	if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID {
		t.Fatalf("got %+v", got)
	}
	var many []string
	for i := range 11 {
		many = append(many, s.org.Members[i].Email)
	}
	r = s.get(s.orgPath("/members?emails=" + url.QueryEscape(strings.Join(many, ","))))
	wantStatus(t, r, 400)
	r = s.get(s.orgPath("/members?emails=" + url.QueryEscape(strings.Join(many[:10], ","))))
	r.json(t, &got)
	if len(got) != 10 {
		t.Fatalf("10 emails: got %d", len(got))
	}
}

func TestTeamsPaging(t *testing.T) {
	s := startSim(t, smallOrg(), Options{Credits: -1})
	all, _ := pageAll[teamOut](t, s, s.orgPath("/teams"), 7)
	if len(all) != len(s.org.Teams) {
		t.Fatalf("%d teams, want %d", len(all), len(s.org.Teams))
	}
	for i, tm := range all {
		if tm.ID != s.org.Teams[i].ID || tm.Name != s.org.Teams[i].Name || tm.Type != "team" {
			t.Fatalf("team %d: %+v", i, tm)
		}
	}
	r := s.get(s.orgPath("/teams?limit=2"))
	var p page[teamOut]
	r.json(t, &p)
	if p.Cursor == "" || p.Cursor == p.Data[1].ID {
		t.Errorf("teams cursor %q must be opaque, not the last id", p.Cursor)
	}
	// name filter: case-insensitive substring.
	name := s.org.Teams[4].Name
	found, _ := pageAll[teamOut](t, s, s.orgPath("/teams?name="+url.QueryEscape(strings.ToUpper(name[1:5]))), 3)
	want := 0
	for _, tm := range s.org.Teams {
		if strings.Contains(strings.ToLower(tm.Name), strings.ToLower(name[1:5])) {
			want++
		}
	}
	if len(found) != want || want == 0 {
		t.Errorf("name filter: %d, want %d", len(found), want)
	}
	r = s.get(s.orgPath("/teams/" + s.org.Teams[2].ID))
	wantStatus(t, r, 200)
	wantStatus(t, s.get(s.orgPath("/teams/42")), 404)
}

func TestTeamMembersPaging(t *testing.T) {
	s := startSim(t, smallOrg(), Options{Credits: -1})
	var big Team
	for _, tm := range s.org.Teams {
		if len(tm.Members) > len(big.Members) {
			big = tm
		}
	}
	all, _ := pageAll[teamMemberJSONT](t, s, s.orgPath("/teams/"+big.ID+"/members"), 9)
	if len(all) != len(big.Members) || len(all) < 20 {
		t.Fatalf("%d members, want %d", len(all), len(big.Members))
	}
	for i, m := range all {
		src := big.Members[i]
		if m.ID != src.UserID || m.Role != src.Role || m.TeamID != big.ID || m.Type != "team-member" ||
			m.CreatedAt == "" || m.CreatedBy == "" {
			t.Fatalf("team member %+v vs %+v", m, src)
		}
	}
	admins, _ := pageAll[teamMemberJSONT](t, s, s.orgPath("/teams/"+big.ID+"/members?role=admin"), 100)
	for _, a := range admins {
		if a.Role != "admin" {
			t.Fatalf("role filter returned %s", a.Role)
		}
	}
	if len(admins) == 0 || len(admins) == len(all) {
		t.Errorf("role filter: %d admins of %d", len(admins), len(all))
	}
	r := s.get(s.orgPath("/teams/" + big.ID + "/members/" + big.Members[0].UserID))
	wantStatus(t, r, 200)
	wantStatus(t, s.get(s.orgPath("/teams/"+big.ID+"/members/42")), 404)
	wantStatus(t, s.get(s.orgPath("/teams/42/members")), 404)
}

func TestTeamMemberWrites(t *testing.T) {
	org := smallOrg()
	s := startSim(t, org, Options{})
	// A team with exactly one admin and at least one other member.
	var team Team
	for _, tm := range s.org.Teams {
		admins := 0
		for _, m := range tm.Members {
			if m.Role == "admin" {
				admins++
			}
		}
		if admins == 1 && len(tm.Members) > 2 {
			team = tm
			break
		}
	}
	if team.ID == "" {
		t.Fatal("no suitable team")
	}
	base := s.orgPath("/teams/" + team.ID + "/members")
	in := map[string]bool{}
	for _, m := range team.Members {
		in[m.UserID] = true
	}
	var outsider Member
	for _, m := range s.org.Members {
		if !in[m.ID] {
			outsider = m
			break
		}
	}
	var admin, member string
	for _, m := range team.Members {
		if m.Role == "admin" {
			admin = m.UserID
		} else if member == "" {
			member = m.UserID
		}
	}

	steps := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"invite bad role", "POST", base, map[string]string{"email": outsider.Email, "role": "non_team"}, 400},
		{"invite no email", "POST", base, map[string]string{"role": "member"}, 400},
		{"invite stranger", "POST", base, map[string]string{"email": "stranger@nowhere.example"}, 404},
		{"invite existing", "POST", base, map[string]string{"email": s.org.Members[s.memberIndex(member)].Email}, 409},
		{"invite ok", "POST", base, map[string]string{"email": strings.ToUpper(outsider.Email), "role": "admin"}, 201},
		{"invite twice", "POST", base, map[string]string{"email": outsider.Email}, 409},
		{"update bad role", "PATCH", base + "/" + member, map[string]string{"role": "team_guest"}, 400},
		{"update unknown", "PATCH", base + "/42", map[string]string{"role": "admin"}, 404},
		{"update ok", "PATCH", base + "/" + member, map[string]string{"role": "admin"}, 200},
		{"delete unknown", "DELETE", base + "/42", nil, 404},
		{"delete ok", "DELETE", base + "/" + outsider.ID, nil, 204},
		{"demote admin", "PATCH", base + "/" + member, map[string]string{"role": "member"}, 200},
		{"demote last admin", "PATCH", base + "/" + admin, map[string]string{"role": "member"}, 409},
		{"delete last admin", "DELETE", base + "/" + admin, nil, 409},
		{"delete member", "DELETE", base + "/" + member, nil, 204},
		{"bad json", "POST", base, "not an object", 400},
	}
	for _, st := range steps {
		r := s.do(st.method, st.path, tok, st.body)
		if r.status != st.status {
			t.Fatalf("%s: status %d, want %d: %s", st.name, r.status, st.status, r.body)
		}
		if st.name == "invite ok" {
			var m teamMemberJSONT
			r.json(t, &m)
			if m.ID != outsider.ID || m.Role != "admin" || m.TeamID != team.ID || m.Type != "team-member" {
				t.Fatalf("invite answer %+v", m)
			}
		}
	}
	after := s.Org()
	tm := after.Teams[0]
	for _, x := range after.Teams {
		if x.ID == team.ID {
			tm = x
		}
	}
	if len(tm.Members) != len(team.Members)-1 {
		t.Fatalf("team has %d members, want %d", len(tm.Members), len(team.Members)-1)
	}
	for _, m := range tm.Members {
		if m.UserID == member || m.UserID == outsider.ID {
			t.Fatalf("%s still in team", m.UserID)
		}
	}
}
