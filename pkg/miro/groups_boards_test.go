package miro

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

func newGroupsClient(t *testing.T, h http.HandlerFunc) (*Client, *miroServer) {
	t.Helper()
	srv := newMiroServer(t, h)
	c, err := New(fastOptions(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

// TestGroupCalls checks paths, methods, bodies and parsing of the user-group calls.
func TestGroupCalls(t *testing.T) {
	ctx := context.Background()
	c, srv := newGroupsClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.EscapedPath() {
		case "GET /v2/orgs/o1/groups":
			_, _ = io.WriteString(w, `{"limit":100,"size":1,"cursor":"c2","type":"cursor-list","data":[{"id":"g1","name":"Eng","description":"d","type":"user-group","extra":1}]}`)
		case "GET /v2/orgs/o1/groups/g%2F1":
			_, _ = io.WriteString(w, `{"id":"g/1","name":"Odd","type":"user-group"}`)
		case "GET /v2/orgs/o1/groups/g1/members":
			_, _ = io.WriteString(w, `{"size":2,"data":[{"id":"u1","email":"a@x","type":"user-group-member"},{"id":"u2","email":"b@x"}]}`)
		case "POST /v2/orgs/o1/groups/g1/members":
			var in map[string]string
			_ = json.NewDecoder(r.Body).Decode(&in)
			if in["email"] != "a@x" || len(in) != 1 {
				t.Errorf("add body %v", in)
			}
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id":"u1","email":"a@x","type":"user-group-member"}`)
		case "DELETE /v2/orgs/o1/groups/g1/members/u1":
			w.WriteHeader(http.StatusNoContent)
		case "GET /v2/orgs/o1/teams/t1/groups":
			_, _ = io.WriteString(w, `{"cursor":null,"data":[{"id":"g1","role":"member","type":"team-user-group"},{"userGroupId":"g2"}]}`)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusNotFound)
		}
	})
	groups, _, err := c.ListGroups(ctx, "o1", "")
	if err != nil || len(groups.Data) != 1 || groups.Data[0] != (Group{ID: "g1", Name: "Eng", Description: "d"}) || groups.Cursor != "c2" {
		t.Errorf("ListGroups = %+v, %v", groups, err)
	}
	if q := srv.request(0).URL.Query(); q.Get("limit") != "100" || q.Has("cursor") {
		t.Errorf("first page query %v", q)
	}
	if g, _, err := c.GetGroup(ctx, "o1", "g/1"); err != nil || g.ID != "g/1" {
		t.Errorf("GetGroup = %+v, %v", g, err)
	}
	members, _, err := c.ListGroupMembers(ctx, "o1", "g1", "")
	if err != nil || len(members.Data) != 2 || members.Data[1].Email != "b@x" || members.Cursor != "" {
		t.Errorf("ListGroupMembers = %+v, %v", members, err)
	}
	if m, _, err := c.AddGroupMember(ctx, "o1", "g1", "a@x"); err != nil || m.ID != "u1" {
		t.Errorf("AddGroupMember = %+v, %v", m, err)
	}
	if _, err := c.RemoveGroupMember(ctx, "o1", "g1", "u1"); err != nil {
		t.Errorf("RemoveGroupMember: %v", err)
	}
	links, _, err := c.ListTeamGroups(ctx, "o1", "t1", "")
	if err != nil || len(links.Data) != 2 || links.Data[0].GroupID() != "g1" || links.Data[0].Role != "member" || links.Data[1].GroupID() != "g2" {
		t.Errorf("ListTeamGroups = %+v, %v", links, err)
	}
}

// TestGroupWriteErrors: 409 and 404 reach the caller as typed errors, and a
// write is not retried.
func TestGroupWriteErrors(t *testing.T) {
	status := http.StatusConflict
	c, srv := newGroupsClient(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"status":409,"code":"conflict","message":"already a member","type":"error"}`)
	})
	_, _, err := c.AddGroupMember(context.Background(), "o1", "g1", "a@x")
	if !IsConflict(err) || srv.count() != 1 {
		t.Errorf("AddGroupMember on 409: %v after %d requests", err, srv.count())
	}
	status = http.StatusNotFound
	if _, err := c.RemoveGroupMember(context.Background(), "o1", "g1", "u1"); !IsNotFound(err) {
		t.Errorf("RemoveGroupMember on 404: %v", err)
	}
}

// TestBoardCalls checks the offset queries and parsing of boards, board
// members, projects and project members.
func TestBoardCalls(t *testing.T) {
	ctx := context.Background()
	c, srv := newGroupsClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.EscapedPath() {
		case "/v2/boards":
			_, _ = io.WriteString(w, `{"data":[{"id":"uXjV=","name":"B","description":"","type":"board",
				"team":{"id":"t1","name":"T","type":"team"},"project":{"id":"p1"},"owner":{"id":"u1","name":"Ann","type":"user"},
				"createdAt":"2024-01-02T03:04:05Z","modifiedAt":"2024-02-02T03:04:05.123+0000","viewLink":"https://miro.com/app/board/uXjV=",
				"policy":{"permissionsPolicy":{"collaborationToolsStartAccess":"all_editors","copyAccess":"anyone","sharingAccess":"owner_and_coowners"},
				"sharingPolicy":{"access":"view","accessPasswordRequired":true,"inviteToAccountAndBoardLinkAccess":"no_access","organizationAccess":"edit","teamAccess":"private"}}}],
				"total":51,"size":1,"offset":0,"limit":50,"links":{},"type":"list"}`)
		case "/v2/boards/uXjV=/members":
			_, _ = io.WriteString(w, `{"data":[{"id":"u1","name":"Ann","role":"owner","type":"board_member"}],"total":1,"size":1,"offset":50,"limit":50}`)
		case "/v2/orgs/o1/teams/t1/projects":
			_, _ = io.WriteString(w, `{"cursor":"x","data":[{"id":"p1","name":"P","type":"project"}]}`)
		case "/v2/orgs/o1/teams/t1/projects/p1/members":
			_, _ = io.WriteString(w, `{"data":[{"id":"u1","email":"a@x","role":"commentator","type":"project_member"}]}`)
		default:
			t.Errorf("unexpected %s", r.URL)
			w.WriteHeader(http.StatusNotFound)
		}
	})
	boards, _, err := c.ListBoards(ctx, "t1", 0)
	if err != nil || len(boards.Data) != 1 || boards.Total != 51 {
		t.Fatalf("ListBoards = %+v, %v", boards, err)
	}
	b := boards.Data[0]
	if b.Team.ID != "t1" || b.Project.ID != "p1" || b.Owner.ID != "u1" || b.CreatedAt.IsZero() || b.ModifiedAt.IsZero() ||
		b.Policy.SharingPolicy.Access != "view" || !b.Policy.SharingPolicy.AccessPasswordRequired ||
		b.Policy.PermissionsPolicy.SharingAccess != "owner_and_coowners" {
		t.Errorf("board parsed as %+v", b)
	}
	if q := srv.request(0).URL.Query(); q.Get("team_id") != "t1" || q.Get("limit") != "50" || q.Get("offset") != "0" || q.Get("sort") != "last_created" {
		t.Errorf("boards query %v", q)
	}
	if boards.NextOffset() != 1 { // one item of 51 came back: the next page starts after it
		t.Errorf("NextOffset = %d, want 1", boards.NextOffset())
	}
	members, _, err := c.ListBoardMembers(ctx, "uXjV=", 50)
	if err != nil || len(members.Data) != 1 || members.Data[0].Role != "owner" || members.NextOffset() != -1 {
		t.Errorf("ListBoardMembers = %+v, %v", members, err)
	}
	if q := srv.request(1).URL.Query(); q.Get("offset") != "50" || q.Get("limit") != "50" {
		t.Errorf("board members query %v", q)
	}
	projects, _, err := c.ListProjects(ctx, "o1", "t1", "")
	if err != nil || len(projects.Data) != 1 || projects.Cursor != "x" {
		t.Errorf("ListProjects = %+v, %v", projects, err)
	}
	pm, _, err := c.ListProjectMembers(ctx, "o1", "t1", "p1", "")
	if err != nil || len(pm.Data) != 1 || pm.Data[0].Role != ProjectRoleCommentator {
		t.Errorf("ListProjectMembers = %+v, %v", pm, err)
	}
}

// TestOffsetPaging covers NextOffset and Stalled for well-formed and odd pages.
func TestOffsetPaging(t *testing.T) {
	items := func(n int) []int { return make([]int, n) }
	cases := []struct {
		name    string
		page    OffsetPage[int]
		next    int
		stalled bool
	}{
		{"full page, more", OffsetPage[int]{Data: items(50), Offset: 0, Limit: 50, Total: 120}, 50, false},
		{"last full page", OffsetPage[int]{Data: items(50), Offset: 50, Limit: 50, Total: 100}, -1, false},
		{"short last page", OffsetPage[int]{Data: items(20), Offset: 100, Limit: 50, Total: 120}, -1, false},
		{"one item over the limit", OffsetPage[int]{Data: items(51), Offset: 0, Limit: 50, Total: 120}, 50, false},
		{"server caps pages at 20", OffsetPage[int]{Data: items(20), Offset: 0, Limit: 50, Total: 120}, 20, false},
		{"empty list", OffsetPage[int]{Data: nil, Offset: 0, Limit: 50, Total: 0}, -1, false},
		{"empty page before the end", OffsetPage[int]{Data: nil, Offset: 50, Limit: 50, Total: 120}, -1, true},
		{"no total, full page", OffsetPage[int]{Data: items(50), Offset: 0, Limit: 50, Total: -1}, 50, false},
		{"no total, short page", OffsetPage[int]{Data: items(3), Offset: 50, Limit: 50, Total: -1}, -1, false},
	}
	for _, tc := range cases {
		if got := tc.page.NextOffset(); got != tc.next {
			t.Errorf("%s: NextOffset = %d, want %d", tc.name, got, tc.next)
		}
		if got := tc.page.Stalled(); got != tc.stalled {
			t.Errorf("%s: Stalled = %v, want %v", tc.name, got, tc.stalled)
		}
	}
}
