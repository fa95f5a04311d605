package miro

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestListMembersCursorForms serves one page per envelope shape Miro (or a
// proxy in front of it) may produce and checks data and next cursor.
func TestListMembersCursorForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		wantIDs    []string
		wantCursor string
	}{
		{"string cursor", `{"limit":100,"size":2,"cursor":"3074457345821140946","type":"cursor-list","data":[{"id":"1"},{"id":"2"}]}`, []string{"1", "2"}, "3074457345821140946"},
		{"numeric cursor keeps every digit", `{"limit":100,"size":1,"cursor":3074457345821140946,"type":"cursor-list","data":[{"id":"1"}]}`, []string{"1"}, "3074457345821140946"},
		{"null cursor", `{"limit":100,"size":1,"cursor":null,"type":"cursor-list","data":[{"id":"1"}]}`, []string{"1"}, ""},
		{"missing cursor", `{"limit":100,"size":1,"type":"cursor-list","data":[{"id":"1"}]}`, []string{"1"}, ""},
		{"empty cursor", `{"limit":100,"size":1,"cursor":"","type":"cursor-list","data":[{"id":"1"}]}`, []string{"1"}, ""},
		{"opaque cursor", `{"cursor":"2023-09-01T09:30:10.840687Z#1234-DDB","data":[{"id":"1"}]}`, []string{"1"}, "2023-09-01T09:30:10.840687Z#1234-DDB"},
		{"empty data with a cursor", `{"limit":100,"size":0,"cursor":"abc","type":"cursor-list","data":[]}`, nil, "abc"},
		{"null data", `{"cursor":null,"data":null}`, nil, ""},
		{"unknown fields are ignored", `{"limit":100,"size":1,"total":7,"links":{"next":"x"},"context":null,"cursor":"c","type":"cursor-list","data":[{"id":"1","type":"organization-member","future":{"a":[1,2,{"b":null}]}}],"extra":[true]}`, []string{"1"}, "c"},
		{"whitespace everywhere", "\n { \"cursor\" : \"c\" ,\n \"data\" : [ { \"id\" : \"1\" } ] }\n", []string{"1"}, "c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
				writeRaw(w, http.StatusOK, "application/json", tt.body)
			})
			c := newTestClient(t, s)
			page, resp, err := c.ListMembers(context.Background(), "42", "")
			if err != nil {
				t.Fatalf("ListMembers: %v", err)
			}
			if resp == nil || resp.StatusCode != http.StatusOK {
				t.Errorf("response = %+v, want status 200", resp)
			}
			var ids []string
			for _, m := range page.Data {
				ids = append(ids, m.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("ids = %v, want %v", ids, tt.wantIDs)
			}
			if page.Cursor != tt.wantCursor {
				t.Errorf("cursor = %q, want %q", page.Cursor, tt.wantCursor)
			}
			if s.count() != 1 {
				t.Errorf("server saw %d requests, want 1", s.count())
			}
		})
	}
}

func TestListMembersRequestShape(t *testing.T) {
	t.Parallel()
	s := newMiroServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("cursor") {
		case "":
			writeJSON(w, http.StatusOK, membersPage("2", member("1"), member("2")))
		case "2":
			writeJSON(w, http.StatusOK, membersPage(nil, member("3")))
		default:
			restError(w, http.StatusBadRequest, "invalidParameters", "bad cursor")
		}
	})
	c := newTestClient(t, s)
	ctx := context.Background()
	var all []string
	cursor := ""
	for range 5 {
		page, _, err := c.ListMembers(ctx, "3074457345821141000", cursor)
		if err != nil {
			t.Fatalf("ListMembers(%q): %v", cursor, err)
		}
		for _, m := range page.Data {
			all = append(all, m.ID)
		}
		if cursor = page.Cursor; cursor == "" {
			break
		}
	}
	if want := []string{"1", "2", "3"}; !slices.Equal(all, want) {
		t.Errorf("members = %v, want %v", all, want)
	}
	if s.count() != 2 {
		t.Fatalf("server saw %d requests, want 2", s.count())
	}
	for i, wantCursor := range []string{"", "2"} {
		r := s.request(i)
		if r.Method != http.MethodGet || r.URL.Path != "/v2/orgs/3074457345821141000/members" {
			t.Errorf("request %d = %s %s", i, r.Method, r.URL.Path)
		}
		q := r.URL.Query()
		if q.Get("limit") != "100" {
			t.Errorf("request %d limit = %q, want 100", i, q.Get("limit"))
		}
		if _, has := q["cursor"]; has != (wantCursor != "") || q.Get("cursor") != wantCursor {
			t.Errorf("request %d cursor = %q (present %v), want %q", i, q.Get("cursor"), has, wantCursor)
		}
		if r.Header.Get("Accept") != "application/json" {
			t.Errorf("request %d Accept = %q", i, r.Header.Get("Accept"))
		}
	}
}

// TestMemberEnumsAndOptionalFields decodes members carrying every documented
// role and license, values Miro may add later, and every optional field absent,
// empty or null.
func TestMemberEnumsAndOptionalFields(t *testing.T) {
	t.Parallel()
	roles := append(slices.Clone(OrgRoles), "organization_future_role", "")
	licenses := append(slices.Clone(Licenses), "platinum", "FULL", "")
	var body strings.Builder
	body.WriteString(`{"type":"cursor-list","data":[`)
	type wantMember struct{ id, role, license string }
	var want []wantMember
	n := 0
	for _, r := range roles {
		for _, l := range licenses {
			if n > 0 {
				body.WriteString(",")
			}
			id := strings.Repeat("9", 3) + string(rune('a'+n%26)) + string(rune('a'+n/26))
			m := map[string]any{"id": id, "email": id + "@x.com", "active": n%2 == 0, "role": r, "license": l}
			b, _ := json.Marshal(m)
			body.Write(b)
			want = append(want, wantMember{id, r, l})
			n++
		}
	}
	body.WriteString(`]}`)

	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
		writeRaw(w, http.StatusOK, "application/json", body.String())
	})
	c := newTestClient(t, s)
	page, _, err := c.ListMembers(context.Background(), "1", "")
	if err != nil {
		t.Fatalf("ListMembers: %v", err)
	}
	if len(page.Data) != len(want) {
		t.Fatalf("got %d members, want %d", len(page.Data), len(want))
	}
	for i, m := range page.Data {
		w := want[i]
		if m.ID != w.id || m.Role != w.role || m.License != w.license || m.Email != w.id+"@x.com" || m.Active != (i%2 == 0) {
			t.Errorf("member %d = %+v, want id %s role %q license %q", i, m, w.id, w.role, w.license)
		}
		if !m.LastActivityAt.IsZero() || !m.LicenseAssignedAt.IsZero() || m.AdminRoles != nil {
			t.Errorf("member %d: absent optional fields decoded as %+v", i, m)
		}
	}
}

func TestMemberOptionalFieldShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		json           string
		wantLastActive time.Time
		wantLicensedAt time.Time
		wantAdminRoles []AdminRole
	}{
		{"all absent", `{"id":"1"}`, time.Time{}, time.Time{}, nil},
		{"empty strings", `{"id":"1","lastActivityAt":"","licenseAssignedAt":""}`, time.Time{}, time.Time{}, nil},
		{"nulls", `{"id":"1","lastActivityAt":null,"licenseAssignedAt":null,"adminRoles":null}`, time.Time{}, time.Time{}, nil},
		{"empty admin roles", `{"id":"1","adminRoles":[]}`, time.Time{}, time.Time{}, []AdminRole{}},
		{"admin roles", `{"id":"1","adminRoles":[{"type":"prebuilt","name":"Content Admin"},{"type":"custom","name":"Board Janitor","extra":1},{"type":"future","name":"X"}]}`,
			time.Time{}, time.Time{}, []AdminRole{{"prebuilt", "Content Admin"}, {"custom", "Board Janitor"}, {"future", "X"}}},
		{"RFC 3339 with millis and Z", `{"id":"1","lastActivityAt":"2023-01-01T00:00:00.000Z"}`, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}, nil},
		{"offset without colon", `{"id":"1","lastActivityAt":"2023-09-01T09:30:10.840+0000","licenseAssignedAt":"2023-09-01T11:30:10+0200"}`,
			time.Date(2023, 9, 1, 9, 30, 10, 840e6, time.UTC), time.Date(2023, 9, 1, 9, 30, 10, 0, time.UTC), nil},
		{"offset with colon", `{"id":"1","lastActivityAt":"2023-09-01T11:30:10.5+02:00"}`, time.Date(2023, 9, 1, 9, 30, 10, 5e8, time.UTC), time.Time{}, nil},
		{"epoch millis", `{"id":"1","lastActivityAt":1693560610840}`, time.Date(2023, 9, 1, 9, 30, 10, 840e6, time.UTC), time.Time{}, nil},
		{"date only", `{"id":"1","licenseAssignedAt":"2024-02-29"}`, time.Time{}, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var m Member
			if err := json.Unmarshal([]byte(tt.json), &m); err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.json, err)
			}
			if !m.LastActivityAt.Equal(tt.wantLastActive) {
				t.Errorf("lastActivityAt = %v, want %v", m.LastActivityAt, tt.wantLastActive)
			}
			if !m.LicenseAssignedAt.Equal(tt.wantLicensedAt) {
				t.Errorf("licenseAssignedAt = %v, want %v", m.LicenseAssignedAt, tt.wantLicensedAt)
			}
			if loc := m.LastActivityAt.Location(); !m.LastActivityAt.IsZero() && loc != time.UTC {
				t.Errorf("lastActivityAt location = %v, want UTC", loc)
			}
			if !reflect.DeepEqual(m.AdminRoles, tt.wantAdminRoles) {
				t.Errorf("adminRoles = %#v, want %#v", m.AdminRoles, tt.wantAdminRoles)
			}
			// What we decoded survives a JSON round trip (the connector caches pages as JSON).
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var again Member
			if err := json.Unmarshal(b, &again); err != nil {
				t.Fatalf("re-Unmarshal(%s): %v", b, err)
			}
			if !again.LastActivityAt.Equal(m.LastActivityAt.Time) || !again.LicenseAssignedAt.Equal(m.LicenseAssignedAt.Time) || again.ID != m.ID {
				t.Errorf("round trip changed the member: %+v -> %s -> %+v", m, b, again)
			}
		})
	}
}

// An unreadable timestamp is treated as absent: the member (and the rest of
// its page) still decodes, with the other fields intact.
func TestMemberBadTimestampsAreAbsent(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"id":"1","lastActivityAt":"yesterday"}`,
		`{"id":"1","lastActivityAt":true}`,
		`{"id":"1","lastActivityAt":1.5e12}`,
		`{"id":"1","lastActivityAt":{}}`,
		`{"id":"1","lastActivityAt":"2023-13-01T00:00:00Z"}`,
	} {
		var m Member
		if err := json.Unmarshal([]byte(in), &m); err != nil {
			t.Errorf("Unmarshal(%s): %v, want the member with no timestamp", in, err)
		}
		if m.ID != "1" || !m.LastActivityAt.IsZero() {
			t.Errorf("Unmarshal(%s) = %+v, want id 1 and a zero lastActivityAt", in, m)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"", time.Time{}, false},
		{"2023-01-01T00:00:00Z", time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"2023-01-01T00:00:00.000Z", time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"2023-09-01T09:30:10.840687Z", time.Date(2023, 9, 1, 9, 30, 10, 840687e3, time.UTC), false},
		{"2023-09-01T09:30:10.840+0000", time.Date(2023, 9, 1, 9, 30, 10, 840e6, time.UTC), false},
		{"2023-09-01T09:30:10+0000", time.Date(2023, 9, 1, 9, 30, 10, 0, time.UTC), false},
		{"2023-09-01T04:30:10-0500", time.Date(2023, 9, 1, 9, 30, 10, 0, time.UTC), false},
		{"2023-09-01T12:00:10+05:30", time.Date(2023, 9, 1, 6, 30, 10, 0, time.UTC), false},
		{"2023-09-01", time.Date(2023, 9, 1, 0, 0, 0, 0, time.UTC), false},
		{"2023-09-01 09:30:10", time.Time{}, true},
		{"not a time", time.Time{}, true},
		{"1693560610840", time.Time{}, true}, // epoch numbers are for JSON numbers only
		{strings.Repeat("x", 500), time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseTime(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			if len(err.Error()) > 120 {
				t.Errorf("ParseTime error is not truncated: %d bytes", len(err.Error()))
			}
			continue
		}
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, want %v in UTC", tt.in, got, tt.want)
		}
	}
}

func TestTimeMarshalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   Time
		want string
	}{
		{Time{}, `""`},
		{Time{time.Date(2023, 9, 1, 9, 30, 10, 840e6, time.UTC)}, `"2023-09-01T09:30:10.84Z"`},
		{Time{time.Date(2023, 9, 1, 11, 30, 10, 0, time.FixedZone("CEST", 7200))}, `"2023-09-01T09:30:10Z"`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.in)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.in, b, err, tt.want)
		}
	}
	// omitzero drops empty timestamps from a member.
	b, err := json.Marshal(Member{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "lastActivityAt") || strings.Contains(string(b), "licenseAssignedAt") {
		t.Errorf("zero timestamps were marshalled: %s", b)
	}
}

func TestFlexString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`"abc"`, "abc", false},
		{`""`, "", false},
		{`null`, "", false},
		{` null `, "", false},
		{`3074457345821140946`, "3074457345821140946", false},
		{`123456789012345678901234567890`, "123456789012345678901234567890", false},
		{`-1`, "-1", false},
		{`1.5e3`, "1.5e3", false},
		{`"\u00e9\n"`, "é\n", false},
		{`true`, "", true},
		{`{}`, "", true},
		{`[]`, "", true},
		{`"unterminated`, "", true},
		{``, "", true},
		{`01`, "", true},
	}
	for _, tt := range tests {
		var f flexString
		err := f.UnmarshalJSON([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("flexString(%s) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && string(f) != tt.want {
			t.Errorf("flexString(%s) = %q, want %q", tt.in, f, tt.want)
		}
	}
}

// TestMembersByEmail covers both shapes Miro answers the emails filter with.
func TestMembersByEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		wantIDs []string
	}{
		{"bare array", `[{"id":"1","email":"a@x.com","role":"organization_internal_user","license":"full"},{"id":"2","email":"b@y.com"}]`, []string{"1", "2"}},
		{"bare array with leading whitespace", " \n\t[{\"id\":\"1\"}]", []string{"1"}},
		{"empty bare array", `[]`, nil},
		{"envelope", `{"limit":100,"size":2,"cursor":null,"type":"cursor-list","data":[{"id":"1"},{"id":"2"}]}`, []string{"1", "2"}},
		{"envelope with a cursor", `{"cursor":"2","data":[{"id":"1"}]}`, []string{"1"}},
		{"null", `null`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
				writeRaw(w, http.StatusOK, "application/json", tt.body)
			})
			c := newTestClient(t, s)
			members, _, err := c.MembersByEmail(context.Background(), "7", []string{"a@x.com", "b@y.com"})
			if err != nil {
				t.Fatalf("MembersByEmail: %v", err)
			}
			var ids []string
			for _, m := range members {
				ids = append(ids, m.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("ids = %v, want %v", ids, tt.wantIDs)
			}
			if s.count() != 1 {
				t.Fatalf("server saw %d requests, want 1", s.count())
			}
			r := s.request(0)
			if r.URL.Path != "/v2/orgs/7/members" {
				t.Errorf("path = %q", r.URL.Path)
			}
			if got := r.URL.Query()["emails"]; !slices.Equal(got, []string{"a@x.com,b@y.com"}) {
				t.Errorf("emails query = %q, want one comma-joined value", got)
			}
		})
	}
}

func TestMembersByEmailBadShapes(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"data":"x"}`, `"members"`, `[{"id":1}]`, `{"data":[{"id":{}}]}`} {
		s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
			writeRaw(w, http.StatusOK, "application/json", body)
		})
		c := newTestClient(t, s)
		members, _, err := c.MembersByEmail(context.Background(), "7", []string{"secret.person@x.com"})
		if err == nil {
			t.Errorf("body %s: got %+v, want an error", body, members)
			continue
		}
		if strings.Contains(err.Error(), "secret.person") {
			t.Errorf("body %s: error names the looked-up email: %v", body, err)
		}
		assertNoToken(t, err)
	}
}

func TestMembersByEmailCount(t *testing.T) {
	t.Parallel()
	s := newMiroServer(t, func(w http.ResponseWriter, r *http.Request) {
		emails := strings.Split(r.URL.Query().Get("emails"), ",")
		var out []map[string]any
		for i, e := range emails {
			out = append(out, map[string]any{"id": string(rune('a' + i)), "email": e})
		}
		writeJSON(w, http.StatusOK, out)
	})
	c := newTestClient(t, s)
	ctx := context.Background()
	emails := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, string(rune('a'+i))+"@x.com")
		}
		return out
	}
	for _, n := range []int{0, 11, 50} {
		if _, _, err := c.MembersByEmail(ctx, "7", emails(n)); err == nil || !strings.Contains(err.Error(), "1 to 10") {
			t.Errorf("%d emails: error = %v, want a refusal naming the 1 to 10 range", n, err)
		}
	}
	if _, _, err := c.MembersByEmail(ctx, "7", nil); err == nil {
		t.Error("nil emails accepted")
	}
	if s.count() != 0 {
		t.Fatalf("refused lookups made %d requests, want 0", s.count())
	}
	for _, n := range []int{1, MaxEmailsPerLookup} {
		members, _, err := c.MembersByEmail(ctx, "7", emails(n))
		if err != nil || len(members) != n {
			t.Errorf("%d emails: got %d members, %v", n, len(members), err)
		}
	}
	if s.count() != 2 {
		t.Errorf("server saw %d requests, want 2", s.count())
	}
	if got := s.request(1).URL.Query().Get("emails"); got != strings.Join(emails(10), ",") {
		t.Errorf("emails = %q", got)
	}
}

func TestTeamsAndOrgEndpoints(t *testing.T) {
	t.Parallel()
	s := newMiroServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/oauth-token":
			writeRaw(w, http.StatusOK, "application/json", `{"type":"oAuthToken","organization":{"type":"organization","name":"Acme","id":"3074"},"team":{"type":"team","name":"Dev","id":"30"},"createdBy":{"type":"user","name":"Ann","id":"1"},"user":{"type":"user","name":"Ann","id":"1"},"scopes":["organizations:read","organizations:teams:read"]}`)
		case "/v2/orgs/3074":
			writeRaw(w, http.StatusOK, "application/json", `{"id":"3074","name":"Acme","plan":"company","fullLicensesPurchased":25,"type":"organization","newField":1}`)
		case "/v2/orgs/3074/members/1":
			writeJSON(w, http.StatusOK, member("1"))
		case "/v2/orgs/3074/teams":
			if r.URL.Query().Get("cursor") == "" {
				writeRaw(w, http.StatusOK, "application/json", `{"limit":100,"size":2,"cursor":"t2","type":"cursor-list","data":[{"id":"10","name":"Design","type":"team"},{"id":"11","name":"Eng"}]}`)
			} else {
				writeRaw(w, http.StatusOK, "application/json", `{"limit":100,"size":0,"type":"cursor-list","data":[]}`)
			}
		case "/v2/orgs/3074/teams/10":
			writeRaw(w, http.StatusOK, "application/json", `{"id":"10","name":"Design","type":"team"}`)
		case "/v2/orgs/3074/teams/10/members":
			writeRaw(w, http.StatusOK, "application/json", `{"limit":100,"size":4,"type":"cursor-list","data":[{"id":"1","role":"admin","teamId":"10","type":"team-member"},{"id":"2","role":"member","teamId":"10"},{"id":"3","role":"non_team"},{"id":"4","role":"team_guest"},{"id":"5","role":"future_role"}]}`)
		case "/v2/orgs/3074/teams/10/members/2":
			writeRaw(w, http.StatusOK, "application/json", `{"id":"2","role":"member","teamId":"10","type":"team-member"}`)
		default:
			restError(w, http.StatusNotFound, "notFound", "no route "+r.URL.Path)
		}
	})
	c := newTestClient(t, s)
	ctx := context.Background()

	tc, _, err := c.TokenContext(ctx)
	if err != nil || tc.Organization == nil || tc.Organization.ID != "3074" || tc.User.Name != "Ann" || len(tc.Scopes) != 2 {
		t.Errorf("TokenContext = %+v, %v", tc, err)
	}
	org, _, err := c.GetOrganization(ctx, "3074")
	if err != nil || *org != (Organization{ID: "3074", Name: "Acme", Plan: "company", FullLicensesPurchased: 25, Type: "organization"}) {
		t.Errorf("GetOrganization = %+v, %v", org, err)
	}
	m, _, err := c.GetMember(ctx, "3074", "1")
	if err != nil || m.ID != "1" || m.License != "full" || !m.LastActivityAt.Equal(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("GetMember = %+v, %v", m, err)
	}
	teams, _, err := c.ListTeams(ctx, "3074", "")
	if err != nil || len(teams.Data) != 2 || teams.Data[1] != (Team{ID: "11", Name: "Eng"}) || teams.Cursor != "t2" {
		t.Errorf("ListTeams = %+v, %v", teams, err)
	}
	teams, _, err = c.ListTeams(ctx, "3074", "t2")
	if err != nil || len(teams.Data) != 0 || teams.Cursor != "" {
		t.Errorf("ListTeams(t2) = %+v, %v", teams, err)
	}
	team, _, err := c.GetTeam(ctx, "3074", "10")
	if err != nil || *team != (Team{ID: "10", Name: "Design"}) {
		t.Errorf("GetTeam = %+v, %v", team, err)
	}
	tms, _, err := c.ListTeamMembers(ctx, "3074", "10", "")
	wantTMs := []TeamMember{{"1", TeamRoleAdmin, "10"}, {"2", TeamRoleMember, "10"}, {"3", TeamRoleNonTeam, ""}, {"4", TeamRoleGuest, ""}, {"5", "future_role", ""}}
	if err != nil || !slices.Equal(tms.Data, wantTMs) {
		t.Errorf("ListTeamMembers = %+v, %v; want %+v", tms, err, wantTMs)
	}
	tm, _, err := c.GetTeamMember(ctx, "3074", "10", "2")
	if err != nil || *tm != (TeamMember{"2", TeamRoleMember, "10"}) {
		t.Errorf("GetTeamMember = %+v, %v", tm, err)
	}
	_, _, err = c.GetTeam(ctx, "3074", "404")
	if !IsNotFound(err) {
		t.Errorf("GetTeam(404) error = %v, want not found", err)
	}
	for i := range s.count() {
		r := s.request(i)
		if strings.HasSuffix(r.URL.Path, "/teams") || strings.HasSuffix(r.URL.Path, "/members") {
			if r.URL.Query().Get("limit") != "100" {
				t.Errorf("%s: limit = %q, want 100", r.URL.Path, r.URL.Query().Get("limit"))
			}
		}
	}
}

// IDs are escaped once: a segment with '/', '?', '%' or a space reaches the
// server as exactly one path segment with those characters.
func TestPathSegmentsEscapedOnce(t *testing.T) {
	t.Parallel()
	s := newMiroServer(t, func(w http.ResponseWriter, _ *http.Request) {
		writeRaw(w, http.StatusOK, "application/json", `{"id":"x","name":"y"}`)
	})
	c := newTestClient(t, s, func(o *Options) { o.APIURL = s.URL + "/base path/" })
	if _, _, err := c.GetTeam(context.Background(), "org 1", "a/b?c%d"); err != nil {
		t.Fatalf("GetTeam: %v", err)
	}
	r := s.request(0)
	if want := "/base path/v2/orgs/org 1/teams/a/b?c%d"; r.URL.Path != want {
		t.Errorf("decoded path = %q, want %q", r.URL.Path, want)
	}
	if want := "/base%20path/v2/orgs/org%201/teams/a%2Fb%3Fc%25d"; r.URL.EscapedPath() != want {
		t.Errorf("escaped path = %q, want %q", r.URL.EscapedPath(), want)
	}
	if r.URL.RawQuery != "" {
		t.Errorf("query = %q, want none", r.URL.RawQuery)
	}
}
