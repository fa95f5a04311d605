package mirosim

import (
	"cmp"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Enums exactly as the spec's Board, BoardPermissionsPolicy and BoardSharingPolicy schemas list them.
var specBoardEnums = map[string][]string{
	"collaborationToolsStartAccess":     {"all_editors", "board_owners_and_coowners"},
	"copyAccess":                        {"anyone", "team_members", "team_editors", "board_owner"},
	"sharingAccess":                     {"team_members_with_editing_rights", "owner_and_coowners"},
	"access":                            {"private", "view", "edit", "comment"},
	"inviteToAccountAndBoardLinkAccess": {"viewer", "commenter", "editor", "coowner", "owner", "guest", "no_access"},
	"organizationAccess":                {"private", "view", "comment", "edit"},
	"teamAccess":                        {"private", "view", "comment", "edit"},
	"role":                              {"viewer", "commenter", "editor", "coowner", "owner"},
}

func boardOrg() *Org { return Generate(GenOptions{Seed: 42, Users: 1000, Teams: 100, Boards: true}) }

type offsetPageT[T any] struct {
	Data                       []T
	Total, Size, Offset, Limit int
	Links                      struct{ First, Last, Next, Prev, Self string }
	Type                       string
}

// offsetAll pages by offset (limit 0 = the default) until offset reaches total, checking the envelope and
// links of every page, and returns every item and the number of pages.
func offsetAll[T any](t *testing.T, s *sim, path string, limit int) ([]T, int) {
	t.Helper()
	want := cmp.Or(limit, 20)
	var all []T
	offset, pages, total := 0, 0, -1
	for {
		q := url.Values{"offset": {strconv.Itoa(offset)}}
		if limit > 0 {
			q.Set("limit", strconv.Itoa(limit))
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		r := s.get(path + sep + q.Encode())
		wantStatus(t, r, 200)
		var p offsetPageT[T]
		r.json(t, &p)
		pages++
		if p.Type != "list" || p.Limit != want || p.Offset != offset || p.Size != len(p.Data) || p.Size > want ||
			p.Data == nil || (total >= 0 && p.Total != total) {
			t.Fatalf("%s offset %d: envelope type=%q limit=%d offset=%d size=%d len=%d total=%d (was %d)", path,
				offset, p.Type, p.Limit, p.Offset, p.Size, len(p.Data), p.Total, total)
		}
		total = p.Total
		if (p.Links.Next != "") != (offset+want < total) || (p.Links.Prev != "") != (offset > 0) ||
			p.Links.Self == "" || p.Links.First == "" || p.Links.Last == "" {
			t.Fatalf("offset %d of %d: links %+v", offset, total, p.Links)
		}
		if p.Links.Next != "" {
			u, err := url.Parse(p.Links.Next)
			if err != nil || u.Query().Get("offset") != strconv.Itoa(offset+want) || u.Query().Get("limit") != strconv.Itoa(want) {
				t.Fatalf("next link %q", p.Links.Next)
			}
		}
		all = append(all, p.Data...)
		offset += p.Size
		if p.Size == 0 || offset >= total {
			break
		}
	}
	if len(all) != total {
		t.Fatalf("%s: %d items, total %d", path, len(all), total)
	}
	return all, pages
}

func TestGenerateBoards(t *testing.T) {
	org := boardOrg()
	if !reflect.DeepEqual(org, boardOrg()) {
		t.Fatal("same options produced different orgs")
	}
	if c := Generate(GenOptions{Seed: 43, Users: 1000, Teams: 100, Boards: true}); reflect.DeepEqual(org.Boards, c.Boards) {
		t.Fatal("different seeds produced the same boards")
	}
	members := map[string]*Member{}
	for i := range org.Members {
		members[org.Members[i].ID] = &org.Members[i]
	}
	teamOf := map[string]map[string]bool{}
	for _, tm := range org.Teams {
		teamOf[tm.ID] = map[string]bool{}
		for _, m := range tm.Members {
			teamOf[tm.ID][m.UserID] = true
		}
	}
	projects := map[string]Project{}
	projectsPerTeam := map[string]int{}
	var bigProject bool
	for i, p := range org.Projects {
		if len(p.ID) != 19 || strings.Trim(p.ID, "0123456789") != "" || (i > 0 && org.Projects[i-1].ID >= p.ID) ||
			teamOf[p.TeamID] == nil || p.Name == "" {
			t.Fatalf("project %+v", p)
		}
		projects[p.ID] = p
		projectsPerTeam[p.TeamID]++
		owners := 0
		for j, m := range p.Members {
			if members[m.UserID] == nil || (j > 0 && p.Members[j-1].UserID >= m.UserID) || !slices.Contains(projectRoles, m.Role) {
				t.Fatalf("project %s member %+v", p.ID, m)
			}
			if m.Role == "owner" {
				owners++
			}
		}
		if owners != 1 || len(p.Members) == 0 {
			t.Fatalf("project %s has %d owners, %d members", p.ID, owners, len(p.Members))
		}
		bigProject = bigProject || len(p.Members) > 100
	}
	var noProjects, manyProjects int
	for _, tm := range org.Teams {
		switch n := projectsPerTeam[tm.ID]; {
		case n == 0:
			noProjects++
		case n > 1:
			manyProjects++
		}
	}
	if !bigProject || noProjects == 0 || manyProjects == 0 {
		t.Errorf("projects: one over 100 members %v, teams without %d, with several %d", bigProject, noProjects, manyProjects)
	}

	perTeam := map[string]int{}
	var over50, inProject, memberships, fromTeam int
	roles := map[string]int{}
	ids := map[string]bool{}
	for i, b := range org.Boards {
		if len(b.ID) != 12 || !strings.HasPrefix(b.ID, "uXjV") || !strings.HasSuffix(b.ID, "=") ||
			strings.ContainsAny(b.ID, "/+") || ids[b.ID] || (i > 0 && org.Boards[i-1].ID >= b.ID) {
			t.Fatalf("board id %q: not a unique base64url id in order", b.ID)
		}
		ids[b.ID] = true
		if b.Name == "" || teamOf[b.TeamID] == nil || b.CreatedAt.After(b.ModifiedAt) || b.ModifiedAt.After(genEpoch) ||
			b.CreatedAt.IsZero() {
			t.Fatalf("board %+v", b)
		}
		perTeam[b.TeamID]++
		if b.ProjectID != "" {
			inProject++
			if p, ok := projects[b.ProjectID]; !ok || p.TeamID != b.TeamID {
				t.Fatalf("board %s in project %s of another team", b.ID, b.ProjectID)
			}
		}
		owners := 0
		for j, m := range b.Members {
			if members[m.UserID] == nil || (j > 0 && b.Members[j-1].UserID >= m.UserID) {
				t.Fatalf("board %s member %s not an org member or not sorted/unique", b.ID, m.UserID)
			}
			if !slices.Contains(boardRoles, m.Role) {
				t.Fatalf("board %s role %q", b.ID, m.Role)
			}
			roles[m.Role]++
			if m.Role == "owner" {
				owners++
				if m.UserID != b.OwnerID {
					t.Fatalf("board %s: owner member %s, OwnerID %s", b.ID, m.UserID, b.OwnerID)
				}
			}
			if teamOf[b.TeamID][m.UserID] {
				fromTeam++
			}
		}
		if owners != 1 {
			t.Fatalf("board %s has %d owners", b.ID, owners)
		}
		memberships += len(b.Members)
		if len(b.Members) > 50 {
			over50++
		}
		p := b.Policy
		for k, v := range map[string]string{"collaborationToolsStartAccess": p.CollaborationToolsStartAccess,
			"copyAccess": p.CopyAccess, "sharingAccess": p.SharingAccess, "access": p.Access,
			"inviteToAccountAndBoardLinkAccess": p.InviteToAccountAndBoardLinkAccess,
			"organizationAccess":                p.OrganizationAccess, "teamAccess": p.TeamAccess} {
			if !slices.Contains(specBoardEnums[k], v) {
				t.Fatalf("board %s policy %s=%q not in the spec's enum", b.ID, k, v)
			}
		}
	}
	for _, r := range specBoardEnums["role"] {
		if roles[r] == 0 {
			t.Errorf("board role %s never generated", r)
		}
	}
	var teamsOver50, teamsEmpty int
	for _, tm := range org.Teams {
		switch n := perTeam[tm.ID]; {
		case n == 0:
			teamsEmpty++
		case n > 50:
			teamsOver50++
		}
	}
	if teamsOver50 < 3 || teamsEmpty == 0 || over50 < 2 || inProject == 0 || inProject == len(org.Boards) ||
		fromTeam*2 < memberships {
		t.Errorf("teams >50 boards %d, without %d; boards >50 members %d; in projects %d of %d; team members %d of %d",
			teamsOver50, teamsEmpty, over50, inProject, len(org.Boards), fromTeam, memberships)
	}
	// Tiny orgs still work: lists are capped at the org's size.
	small := Generate(GenOptions{Seed: 3, Users: 20, Teams: 4, Boards: true})
	for _, b := range small.Boards {
		if len(b.Members) > 20 {
			t.Fatalf("board with %d members in a 20-user org", len(b.Members))
		}
	}
	if b := Generate(GenOptions{Seed: 3, Teams: 4, Boards: true}); b.Boards != nil || b.Projects != nil {
		t.Error("boards without members")
	}
}

// teamBoards returns a team's boards in the order the API sorts them by default for a team (newest first).
func teamBoards(org *Org, teamID string) []Board {
	var out []Board
	for _, b := range org.Boards {
		if b.TeamID == teamID {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b Board) int { return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID, b.ID)) })
	return out
}

func TestBoardsPaging(t *testing.T) {
	s := startSim(t, boardOrg(), Options{Credits: -1})
	var busiest []Board
	for _, tm := range s.org.Teams {
		if bs := teamBoards(s.org, tm.ID); len(bs) > len(busiest) {
			busiest = bs
		}
	}
	if len(busiest) <= 50 {
		t.Fatalf("busiest team has %d boards", len(busiest))
	}
	team := busiest[0].TeamID
	for _, limit := range []int{0, 7, 50} {
		all, pages := offsetAll[boardOut](t, s, "/v2/boards?team_id="+team, limit)
		if want := (len(busiest) + cmp.Or(limit, 20) - 1) / cmp.Or(limit, 20); pages != want {
			t.Errorf("limit %d: %d pages, want %d", limit, pages, want)
		}
		for i, b := range all {
			if b.ID != busiest[i].ID {
				t.Fatalf("limit %d: board %d is %s, want %s (newest first, each once)", limit, i, b.ID, busiest[i].ID)
			}
		}
	}
	// Sorting.
	alpha, _ := offsetAll[boardOut](t, s, "/v2/boards?sort=alphabetically&team_id="+team, 50)
	if !slices.IsSortedFunc(alpha, func(a, b boardOut) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }) ||
		len(alpha) != len(busiest) {
		t.Error("alphabetical order")
	}
	mod, _ := offsetAll[boardOut](t, s, "/v2/boards?sort=last_modified&team_id="+team, 50)
	if !slices.IsSortedFunc(mod, func(a, b boardOut) int { return strings.Compare(b.ModifiedAt, a.ModifiedAt) }) {
		t.Error("last_modified order")
	}

	// Every board of the org when neither team nor project is given.
	every, _ := offsetAll[boardOut](t, s, "/v2/boards", 50)
	seen := map[string]bool{}
	for _, b := range every {
		if seen[b.ID] {
			t.Fatalf("board %s twice", b.ID)
		}
		seen[b.ID] = true
	}
	if len(seen) != len(s.org.Boards) {
		t.Fatalf("%d boards, want %d", len(seen), len(s.org.Boards))
	}

	// project_id, owner and query filters; team_id wins over owner.
	var inProject Board
	for _, b := range s.org.Boards {
		if b.ProjectID != "" {
			inProject = b
			break
		}
	}
	count := func(f func(Board) bool) int {
		n := 0
		for _, b := range s.org.Boards {
			if f(b) {
				n++
			}
		}
		return n
	}
	owner := busiest[0].OwnerID
	for _, c := range []struct {
		q    string
		want int
	}{
		{"project_id=" + inProject.ProjectID, count(func(b Board) bool { return b.ProjectID == inProject.ProjectID })},
		{"project_id=" + inProject.ProjectID + "&team_id=" + inProject.TeamID, count(func(b Board) bool { return b.ProjectID == inProject.ProjectID })},
		{"owner=" + owner, count(func(b Board) bool { return b.OwnerID == owner })},
		{"team_id=" + team + "&owner=" + owner, len(busiest)},
		{"query=" + url.QueryEscape("RETRO"), count(func(b Board) bool {
			return strings.Contains(strings.ToLower(b.Name+"\x00"+b.Description), "retro")
		})},
	} {
		got, _ := offsetAll[boardOut](t, s, "/v2/boards?"+c.q, 50)
		if len(got) != c.want || c.want == 0 {
			t.Errorf("%s: %d boards, want %d (>0)", c.q, len(got), c.want)
		}
	}
	var p offsetPageT[boardOut]
	s.get("/v2/boards?team_id="+team+"&offset=100000").json(t, &p)
	if p.Total != len(busiest) || p.Size != 0 || len(p.Data) != 0 || p.Links.Next != "" {
		t.Errorf("past the end: %+v", p)
	}
	for _, q := range []string{"team_id=42", "project_id=42"} {
		if r := s.get("/v2/boards?" + q); r.status != 404 || r.errCode(t) != "notFound" {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
}

func TestBoardJSON(t *testing.T) {
	s := startSim(t, boardOrg(), Options{Credits: -1})
	var src Board
	for _, b := range s.org.Boards {
		if b.ProjectID != "" && b.Description != "" {
			src = b
			break
		}
	}
	all, _ := offsetAll[map[string]any](t, s, "/v2/boards?project_id="+src.ProjectID, 50)
	var got map[string]any
	for _, b := range all {
		if b["id"] == src.ID {
			got = b
		}
	}
	team := s.org.Teams[slices.IndexFunc(s.org.Teams, func(x Team) bool { return x.ID == src.TeamID })]
	owner := s.org.Members[s.memberIndex(src.OwnerID)]
	p := src.Policy
	want := map[string]any{
		"id": src.ID, "name": src.Name, "description": src.Description, "type": "board",
		"team":       map[string]any{"id": team.ID, "name": team.Name, "type": "team"},
		"project":    map[string]any{"id": src.ProjectID},
		"owner":      map[string]any{"id": owner.ID, "name": owner.DisplayName, "type": "user"},
		"createdBy":  map[string]any{"id": owner.ID, "name": owner.DisplayName, "type": "user"},
		"modifiedBy": map[string]any{"id": owner.ID, "name": owner.DisplayName, "type": "user"},
		"createdAt":  src.CreatedAt.Format("2006-01-02T15:04:05.000Z"),
		"modifiedAt": src.ModifiedAt.Format("2006-01-02T15:04:05.000Z"),
		"viewLink":   "https://miro.com/app/board/" + src.ID,
		"policy": map[string]any{
			"permissionsPolicy": map[string]any{"collaborationToolsStartAccess": p.CollaborationToolsStartAccess,
				"copyAccess": p.CopyAccess, "sharingAccess": p.SharingAccess},
			"sharingPolicy": map[string]any{"access": p.Access, "accessPasswordRequired": p.AccessPasswordRequired,
				"inviteToAccountAndBoardLinkAccess": p.InviteToAccountAndBoardLinkAccess,
				"organizationAccess":                p.OrganizationAccess, "teamAccess": p.TeamAccess},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("board JSON\n got %v\nwant %v", got, want)
	}
	if _, err := time.Parse(time.RFC3339, got["createdAt"].(string)); err != nil {
		t.Fatal(err)
	}
	// A board outside projects has no project object.
	for _, b := range s.org.Boards {
		if b.ProjectID == "" {
			list, _ := offsetAll[map[string]any](t, s, "/v2/boards?team_id="+b.TeamID, 50)
			for _, x := range list {
				if x["id"] == b.ID && x["project"] != nil {
					t.Fatalf("board %s outside projects has project %v", b.ID, x["project"])
				}
			}
			break
		}
	}
}

func TestBoardMembersPaging(t *testing.T) {
	s := startSim(t, boardOrg(), Options{Credits: -1})
	big := slices.MaxFunc(s.org.Boards, func(a, b Board) int { return len(a.Members) - len(b.Members) })
	if len(big.Members) <= 50 {
		t.Fatalf("largest board has %d members", len(big.Members))
	}
	for _, limit := range []int{0, 50, 9} {
		all, pages := offsetAll[boardMemberOut](t, s, "/v2/boards/"+url.PathEscape(big.ID)+"/members", limit)
		if want := (len(big.Members) + cmp.Or(limit, 20) - 1) / cmp.Or(limit, 20); pages != want || pages < 2 {
			t.Errorf("limit %d: %d pages, want %d", limit, pages, want)
		}
		owners := 0
		for i, m := range all {
			src := big.Members[i]
			if m.ID != src.UserID || m.Role != src.Role || m.Type != "board_member" ||
				m.Name != s.org.Members[s.memberIndex(src.UserID)].DisplayName {
				t.Fatalf("member %d: %+v vs %+v", i, m, src)
			}
			if m.Role == "owner" {
				owners++
			}
		}
		if owners != 1 {
			t.Fatalf("%d owners", owners)
		}
	}
	if r := s.get("/v2/boards/uXjVnope0000=/members"); r.status != 404 || r.errCode(t) != "notFound" {
		t.Fatalf("unknown board: %d %s", r.status, r.body)
	}
}

func TestBoardLimitValidation(t *testing.T) {
	s := startSim(t, boardOrg(), Options{})
	b := s.org.Boards[0]
	for _, path := range []string{"/v2/boards?team_id=" + b.TeamID, "/v2/boards/" + b.ID + "/members?x=1"} {
		for _, q := range []string{"limit=0", "limit=51", "limit=abc", "limit=-1", "limit=1.5", "offset=-1", "offset=x"} {
			if r := s.get(path + "&" + q); r.status != 400 || r.errCode(t) != "invalidParameters" {
				t.Errorf("%s&%s: %d %s", path, q, r.status, r.body)
			}
		}
		wantStatus(t, s.get(path+"&limit=50&offset=0"), 200)
	}
	for _, q := range []string{"sort=newest", "query=" + strings.Repeat("é", 501)} {
		if r := s.get("/v2/boards?" + q); r.status != 400 || r.errCode(t) != "invalidParameters" {
			t.Errorf("%s: %d %s", q[:10], r.status, r.body)
		}
	}
	wantStatus(t, s.get("/v2/boards?query="+strings.Repeat("é", 500)), 200)
	for _, v := range boardSorts {
		wantStatus(t, s.get("/v2/boards?sort="+v), 200)
	}
}

func TestBoardScopesAndGates(t *testing.T) {
	org := boardOrg()
	b := org.Boards[0]
	paths := []string{"/v2/boards?team_id=" + b.TeamID, "/v2/boards/" + b.ID + "/members"}
	noBoards := slices.DeleteFunc(slices.Clone(defaultScopes), func(s string) bool { return s == scopeBoardsRead })
	s := startSim(t, org, Options{Scopes: noBoards})
	for _, p := range paths {
		r := s.get(p)
		if r.status != 403 || r.errCode(t) != "insufficientPermissions" || !strings.Contains(string(r.body), scopeBoardsRead) {
			t.Errorf("%s without boards:read: %d %s", p, r.status, r.body)
		}
		if r := s.do("GET", p, "bad", nil); r.status != 401 {
			t.Errorf("%s with a bad token: %d", p, r.status)
		}
	}
	if s.CreditsSpent() != 100 || s.Count("list_boards") != 2 || s.Count("list_board_members") != 2 {
		t.Errorf("spent %d, counts %v", s.CreditsSpent(), s.Counts())
	}
	// The boards API is not Enterprise-only or admin-only; boards:read alone is enough.
	for _, o := range []Options{{Scopes: []string{scopeBoardsRead}}, {NotAdmin: true}, {NotEnterprise: true}} {
		s := startSim(t, org, o)
		for _, p := range paths {
			wantStatus(t, s.get(p), 200)
		}
	}
}

func TestOffsetListMalformations(t *testing.T) {
	org := boardOrg()
	big := slices.MaxFunc(org.Boards, func(a, b Board) int { return len(a.Members) - len(b.Members) })
	members := "/v2/boards/" + big.ID + "/members"
	mal := func(m Malformation) *sim {
		return startSim(t, org, Options{Credits: -1, Faults: Faults{Malformed: map[string]Malformation{
			"list_board_members": m, "list_boards": m}}})
	}
	var p offsetPageT[boardMemberOut]
	mal(MalformedOverLimit).get(members+"?limit=5").json(t, &p)
	if len(p.Data) != 6 {
		t.Errorf("over_limit: %d items", len(p.Data))
	}
	s := mal(MalformedDuplicates)
	var p1, p2 offsetPageT[boardMemberOut]
	s.get(members+"?limit=5").json(t, &p1)
	s.get(members+"?limit=5&offset=5").json(t, &p2)
	if len(p2.Data) != 6 || p2.Data[0].ID != p1.Data[4].ID || p2.Data[1].ID != big.Members[5].UserID {
		t.Errorf("duplicates: page 2 should repeat page 1's last item, then go on: %v", p2.Data)
	}
	mal(MalformedEmptyDataCursor).get(members+"?limit=5").json(t, &p)
	if len(p.Data) != 0 || p.Data == nil || p.Total != len(big.Members) {
		t.Errorf("empty_data_cursor: %+v", p)
	}
	mal(MalformedCursorLoop).get(members+"?limit=5&offset=5").json(t, &p)
	if p.Links.Next != p.Links.Self {
		t.Errorf("cursor_loop: next %q, self %q", p.Links.Next, p.Links.Self)
	}
	var bp offsetPageT[boardOut]
	mal(MalformedHugeStrings).get("/v2/boards?limit=2&team_id="+big.TeamID).json(t, &bp)
	if len(bp.Data[0].Name) < 1<<20 || len(bp.Data[1].Name) > 200 {
		t.Errorf("huge_strings: %d, %d", len(bp.Data[0].Name), len(bp.Data[1].Name))
	}
}

// TestDeletedUserLeavesLists: a SCIM delete edits teams only; group, board and project lists skip the id.
func TestDeletedUserLeavesLists(t *testing.T) {
	org := Generate(GenOptions{Seed: 42, Users: 1000, Teams: 100, Groups: 10, Boards: true})
	s := startSim(t, org, Options{Credits: -1})
	admins := map[string]bool{}
	for _, tm := range s.org.Teams {
		for _, m := range tm.Members {
			if m.Role == "admin" {
				admins[m.UserID] = true
			}
		}
	}
	big := slices.MaxFunc(s.org.Boards, func(a, b Board) int { return len(a.Members) - len(b.Members) })
	var victim string
	for _, m := range big.Members {
		if i := s.memberIndex(m.UserID); m.Role != "owner" && !admins[m.UserID] && scimVisible(&s.org.Members[i]) &&
			s.org.Members[i].Role != roleAdmin {
			victim = m.UserID
			break
		}
	}
	wantStatus(t, s.do("DELETE", "/api/v1/scim/Users/"+victim, scimTok, nil), 204)
	all, _ := offsetAll[boardMemberOut](t, s, "/v2/boards/"+big.ID+"/members", 50)
	if len(all) != len(big.Members)-1 || slices.ContainsFunc(all, func(m boardMemberOut) bool { return m.ID == victim }) {
		t.Fatalf("deleted user still listed: %d of %d", len(all), len(big.Members))
	}
}
