package mirosim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ---- writing answers ----

func (c *call) send(status int, ctype string, body []byte) {
	if body != nil {
		c.w.Header().Set("Content-Type", ctype)
		c.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep "Data & Analytics" readable; still valid JSON
	_ = enc.Encode(v)
	return b.Bytes()
}

const (
	notJSON  = `{"type":"cursor-list","data":[{"id":"1",}` + "\x00"
	htmlPage = `<!DOCTYPE html><html><head><title>Miro</title></head><body><h1>Something went wrong</h1></body></html>`
)

// ok writes a successful answer (v nil = no body), broken as the route's Malformation asks.
func (c *call) ok(status int, v any) {
	ctype := "application/json"
	if c.scim {
		ctype = "application/scim+json"
	}
	var body []byte
	if v != nil {
		body = marshal(v)
	}
	switch c.mal {
	case MalformedJSON:
		c.send(http.StatusOK, ctype, []byte(notJSON))
	case MalformedHTML:
		c.send(http.StatusOK, "text/html; charset=utf-8", []byte(htmlPage))
	case MalformedContentType:
		c.send(status, "text/plain; charset=utf-8", body)
	default:
		c.send(status, ctype, body)
	}
}

type restErr struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Context any    `json:"context,omitempty"`
	Type    string `json:"type"`
}

func (c *call) restError(status int, code, msg string) {
	c.send(status, "application/json", marshal(restErr{Status: status, Code: code, Message: msg, Type: "error"}))
}

type fieldErr struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (c *call) invalidParam(field, msg string) {
	c.send(http.StatusBadRequest, "application/json", marshal(restErr{Status: 400, Code: "invalidParameters",
		Message: msg, Type: "error", Context: map[string][]fieldErr{"fields": {{Field: field, Message: msg}}}}))
}

func (c *call) decode(v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(c.w, c.r.Body, 1<<20)).Decode(v); err != nil {
		c.restError(http.StatusBadRequest, "invalidParameters", "Request body is not valid JSON: "+err.Error())
		return false
	}
	return true
}

// ---- JSON shapes (field names from Miro's OpenAPI spec) ----

const millisZ = "2006-01-02T15:04:05.000Z07:00"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(millisZ)
}

// huge makes a 1 MiB string ending in suffix, for MalformedHugeStrings.
func huge(suffix string) string { return strings.Repeat("x", 1<<20) + suffix }

type memberOut struct {
	ID                string      `json:"id"`
	Email             string      `json:"email"`
	Active            bool        `json:"active"`
	Role              string      `json:"role"`
	License           string      `json:"license"`
	LastActivityAt    string      `json:"lastActivityAt,omitempty"`
	LicenseAssignedAt string      `json:"licenseAssignedAt,omitempty"`
	AdminRoles        []AdminRole `json:"adminRoles"`
	Type              string      `json:"type"`
}

func memberJSON(m *Member, big bool) memberOut {
	o := memberOut{ID: m.ID, Email: m.Email, Active: m.Active, Role: m.Role, License: m.License,
		LastActivityAt: fmtTime(m.LastActivityAt), LicenseAssignedAt: fmtTime(m.LicenseAssignedAt),
		AdminRoles: slices.Clone(m.AdminRoles), Type: "organization-member"}
	if o.AdminRoles == nil {
		o.AdminRoles = []AdminRole{}
	}
	if big {
		o.Email = huge("@huge.example.com")
	}
	return o
}

type teamOut struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

func teamJSON(t *Team, big bool) teamOut {
	o := teamOut{ID: t.ID, Name: t.Name, Type: "team"}
	if big {
		o.Name = huge("")
	}
	return o
}

type teamMemberOut struct {
	ID         string `json:"id"`
	Role       string `json:"role"`
	TeamID     string `json:"teamId"`
	CreatedAt  string `json:"createdAt,omitempty"`
	CreatedBy  string `json:"createdBy,omitempty"`
	ModifiedAt string `json:"modifiedAt,omitempty"`
	ModifiedBy string `json:"modifiedBy,omitempty"`
	Type       string `json:"type"`
}

// teamMemberJSON: the model keeps no audit trail, so the token's user is the inviter and last modifier.
func teamMemberJSON(teamID string, m *TeamMember, by string) teamMemberOut {
	at := fmtTime(m.CreatedAt)
	return teamMemberOut{ID: m.UserID, Role: m.Role, TeamID: teamID, CreatedAt: at, CreatedBy: by,
		ModifiedAt: at, ModifiedBy: by, Type: "team-member"}
}

type cursorList struct {
	Limit  int    `json:"limit"`
	Size   int    `json:"size"`
	Cursor string `json:"cursor,omitempty"`
	Type   string `json:"type"`
	Data   any    `json:"data"`
}

// ---- paging ----

// pageAfter returns up to limit items of items (sorted by key) with a key greater than after that pass keep,
// and the key to continue from when more remain. It applies the malformations that change a page's items.
func pageAfter[T any](items []T, key func(*T) string, keep func(*T) bool, after string, limit int,
	mal Malformation) (out []*T, next string) {
	i := sort.Search(len(items), func(j int) bool { return key(&items[j]) > after })
	want := limit
	if mal == MalformedOverLimit {
		want++
	}
	if mal == MalformedDuplicates && after != "" && i > 0 && key(&items[i-1]) == after && keep(&items[i-1]) {
		out = append(out, &items[i-1])
		if limit > 1 {
			want-- // the repeat takes a slot, so the page still looks well-sized
		}
	}
	n := 0
	for ; i < len(items); i++ {
		if !keep(&items[i]) {
			continue
		}
		if n == want {
			return out, key(out[len(out)-1])
		}
		out = append(out, &items[i])
		n++
	}
	return out, ""
}

// cursorFor turns the next key into the response cursor and applies the cursor malformations; it reports
// whether the page's data must be emptied.
func (c *call) cursorFor(next string, enc func(string) string) (string, bool) {
	raw := c.r.URL.Query().Get("cursor")
	cursor := ""
	if next != "" {
		cursor = enc(next)
	}
	switch c.mal {
	case MalformedCursorLoop:
		if raw != "" {
			cursor = raw
		}
	case MalformedEmptyDataCursor:
		if cursor == "" {
			cursor = raw
		}
		if cursor == "" {
			cursor = enc("0")
		}
		return cursor, true
	}
	return cursor, false
}

// writeCursorPage answers one page of a cursor list; enc turns the last key of
// the page into the next cursor. The malformations of cursorFor apply.
func writeCursorPage[T any](c *call, limit int, next string, enc func(string) string, data []T) {
	cur, empty := c.cursorFor(next, enc)
	if empty {
		data = []T{}
	}
	c.ok(http.StatusOK, cursorList{Limit: limit, Size: len(data), Cursor: cur, Type: "cursor-list", Data: data})
}

// Opaque cursors: base64 of a prefix and the last key. The prefix binds a cursor to its list, so a
// member id or another team's cursor is rejected instead of silently paging the wrong thing.
func encCursor(prefix, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + key))
}

func decCursor(prefix, cur string) (string, bool) {
	if cur == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return "", false
	}
	return string(b[len(prefix):]), true
}

// limit parses Miro's limit parameter: 1..100, default 100.
// pageArgs validates a cursor list's limit and cursor, answering 400 itself
// when either is bad; prefix ties the opaque cursor to one list.
func (c *call) pageArgs(prefix string) (limit int, after string, ok bool) {
	if limit, ok = c.limit(); !ok {
		return 0, "", false
	}
	if after, ok = decCursor(prefix, c.r.URL.Query().Get("cursor")); !ok {
		c.invalidParam("cursor", "cursor is not valid")
		return 0, "", false
	}
	return limit, after, true
}

func (c *call) limit() (int, bool) {
	v := c.r.URL.Query().Get("limit")
	if v == "" {
		return 100, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		c.invalidParam("limit", "limit must be an integer between 1 and 100")
		return 0, false
	}
	return n, true
}

// ---- lookups (callers hold s.mu) ----

// search finds key in items sorted by key: its index and whether it is there
// (else where it would be inserted).
func search[T any](items []T, key string, keyOf func(*T) string) (int, bool) {
	i := sort.Search(len(items), func(j int) bool { return keyOf(&items[j]) >= key })
	return i, i < len(items) && keyOf(&items[i]) == key
}

// byID returns the item whose key is id, or nil.
func byID[T any](items []T, id string, keyOf func(*T) string) *T {
	if i, ok := search(items, id, keyOf); ok {
		return &items[i]
	}
	return nil
}

func memberID(m *Member) string       { return m.ID }
func teamID(t *Team) string           { return t.ID }
func teamUserID(m *TeamMember) string { return m.UserID }

func (s *Server) memberIndex(id string) int {
	if i, ok := search(s.org.Members, id, memberID); ok {
		return i
	}
	return -1
}

func (s *Server) team(id string) *Team { return byID(s.org.Teams, id, teamID) }

// teamMemberLocked finds the membership named by the path. The caller holds
// s.mu for writing; when it answers 404 itself it releases the lock.
func (s *Server) teamMemberLocked(c *call) (*Team, int, bool) {
	t := s.team(c.r.PathValue("team"))
	if t == nil {
		s.mu.Unlock()
		c.teamNotFound()
		return nil, 0, false
	}
	j := teamMemberIndex(t, c.r.PathValue("id"))
	if j < 0 {
		s.mu.Unlock()
		c.teamMemberNotFound()
		return nil, 0, false
	}
	return t, j, true
}

func teamMemberIndex(t *Team, uid string) int {
	if i, ok := search(t.Members, uid, teamUserID); ok {
		return i
	}
	return -1
}

// tokenUser is the token's owner: the first active Company Admin.
func (s *Server) tokenUser() *Member {
	for i := range s.org.Members {
		if m := &s.org.Members[i]; m.Role == roleAdmin && m.Active {
			return m
		}
	}
	if len(s.org.Members) > 0 {
		return &s.org.Members[0]
	}
	return &Member{ID: "3458764500000000000", DisplayName: "Sim Admin", Email: "admin@example.com"}
}

// ---- REST handlers ----

type named struct {
	Type string `json:"type"`
	Name string `json:"name"`
	ID   string `json:"id"`
}

func (s *Server) getToken(c *call) {
	s.mu.RLock()
	u := s.tokenUser()
	user := named{Type: "user", Name: u.DisplayName, ID: u.ID}
	team := named{Type: "team", Name: s.org.Name + " team", ID: s.org.ID}
	if len(s.org.Teams) > 0 {
		team = named{Type: "team", Name: s.org.Teams[0].Name, ID: s.org.Teams[0].ID}
	}
	orgName := s.org.Name
	s.mu.RUnlock()
	if c.mal == MalformedHugeStrings {
		orgName = huge("")
	}
	c.ok(http.StatusOK, map[string]any{
		"type":         "oAuthToken",
		"organization": named{Type: "organization", Name: orgName, ID: s.orgID},
		"team":         team,
		"createdBy":    user,
		"user":         user,
		"scopes":       c.opts.Scopes,
		// Not in the spec, but seen in captured responses: clients must ignore unknown fields.
		"application": named{Type: "application", Name: "Baton Miro Simulator", ID: "3458764599999999999"},
	})
}

func (s *Server) getOrg(c *call) {
	s.mu.RLock()
	o := map[string]any{"id": s.org.ID, "name": s.org.Name, "plan": s.org.Plan,
		"fullLicensesPurchased": s.org.FullLicensesPurchased, "type": "organization"}
	s.mu.RUnlock()
	if c.mal == MalformedHugeStrings {
		o["name"] = huge("")
	}
	c.ok(http.StatusOK, o)
}

func (s *Server) listMembers(c *call) {
	q := c.r.URL.Query()
	if raw := strings.TrimSpace(q.Get("emails")); raw != "" {
		s.membersByEmail(c, raw)
		return
	}
	limit, ok := c.limit()
	if !ok {
		return
	}
	role, license, active := q.Get("role"), q.Get("license"), q.Get("active")
	if role != "" && !slices.Contains(orgRoles, role) {
		c.invalidParam("role", "role must be one of "+strings.Join(orgRoles, ", "))
		return
	}
	if license != "" && !slices.Contains(licenses, license) {
		c.invalidParam("license", "license must be one of "+strings.Join(licenses, ", "))
		return
	}
	var wantActive bool
	if active != "" {
		b, err := strconv.ParseBool(active)
		if err != nil {
			c.invalidParam("active", "active must be true or false")
			return
		}
		wantActive = b
	}
	// The org-members cursor is the last member id (documented): any value pages from after it, even an id
	// deleted since, as a key-ordered store would.
	cursor := q.Get("cursor")
	keep := func(m *Member) bool {
		return (role == "" || m.Role == role) && (license == "" || m.License == license) &&
			(active == "" || m.Active == wantActive)
	}
	s.mu.RLock()
	page, next := pageAfter(s.org.Members, func(m *Member) string { return m.ID }, keep, cursor, limit, c.mal)
	data := make([]memberOut, len(page))
	for i, m := range page {
		data[i] = memberJSON(m, i == 0 && c.mal == MalformedHugeStrings)
	}
	s.mu.RUnlock()
	writeCursorPage(c, limit, next, func(k string) string { return k }, data)
}

// membersByEmail answers ?emails=: a bare JSON array, every other parameter ignored.
func (s *Server) membersByEmail(c *call, raw string) {
	var emails []string
	for _, e := range strings.Split(raw, ",") {
		if e = strings.TrimSpace(e); e != "" {
			emails = append(emails, e)
		}
	}
	if len(emails) > 10 {
		c.invalidParam("emails", "emails accepts at most 10 addresses")
		return
	}
	data := []memberOut{}
	seen := map[string]bool{}
	s.mu.RLock()
	for _, e := range emails {
		id, ok := s.emails[strings.ToLower(e)]
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		if i := s.memberIndex(id); i >= 0 {
			data = append(data, memberJSON(&s.org.Members[i], len(data) == 0 && c.mal == MalformedHugeStrings))
		}
	}
	s.mu.RUnlock()
	c.ok(http.StatusOK, data)
}

func (s *Server) getMember(c *call) {
	s.mu.RLock()
	i := s.memberIndex(c.r.PathValue("id"))
	var out memberOut
	if i >= 0 {
		out = memberJSON(&s.org.Members[i], c.mal == MalformedHugeStrings)
	}
	s.mu.RUnlock()
	if i < 0 {
		c.restError(http.StatusNotFound, "notFound", "Organization member "+c.r.PathValue("id")+" not found")
		return
	}
	c.ok(http.StatusOK, out)
}

func (s *Server) listTeams(c *call) {
	limit, after, ok := c.pageArgs("teams:")
	if !ok {
		return
	}
	name := strings.ToLower(c.r.URL.Query().Get("name"))
	keep := func(t *Team) bool { return name == "" || strings.Contains(strings.ToLower(t.Name), name) }
	s.mu.RLock()
	page, next := pageAfter(s.org.Teams, func(t *Team) string { return t.ID }, keep, after, limit, c.mal)
	data := make([]teamOut, len(page))
	for i, t := range page {
		data[i] = teamJSON(t, i == 0 && c.mal == MalformedHugeStrings)
	}
	s.mu.RUnlock()
	writeCursorPage(c, limit, next, func(k string) string { return encCursor("teams:", k) }, data)
}

func (c *call) teamNotFound() {
	c.restError(http.StatusNotFound, "notFound", "Team "+c.r.PathValue("team")+" not found")
}

func (s *Server) getTeam(c *call) {
	s.mu.RLock()
	t := s.team(c.r.PathValue("team"))
	var out teamOut
	if t != nil {
		out = teamJSON(t, c.mal == MalformedHugeStrings)
	}
	s.mu.RUnlock()
	if t == nil {
		c.teamNotFound()
		return
	}
	c.ok(http.StatusOK, out)
}

func (s *Server) listTeamMembers(c *call) {
	teamID := c.r.PathValue("team")
	prefix := "tm:" + teamID + ":"
	limit, after, ok := c.pageArgs(prefix)
	if !ok {
		return
	}
	role := c.r.URL.Query().Get("role")
	if role != "" && !slices.Contains(teamRoles, role) {
		c.invalidParam("role", "role must be one of "+strings.Join(teamRoles, ", "))
		return
	}
	s.mu.RLock()
	t := s.team(teamID)
	if t == nil {
		s.mu.RUnlock()
		c.teamNotFound()
		return
	}
	by := s.tokenUser().ID
	keep := func(m *TeamMember) bool { return role == "" || m.Role == role }
	page, next := pageAfter(t.Members, func(m *TeamMember) string { return m.UserID }, keep, after, limit, c.mal)
	data := make([]teamMemberOut, len(page))
	for i, m := range page {
		data[i] = teamMemberJSON(teamID, m, by)
	}
	s.mu.RUnlock()
	writeCursorPage(c, limit, next, func(k string) string { return encCursor(prefix, k) }, data)
}

func (c *call) teamMemberNotFound() {
	c.restError(http.StatusNotFound, "notFound",
		"User "+c.r.PathValue("id")+" is not a member of team "+c.r.PathValue("team"))
}

func (s *Server) getTeamMember(c *call) {
	s.mu.RLock()
	t := s.team(c.r.PathValue("team"))
	j := -1
	var out teamMemberOut
	if t != nil {
		if j = teamMemberIndex(t, c.r.PathValue("id")); j >= 0 {
			out = teamMemberJSON(t.ID, &t.Members[j], s.tokenUser().ID)
		}
	}
	s.mu.RUnlock()
	switch {
	case t == nil:
		c.teamNotFound()
	case j < 0:
		c.teamMemberNotFound()
	default:
		c.ok(http.StatusOK, out)
	}
}

// writableTeamRole: the Feb-2026 spec accepts only member and admin in invite and update bodies.
func writableTeamRole(r string) bool { return r == "member" || r == "admin" }

func (s *Server) inviteTeamMember(c *call) {
	var in struct{ Email, Role string }
	if !c.decode(&in) {
		return
	}
	if in.Role == "" {
		in.Role = "member"
	}
	if strings.TrimSpace(in.Email) == "" {
		c.invalidParam("email", "email is required")
		return
	}
	if !writableTeamRole(in.Role) {
		c.invalidParam("role", "role must be member or admin")
		return
	}
	now := c.opts.Now()
	s.mu.Lock()
	t := s.team(c.r.PathValue("team"))
	if t == nil {
		s.mu.Unlock()
		c.teamNotFound()
		return
	}
	uid, ok := s.emails[strings.ToLower(strings.TrimSpace(in.Email))]
	if !ok {
		s.mu.Unlock()
		c.restError(http.StatusNotFound, "notFound", "No organization member with email "+in.Email)
		return
	}
	i, found := search(t.Members, uid, teamUserID)
	if found {
		s.mu.Unlock()
		c.restError(http.StatusConflict, "conflict", "User is already a member of the team")
		return
	}
	tm := TeamMember{UserID: uid, Role: in.Role, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	t.Members = slices.Insert(t.Members, i, tm)
	s.auditTeam(t, uid, "", in.Role)
	out := teamMemberJSON(t.ID, &tm, s.tokenUser().ID)
	s.mu.Unlock()
	c.ok(http.StatusCreated, out)
}

// lastAdmin reports whether member j is the only admin of t: a team must keep one.
func lastAdmin(t *Team, j int) bool {
	if t.Members[j].Role != "admin" {
		return false
	}
	for k := range t.Members {
		if k != j && t.Members[k].Role == "admin" {
			return false
		}
	}
	return true
}

func (s *Server) updateTeamMember(c *call) {
	var in struct{ Role string }
	if !c.decode(&in) {
		return
	}
	if !writableTeamRole(in.Role) {
		c.invalidParam("role", "role must be member or admin")
		return
	}
	now := c.opts.Now()
	s.mu.Lock()
	t, j, ok := s.teamMemberLocked(c)
	if !ok {
		return
	}
	if in.Role != "admin" && lastAdmin(t, j) {
		s.mu.Unlock()
		c.restError(http.StatusConflict, "conflict", "Cannot demote the last admin of the team")
		return
	}
	s.auditTeam(t, t.Members[j].UserID, t.Members[j].Role, in.Role)
	t.Members[j].Role = in.Role
	out := teamMemberJSON(t.ID, &t.Members[j], s.tokenUser().ID)
	s.mu.Unlock()
	out.ModifiedAt = fmtTime(now.Truncate(time.Millisecond))
	c.ok(http.StatusOK, out)
}

func (s *Server) deleteTeamMember(c *call) {
	s.mu.Lock()
	t, j, ok := s.teamMemberLocked(c)
	if !ok {
		return
	}
	if lastAdmin(t, j) {
		s.mu.Unlock()
		c.restError(http.StatusConflict, "conflict", "Cannot remove the last admin of the team")
		return
	}
	s.auditTeam(t, t.Members[j].UserID, t.Members[j].Role, "")
	t.Members = slices.Delete(t.Members, j, j+1)
	s.mu.Unlock()
	c.ok(http.StatusNoContent, nil)
}
