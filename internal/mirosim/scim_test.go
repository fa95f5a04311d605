package mirosim

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

type scimUserT struct {
	Schemas     []string
	ID          string
	UserName    string
	DisplayName string
	UserType    string
	Active      bool
	Name        struct{ GivenName, FamilyName string }
	Emails      []struct{ Value string }
	Groups      []struct{ Value, Display string }
	Roles       []struct {
		Type, Value string
		Primary     bool
	}
	Meta       struct{ ResourceType, Location string }
	Enterprise struct {
		Department, EmployeeNumber, CostCenter string
		Manager                                struct{ Value string }
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

type scimListT struct {
	Schemas                                []string
	TotalResults, StartIndex, ItemsPerPage int
	Resources                              []scimUserT
}

func (s *sim) scim(method, path string, body any) resp {
	s.t.Helper()
	return s.do(method, "/api/v1/scim/Users"+path, scimTok, body)
}

func scimStatus(t *testing.T, r resp, want int) {
	t.Helper()
	wantStatus(t, r, want)
	if want >= 400 {
		var e struct {
			Schemas []string
			Status  string
		}
		r.json(t, &e)
		if e.Status != strconv.Itoa(want) || len(e.Schemas) != 1 || e.Schemas[0] != scimErrorSchema {
			t.Fatalf("SCIM error body %s", r.body)
		}
	} else if ct := r.h.Get("Content-Type"); len(r.body) > 0 && ct != "application/scim+json" {
		t.Fatalf("content type %q", ct)
	}
}

func TestSCIMAuth(t *testing.T) {
	s := startSim(t, smallOrg(), Options{})
	for _, token := range []string{"", tok, "nope"} {
		scimStatus(t, s.do("GET", "/api/v1/scim/Users", token, nil), 401)
	}
}

func TestSCIMList(t *testing.T) {
	s := startSim(t, Generate(GenOptions{Seed: 5, Users: 1500, Teams: 20}), Options{Credits: -1})
	var visible []Member
	for _, m := range s.org.Members {
		if scimVisible(&m) {
			visible = append(visible, m)
		}
	}
	if len(visible) == len(s.org.Members) {
		t.Fatal("org has no guests to hide")
	}
	var got []scimUserT
	for start := 1; ; start += 250 {
		r := s.scim("GET", "?count=250&startIndex="+strconv.Itoa(start), nil)
		scimStatus(t, r, 200)
		var l scimListT
		r.json(t, &l)
		if l.TotalResults != len(visible) || l.StartIndex != start || l.ItemsPerPage != len(l.Resources) ||
			l.Schemas[0] != scimListSchema {
			t.Fatalf("envelope %+v", l)
		}
		got = append(got, l.Resources...)
		if len(l.Resources) < 250 {
			break
		}
	}
	if len(got) != len(visible) {
		t.Fatalf("paged %d users, want %d", len(got), len(visible))
	}
	for i, u := range got {
		if u.ID != visible[i].ID {
			t.Fatalf("user %d is %s, want %s", i, u.ID, visible[i].ID)
		}
	}
	for _, c := range []struct {
		q    string
		want int
	}{
		{"count=5000", 1000}, // clamps to Miro's maximum
		{"", 100},
		{"count=0", 0},
		{"startIndex=0&count=3", 3},
		{"startIndex=" + strconv.Itoa(len(visible)) + "&count=10", 1},
	} {
		var l scimListT
		s.scim("GET", "?"+c.q, nil).json(t, &l)
		if len(l.Resources) != c.want {
			t.Errorf("%s: %d resources, want %d", c.q, len(l.Resources), c.want)
		}
	}
	scimStatus(t, s.scim("GET", "?count=abc", nil), 400)

	// Filters.
	target := visible[17]
	var team Team
	for _, tm := range s.org.Teams {
		if len(tm.Members) > 5 {
			team = tm
			break
		}
	}
	teamVisible := 0
	for _, m := range team.Members {
		if i := s.memberIndex(m.UserID); scimVisible(&s.org.Members[i]) {
			teamVisible++
		}
	}
	inactive := 0
	for _, m := range visible {
		if !m.Active {
			inactive++
		}
	}
	for _, c := range []struct {
		filter string
		want   int
	}{
		{`userName eq "` + strings.ToUpper(target.Email) + `"`, 1},
		{`userName eq "nobody@example.com"`, 0},
		{`active eq false`, inactive},
		{`not (active eq false)`, len(visible) - inactive},
		{`groups.value eq "` + team.ID + `"`, teamVisible},
		{`id eq "` + target.ID + `" or userName eq "` + visible[3].Email + `"`, 2},
		{`(userName sw "` + target.Email[:3] + `") and id eq "` + target.ID + `"`, 1},
	} {
		r := s.scim("GET", "?count=1000&filter="+url.QueryEscape(c.filter), nil)
		scimStatus(t, r, 200)
		var l scimListT
		r.json(t, &l)
		if l.TotalResults != c.want || c.want == 0 && len(l.Resources) != 0 {
			t.Errorf("filter %s: %d results, want %d", c.filter, l.TotalResults, c.want)
		}
	}
	for _, bad := range []string{`userName eq`, `nope eq "x"`, `userName zz "x"`, `(userName eq "x"`, `userName eq "x`} {
		r := s.scim("GET", "?filter="+url.QueryEscape(bad), nil)
		scimStatus(t, r, 400)
		if !strings.Contains(string(r.body), "invalidFilter") {
			t.Errorf("%s: %s", bad, r.body)
		}
	}
}

func TestSCIMGetUser(t *testing.T) {
	s := startSim(t, smallOrg(), Options{})
	var m Member
	for _, x := range s.org.Members {
		if x.Role == roleAdmin && len(x.AdminRoles) == 2 && x.ManagerID != "" {
			m = x
		}
	}
	r := s.scim("GET", "/"+m.ID, nil)
	scimStatus(t, r, 200)
	var u scimUserT
	r.json(t, &u)
	if u.ID != m.ID || u.UserName != m.Email || u.Emails[0].Value != m.Email || u.DisplayName != m.DisplayName ||
		u.Name.GivenName != m.GivenName || u.UserType != licenseLabel(m.License) || u.Active != m.Active ||
		u.Enterprise.Department != m.Department || u.Enterprise.EmployeeNumber != m.EmployeeNumber ||
		u.Enterprise.Manager.Value != m.ManagerID || u.Meta.ResourceType != "User" ||
		!strings.HasSuffix(u.Meta.Location, "/api/v1/scim/Users/"+m.ID) {
		t.Fatalf("user %+v\nmember %+v", u, m)
	}
	if len(u.Roles) != 3 || u.Roles[0].Type != "organization_user_role" || u.Roles[0].Value != "ORGANIZATION_INTERNAL_ADMIN" ||
		!u.Roles[0].Primary || u.Roles[1].Type != "organization_admin_role" || u.Roles[1].Value != m.AdminRoles[0].Name {
		t.Fatalf("roles %+v", u.Roles)
	}
	groups := 0
	for _, tm := range s.org.Teams {
		if teamMemberIndex(&tm, m.ID) >= 0 {
			groups++
		}
	}
	if len(u.Groups) != groups {
		t.Fatalf("%d groups, want %d", len(u.Groups), groups)
	}
	for _, x := range s.org.Members {
		if x.Role == roleGuest || x.Role == roleExternal {
			scimStatus(t, s.scim("GET", "/"+x.ID, nil), 404)
			scimStatus(t, s.scim("DELETE", "/"+x.ID, nil), 404)
			break
		}
	}
	scimStatus(t, s.scim("GET", "/42", nil), 404)
	want := map[string]string{"full": "Full", "free_restricted": "Free Restricted", "full_trial": "Full (Trial)",
		"occasional": "Occasional", "enterprise_plus": "Enterprise Plus"}
	for l, label := range want {
		if licenseLabel(l) != label {
			t.Errorf("label of %s = %s", l, licenseLabel(l))
		}
	}
}

func TestSCIMCreate(t *testing.T) {
	clk := newClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	s := startSim(t, smallOrg(), Options{Now: clk.Now})
	body := map[string]any{"schemas": []string{scimUserSchema}, "userName": "new.person@exämple.com",
		"name": map[string]string{"givenName": "New", "familyName": "Person"}}
	r := s.scim("POST", "", body)
	scimStatus(t, r, 201)
	var u scimUserT
	r.json(t, &u)
	if u.ID == "" || len(u.ID) != 19 || r.h.Get("Location") != u.Meta.Location || u.DisplayName != "New Person" ||
		u.UserType != "Free" || !u.Active {
		t.Fatalf("created %+v, Location %q", u, r.h.Get("Location"))
	}
	// It is an org member for REST too, in id order.
	rm := s.get(s.orgPath("/members/" + u.ID))
	wantStatus(t, rm, 200)
	var m memberJSONT
	rm.json(t, &m)
	if m.Role != roleUser || m.License != "free" || !m.Active || m.LastActivityAt != nil || m.LicenseAssignedAt == nil {
		t.Fatalf("member %+v", m)
	}
	org := s.Org()
	if !slices.IsSortedFunc(org.Members, func(a, b Member) int { return strings.Compare(a.ID, b.ID) }) {
		t.Fatal("members no longer sorted")
	}

	r = s.scim("POST", "", map[string]any{"userName": "full.person@example.com", "userType": "Full", "active": false,
		"roles": []map[string]any{{"type": "organization_user_role", "value": "ORGANIZATION_INTERNAL_ADMIN", "primary": true},
			{"type": "organization_admin_role", "value": "User Admin"}}})
	scimStatus(t, r, 201)
	r.json(t, &u)
	if u.UserType != "Full" || u.Active || u.Roles[0].Value != "ORGANIZATION_INTERNAL_ADMIN" || len(u.Roles) != 2 {
		t.Fatalf("created %+v", u)
	}

	for name, c := range map[string]struct {
		body   any
		status int
		want   string
	}{
		"duplicate":      {map[string]any{"userName": "NEW.PERSON@exämple.com"}, 400, "not unique"},
		"no userName":    {map[string]any{"displayName": "x"}, 400, "invalidValue"},
		"bad userType":   {map[string]any{"userName": "a@b.example", "userType": "Gold"}, 400, "invalidValue"},
		"guest role":     {map[string]any{"userName": "a@b.example", "roles": []map[string]any{{"type": "organization_user_role", "value": "ORGANIZATION_EXTERNAL_USER"}}}, 400, "invalidValue"},
		"bad admin role": {map[string]any{"userName": "a@b.example", "roles": []map[string]any{{"type": "organization_admin_role", "value": "Emperor"}}}, 400, "invalidValue"},
		"not json":       {"text", 400, "invalidSyntax"},
	} {
		r := s.scim("POST", "", c.body)
		scimStatus(t, r, c.status)
		if !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: %s", name, r.body)
		}
	}
	req := s.do("POST", "/api/v1/scim/Users", scimTok, nil)
	scimStatus(t, req, 400)
}

// adminOrg: two internal users, one the only Company Admin and only admin of the only team.
func adminOrg() *Org {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return &Org{ID: "3074457345000000001", Name: "Tiny", Plan: "company",
		Members: []Member{
			{ID: "3458764500000000010", Email: "admin@example.com", Active: true, Role: roleAdmin, License: "full",
				AdminRoles: []AdminRole{{Type: "prebuilt", Name: "Content Admin"}}, DisplayName: "Ad Min"},
			{ID: "3458764500000000020", Email: "user@example.com", Active: true, Role: roleUser, License: "free"},
			{ID: "3458764500000000030", Email: "gone@example.com", Active: false, Role: roleUser, License: "free"},
			{ID: "3458764500000000040", Email: "guest@partner.example", Active: true, Role: roleGuest, License: "free"},
		},
		Teams: []Team{{ID: "3074457346000000001", Name: "Only", Members: []TeamMember{
			{UserID: "3458764500000000010", Role: "admin", CreatedAt: at},
			{UserID: "3458764500000000020", Role: "member", CreatedAt: at},
		}}},
	}
}

func patch(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops}
}

func op(o, path string, v any) map[string]any {
	return map[string]any{"op": o, "path": path, "value": v}
}

func TestSCIMPatch(t *testing.T) {
	s := startSim(t, adminOrg(), Options{})
	const admin, user, gone, guest = "/3458764500000000010", "/3458764500000000020", "/3458764500000000030", "/3458764500000000040"
	steps := []struct {
		name, path string
		body       any
		status     int
		check      func(u scimUserT) bool
	}{
		{"deactivate bool", user, patch(op("Replace", "active", false)), 200, func(u scimUserT) bool { return !u.Active }},
		{"reactivate string", user, patch(op("replace", "active", "True")), 200, func(u scimUserT) bool { return u.Active }},
		{"active garbage", user, patch(op("replace", "active", "maybe")), 400, nil},
		{"upgrade", user, patch(op("Replace", "userType", "Full")), 200, func(u scimUserT) bool { return u.UserType == "Full" }},
		{"downgrade", user, patch(op("Replace", "userType", "Free")), 400, nil},
		{"promote", user, patch(op("Replace", "roles[primary eq true].value", "ORGANIZATION_INTERNAL_ADMIN")), 200,
			func(u scimUserT) bool { return u.Roles[0].Value == "ORGANIZATION_INTERNAL_ADMIN" }},
		{"guest role", user, patch(op("Replace", "roles[primary eq true].value", "ORGANIZATION_TEAM_GUEST_USER")), 400, nil},
		{"add admin role", user, patch(op("Add", "roles", []map[string]any{{"value": "Security Admin", "type": "organization_admin_role", "primary": false}})), 200,
			func(u scimUserT) bool { return len(u.Roles) == 2 && u.Roles[1].Value == "Security Admin" }},
		{"add again is idempotent", user, patch(op("Add", "roles", []map[string]any{{"value": "Security Admin", "type": "organization_admin_role"}})), 200,
			func(u scimUserT) bool { return len(u.Roles) == 2 }},
		{"remove admin role", user, patch(map[string]any{"op": "Remove", "path": `roles[value eq "Security Admin"]`}), 200,
			func(u scimUserT) bool { return len(u.Roles) == 1 }},
		{"remove absent role", user, patch(map[string]any{"op": "Remove", "path": `roles[value eq "User Admin"]`}), 200, nil},
		{"rename", user, patch(op("Replace", "displayName", "Renamed"), op("replace", "name.givenName", "Ren"),
			op("replace", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "IT")), 200,
			func(u scimUserT) bool {
				return u.DisplayName == "Renamed" && u.Name.GivenName == "Ren" && u.Enterprise.Department == "IT"
			}},
		{"no-path object", user, patch(map[string]any{"op": "replace", "value": map[string]any{"displayName": "Obj", "active": true}}), 200,
			func(u scimUserT) bool { return u.DisplayName == "Obj" }},
		{"email", user, patch(op("Replace", "userName", "user2@example.com")), 200, func(u scimUserT) bool { return u.UserName == "user2@example.com" }},
		{"email taken", user, patch(op("Replace", "userName", "ADMIN@example.com")), 400, nil},
		{"atomic", user, patch(op("Replace", "displayName", "Never"), op("Replace", "nickName", "x")), 400, nil},
		{"inactive email change", gone, patch(op("Replace", "userName", "gone2@example.com")), 409, nil},
		{"inactive reactivate", gone, patch(op("Replace", "active", true)), 200, func(u scimUserT) bool { return u.Active }},
		{"guest", guest, patch(op("Replace", "active", false)), 404, nil},
		{"empty ops", user, patch(), 400, nil},
		{"demote user back", user, patch(op("Replace", "roles[primary eq true].value", "ORGANIZATION_INTERNAL_USER")), 200, nil},
		{"demote last admin", admin, patch(op("Replace", "roles[primary eq true].value", "ORGANIZATION_INTERNAL_USER")), 409, nil},
		{"deactivate last admin", admin, patch(op("Replace", "active", false)), 409, nil},
	}
	for _, st := range steps {
		r := s.scim("PATCH", st.path, st.body)
		if r.status != st.status {
			t.Fatalf("%s: status %d, want %d: %s", st.name, r.status, st.status, r.body)
		}
		scimStatus(t, r, st.status)
		if st.check != nil {
			var u scimUserT
			r.json(t, &u)
			if !st.check(u) {
				t.Fatalf("%s: user %+v", st.name, u)
			}
		}
	}
	org := s.Org()
	if u := org.Members[1]; u.DisplayName != "Obj" || u.Email != "user2@example.com" || u.License != "full" {
		t.Fatalf("final user %+v", u)
	}
	// REST sees SCIM changes, and the old email no longer resolves.
	var got []memberJSONT
	s.get(s.orgPath("/members?emails=user@example.com,user2@example.com")).json(t, &got)
	if len(got) != 1 || got[0].License != "full" {
		t.Fatalf("emails lookup after rename: %+v", got)
	}
}

func TestSCIMReplace(t *testing.T) {
	s := startSim(t, adminOrg(), Options{})
	body := map[string]any{"userName": "user@example.com", "displayName": "Put Name", "userType": "Full",
		"roles": []map[string]any{{"type": "organization_user_role", "value": "ORGANIZATION_INTERNAL_USER", "primary": "True"},
			{"type": "organization_admin_role", "value": "Content Admin"}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Ops", "manager": map[string]string{"value": "3458764500000000010"}}}
	r := s.scim("PUT", "/3458764500000000020", body)
	scimStatus(t, r, 200)
	var u scimUserT
	r.json(t, &u)
	if u.DisplayName != "Put Name" || u.UserType != "Full" || len(u.Roles) != 2 || u.Enterprise.Department != "Ops" ||
		u.Enterprise.Manager.Value != "3458764500000000010" {
		t.Fatalf("replaced %+v", u)
	}
	body["userType"] = "Free"
	scimStatus(t, s.scim("PUT", "/3458764500000000020", body), 400) // no downgrade
	delete(body, "userName")
	scimStatus(t, s.scim("PUT", "/3458764500000000020", body), 400)
	scimStatus(t, s.scim("PUT", "/42", map[string]any{"userName": "x@y.example"}), 404)
}

func TestSCIMDelete(t *testing.T) {
	s := startSim(t, adminOrg(), Options{})
	const admin, user = "/3458764500000000010", "/3458764500000000020"
	scimStatus(t, s.scim("DELETE", admin, nil), 409) // last Company Admin
	scimStatus(t, s.scim("PATCH", user, patch(op("Replace", "roles[primary eq true].value", "ORGANIZATION_INTERNAL_ADMIN"))), 200)
	r := s.scim("DELETE", admin, nil)
	scimStatus(t, r, 409) // still the last admin of the team
	if !strings.Contains(string(r.body), "team") {
		t.Fatalf("409 should name the team: %s", r.body)
	}
	wantStatus(t, s.do("PATCH", "/v2/orgs/3074457345000000001/teams/3074457346000000001/members"+user, tok,
		map[string]string{"role": "admin"}), 200)
	wantStatus(t, s.scim("DELETE", admin, nil), 204)
	scimStatus(t, s.scim("GET", admin, nil), 404)
	scimStatus(t, s.scim("DELETE", admin, nil), 404)
	org := s.Org()
	if len(org.Members) != 3 || len(org.Teams[0].Members) != 1 || org.Teams[0].Members[0].UserID != user[1:] {
		t.Fatalf("after delete: %d members, team %+v", len(org.Members), org.Teams[0].Members)
	}
	wantStatus(t, s.get("/v2/orgs/3074457345000000001/members"+admin), 404)
	// The deleted email is free again.
	scimStatus(t, s.scim("POST", "", map[string]any{"userName": "admin@example.com"}), 201)
	if s.Count("scim_delete_user") != 4 {
		t.Fatalf("delete count %d", s.Count("scim_delete_user"))
	}
}

func TestSCIMContentType(t *testing.T) {
	s := startSim(t, adminOrg(), Options{})
	req := strings.NewReader(`{"userName":"ct@example.com"}`)
	res, err := httpPost(s.base+"/api/v1/scim/Users", "text/xml", req)
	if err != nil {
		t.Fatal(err)
	}
	if res != 415 {
		t.Fatalf("status %d, want 415", res)
	}
}
