package mirosim

import (
	"context"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ResetStyle selects how X-RateLimit-Reset is written.
type ResetStyle int

// ResetStyle values.
const (
	ResetEpoch   ResetStyle = iota // UNIX epoch seconds of the next window (Miro's documented form)
	ResetSeconds                   // seconds until the next window
	ResetNone                      // header absent
)

// Options are the server's knobs. Zero values mean the documented defaults.
type Options struct {
	Token         string   // REST OAuth bearer token; default "sim-access-token"
	SCIMToken     string   // SCIM bearer token; default "sim-scim-token"
	Scopes        []string // scopes of Token; nil = all of defaultScopes
	NotAdmin      bool     // token user is not a Company Admin: every /v2/orgs/... call → 403
	NotEnterprise bool     // org is not on Enterprise: every /v2/orgs/... call → 403 (different message)
	Credits       int      // credits per window; default 100000; <0 = unlimited (no 429s, headers still sent)
	// Window is the credit window, default 1 minute. Windows are fixed and aligned to Unix time multiples of
	// Window (a 6 s window resets at epoch seconds divisible by 6).
	Window     time.Duration
	ResetStyle ResetStyle
	RetryAfter bool          // add Retry-After (seconds) on 429
	Latency    time.Duration // added to every response
	Faults     Faults
	Now        func() time.Time // default time.Now
}

// Faults injects failures. Random faults use their own seeded PRNG so runs repeat.
type Faults struct {
	Rate      float64     // probability [0,1] that a request gets one of Kinds instead of its normal answer
	Kinds     []FaultKind // chosen uniformly; empty = all transient kinds except FaultSlow
	Routes    []string    // only these route names; empty = all
	Seed      int64       // PRNG seed for fault decisions
	SlowDelay time.Duration
	// Malformed is deterministic: route name -> what every successful answer on that route becomes.
	Malformed map[string]Malformation
}

// FaultKind is one kind of injected failure.
type FaultKind string

// FaultKind values.
const (
	Fault500      FaultKind = "500"
	Fault502      FaultKind = "502"
	Fault503      FaultKind = "503"
	FaultDrop     FaultKind = "drop"     // hijack and close the connection without answering
	FaultTruncate FaultKind = "truncate" // full Content-Length, half the body, then close
	FaultSlow     FaultKind = "slow"     // sleep SlowDelay (respecting the request ctx) before answering
)

// Malformation is a deterministic way to break the answers of one route.
type Malformation string

// Malformation values.
const (
	MalformedJSON            Malformation = "invalid_json"       // 200 with a body that is not JSON
	MalformedHTML            Malformation = "html_200"           // 200, text/html error page
	MalformedContentType     Malformation = "wrong_content_type" // correct JSON body but Content-Type text/plain
	MalformedCursorLoop      Malformation = "cursor_loop"        // later pages return the request's own cursor again
	MalformedEmptyDataCursor Malformation = "empty_data_cursor"  // data [] with a non-empty cursor, forever
	MalformedOverLimit       Malformation = "over_limit"         // page has limit+1 items
	MalformedDuplicates      Malformation = "duplicates"         // pages after the first repeat the previous page's last item
	MalformedHugeStrings     Malformation = "huge_strings"       // the first item's email/name is 1 MiB
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
	scopeBoardsRead, scopeProjectsRead, scopeAuditLogsRead}

// transientFaults is used when Faults.Kinds is empty. FaultSlow is left out: it only makes sense against a
// client with a timeout, and at its 30 s default it would stall any run that did not ask for it.
var transientFaults = []FaultKind{Fault500, Fault502, Fault503, FaultDrop, FaultTruncate}

// routeCredits holds Miro's level weights (L1=50, L2=100, L3=500, L4=2000) per route.
var routeCredits = map[string]int{
	"get_org": 500, "list_members": 500, "get_member": 500,
	"list_teams": 50, "get_team": 50,
	"list_team_members": 100, "get_team_member": 50, "invite_team_member": 100,
	"update_team_member": 100, "delete_team_member": 50,
	"list_groups": 50, "get_group": 50, "list_group_members": 50, "add_group_member": 50,
	"remove_group_member": 2000, "list_team_groups": 50,
	"list_boards": 50, "list_board_members": 50,
	"list_projects": 50, "list_project_members": 50,
	"list_audit_logs": 100,
}

// CreditsFor returns the credits one call of route costs; 0 for unmetered routes (oauth_token, SCIM, unknown).
func CreditsFor(route string) int { return routeCredits[route] }

// scimLimits are Miro's per-endpoint SCIM limits (requests per 30 s window).
var scimLimits = map[string]int{
	"scim_list_users": 200, "scim_get_user": 200, "scim_create_user": 200,
	"scim_replace_user": 100, "scim_patch_user": 100, "scim_delete_user": 20,
}

const scimWindow = 30 * time.Second

type bucket struct {
	start int64 // window start, UnixNano
	spent int   // credits (REST) or requests (SCIM) in that window
}

// Server is an http.Handler over an in-memory Miro Enterprise org.
type Server struct {
	mu     sync.RWMutex // guards org, emails, nextID
	org    *Org
	orgID  string            // immutable copy for lock-free path checks
	emails map[string]string // lower-case email -> member id
	nextID int64

	optMu    sync.Mutex // guards everything below until mux
	opts     Options
	rng      *rand.Rand
	rngSeed  int64
	buckets  map[string]*bucket // REST token -> window
	scimBkts map[string]*bucket // SCIM route -> window
	counts   map[string]int
	n429     int
	spent    int
	waiting  int // requests inside their latency now
	peakWait int // most requests inside their latency at once

	mux *http.ServeMux

	audit auditLog // audit.go

	lifeMu  sync.Mutex
	hs      *http.Server
	baseURL string
}

// New returns a server over org, which the server owns from now on.
func New(org *Org, opts Options) *Server {
	if org == nil {
		org = &Org{}
	}
	s := &Server{
		org:      org,
		orgID:    org.ID,
		emails:   make(map[string]string, len(org.Members)),
		buckets:  map[string]*bucket{},
		scimBkts: map[string]*bucket{},
		counts:   map[string]int{},
	}
	// Paging and lookups rely on sorted data; callers may hand in anything.
	slices.SortStableFunc(org.Members, func(a, b Member) int { return strings.Compare(a.ID, b.ID) })
	slices.SortStableFunc(org.Teams, func(a, b Team) int { return strings.Compare(a.ID, b.ID) })
	for i := range org.Teams {
		slices.SortStableFunc(org.Teams[i].Members, func(a, b TeamMember) int { return strings.Compare(a.UserID, b.UserID) })
	}
	s.nextID = 3458764500000000000
	for _, m := range org.Members {
		s.emails[strings.ToLower(m.Email)] = m.ID
		if v, err := strconv.ParseInt(m.ID, 10, 64); err == nil && v >= s.nextID {
			s.nextID = v + 1
		}
	}
	s.opts = normalize(cloneOptions(opts))
	s.rngSeed = s.opts.Faults.Seed
	s.rng = newFaultRNG(s.rngSeed)
	org.sortContent()
	s.routes()
	return s
}

func newFaultRNG(seed int64) *rand.Rand { return rand.New(rand.NewPCG(uint64(seed), 0x6661756c7473)) }

func cloneOptions(o Options) Options {
	o.Scopes = slices.Clone(o.Scopes)
	o.Faults.Kinds = slices.Clone(o.Faults.Kinds)
	o.Faults.Routes = slices.Clone(o.Faults.Routes)
	o.Faults.Malformed = maps.Clone(o.Faults.Malformed)
	return o
}

func normalize(o Options) Options {
	if o.Token == "" {
		o.Token = "sim-access-token"
	}
	if o.SCIMToken == "" {
		o.SCIMToken = "sim-scim-token"
	}
	if o.Scopes == nil {
		o.Scopes = slices.Clone(defaultScopes)
	}
	if o.Credits == 0 {
		o.Credits = 100000
	}
	if o.Window <= 0 {
		o.Window = time.Minute
	}
	if o.Faults.SlowDelay <= 0 {
		o.Faults.SlowDelay = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// SetOptions changes knobs at runtime. f gets a private copy, so requests in flight keep a consistent view.
func (s *Server) SetOptions(f func(*Options)) {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	o := cloneOptions(s.opts)
	f(&o)
	s.opts = normalize(o)
	if s.opts.Faults.Seed != s.rngSeed {
		s.rngSeed = s.opts.Faults.Seed
		s.rng = newFaultRNG(s.rngSeed)
	}
}

// Start listens on 127.0.0.1:0 and serves in the background.
func (s *Server) Start() (string, error) {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.hs != nil {
		return s.baseURL, nil
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.baseURL = "http://" + ln.Addr().String()
	go func() { _ = s.hs.Serve(ln) }()
	return s.baseURL, nil
}

// Close stops a server started with Start; in-flight requests see their context cancelled.
func (s *Server) Close() {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.hs != nil {
		_ = s.hs.Close()
	}
}

// BaseURL is "http://127.0.0.1:PORT" once started, else "".
func (s *Server) BaseURL() string {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	return s.baseURL
}

// SCIMURL is BaseURL()+"/api/v1/scim".
func (s *Server) SCIMURL() string { return s.BaseURL() + "/api/v1/scim" }

// Org returns a deep copy of the current state.
func (s *Server) Org() *Org {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.org.Clone()
}

// Counts returns route name -> requests received (faulted and 4xx included).
func (s *Server) Counts() map[string]int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	return maps.Clone(s.counts)
}

// Count returns the number of requests received on route.
func (s *Server) Count(route string) int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	return s.counts[route]
}

// TotalCount returns the number of requests received on all routes.
func (s *Server) TotalCount() int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	n := 0
	for _, c := range s.counts {
		n += c
	}
	return n
}

// Status429 returns how many 429 responses were sent (REST and SCIM).
func (s *Server) Status429() int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	return s.n429
}

// MaxConcurrent returns the most requests that were inside their added latency
// at once: a lower bound of the client's calls in flight that no timing on the
// client's side can inflate (only meaningful with Latency > 0).
func (s *Server) MaxConcurrent() int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	return s.peakWait
}

// latency sleeps for the added latency, counting the requests doing so.
func (s *Server) latency(r *http.Request, d time.Duration) bool {
	s.optMu.Lock()
	s.waiting++
	s.peakWait = max(s.peakWait, s.waiting)
	s.optMu.Unlock()
	ok := sleepCtx(r.Context(), d)
	s.optMu.Lock()
	s.waiting--
	s.optMu.Unlock()
	return ok
}

// CreditsSpent returns the total REST credits charged.
func (s *Server) CreditsSpent() int {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	return s.spent
}

// ResetCounts zeroes the request, 429 and credit counters (not the rate-limit windows).
func (s *Server) ResetCounts() {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	s.counts = map[string]int{}
	s.n429 = 0
	s.peakWait = 0
	s.spent = 0
}

// ExhaustCredits spends the rest of the current window of the REST token, so the next metered call gets 429.
// The spend is not added to CreditsSpent: no client spent it.
func (s *Server) ExhaustCredits() {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	if s.opts.Credits < 0 {
		return
	}
	b := s.bucketLocked(s.buckets, s.opts.Token, s.opts.Now(), s.opts.Window)
	b.spent = max(b.spent, s.opts.Credits)
}

// windowStart aligns to Unix time (not Go's zero time, which time.Truncate uses).
func windowStart(now time.Time, w time.Duration) int64 {
	ns := now.UnixNano()
	return ns - ns%int64(w)
}

func (s *Server) bucketLocked(m map[string]*bucket, key string, now time.Time, w time.Duration) *bucket {
	start := windowStart(now, w)
	b := m[key]
	if b == nil {
		b = &bucket{}
		m[key] = b
	}
	if b.start != start {
		*b = bucket{start: start}
	}
	return b
}

// quota is what the X-RateLimit-* headers report.
type quota struct {
	limit, remaining int
	reset, now       time.Time
	style            ResetStyle
}

// charge takes cost credits from token's window. It returns false (charging nothing) if they do not fit.
func (s *Server) charge(token string, cost int) (quota, bool) {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	o := s.opts
	now := o.Now()
	b := s.bucketLocked(s.buckets, token, now, o.Window)
	q := quota{limit: o.Credits, reset: time.Unix(0, b.start+int64(o.Window)), now: now, style: o.ResetStyle}
	if o.Credits < 0 {
		// Unlimited still reports a budget, one so large no client limiter ever waits on it.
		q.limit = math.MaxInt32
	}
	if cost > 0 && o.Credits >= 0 && b.spent+cost > o.Credits {
		q.remaining = max(0, o.Credits-b.spent)
		s.n429++
		return q, false
	}
	b.spent += cost
	s.spent += cost
	q.remaining = max(0, q.limit-b.spent)
	return q, true
}

// scimAllow counts one SCIM request against its route's 30 s limit.
func (s *Server) scimAllow(route string) (time.Time, time.Time, bool) {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	now := s.opts.Now()
	b := s.bucketLocked(s.scimBkts, route, now, scimWindow)
	reset := time.Unix(0, b.start+int64(scimWindow))
	if s.opts.Credits >= 0 && b.spent >= scimLimits[route] {
		s.n429++
		return now, reset, false
	}
	b.spent++
	return now, reset, true
}

func ceilSeconds(d time.Duration) int64 { return int64(math.Ceil(d.Seconds())) }

func (q quota) write(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(q.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(q.remaining))
	switch q.style {
	case ResetEpoch:
		h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilSeconds(time.Duration(q.reset.UnixNano())), 10))
	case ResetSeconds:
		h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilSeconds(q.reset.Sub(q.now)), 10))
	}
}

// peek reports token's quota without charging (for 401s, oauth_token and unknown paths).
func (s *Server) peek(token string) quota {
	q, _ := s.charge(token, 0)
	return q
}

func (s *Server) begin(route string) Options {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	s.counts[route]++
	return s.opts
}

// pickFault decides, from the seeded PRNG, whether this request is faulted and how.
func (s *Server) pickFault(o Options, route string) FaultKind {
	f := o.Faults
	if f.Rate <= 0 || (len(f.Routes) > 0 && !slices.Contains(f.Routes, route)) {
		return ""
	}
	kinds := f.Kinds
	if len(kinds) == 0 {
		kinds = transientFaults
	}
	s.optMu.Lock()
	defer s.optMu.Unlock()
	if s.rng.Float64() >= f.Rate {
		return ""
	}
	return kinds[s.rng.IntN(len(kinds))]
}

// sleepCtx waits d unless ctx ends first; it reports whether the request is still wanted.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

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
	serve func(*call)
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
		e := endpoint{route: route, kind: k, scope: scope, org: strings.Contains(pattern, "{org}"), serve: f}
		s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handle(w, r, e) }))
	}
	const tm = "/v2/orgs/{org}/teams/{team}/members"
	add("GET /v1/oauth-token", "oauth_token", kindOAuth, "", s.getToken)
	add("GET /v2/orgs/{org}", "get_org", kindREST, scopeOrgRead, s.getOrg)
	add("GET /v2/orgs/{org}/members", "list_members", kindREST, scopeOrgRead, s.listMembers)
	add("GET /v2/orgs/{org}/members/{id}", "get_member", kindREST, scopeOrgRead, s.getMember)
	add("GET /v2/orgs/{org}/teams", "list_teams", kindREST, scopeTeamsRead, s.listTeams)
	add("GET /v2/orgs/{org}/teams/{team}", "get_team", kindREST, scopeTeamsRead, s.getTeam)
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
	add("GET /v2/boards", "list_boards", kindREST, scopeBoardsRead, s.listBoards)
	add("GET /v2/boards/{board}/members", "list_board_members", kindREST, scopeBoardsRead, s.listBoardMembers)
	const pj = "/v2/orgs/{org}/teams/{team}/projects"
	add("GET "+pj, "list_projects", kindREST, scopeProjectsRead, s.listProjects)
	add("GET "+pj+"/{project}/members", "list_project_members", kindREST, scopeProjectsRead, s.listProjectMembers)
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
	o := c.opts
	tok := bearer(c.r)
	switch e.kind {
	case kindOAuth:
		s.peek(tok).write(c.w.Header())
		if tok != o.Token {
			c.restError(http.StatusBadRequest, "invalidToken", "Invalid token provided")
			return
		}
	case kindREST:
		if tok != o.Token {
			s.peek(tok).write(c.w.Header())
			msg := "Invalid access token"
			if tok == "" {
				msg = "No access token provided"
			}
			c.restError(http.StatusUnauthorized, "tokenNotProvided", msg)
			return
		}
		q, ok := s.charge(tok, CreditsFor(e.route))
		q.write(c.w.Header())
		if !ok {
			if o.RetryAfter {
				c.w.Header().Set("Retry-After", strconv.FormatInt(max(1, ceilSeconds(q.reset.Sub(q.now))), 10))
			}
			c.restError(http.StatusTooManyRequests, "tooManyRequests", "Rate limit exceeded: credits per window spent")
			return
		}
		missing := missingScope(o.Scopes, e.scope)
		switch {
		case missing != "":
			c.restError(http.StatusForbidden, "insufficientPermissions",
				"Access Denied: the token lacks the "+missing+" scope")
			return
		case !e.org:
			// /v2/boards/...: neither Enterprise-only nor admin-only, and no org id in the path.
		case o.NotEnterprise:
			c.restError(http.StatusForbidden, "forbiddenAccess",
				"This API is available only for organizations on the Enterprise plan")
			return
		case o.NotAdmin:
			c.restError(http.StatusForbidden, "forbiddenAccess",
				"Only a Company Admin of the organization can use this API")
			return
		case c.r.PathValue("org") != s.orgID:
			c.restError(http.StatusNotFound, "notFound", "Organization "+c.r.PathValue("org")+" not found")
			return
		}
	case kindSCIM:
		if tok != o.SCIMToken {
			c.scimError(http.StatusUnauthorized, "", "Token is not valid for this organization")
			return
		}
		now, reset, ok := s.scimAllow(e.route)
		if !ok {
			if o.RetryAfter {
				c.w.Header().Set("Retry-After", strconv.FormatInt(max(1, ceilSeconds(reset.Sub(now))), 10))
			}
			c.scimError(http.StatusTooManyRequests, "tooManyRequests", "Too many requests")
			return
		}
	}
	e.serve(c)
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

const gatewayHTML = `<!DOCTYPE html><html><head><title>%d</title></head><body><h1>%d %s</h1></body></html>`

func (s *Server) fault(c *call, k FaultKind, e endpoint) {
	switch k {
	case Fault500:
		if e.kind == kindSCIM {
			c.scimError(http.StatusInternalServerError, "", "Internal server error")
		} else {
			c.restError(http.StatusInternalServerError, "internalError", "Internal server error")
		}
	case Fault502, Fault503:
		// Gateway errors come from a proxy in front of Miro: HTML, no JSON, no rate-limit headers.
		code, _ := strconv.Atoi(string(k))
		c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		c.w.WriteHeader(code)
		_, _ = c.w.Write([]byte(strings.NewReplacer("%d", strconv.Itoa(code), "%s", http.StatusText(code)).
			Replace(gatewayHTML)))
	case FaultDrop:
		hangUp(c.w)
	case FaultTruncate:
		rec := &recorder{h: http.Header{}, code: http.StatusOK}
		inner := *c
		inner.w = rec
		s.dispatch(&inner, e)
		body := rec.buf
		maps.Copy(c.w.Header(), rec.h)
		c.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		c.w.WriteHeader(rec.code)
		_, _ = c.w.Write(body[:len(body)/2])
		if f, ok := c.w.(http.Flusher); ok {
			f.Flush()
		}
		hangUp(c.w)
	case FaultSlow:
		if sleepCtx(c.r.Context(), c.opts.Faults.SlowDelay) {
			s.dispatch(c, e)
		}
	default:
		c.restError(http.StatusInternalServerError, "internalError", "unknown fault kind "+string(k))
	}
}

// hangUp closes the client connection without a (complete) answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // net/http closes the connection and logs nothing
}

// recorder buffers a whole answer so FaultTruncate can send half of it.
type recorder struct {
	h    http.Header
	code int
	buf  []byte
	done bool
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(code int) {
	if !r.done {
		r.code, r.done = code, true
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.done = true
	r.buf = append(r.buf, b...)
	return len(b), nil
}
