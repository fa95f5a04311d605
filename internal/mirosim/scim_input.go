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
	"unicode/utf8"
)

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

type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
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
			if e := s.applyOp(m, patchOp{Op: op.Op, Path: k, Value: obj[k]}); e != nil {
				return e
			}
		}
		return nil
	}
	// A complex attribute as the path ("name", the enterprise extension): each sub-attribute given is set,
	// the others are left as they are (RFC 7644 §3.5.2).
	if prefix := complexPrefix(path); prefix != "" && kind != "remove" {
		var sub map[string]json.RawMessage
		if json.Unmarshal(op.Value, &sub) != nil {
			return &scimErr{http.StatusBadRequest, "invalidSyntax", path + " must be an object"}
		}
		for _, k := range slices.Sorted(maps.Keys(sub)) {
			if e := s.applyOp(m, patchOp{Op: op.Op, Path: prefix + k, Value: sub[k]}); e != nil {
				return e
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

// complexPrefix is the path prefix of the sub-attributes of the complex attribute path names, else "".
func complexPrefix(path string) string {
	switch {
	case strings.EqualFold(path, scimEntSchema):
		return scimEntSchema + ":"
	case strings.EqualFold(path, "name"):
		return "name."
	}
	return ""
}

// Miro's documented maximum lengths of profile attributes, in characters.
var profileLimits = []struct {
	attr string
	max  int
	get  func(*Member) string
}{
	{"displayName", 60, func(m *Member) string { return m.DisplayName }},
	{"department", 120, func(m *Member) string { return m.Department }},
	{"employeeNumber", 20, func(m *Member) string { return m.EmployeeNumber }},
}

// checkProfile refuses a profile attribute set past its maximum length; values that did not change (old nil
// on create) are not checked, so a long value already stored does not block other changes.
func checkProfile(old, m *Member) *scimErr {
	for _, l := range profileLimits {
		v := l.get(m)
		if (old == nil || l.get(old) != v) && utf8.RuneCountInString(v) > l.max {
			return badValue(l.attr + " must be at most " + strconv.Itoa(l.max) + " characters")
		}
	}
	return nil
}
