package mirosim

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestIssue17RouteGates checks, for every route added for issue 17, its credits (one call charged whatever the
// answer), each required scope (403 insufficientPermissions naming it), the Enterprise and Company Admin gates
// and the org id check.
func TestIssue17RouteGates(t *testing.T) {
	org := shareOrg()
	b, p, g := org.Boards[0], org.Projects[0], org.Groups[0]
	orgp := "/v2/orgs/" + org.ID
	pj := orgp + "/teams/" + p.TeamID + "/projects/" + p.ID
	cases := []struct {
		route, method, path string
		scopes              []string
		credits             int
		enterprise          bool
	}{
		{"list_group_teams", "GET", orgp + "/groups/" + g.ID + "/teams", []string{scopeGroupsRead, scopeTeamsRead}, 50, true},
		{"get_board", "GET", "/v2/boards/" + url.PathEscape(b.ID), []string{scopeBoardsRead}, 50, false},
		{"get_board_member", "GET", "/v2/boards/" + url.PathEscape(b.ID) + "/members/" + b.OwnerID, []string{scopeBoardsRead}, 50, false},
		{"get_project", "GET", pj, []string{scopeProjectsRead}, 50, true},
		{"get_project_member", "GET", pj + "/members/" + p.Members[0].UserID, []string{scopeProjectsRead}, 50, true},
		{"list_board_groups", "GET", orgp + "/boards/" + url.PathEscape(b.ID) + "/groups", []string{scopeGroupsRead, scopeBoardsRead}, 50, true},
		{"list_project_groups", "GET", orgp + "/projects/" + p.ID + "/groups", []string{scopeGroupsRead, scopeProjectsRead}, 50, true},
		{"get_team_settings", "GET", orgp + "/teams/" + p.TeamID + "/settings", []string{scopeTeamsRead}, 50, true},
		{"reset_sessions", "POST", "/v2/sessions/reset_all?email=" + url.QueryEscape(org.Members[0].Email), []string{scopeSessionsDelete}, 500, true},
	}
	for _, c := range cases {
		t.Run(c.route, func(t *testing.T) {
			if CreditsFor(c.route) != c.credits {
				t.Fatalf("CreditsFor = %d, want %d", CreditsFor(c.route), c.credits)
			}
			call := func(o Options, want int) resp {
				t.Helper()
				s := startSim(t, org, o)
				r := s.do(c.method, c.path, tok, nil)
				wantStatus(t, r, want)
				if s.routeOf(t) != c.route || s.CreditsSpent() != c.credits {
					t.Fatalf("counted %v, spent %d", s.Counts(), s.CreditsSpent())
				}
				return r
			}
			call(Options{Scopes: c.scopes}, 200) // the route's own scopes are enough
			for _, sc := range c.scopes {
				r := call(Options{Scopes: slices.DeleteFunc(slices.Clone(defaultScopes), func(x string) bool { return x == sc })}, 403)
				if r.errCode(t) != "insufficientPermissions" || !strings.Contains(string(r.body), "lacks the "+sc+" scope") {
					t.Errorf("without %s: %s", sc, r.body)
				}
			}
			for _, o := range []Options{{NotAdmin: true}, {NotEnterprise: true}} {
				if !c.enterprise {
					call(o, 200)
					continue
				}
				if r := call(o, 403); r.errCode(t) != "forbiddenAccess" {
					t.Errorf("%+v: %s", o, r.body)
				}
			}
			if strings.HasPrefix(c.path, orgp) {
				s := startSim(t, org, Options{})
				r := s.do(c.method, "/v2/orgs/3074457399999999999"+strings.TrimPrefix(c.path, orgp), tok, nil)
				if r.status != 404 || r.errCode(t) != "notFound" {
					t.Errorf("another org: %d %s", r.status, r.body)
				}
			}
		})
	}
}
