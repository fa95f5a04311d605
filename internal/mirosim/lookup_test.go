package mirosim

import "testing"

// TestLookups: each finder reads the org as the server keeps it, and says ""
// (or nil) for what is not there.
func TestLookups(t *testing.T) {
	org := &Org{
		Members:  []Member{{ID: "u1", Role: "organization_internal_user"}},
		Teams:    []Team{{ID: "t1", Members: []TeamMember{{UserID: "u1", Role: "admin"}}}},
		Boards:   []Board{{ID: "b1", Members: []BoardMember{{UserID: "u1", Role: "editor"}}, Groups: []GroupShare{{GroupID: "g1", Role: "VIEWER"}}}},
		Projects: []Project{{ID: "p1", Members: []ProjectMember{{UserID: "u1", Role: "viewer"}}, Groups: []GroupShare{{GroupID: "g1", Role: "EDITOR"}}}},
	}
	if m := org.Member("u1"); m == nil || m.Role != "organization_internal_user" || org.Member("u2") != nil {
		t.Errorf("Member: %v, %v", m, org.Member("u2"))
	}
	for _, tc := range []struct{ name, got, want string }{
		{"team role", org.TeamRole("t1", "u1"), "admin"},
		{"no team role", org.TeamRole("t1", "u2"), ""},
		{"board role", org.BoardRole("b1", "u1"), "editor"},
		{"no board role", org.BoardRole("b2", "u1"), ""},
		{"project role", org.ProjectRole("p1", "u1"), "viewer"},
		{"board share", org.ShareRole("board", "b1", "g1"), "VIEWER"},
		{"project share", org.ShareRole("project", "p1", "g1"), "EDITOR"},
		{"no share", org.ShareRole("project", "b1", "g1"), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
