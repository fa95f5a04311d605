package mirosim

import (
	"net/http"
	"slices"
	"strings"
)

const (
	scopeOrgRead      = "organizations:read"
	scopeTeamsRead    = "organizations:teams:read"
	scopeTeamsWrite   = "organizations:teams:write"
	scopeGroupsRead   = "organizations:groups:read"
	scopeGroupsWrite  = "organizations:groups:write"
	scopeBoardsRead   = "boards:read"
	scopeProjectsRead = "projects:read"
)

var defaultScopes = []string{scopeOrgRead, scopeTeamsRead, scopeTeamsWrite, scopeGroupsRead, scopeGroupsWrite,
	scopeBoardsRead, scopeProjectsRead, scopeAuditLogsRead, scopeSessionsDelete}

type kind int

const (
	kindREST kind = iota
	kindOAuth
	kindSCIM
	kindUnknown
)

type endpoint struct {
	route string
	kind  kind
	scope string // required scopes, space-separated
	org   bool   // under /v2/orgs/{org}: Enterprise and Company Admin only, org id checked
	// enterprise: Enterprise and Company Admin only: every org route, and /v2/sessions (no org id in the path).
	enterprise bool
	serve      func(*call)
}

// call is one request in flight with the options it started with.
type call struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	route string
	opts  Options
	mal   Malformation
	scim  bool // answers use SCIM content type and error bodies
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	add := func(pattern, route string, k kind, scope string, f func(*call)) {
		org := strings.Contains(pattern, "{org}")
		e := endpoint{route: route, kind: k, scope: scope, org: org, serve: f,
			enterprise: org || strings.Contains(pattern, " /v2/sessions/")}
		s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handle(w, r, e) }))
	}
	const tm = "/v2/orgs/{org}/teams/{team}/members"
	add("GET /v1/oauth-token", "oauth_token", kindOAuth, "", s.getToken)
	add("GET /v2/orgs/{org}", "get_org", kindREST, scopeOrgRead, s.getOrg)
	add("GET /v2/orgs/{org}/members", "list_members", kindREST, scopeOrgRead, s.listMembers)
	add("GET /v2/orgs/{org}/members/{id}", "get_member", kindREST, scopeOrgRead, s.getMember)
	add("GET /v2/orgs/{org}/teams", "list_teams", kindREST, scopeTeamsRead, s.listTeams)
	add("GET /v2/orgs/{org}/teams/{team}", "get_team", kindREST, scopeTeamsRead, s.getTeam)
	add("GET /v2/orgs/{org}/teams/{team}/settings", "get_team_settings", kindREST, scopeTeamsRead, s.getTeamSettings)
	add("GET "+tm, "list_team_members", kindREST, scopeTeamsRead, s.listTeamMembers)
	add("GET "+tm+"/{id}", "get_team_member", kindREST, scopeTeamsRead, s.getTeamMember)
	add("POST "+tm, "invite_team_member", kindREST, scopeTeamsWrite, s.inviteTeamMember)
	add("PATCH "+tm+"/{id}", "update_team_member", kindREST, scopeTeamsWrite, s.updateTeamMember)
	add("DELETE "+tm+"/{id}", "delete_team_member", kindREST, scopeTeamsWrite, s.deleteTeamMember)
	const gm = "/v2/orgs/{org}/groups/{group}/members"
	add("GET /v2/orgs/{org}/groups", "list_groups", kindREST, scopeGroupsRead, s.listGroups)
	add("GET /v2/orgs/{org}/groups/{group}", "get_group", kindREST, scopeGroupsRead, s.getGroup)
	add("GET "+gm, "list_group_members", kindREST, scopeGroupsRead, s.listGroupMembers)
	add("POST "+gm, "add_group_member", kindREST, scopeGroupsWrite, s.addGroupMember)
	add("DELETE "+gm+"/{id}", "remove_group_member", kindREST, scopeGroupsWrite, s.removeGroupMember)
	add("GET /v2/orgs/{org}/teams/{team}/groups", "list_team_groups", kindREST, scopeGroupsRead+" "+scopeTeamsRead,
		s.listTeamGroups)
	add("GET /v2/orgs/{org}/groups/{group}/teams", "list_group_teams", kindREST, scopeGroupsRead+" "+scopeTeamsRead,
		s.listGroupTeams)
	add("GET /v2/boards", "list_boards", kindREST, scopeBoardsRead, s.listBoards)
	add("GET /v2/boards/{board}", "get_board", kindREST, scopeBoardsRead, s.getBoard)
	add("GET /v2/boards/{board}/members", "list_board_members", kindREST, scopeBoardsRead, s.listBoardMembers)
	add("GET /v2/boards/{board}/members/{id}", "get_board_member", kindREST, scopeBoardsRead, s.getBoardMember)
	add("GET /v2/orgs/{org}/boards/{board}/groups", "list_board_groups", kindREST, scopeGroupsRead+" "+scopeBoardsRead,
		s.listBoardGroups)
	add("POST /v2/orgs/{org}/boards/{board}/groups", "share_board_groups", kindREST, scopeGroupsWrite,
		s.shareBoardGroups)
	const pj = "/v2/orgs/{org}/teams/{team}/projects"
	add("GET "+pj, "list_projects", kindREST, scopeProjectsRead, s.listProjects)
	add("GET "+pj+"/{project}", "get_project", kindREST, scopeProjectsRead, s.getProject)
	add("GET "+pj+"/{project}/members", "list_project_members", kindREST, scopeProjectsRead, s.listProjectMembers)
	add("GET "+pj+"/{project}/members/{id}", "get_project_member", kindREST, scopeProjectsRead, s.getProjectMember)
	add("GET /v2/orgs/{org}/projects/{project}/groups", "list_project_groups", kindREST,
		scopeGroupsRead+" "+scopeProjectsRead, s.listProjectGroups)
	add("POST /v2/orgs/{org}/projects/{project}/groups", "share_project_groups", kindREST, scopeGroupsWrite,
		s.shareProjectGroups)
	add("POST /v2/sessions/reset_all", "reset_sessions", kindREST, scopeSessionsDelete, s.resetSessions)
	add("GET /v2/audit/logs", "list_audit_logs", kindREST, scopeAuditLogsRead, s.listAuditLogs)
	add("GET /api/v1/scim/Users", "scim_list_users", kindSCIM, "", s.scimList)
	add("GET /api/v1/scim/Users/{id}", "scim_get_user", kindSCIM, "", s.scimGet)
	add("POST /api/v1/scim/Users", "scim_create_user", kindSCIM, "", s.scimCreate)
	add("PATCH /api/v1/scim/Users/{id}", "scim_patch_user", kindSCIM, "", s.scimPatch)
	add("PUT /api/v1/scim/Users/{id}", "scim_replace_user", kindSCIM, "", s.scimReplace)
	add("DELETE /api/v1/scim/Users/{id}", "scim_delete_user", kindSCIM, "", s.scimDelete)
	add("/", "unknown", kindUnknown, "", func(c *call) {
		c.s.peek(bearer(c.r)).write(c.w.Header())
		c.restError(http.StatusNotFound, "notFound", "No route for "+c.r.Method+" "+c.r.URL.Path)
	})
}

// ServeHTTP serves the Miro REST and SCIM routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// handle is the pipeline every request goes through: count, latency, fault, then the route's checks.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, e endpoint) {
	opts := s.begin(e.route)
	if !s.latency(r, opts.Latency) {
		return
	}
	c := &call{s: s, w: w, r: r, route: e.route, opts: opts, mal: opts.Faults.Malformed[e.route],
		scim: e.kind == kindSCIM}
	if k := s.pickFault(opts, e.route); k != "" {
		s.fault(c, k, e)
		return
	}
	s.dispatch(c, e)
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// dispatch runs auth, rate limits and access checks in the order a gateway would, then the handler.
func (s *Server) dispatch(c *call, e endpoint) {
	admitted := true
	switch tok := bearer(c.r); e.kind {
	case kindOAuth:
		admitted = s.admitOAuth(c, tok)
	case kindREST:
		admitted = s.admitREST(c, e, tok)
	case kindSCIM:
		admitted = s.admitSCIM(c, e, tok)
	}
	if admitted {
		e.serve(c)
	}
}

// admitOAuth: /v1/oauth-token reports the quota without charging and answers 400 to any token but the REST one.
func (s *Server) admitOAuth(c *call, tok string) bool {
	s.peek(tok).write(c.w.Header())
	if tok != c.opts.Token {
		c.restError(http.StatusBadRequest, "invalidToken", "Invalid token provided")
		return false
	}
	return true
}

// admitREST checks token (401, uncharged), credits (429, uncharged), scope, plan, admin and org id, in that order.
func (s *Server) admitREST(c *call, e endpoint, tok string) bool {
	o := c.opts
	if tok != o.Token {
		s.peek(tok).write(c.w.Header())
		msg := "Invalid access token"
		if tok == "" {
			msg = "No access token provided"
		}
		c.restError(http.StatusUnauthorized, "tokenNotProvided", msg)
		return false
	}
	q, ok := s.charge(tok, CreditsFor(e.route))
	q.write(c.w.Header())
	if !ok {
		c.retryAfter(q.now, q.reset)
		c.restError(http.StatusTooManyRequests, "tooManyRequests", "Rate limit exceeded: credits per window spent")
		return false
	}
	missing := missingScope(o.Scopes, e.scope)
	switch {
	case missing != "":
		c.restError(http.StatusForbidden, "insufficientPermissions",
			"Access Denied: the token lacks the "+missing+" scope")
		return false
	case !e.enterprise:
		// /v2/boards/...: neither Enterprise-only nor admin-only, and no org id in the path.
	case o.NotEnterprise:
		c.restError(http.StatusForbidden, "forbiddenAccess",
			"This API is available only for organizations on the Enterprise plan")
		return false
	case o.NotAdmin:
		c.restError(http.StatusForbidden, "forbiddenAccess",
			"Only a Company Admin of the organization can use this API")
		return false
	case e.org && c.r.PathValue("org") != s.orgID:
		c.restError(http.StatusNotFound, "notFound", "Organization "+c.r.PathValue("org")+" not found")
		return false
	}
	return true
}

// admitSCIM checks the SCIM token, then the route's SCIM limit.
func (s *Server) admitSCIM(c *call, e endpoint, tok string) bool {
	if tok != c.opts.SCIMToken {
		c.scimError(http.StatusUnauthorized, "", "Token is not valid for this organization")
		return false
	}
	now, reset, ok := s.scimAllow(e.route)
	if !ok {
		c.retryAfter(now, reset)
		c.scimError(http.StatusTooManyRequests, "tooManyRequests", "Too many requests")
		return false
	}
	return true
}

// missingScope returns the first of the space-separated scopes in need that have lacks, else "".
func missingScope(have []string, need string) string {
	for _, sc := range strings.Fields(need) {
		if !slices.Contains(have, sc) {
			return sc
		}
	}
	return ""
}
