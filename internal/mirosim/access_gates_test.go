package mirosim

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestIssue24RouteGates checks, for every route added for issue 24, its credits (a board share is Level 3:
// 500; one call charged whatever the answer), each required scope (403 insufficientPermissions naming it), the
// Enterprise and Company Admin gates of the org routes and the org id check.
func TestIssue24RouteGates(t *testing.T) {
	org := accessOrg()
	board := "/v2/boards/" + url.PathEscape("uXjVa=")
	orgp := "/v2/orgs/" + org.ID
	pm := orgp + "/teams/1/projects/500/members"
	type gate struct {
		route, method, path string
		body                any
		want                int
		scopes              []string
		credits             int
		enterprise          bool
	}
	cases := []gate{
		{"share_board", "POST", board + "/members", map[string]any{"emails": []string{"dave@example.com"}}, 201, []string{scopeBoardsWrite}, 500, false},
		{"update_board_member", "PATCH", board + "/members/3458764500000000002", map[string]string{"role": "editor"}, 200, []string{scopeBoardsWrite}, 100, false},
		{"remove_board_member", "DELETE", board + "/members/3458764500000000002", nil, 204, []string{scopeBoardsWrite}, 100, false},
		{"add_project_member", "POST", pm, map[string]string{"email": "dave@example.com", "role": "viewer"}, 201, []string{scopeProjWrite}, 50, true},
		{"update_project_member", "PATCH", pm + "/3458764500000000002", map[string]string{"role": "editor"}, 200, []string{scopeProjWrite}, 50, true},
		{"remove_project_member", "DELETE", pm + "/3458764500000000002", nil, 204, []string{scopeProjWrite}, 2000, true},
		{"share_board_groups", "POST", orgp + "/boards/" + url.PathEscape("uXjVa=") + "/groups", map[string]any{"userGroupIds": []string{"71"}, "role": "EDITOR"}, 200, []string{scopeGroupsRead, scopeBoardsWrite}, 50, true},
		{"share_project_groups", "POST", orgp + "/projects/500/groups", map[string]any{"userGroupIds": []string{"71"}, "role": "EDITOR"}, 200, []string{scopeGroupsRead, scopeProjWrite}, 50, true},
		{"get_classification_settings", "GET", orgp + "/data-classification-settings", nil, 200, []string{scopeOrgRead}, 100, true},
		{"get_board_classification", "GET", orgp + "/teams/1/boards/" + url.PathEscape("uXjVa=") + "/data-classification", nil, 200, []string{scopeBoardsRead}, 100, true},
	}
	unshare := func(o *Org) *Org { // shared already, for the unshare routes
		o.Boards[0].Groups = []GroupShare{{GroupID: "71", Role: "VIEWER"}}
		o.Projects[0].Groups = []GroupShare{{GroupID: "71", Role: "VIEWER"}}
		return o
	}
	cases = append(cases,
		gate{"unshare_board_group", "DELETE", orgp + "/boards/" + url.PathEscape("uXjVa=") + "/groups/71", nil, 204, []string{scopeGroupsRead, scopeBoardsWrite}, 50, true},
		gate{"unshare_project_group", "DELETE", orgp + "/projects/500/groups/71", nil, 204, []string{scopeGroupsRead, scopeProjWrite}, 50, true})
	for _, c := range cases {
		t.Run(c.route, func(t *testing.T) {
			if CreditsFor(c.route) != c.credits {
				t.Fatalf("CreditsFor = %d, want %d", CreditsFor(c.route), c.credits)
			}
			call := func(o Options, want int) resp {
				t.Helper()
				s := startSim(t, unshare(accessOrg()), o)
				r := s.do(c.method, c.path, tok, c.body)
				wantStatus(t, r, want)
				if s.routeOf(t) != c.route || s.CreditsSpent() != c.credits {
					t.Fatalf("counted %v, spent %d", s.Counts(), s.CreditsSpent())
				}
				return r
			}
			call(Options{Scopes: c.scopes}, c.want) // the route's own scopes are enough
			for _, sc := range c.scopes {
				r := call(Options{Scopes: slices.DeleteFunc(slices.Clone(defaultScopes), func(x string) bool { return x == sc })}, 403)
				if r.errCode(t) != "insufficientPermissions" || !strings.Contains(string(r.body), "lacks the "+sc+" scope") {
					t.Errorf("without %s: %s", sc, r.body)
				}
			}
			for _, o := range []Options{{NotAdmin: true}, {NotEnterprise: true}} {
				if !c.enterprise {
					call(o, c.want)
					continue
				}
				if r := call(o, 403); r.errCode(t) != "forbiddenAccess" {
					t.Errorf("%+v: %s", o, r.body)
				}
			}
			if strings.HasPrefix(c.path, orgp) {
				s := startSim(t, unshare(accessOrg()), Options{})
				r := s.do(c.method, "/v2/orgs/3074457399999999999"+strings.TrimPrefix(c.path, orgp), tok, c.body)
				if r.status != 404 || r.errCode(t) != "notFound" {
					t.Errorf("another org: %d %s", r.status, r.body)
				}
			}
		})
	}
}
