package mirosim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

type named struct {
	Type string `json:"type"`
	Name string `json:"name"`
	ID   string `json:"id"`
}

func (s *Server) getToken(c *call) {
	s.reading(func() answer {
		u := s.tokenUser()
		user := named{Type: "user", Name: u.DisplayName, ID: u.ID}
		team := named{Type: "team", Name: s.org.Name + " team", ID: s.org.ID}
		if len(s.org.Teams) > 0 {
			team = named{Type: "team", Name: s.org.Teams[0].Name, ID: s.org.Teams[0].ID}
		}
		orgName := s.org.Name
		if c.mal == MalformedHugeStrings {
			orgName = huge("")
		}
		return c.reply(http.StatusOK, map[string]any{
			"type":         "oAuthToken",
			"organization": named{Type: "organization", Name: orgName, ID: s.orgID},
			"team":         team,
			"createdBy":    user,
			"user":         user,
			"scopes":       c.opts.Scopes,
			// Not in the spec, but seen in captured responses: clients must ignore unknown fields.
			"application": named{Type: "application", Name: "Baton Miro Simulator", ID: "3458764599999999999"},
		})
	})
}

func (s *Server) getOrg(c *call) {
	s.reading(func() answer {
		o := map[string]any{"id": s.org.ID, "name": s.org.Name, "plan": s.org.Plan,
			"fullLicensesPurchased": s.org.FullLicensesPurchased, "type": "organization"}
		if c.mal == MalformedHugeStrings {
			o["name"] = huge("")
		}
		return c.reply(http.StatusOK, o)
	})
}

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
	s.reading(func() answer {
		page, next := pageAfter(s.org.Members, memberID, keep, cursor, limit, c.mal)
		data := make([]memberOut, len(page))
		for i, m := range page {
			data[i] = memberJSON(m, i == 0 && c.mal == MalformedHugeStrings)
		}
		return cursorPage(c, limit, next, func(k string) string { return k }, data)
	})
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
	s.reading(func() answer {
		data := []memberOut{}
		seen := map[string]bool{}
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
		return c.reply(http.StatusOK, data)
	})
}

func (s *Server) getMember(c *call) {
	s.reading(func() answer {
		i := s.memberIndex(c.r.PathValue("id"))
		if i < 0 {
			return c.refuse(http.StatusNotFound, "notFound", "Organization member "+c.r.PathValue("id")+" not found")
		}
		return c.reply(http.StatusOK, memberJSON(&s.org.Members[i], c.mal == MalformedHugeStrings))
	})
}

// memberWithEmail finds the id of the org member with email (any case, spaces trimmed), or answers 404.
// The caller holds s.mu.
func (s *Server) memberWithEmail(c *call, email string) (string, answer) {
	uid, ok := s.emails[strings.ToLower(strings.TrimSpace(email))]
	if !ok {
		return "", c.refuse(http.StatusNotFound, "notFound", "No organization member with email "+email)
	}
	return uid, nil
}
