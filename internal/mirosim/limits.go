package mirosim

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// routeCredits holds Miro's level weights (L1=50, L2=100, L3=500, L4=2000) per route.
var routeCredits = map[string]int{
	"get_org": 500, "list_members": 500, "get_member": 500,
	"list_teams": 50, "get_team": 50, "get_team_settings": 50,
	"list_team_members": 100, "get_team_member": 50, "invite_team_member": 100,
	"update_team_member": 100, "delete_team_member": 50,
	"list_groups": 50, "get_group": 50, "list_group_members": 50, "add_group_member": 50,
	"remove_group_member": 2000, "list_team_groups": 50, "list_group_teams": 50,
	"list_boards": 50, "get_board": 50, "list_board_members": 50, "get_board_member": 50, "list_board_groups": 50,
	"list_projects": 50, "get_project": 50, "list_project_members": 50, "get_project_member": 50,
	"list_project_groups": 50, "list_audit_logs": 100, "reset_sessions": 500,
	// Access to one board or project (board_access.go).
	"share_board": 500, "update_board_member": 100, "remove_board_member": 100,
	"add_project_member": 50, "update_project_member": 50, "remove_project_member": 2000,
	"share_board_groups": 50, "unshare_board_group": 50, "share_project_groups": 50, "unshare_project_group": 50,
	"get_classification_settings": 100, "get_board_classification": 100,
}

// CreditsFor returns the credits one call of route costs; 0 for unmetered routes (oauth_token, SCIM, unknown).
func CreditsFor(route string) int { return routeCredits[route] }

// scimLimits are Miro's per-endpoint SCIM limits (requests per 30 s window).
var scimLimits = map[string]int{
	"scim_list_users": 200, "scim_get_user": 200, "scim_create_user": 200,
	"scim_replace_user": 100, "scim_patch_user": 100, "scim_delete_user": 20,
}

const scimWindow = 30 * time.Second

// ResetStyle selects how X-RateLimit-Reset is written.
type ResetStyle int

// ResetStyle values.
const (
	ResetEpoch   ResetStyle = iota // UNIX epoch seconds of the next window (Miro's documented form)
	ResetSeconds                   // seconds until the next window
	ResetNone                      // header absent
)

type bucket struct {
	start int64 // window start, UnixNano
	spent int   // credits (REST) or requests (SCIM) in that window
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
	if cost > 0 && s.forced429 < o.Faults.Throttle {
		s.forced429++
		s.n429++
		q.remaining, q.reset = 0, now.Add(time.Second)
		return q, false
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

// retryAfter adds Retry-After (whole seconds until reset, at least 1) to a 429 when the options ask for it.
func (c *call) retryAfter(now, reset time.Time) {
	if c.opts.RetryAfter {
		c.w.Header().Set("Retry-After", strconv.FormatInt(max(1, ceilSeconds(reset.Sub(now))), 10))
	}
}
