package mirosim

import (
	"encoding/json"
	"errors"
	"maps"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	scimUserSchema  = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimEntSchema   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	scimListSchema  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimMaxBody     = 800000 // bytes; larger payloads get 413 per Miro's docs
)

// scimErr is a SCIM error ready to send; status is written as a string, as RFC 7644 and Miro do.
type scimErr struct {
	status           int
	scimType, detail string
}

func (c *call) scimError(status int, scimType, detail string) {
	body := map[string]any{"schemas": []string{scimErrorSchema}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	c.send(status, "application/scim+json", marshal(body))
}

func (c *call) scimFail(e *scimErr) { c.scimError(e.status, e.scimType, e.detail) }

func badValue(detail string) *scimErr { return &scimErr{http.StatusBadRequest, "invalidValue", detail} }

// ---- mapping between the org model and SCIM ----

var licenseLabels = map[string]string{"full": "Full", "free": "Free", "free_restricted": "Free Restricted",
	"full_trial": "Full (Trial)", "basic": "Basic", "standard": "Standard", "advanced": "Advanced",
	"occasional": "Occasional"}

// licenseLabel is SCIM's userType for a license; values Miro may add later get a title-cased label.
func licenseLabel(l string) string {
	if v, ok := licenseLabels[l]; ok {
		return v
	}
	words := strings.Split(l, "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

func licenseFromLabel(label string) (string, bool) {
	for k, v := range licenseLabels {
		if strings.EqualFold(v, label) {
			return k, true
		}
	}
	return "", false
}

// scimVisible: SCIM never shows guests or external users (Miro's docs).
func scimVisible(m *Member) bool { return m.Role != roleExternal && m.Role != roleGuest }

func primaryRoleValue(role string) string {
	switch role {
	case roleAdmin:
		return "ORGANIZATION_INTERNAL_ADMIN"
	case roleUser:
		return "ORGANIZATION_INTERNAL_USER"
	}
	return strings.ToUpper(role) // e.g. UNKNOWN: tolerant clients keep it
}

func roleFromPrimaryValue(v string) (string, bool) {
	switch strings.ToUpper(v) {
	case "ORGANIZATION_INTERNAL_ADMIN":
		return roleAdmin, true
	case "ORGANIZATION_INTERNAL_USER":
		return roleUser, true
	}
	return "", false
}

type scimRef struct {
	Value   string `json:"value"`
	Display string `json:"display"`
}

type scimRole struct {
	Type    string `json:"type"`
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Primary bool   `json:"primary"`
}

type scimEmail struct {
	Value   string `json:"value"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

type scimName struct {
	Formatted  string `json:"formatted,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
}

type scimManager struct {
	Value       string `json:"value,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

type scimEnterprise struct {
	EmployeeNumber string       `json:"employeeNumber,omitempty"`
	CostCenter     string       `json:"costCenter,omitempty"`
	Department     string       `json:"department,omitempty"`
	Manager        *scimManager `json:"manager,omitempty"`
}

type scimUser struct {
	Schemas           []string          `json:"schemas"`
	ID                string            `json:"id"`
	Meta              map[string]string `json:"meta"`
	UserName          string            `json:"userName"`
	Name              scimName          `json:"name"`
	DisplayName       string            `json:"displayName,omitempty"`
	UserType          string            `json:"userType"`
	Active            bool              `json:"active"`
	Emails            []scimEmail       `json:"emails"`
	Groups            []scimRef         `json:"groups"`
	Roles             []scimRole        `json:"roles"`
	PreferredLanguage string            `json:"preferredLanguage"`
	Enterprise        scimEnterprise    `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

// scimUserJSON renders m; the caller holds s.mu.
func (s *Server) scimUserJSON(c *call, m *Member, groups []scimRef, big bool) scimUser {
	scheme := "http://"
	if c.r.TLS != nil {
		scheme = "https://"
	}
	u := scimUser{
		Schemas:  []string{scimUserSchema, scimEntSchema},
		ID:       m.ID,
		Meta:     map[string]string{"resourceType": "User", "location": scheme + c.r.Host + "/api/v1/scim/Users/" + m.ID},
		UserName: m.Email,
		Name: scimName{Formatted: strings.TrimSpace(m.GivenName + " " + m.FamilyName), GivenName: m.GivenName,
			FamilyName: m.FamilyName},
		DisplayName:       m.DisplayName,
		UserType:          licenseLabel(m.License),
		Active:            m.Active,
		Emails:            []scimEmail{{Value: m.Email, Type: "work", Primary: true}},
		Groups:            groups,
		Roles:             []scimRole{{Type: "organization_user_role", Value: primaryRoleValue(m.Role), Primary: true}},
		PreferredLanguage: "en_US",
		Enterprise:        scimEnterprise{EmployeeNumber: m.EmployeeNumber, CostCenter: m.CostCenter, Department: m.Department},
	}
	if u.Groups == nil {
		u.Groups = []scimRef{}
	}
	for _, r := range m.AdminRoles {
		u.Roles = append(u.Roles, scimRole{Type: "organization_admin_role", Value: r.Name, Display: r.Name})
	}
	if m.ManagerID != "" {
		mg := &scimManager{Value: m.ManagerID}
		if i := s.memberIndex(m.ManagerID); i >= 0 {
			mg.DisplayName = s.org.Members[i].DisplayName
		}
		u.Enterprise.Manager = mg
	}
	if big {
		u.UserName = huge("@huge.example.com")
		u.DisplayName = huge("")
	}
	return u
}

// groupsOf maps user id -> teams (SCIM groups) for the users in ids, or for everyone when ids is nil.
func (s *Server) groupsOf(ids map[string]bool) map[string][]scimRef {
	out := map[string][]scimRef{}
	for i := range s.org.Teams {
		t := &s.org.Teams[i]
		for _, tm := range t.Members {
			if ids == nil || ids[tm.UserID] {
				out[tm.UserID] = append(out[tm.UserID], scimRef{Value: t.ID, Display: t.Name})
			}
		}
	}
	return out
}

// findVisible returns the index of a SCIM-visible member, else sends 404. The caller holds s.mu.
func (s *Server) findVisible(c *call) int {
	i := s.memberIndex(c.r.PathValue("id"))
	if i < 0 || !scimVisible(&s.org.Members[i]) {
		c.scimError(http.StatusNotFound, "", "User "+c.r.PathValue("id")+" not found")
		return -1
	}
	return i
}

// ---- handlers ----

func (s *Server) scimList(c *call) {
	q := c.r.URL.Query()
	start, count := 1, 100
	for name, dst := range map[string]*int{"startIndex": &start, "count": &count} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				c.scimError(http.StatusBadRequest, "invalidValue", name+" must be an integer")
				return
			}
			*dst = n
		}
	}
	start = max(start, 1)            // RFC 7644: below 1 means 1
	count = min(max(count, 0), 1000) // Miro's maximum; larger values clamp
	var f *fnode
	if v := q.Get("filter"); v != "" {
		var err error
		if f, err = parseFilter(v); err != nil {
			c.scimError(http.StatusBadRequest, "invalidFilter", err.Error())
			return
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all map[string][]scimRef
	if f.uses("groups") {
		all = s.groupsOf(nil)
	}
	var matched []*Member
	for i := range s.org.Members {
		m := &s.org.Members[i]
		if scimVisible(m) && (f == nil || f.eval(func(a string) []string { return s.attrValues(m, a, all) })) {
			matched = append(matched, m)
		}
	}
	from, n := start-1, count
	if c.mal == MalformedDuplicates && from > 0 {
		from-- // repeat the previous page's last user
	}
	if c.mal == MalformedOverLimit {
		n++
	}
	page := matched[min(from, len(matched)):min(from+n, len(matched))]
	if c.mal == MalformedEmptyDataCursor {
		page = nil
	}
	groups := all
	if groups == nil {
		ids := make(map[string]bool, len(page))
		for _, m := range page {
			ids[m.ID] = true
		}
		groups = s.groupsOf(ids)
	}
	res := make([]scimUser, len(page))
	for i, m := range page {
		res[i] = s.scimUserJSON(c, m, groups[m.ID], i == 0 && c.mal == MalformedHugeStrings)
	}
	c.ok(http.StatusOK, map[string]any{"schemas": []string{scimListSchema}, "totalResults": len(matched),
		"startIndex": start, "itemsPerPage": len(res), "Resources": res})
}

func (s *Server) scimGet(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := s.findVisible(c)
	if i < 0 {
		return
	}
	m := &s.org.Members[i]
	c.ok(http.StatusOK, s.scimUserJSON(c, m, s.groupsOf(map[string]bool{m.ID: true})[m.ID], c.mal == MalformedHugeStrings))
}

type scimUserIn struct {
	UserName    *string `json:"userName"`
	Name        *struct{ Formatted, FamilyName, GivenName string }
	DisplayName string          `json:"displayName"`
	UserType    *string         `json:"userType"`
	Active      json.RawMessage `json:"active"`
	Roles       json.RawMessage `json:"roles"`
	Enterprise  *struct {
		EmployeeNumber, CostCenter, Department string
		Manager                                *scimManager
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

// readSCIM decodes a SCIM request body, answering 415/413/400 itself when it cannot.
func (c *call) readSCIM(v any) bool {
	if ct := c.r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/scim+json" && mt != "application/json" {
			c.scimError(http.StatusUnsupportedMediaType, "", "Content-Type must be application/scim+json")
			return false
		}
	}
	err := json.NewDecoder(http.MaxBytesReader(c.w, c.r.Body, scimMaxBody)).Decode(v)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		c.scimError(http.StatusRequestEntityTooLarge, "", "Payload larger than 800000 bytes")
		return false
	case err != nil:
		c.scimError(http.StatusBadRequest, "invalidSyntax", "Request body is not valid JSON: "+err.Error())
		return false
	}
	return true
}

// boolish accepts JSON true/false and the strings "true"/"false" (Miro's docs show both).
func boolish(raw json.RawMessage) (bool, bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if v, err := strconv.ParseBool(s); err == nil {
			return v, true
		}
	}
	return false, false
}

func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// knownAdminRole: prebuilt roles plus custom roles the org has defined (held by someone, or generated).
func (s *Server) knownAdminRole(name string) bool {
	if slices.Contains(prebuiltAdminRoles, name) || slices.Contains(customAdminRoles, name) {
		return true
	}
	for i := range s.org.Members {
		for _, r := range s.org.Members[i].AdminRoles {
			if r.Name == name {
				return true
			}
		}
	}
	return false
}

func adminRole(name string) AdminRole {
	if slices.Contains(prebuiltAdminRoles, name) {
		return AdminRole{Type: "prebuilt", Name: name}
	}
	return AdminRole{Type: "custom", Name: name}
}

type roleIn struct {
	Type, Value string
	Primary     json.RawMessage
}

// applyRoles applies SCIM roles (an array, or one object) to m: the organization_user_role entry sets the
// org role, organization_admin_role entries are added (replace=false) or become the whole set (replace=true).
func (s *Server) applyRoles(m *Member, raw json.RawMessage, replace bool) *scimErr {
	var roles []roleIn
	if err := json.Unmarshal(raw, &roles); err != nil {
		var one roleIn
		if json.Unmarshal(raw, &one) != nil {
			return badValue("roles must be an array of role objects")
		}
		roles = []roleIn{one}
	}
	var admin []AdminRole
	if !replace {
		admin = slices.Clone(m.AdminRoles)
	}
	for _, r := range roles {
		primary, _ := boolish(r.Primary)
		switch {
		case r.Type == "organization_user_role" || (r.Type == "" && primary):
			role, ok := roleFromPrimaryValue(r.Value)
			if !ok {
				return badValue("organization_user_role must be ORGANIZATION_INTERNAL_ADMIN or ORGANIZATION_INTERNAL_USER")
			}
			m.Role = role
		case r.Type == "organization_admin_role":
			if !s.knownAdminRole(r.Value) {
				return badValue("admin role '" + r.Value + "' does not exist in the organization")
			}
			if !slices.ContainsFunc(admin, func(a AdminRole) bool { return a.Name == r.Value }) {
				admin = append(admin, adminRole(r.Value))
			}
		default:
			return badValue("unsupported role type '" + r.Type + "'")
		}
	}
	m.AdminRoles = admin
	return nil
}

// applyUser fills m from a POST/PUT body (PUT replaces what the body can carry).
func (s *Server) applyUser(m *Member, in *scimUserIn) *scimErr {
	if in.UserName == nil || !strings.Contains(*in.UserName, "@") {
		return badValue("userName is required and must be an email address")
	}
	m.Email = strings.TrimSpace(*in.UserName)
	m.GivenName, m.FamilyName = "", ""
	if in.Name != nil {
		m.GivenName, m.FamilyName = in.Name.GivenName, in.Name.FamilyName
	}
	// Miro's display-name rule: displayName, else name.formatted, else given+family, else userName.
	switch {
	case in.DisplayName != "":
		m.DisplayName = in.DisplayName
	case in.Name != nil && in.Name.Formatted != "":
		m.DisplayName = in.Name.Formatted
	case strings.TrimSpace(m.GivenName+" "+m.FamilyName) != "":
		m.DisplayName = strings.TrimSpace(m.GivenName + " " + m.FamilyName)
	default:
		m.DisplayName = m.Email
	}
	if in.UserType != nil && !strings.EqualFold(*in.UserType, licenseLabel(m.License)) {
		l, ok := licenseFromLabel(*in.UserType)
		if !ok {
			return badValue("userType '" + *in.UserType + "' is not a license of this organization")
		}
		m.License = l
	}
	if present(in.Active) {
		b, ok := boolish(in.Active)
		if !ok {
			return badValue("active must be a boolean")
		}
		m.Active = b
	}
	if present(in.Roles) {
		if e := s.applyRoles(m, in.Roles, true); e != nil {
			return e
		}
	}
	m.Department, m.EmployeeNumber, m.CostCenter, m.ManagerID = "", "", "", ""
	if e := in.Enterprise; e != nil {
		m.Department, m.EmployeeNumber, m.CostCenter = e.Department, e.EmployeeNumber, e.CostCenter
		if e.Manager != nil {
			m.ManagerID = numericOrEmpty(e.Manager.Value)
		}
	}
	return nil
}

// numericOrEmpty: Miro ignores a manager value that is not numeric.
func numericOrEmpty(v string) string {
	if _, err := strconv.ParseUint(v, 10, 64); err != nil {
		return ""
	}
	return v
}

func (s *Server) scimCreate(c *call) {
	var in scimUserIn
	if !c.readSCIM(&in) {
		return
	}
	now := c.opts.Now().UTC().Truncate(time.Millisecond)
	s.mu.Lock()
	m := Member{Role: roleUser, License: "free", Active: true, LicenseAssignedAt: now}
	if e := s.applyUser(&m, &in); e != nil {
		s.mu.Unlock()
		c.scimFail(e)
		return
	}
	if _, dup := s.emails[strings.ToLower(m.Email)]; dup {
		s.mu.Unlock()
		c.scimFail(badValue("userName '" + m.Email + "' is invalid: 'not unique'"))
		return
	}
	m.ID = strconv.FormatInt(s.nextID, 10)
	s.nextID++
	i, _ := search(s.org.Members, m.ID, memberID)
	s.org.Members = slices.Insert(s.org.Members, i, m)
	s.emails[strings.ToLower(m.Email)] = m.ID
	s.auditSCIM(nil, &s.org.Members[i])
	out := s.scimUserJSON(c, &s.org.Members[i], nil, c.mal == MalformedHugeStrings)
	s.mu.Unlock()
	c.w.Header().Set("Location", out.Meta["location"])
	c.ok(http.StatusCreated, out)
}

// commit checks the org-wide rules on a changed copy of member i and stores it. The caller holds s.mu.
func (s *Server) commit(i int, m *Member) *scimErr {
	old := &s.org.Members[i]
	if !old.Active && !m.Active {
		// Miro: a deactivated user's userName, userType and roles cannot change.
		if !strings.EqualFold(old.Email, m.Email) || old.License != m.License || old.Role != m.Role ||
			!slices.Equal(old.AdminRoles, m.AdminRoles) {
			return &scimErr{http.StatusConflict, "", "userName, userType and roles of a deactivated user cannot be changed"}
		}
	}
	if m.License != old.License && m.License != "full" {
		return badValue("userType can only be upgraded to Full through SCIM")
	}
	if id, ok := s.emails[strings.ToLower(m.Email)]; ok && id != m.ID {
		return badValue("userName '" + m.Email + "' is invalid: 'not unique'")
	}
	if !s.keepsAdmin(old, m) {
		return &scimErr{http.StatusConflict, "", "The organization must keep at least one active Company Admin"}
	}
	s.auditSCIM(old, m)
	delete(s.emails, strings.ToLower(old.Email))
	s.emails[strings.ToLower(m.Email)] = m.ID
	*old = *m
	return nil
}

// keepsAdmin reports whether the org still has an active internal admin once old becomes repl (nil = deleted).
func (s *Server) keepsAdmin(old, repl *Member) bool {
	if old.Role != roleAdmin || !old.Active || (repl != nil && repl.Role == roleAdmin && repl.Active) {
		return true
	}
	for i := range s.org.Members {
		if m := &s.org.Members[i]; m.ID != old.ID && m.Role == roleAdmin && m.Active {
			return true
		}
	}
	return false
}

func (s *Server) scimReplace(c *call) {
	var in scimUserIn
	if !c.readSCIM(&in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findVisible(c)
	if i < 0 {
		return
	}
	m := s.org.Members[i]
	m.AdminRoles = slices.Clone(m.AdminRoles)
	if e := s.applyUser(&m, &in); e != nil {
		c.scimFail(e)
		return
	}
	if e := s.commit(i, &m); e != nil {
		c.scimFail(e)
		return
	}
	c.ok(http.StatusOK, s.scimUserJSON(c, &s.org.Members[i], s.groupsOf(map[string]bool{m.ID: true})[m.ID],
		c.mal == MalformedHugeStrings))
}

type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

func (s *Server) scimPatch(c *call) {
	var in struct {
		Operations []patchOp `json:"Operations"`
	}
	if !c.readSCIM(&in) {
		return
	}
	if len(in.Operations) == 0 {
		c.scimError(http.StatusBadRequest, "invalidSyntax", "Operations must hold at least one operation")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findVisible(c)
	if i < 0 {
		return
	}
	// Operations apply to a copy: one failing operation leaves the user untouched.
	m := s.org.Members[i]
	m.AdminRoles = slices.Clone(m.AdminRoles)
	for _, op := range in.Operations {
		if e := s.applyOp(&m, op); e != nil {
			c.scimFail(e)
			return
		}
	}
	if e := s.commit(i, &m); e != nil {
		c.scimFail(e)
		return
	}
	c.ok(http.StatusOK, s.scimUserJSON(c, &s.org.Members[i], s.groupsOf(map[string]bool{m.ID: true})[m.ID],
		c.mal == MalformedHugeStrings))
}

var (
	rolesValueFilter = regexp.MustCompile(`(?i)^roles\[value eq "(.*)"\]$`)
	primaryRolePath  = regexp.MustCompile(`(?i)^roles\[primary eq "?true"?\]\.value$`)
)

func stringValue(raw json.RawMessage) (string, bool) {
	var v string
	return v, json.Unmarshal(raw, &v) == nil
}

// applyOp applies one PATCH operation, limited to what Miro documents. The caller holds s.mu.
func (s *Server) applyOp(m *Member, op patchOp) *scimErr {
	kind := strings.ToLower(op.Op)
	if kind != "add" && kind != "replace" && kind != "remove" {
		return &scimErr{http.StatusBadRequest, "invalidSyntax", "op must be add, replace or remove"}
	}
	path := strings.TrimSpace(op.Path)
	if path == "" { // {"op":"replace","value":{"active":false,...}}: one operation per attribute
		if kind == "remove" {
			return &scimErr{http.StatusBadRequest, "noTarget", "remove needs a path"}
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(op.Value, &obj) != nil {
			return &scimErr{http.StatusBadRequest, "invalidSyntax", "value must be an object when path is absent"}
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			sub, prefix := map[string]json.RawMessage(nil), ""
			switch {
			case strings.EqualFold(k, scimEntSchema):
				prefix = scimEntSchema + ":"
			case strings.EqualFold(k, "name"):
				prefix = "name."
			}
			if prefix == "" {
				if e := s.applyOp(m, patchOp{Op: op.Op, Path: k, Value: obj[k]}); e != nil {
					return e
				}
				continue
			}
			if json.Unmarshal(obj[k], &sub) != nil {
				return &scimErr{http.StatusBadRequest, "invalidSyntax", k + " must be an object"}
			}
			for k2, v2 := range sub {
				if e := s.applyOp(m, patchOp{Op: op.Op, Path: prefix + k2, Value: v2}); e != nil {
					return e
				}
			}
		}
		return nil
	}
	if g := rolesValueFilter.FindStringSubmatch(path); g != nil {
		if kind != "remove" {
			return &scimErr{http.StatusBadRequest, "invalidPath", "only remove is supported on " + path}
		}
		if _, isPrimary := roleFromPrimaryValue(g[1]); isPrimary {
			return badValue("the organization user role cannot be removed; replace it instead")
		}
		// Removing a role the user does not hold is a no-op, so revokes are idempotent.
		m.AdminRoles = slices.DeleteFunc(m.AdminRoles, func(a AdminRole) bool { return a.Name == g[1] })
		return nil
	}
	if primaryRolePath.MatchString(path) {
		v, ok := stringValue(op.Value)
		role, valid := roleFromPrimaryValue(v)
		if kind == "remove" || !ok || !valid {
			return badValue("the primary role must be ORGANIZATION_INTERNAL_ADMIN or ORGANIZATION_INTERNAL_USER")
		}
		m.Role = role
		return nil
	}
	lp := strings.ToLower(path)
	if strings.HasPrefix(lp, strings.ToLower(scimEntSchema)+":") {
		lp = "ent:" + lp[len(scimEntSchema)+1:]
	}
	var str string
	if kind != "remove" && lp != "active" && lp != "roles" && lp != "ent:manager" {
		var ok bool
		if str, ok = stringValue(op.Value); !ok {
			return badValue(path + " must be a string")
		}
	}
	switch lp {
	case "active":
		b, ok := boolish(op.Value)
		if kind == "remove" || !ok {
			return badValue("active must be true or false")
		}
		m.Active = b
	case "usertype":
		if kind == "remove" || !strings.EqualFold(str, "Full") {
			return badValue("userType can only be upgraded to Full through SCIM")
		}
		m.License = "full"
	case "roles":
		if kind == "remove" {
			m.AdminRoles = nil
			return nil
		}
		return s.applyRoles(m, op.Value, kind == "replace")
	case "username":
		if kind == "remove" || !strings.Contains(str, "@") {
			return badValue("userName must be an email address")
		}
		m.Email = str
	case "displayname":
		m.DisplayName = str
	case "name.givenname":
		m.GivenName = str
	case "name.familyname":
		m.FamilyName = str
	case "name.formatted", "ent:organization", "ent:division":
		// Accepted and not stored: the model has no such fields.
	case "ent:department":
		m.Department = str
	case "ent:employeenumber":
		m.EmployeeNumber = str
	case "ent:costcenter":
		m.CostCenter = str
	case "ent:manager.value":
		m.ManagerID = numericOrEmpty(str)
	case "ent:manager":
		var mg scimManager
		if kind != "remove" {
			if json.Unmarshal(op.Value, &mg) != nil {
				mg.Value, _ = stringValue(op.Value)
			}
		}
		m.ManagerID = numericOrEmpty(mg.Value)
	default:
		return &scimErr{http.StatusBadRequest, "invalidPath", "unsupported path " + path}
	}
	return nil
}

func (s *Server) scimDelete(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findVisible(c)
	if i < 0 {
		return
	}
	m := &s.org.Members[i]
	if !s.keepsAdmin(m, nil) {
		c.scimError(http.StatusConflict, "", "The last Company Admin of the organization cannot be deleted")
		return
	}
	for ti := range s.org.Teams {
		t := &s.org.Teams[ti]
		if j := teamMemberIndex(t, m.ID); j >= 0 && lastAdmin(t, j) {
			c.scimError(http.StatusConflict, "", "User is the last admin of team "+t.ID+" and cannot be deleted")
			return
		}
	}
	for ti := range s.org.Teams {
		t := &s.org.Teams[ti]
		if j := teamMemberIndex(t, m.ID); j >= 0 {
			t.Members = slices.Delete(t.Members, j, j+1)
		}
	}
	s.auditSCIM(m, nil)
	delete(s.emails, strings.ToLower(m.Email))
	s.org.Members = slices.Delete(s.org.Members, i, i+1)
	c.ok(http.StatusNoContent, nil)
}
