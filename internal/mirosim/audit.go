package mirosim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The audit log: GET /v2/audit/logs (scope auditlogs:read, Level 2, last 90 days, cursor paging,
// createdAfter and createdBefore required). The log holds a seeded history (SeedAuditLog) and an event for
// every change the simulator's own write endpoints make to a team membership, a user group membership, an
// org role, admin roles, a license or a user's status.
//
// Choices where Miro documents nothing ([I]):
//   - Event names and categories other than sign_in_succeeded, sign_in_failed and sign_out_succeeded
//     (authentication) and board_opened are not published by Miro; the simulator's are listed in
//     SimulatedAuditEvents.
//   - createdAfter and createdBefore must be UTC with milliseconds and Z (2023-03-30T17:26:50.000Z), else 400
//     invalidParameters; both bounds are exclusive. createdAfter older than 90 days before now is 400, as is
//     createdAfter not before createdBefore. limit is 1..100 (default 100); sorting ASC (default) or DESC.
//   - Event ids look like Miro's example (microsecond time, '#', a 19-digit number, "-DDB"), so they sort in
//     time order; the cursor is the id of the last event returned and any value pages from after it.
//   - createdAt is written as RFC 3339 with milliseconds and Z, and details as an object, as the schema says.
//     The spec's own example (2023-09-01T09:30:10.840+0000, details as a JSON string) breaks its schema; the
//     client reads that form too (pkg/miro tests), and AuditEvent.Raw or DetailsAsString can send it.
//   - The token's user must be a Company Admin of an Enterprise org (Options.NotAdmin / NotEnterprise: 403).

const scopeAuditLogsRead = "auditlogs:read"

// auditRetention is how far back the API reaches.
const auditRetention = 90 * 24 * time.Hour

// AuditEvent is one entry of the simulated audit log.
type AuditEvent struct {
	ID              string // assigned when the event is added
	Event, Category string
	At              time.Time // createdAt, kept at millisecond precision
	ActorType       string    // user, application, scim_provisioner, miro_automation
	ActorID         string
	ActorName       string
	ActorEmail      string
	ObjectID        string
	ObjectName      string
	TeamID          string // context.team; "" = none
	TeamName        string
	IP              string
	Details         map[string]any
	// DetailsAsString sends details as a JSON string holding the object, as the spec's example shows.
	DetailsAsString bool
	// Raw, when set, is sent as the whole entry instead of the fields above (malformed-entry tests); the
	// entry still sorts and filters by At.
	Raw json.RawMessage
}

// SimulatedAuditEvents lists the event names the simulator writes, with their categories. Only the
// authentication events and board_opened are names Miro documents; the rest are the simulator's guesses.
var SimulatedAuditEvents = map[string]string{
	"sign_in_succeeded":         "authentication",
	"sign_in_failed":            "authentication",
	"sign_out_succeeded":        "authentication",
	"board_opened":              "boards",
	"team_created":              "teams",
	"team_settings_changed":     "teams",
	"team_member_added":         "teams",
	"team_member_removed":       "teams",
	"team_member_role_changed":  "teams",
	"user_created":              "users",
	"user_deleted":              "users",
	"user_activated":            "users",
	"user_deactivated":          "users",
	"user_role_changed":         "users",
	"user_license_changed":      "users",
	"user_admin_roles_changed":  "users",
	"user_group_member_added":   "user_groups",
	"user_group_member_removed": "user_groups",
	"company_logo_changed":      "administration",
	"board_shared_with_group":   "boards",
	"project_shared_with_group": "projects",
}

type auditLog struct {
	mu     sync.Mutex
	events []AuditEvent // sorted by ID, which sorts by At
	seq    int64
}

const auditIDLayout = "2006-01-02T15:04:05.000000Z"

// add stores events, assigning ids, and keeps the log sorted.
func (l *auditLog) add(evs ...AuditEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ev := range evs {
		ev.At = ev.At.UTC().Truncate(time.Millisecond)
		l.seq++
		ev.ID = ev.At.Format(auditIDLayout) + "#" + strconv.FormatInt(3000000000000000000+l.seq, 10) + "-DDB"
		i, _ := slices.BinarySearchFunc(l.events, ev.ID, func(e AuditEvent, id string) int { return strings.Compare(e.ID, id) })
		l.events = slices.Insert(l.events, i, ev)
	}
}

// AddAuditEvents appends events to the audit log (ids are assigned; At is truncated to milliseconds).
func (s *Server) AddAuditEvents(evs ...AuditEvent) { s.audit.add(evs...) }

// AuditLog returns a copy of the whole audit log, oldest first.
func (s *Server) AuditLog() []AuditEvent {
	s.audit.mu.Lock()
	defer s.audit.mu.Unlock()
	out := slices.Clone(s.audit.events)
	for i := range out {
		out[i].Details = cloneDetails(out[i].Details)
	}
	return out
}

func cloneDetails(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// now is the simulator's clock.
func (s *Server) now() time.Time {
	s.optMu.Lock()
	defer s.optMu.Unlock()
	return s.opts.Now()
}

// AuditSeed drives SeedAuditLog.
type AuditSeed struct {
	Seed   int64
	Events int
	Span   time.Duration // events fall in [End-Span, End); default 30 days
	End    time.Time     // default: the simulator's now
}

// SeedAuditLog adds a deterministic history of o.Events events (for the same org and options): about 85%
// sign-ins by org members, the rest failed sign-ins, sign-outs, board opens, team, user and user-group
// administration and a few events the connector cannot attribute. About one event in six shares the time of
// the one before it. It returns the events added.
func (s *Server) SeedAuditLog(o AuditSeed) []AuditEvent {
	if o.Span <= 0 {
		o.Span = 30 * 24 * time.Hour
	}
	if o.End.IsZero() {
		o.End = s.now()
	}
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0x617564697473))
	n := max(o.Events, 0)
	times := make([]time.Time, n)
	for i := range times {
		times[i] = o.End.Add(-time.Duration(1 + r.Int64N(int64(o.Span)-1))).Truncate(time.Millisecond)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < n; i++ {
		if r.IntN(6) == 0 {
			times[i] = times[i-1]
		}
	}

	s.mu.RLock()
	members, teams, groups := s.org.Members, s.org.Teams, s.org.Groups
	admin := *s.tokenUser()
	evs := make([]AuditEvent, 0, n)
	for i := 0; i < n && len(members) > 0; i++ {
		m := &members[r.IntN(len(members))]
		ev := AuditEvent{At: times[i], ActorType: "user", ActorID: m.ID, ActorName: m.DisplayName, ActorEmail: m.Email,
			IP: fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))}
		byAdmin := func() {
			ev.ActorID, ev.ActorName, ev.ActorEmail = admin.ID, admin.DisplayName, admin.Email
		}
		var t *Team
		if len(teams) > 0 {
			t = &teams[r.IntN(len(teams))]
		}
		x := r.IntN(1000)
		switch {
		case x < 850:
			ev.Event = "sign_in_succeeded"
			ev.Details = map[string]any{"authType": []string{"SSO", "PASSWORD"}[r.IntN(2)], "mfaFactorType": "NONE"}
		case x < 880:
			ev.Event = "sign_in_failed"
			ev.Details = map[string]any{"authType": "PASSWORD"}
		case x < 900:
			ev.Event = "sign_out_succeeded"
		case x < 920 && t != nil:
			ev.Event, ev.ObjectID, ev.ObjectName = "board_opened", "uXjV"+strconv.Itoa(r.IntN(1e6))+"=", "Roadmap"
			ev.TeamID, ev.TeamName = t.ID, t.Name
		case x < 935 && t != nil:
			byAdmin()
			ev.Event, ev.ObjectID, ev.ObjectName = "team_member_added", m.ID, m.Email
			ev.TeamID, ev.TeamName = t.ID, t.Name
			ev.Details = map[string]any{"role": "member"}
		case x < 945 && t != nil:
			byAdmin()
			ev.Event, ev.ObjectID, ev.ObjectName = "team_member_removed", m.ID, m.Email
			ev.TeamID, ev.TeamName = t.ID, t.Name
			ev.Details = map[string]any{"role": "member"}
		case x < 955 && t != nil:
			byAdmin()
			ev.Event, ev.ObjectID, ev.ObjectName = "team_member_role_changed", m.ID, m.Email
			ev.TeamID, ev.TeamName = t.ID, t.Name
			ev.Details = map[string]any{"role": "admin", "previousRole": "member"}
		case x < 960 && t != nil:
			byAdmin()
			ev.Event, ev.ObjectID, ev.ObjectName = "team_settings_changed", t.ID, t.Name
			ev.TeamID, ev.TeamName = t.ID, t.Name
		case x < 970:
			ev.ActorType, ev.ActorID, ev.ActorName, ev.ActorEmail = "scim_provisioner", "", "SCIM", ""
			ev.Event, ev.ObjectID, ev.ObjectName = "user_license_changed", m.ID, m.Email
			ev.Details = map[string]any{"license": "full", "previousLicense": "free"}
		case x < 980:
			byAdmin()
			ev.Event, ev.ObjectID, ev.ObjectName = "user_role_changed", m.ID, m.Email
			ev.Details = map[string]any{"role": roleUser, "previousRole": roleAdmin}
		case x < 985:
			ev.ActorType, ev.ActorID, ev.ActorName, ev.ActorEmail = "scim_provisioner", "", "SCIM", ""
			ev.Event, ev.ObjectID, ev.ObjectName = "user_deactivated", m.ID, m.Email
		case x < 992 && len(groups) > 0:
			byAdmin()
			g := &groups[r.IntN(len(groups))]
			ev.Event, ev.ObjectID, ev.ObjectName = "user_group_member_added", g.ID, g.Name
			ev.Details = map[string]any{"userId": m.ID, "email": m.Email}
		default:
			// Nothing the connector can attribute to a team, user or group.
			byAdmin()
			ev.Event = "company_logo_changed"
		}
		ev.Category = SimulatedAuditEvents[ev.Event]
		if ev.Event != "board_opened" && ev.TeamID == "" && r.IntN(3) == 0 && t != nil && ev.Category == "authentication" {
			// Before June 2023 Miro sent sign-ins once per team; a team context still appears on some.
			ev.TeamID, ev.TeamName = t.ID, t.Name
		}
		evs = append(evs, ev)
	}
	s.mu.RUnlock()
	s.audit.add(evs...)
	return evs
}

// ---- events from the simulator's own writes (callers hold s.mu) ----

func (s *Server) adminActor(ev *AuditEvent) {
	u := s.tokenUser()
	ev.ActorType, ev.ActorID, ev.ActorName, ev.ActorEmail = "user", u.ID, u.DisplayName, u.Email
}

func (s *Server) memberEmail(id string) string {
	if i := s.memberIndex(id); i >= 0 {
		return s.org.Members[i].Email
	}
	return ""
}

// auditTeam records a team membership change: oldRole "" = added, newRole "" = removed. A role that does not
// change records nothing.
func (s *Server) auditTeam(t *Team, userID, oldRole, newRole string) {
	ev := AuditEvent{At: s.now(), Category: "teams", ObjectID: userID, ObjectName: s.memberEmail(userID),
		TeamID: t.ID, TeamName: t.Name, IP: "127.0.0.1"}
	switch {
	case oldRole == newRole:
		return
	case oldRole == "":
		ev.Event, ev.Details = "team_member_added", map[string]any{"role": newRole}
	case newRole == "":
		ev.Event, ev.Details = "team_member_removed", map[string]any{"role": oldRole}
	default:
		ev.Event, ev.Details = "team_member_role_changed", map[string]any{"role": newRole, "previousRole": oldRole}
	}
	s.adminActor(&ev)
	s.audit.add(ev)
}

// auditGroup records a user group membership change.
func (s *Server) auditGroup(g *Group, userID string, added bool) {
	ev := AuditEvent{At: s.now(), Event: "user_group_member_removed", Category: "user_groups", ObjectID: g.ID,
		ObjectName: g.Name, IP: "127.0.0.1", Details: map[string]any{"userId": userID, "email": s.memberEmail(userID)}}
	if added {
		ev.Event = "user_group_member_added"
	}
	s.adminActor(&ev)
	s.audit.add(ev)
}

// auditSCIM records a SCIM change of member m: old nil = created, repl nil = deleted, else one event per
// changed aspect (status, org role, license, admin roles).
func (s *Server) auditSCIM(old, repl *Member) {
	base := AuditEvent{At: s.now(), Category: "users", ActorType: "scim_provisioner", ActorName: "SCIM", IP: "127.0.0.1"}
	var evs []AuditEvent
	add := func(m *Member, event string, details map[string]any) {
		ev := base
		ev.Event, ev.ObjectID, ev.ObjectName, ev.Details = event, m.ID, m.Email, details
		evs = append(evs, ev)
	}
	switch {
	case old == nil:
		add(repl, "user_created", nil)
	case repl == nil:
		add(old, "user_deleted", nil)
	default:
		if old.Active != repl.Active {
			add(repl, map[bool]string{true: "user_activated", false: "user_deactivated"}[repl.Active], nil)
		}
		if old.Role != repl.Role {
			add(repl, "user_role_changed", map[string]any{"role": repl.Role, "previousRole": old.Role})
		}
		if old.License != repl.License {
			add(repl, "user_license_changed", map[string]any{"license": repl.License, "previousLicense": old.License})
		}
		if !slices.Equal(old.AdminRoles, repl.AdminRoles) {
			add(repl, "user_admin_roles_changed", nil)
		}
	}
	s.audit.add(evs...)
}

// ---- GET /v2/audit/logs ----

type auditRefOut struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type auditActorOut struct {
	Type  string `json:"type"`
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

type auditContextOut struct {
	IP           string       `json:"ip,omitempty"`
	Team         *auditRefOut `json:"team,omitempty"`
	Organization *auditRefOut `json:"organization,omitempty"`
}

type auditEventOut struct {
	ID        string          `json:"id"`
	Context   auditContextOut `json:"context"`
	Object    *auditRefOut    `json:"object,omitempty"`
	CreatedAt string          `json:"createdAt"`
	Details   any             `json:"details,omitempty"`
	CreatedBy auditActorOut   `json:"createdBy"`
	Event     string          `json:"event"`
	Category  string          `json:"category"`
}

const (
	auditQueryLayout  = "2006-01-02T15:04:05.000Z"
	auditOutputLayout = "2006-01-02T15:04:05.000Z07:00"
)

func (s *Server) auditJSON(ev *AuditEvent, orgName string) any {
	if len(ev.Raw) > 0 {
		return ev.Raw
	}
	o := auditEventOut{ID: ev.ID, CreatedAt: ev.At.UTC().Format(auditOutputLayout), Event: ev.Event,
		Category: ev.Category, CreatedBy: auditActorOut{Type: ev.ActorType, ID: ev.ActorID, Name: ev.ActorName,
			Email: ev.ActorEmail},
		Context: auditContextOut{IP: ev.IP, Organization: &auditRefOut{ID: s.orgID, Name: orgName}}}
	if ev.ObjectID != "" || ev.ObjectName != "" {
		o.Object = &auditRefOut{ID: ev.ObjectID, Name: ev.ObjectName}
	}
	if ev.TeamID != "" {
		o.Context.Team = &auditRefOut{ID: ev.TeamID, Name: ev.TeamName}
	}
	if ev.Details != nil {
		o.Details = ev.Details
		if ev.DetailsAsString {
			o.Details = strings.TrimSpace(string(marshal(ev.Details)))
		}
	}
	return o
}

func (s *Server) listAuditLogs(c *call) {
	q := c.r.URL.Query()
	switch {
	case c.opts.NotEnterprise:
		c.restError(http.StatusForbidden, "forbiddenAccess", "Audit logs are available only on the Enterprise plan")
		return
	case c.opts.NotAdmin:
		c.restError(http.StatusForbidden, "forbiddenAccess", "Only a Company Admin can read the audit logs")
		return
	}
	var bounds [2]time.Time
	for i, name := range []string{"createdAfter", "createdBefore"} {
		v := q.Get(name)
		if v == "" {
			c.invalidParam(name, name+" is required")
			return
		}
		t, err := time.Parse(auditQueryLayout, v)
		if err != nil {
			c.invalidParam(name, name+" must be UTC with milliseconds and a trailing Z, like 2023-03-30T17:26:50.000Z")
			return
		}
		bounds[i] = t
	}
	after, before := bounds[0], bounds[1]
	if after.Before(c.opts.Now().Add(-auditRetention)) {
		c.invalidParam("createdAfter", "createdAfter must be within the last 90 days")
		return
	}
	if !after.Before(before) {
		c.invalidParam("createdAfter", "createdAfter must be before createdBefore")
		return
	}
	limit, ok := c.limit()
	if !ok {
		return
	}
	desc := false
	switch q.Get("sorting") {
	case "", "ASC":
	case "DESC":
		desc = true
	default:
		c.invalidParam("sorting", "sorting must be ASC or DESC")
		return
	}
	cursor := q.Get("cursor")
	keep := func(e *AuditEvent) bool { return e.At.After(after) && e.At.Before(before) }
	id := func(e *AuditEvent) string { return e.ID }

	s.mu.RLock()
	orgName := s.org.Name
	s.mu.RUnlock()
	s.audit.mu.Lock()
	var page []*AuditEvent
	next := ""
	if desc {
		i := len(s.audit.events)
		if cursor != "" {
			i = sort.Search(len(s.audit.events), func(j int) bool { return s.audit.events[j].ID >= cursor })
		}
		for i--; i >= 0; i-- {
			if e := &s.audit.events[i]; keep(e) {
				if len(page) == limit {
					next = page[len(page)-1].ID
					break
				}
				page = append(page, e)
			}
		}
	} else {
		page, next = pageAfter(s.audit.events, id, keep, cursor, limit, c.mal)
	}
	data := make([]any, len(page))
	for i, e := range page {
		data[i] = s.auditJSON(e, orgName)
	}
	s.audit.mu.Unlock()
	cursorPage(c, limit, next, func(k string) string { return k }, data)()
}
