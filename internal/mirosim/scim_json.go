package mirosim

import (
	"net/http"
	"strings"
)

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
	u := scimUser{
		Schemas:  []string{scimUserSchema, scimEntSchema},
		ID:       m.ID,
		Meta:     map[string]string{"resourceType": "User", "location": c.absURL("/api/v1/scim/Users/" + m.ID)},
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

// scimUserReply answers 200 with member i as a SCIM user with its teams. The caller holds s.mu.
func (s *Server) scimUserReply(c *call, i int) answer {
	m := &s.org.Members[i]
	return c.reply(http.StatusOK, s.scimUserJSON(c, m, s.groupsOf(map[string]bool{m.ID: true})[m.ID],
		c.mal == MalformedHugeStrings))
}
