package mirosim

import (
	"cmp"
	"net/http"
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

// scimFail answers e.
func (c *call) scimFail(e *scimErr) answer {
	return func() { c.scimError(e.status, e.scimType, e.detail) }
}

func badValue(detail string) *scimErr { return &scimErr{http.StatusBadRequest, "invalidValue", detail} }

// findVisible returns the index of a SCIM-visible member, else answers 404. The caller holds s.mu.
func (s *Server) findVisible(c *call) (int, answer) {
	i := s.memberIndex(c.r.PathValue("id"))
	if i < 0 || !scimVisible(&s.org.Members[i]) {
		return -1, c.scimFail(&scimErr{http.StatusNotFound, "", "User " + c.r.PathValue("id") + " not found"})
	}
	return i, nil
}

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
	s.reading(func() answer {
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
		return c.reply(http.StatusOK, map[string]any{"schemas": []string{scimListSchema}, "totalResults": len(matched),
			"startIndex": start, "itemsPerPage": len(res), "Resources": res})
	})
}

func (s *Server) scimGet(c *call) {
	s.reading(func() answer {
		i, miss := s.findVisible(c)
		if miss != nil {
			return miss
		}
		return s.scimUserReply(c, i)
	})
}

func (s *Server) scimCreate(c *call) {
	var in scimUserIn
	if !c.readSCIM(&in) {
		return
	}
	now := c.opts.Now().UTC().Truncate(time.Millisecond)
	s.writing(func() answer {
		m := Member{Role: roleUser, License: "free", Active: true, LicenseAssignedAt: now}
		if e := cmp.Or(s.applyUser(&m, &in), checkProfile(nil, &m)); e != nil {
			return c.scimFail(e)
		}
		if _, dup := s.emails[strings.ToLower(m.Email)]; dup {
			return c.scimFail(badValue("userName '" + m.Email + "' is invalid: 'not unique'"))
		}
		m.ID = strconv.FormatInt(s.nextID, 10)
		s.nextID++
		i, _ := search(s.org.Members, m.ID, memberID)
		s.org.Members = slices.Insert(s.org.Members, i, m)
		s.emails[strings.ToLower(m.Email)] = m.ID
		s.auditSCIM(nil, &s.org.Members[i])
		out := s.scimUserJSON(c, &s.org.Members[i], nil, c.mal == MalformedHugeStrings)
		return func() {
			c.w.Header().Set("Location", out.Meta["location"])
			c.ok(http.StatusCreated, out)
		}
	})
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
	if e := checkProfile(old, m); e != nil {
		return e
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
	s.scimChange(c, func(m *Member) *scimErr { return s.applyUser(m, &in) })
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
	s.scimChange(c, func(m *Member) *scimErr {
		for _, op := range in.Operations {
			if e := s.applyOp(m, op); e != nil {
				return e
			}
		}
		return nil
	})
}

func (s *Server) scimDelete(c *call) {
	s.writing(func() answer {
		i, miss := s.findVisible(c)
		if miss != nil {
			return miss
		}
		m := &s.org.Members[i]
		if !s.keepsAdmin(m, nil) {
			return c.scimFail(&scimErr{http.StatusConflict, "", "The last Company Admin of the organization cannot be deleted"})
		}
		for ti := range s.org.Teams {
			t := &s.org.Teams[ti]
			if j := teamMemberIndex(t, m.ID); j >= 0 && lastAdmin(t, j) {
				return c.scimFail(&scimErr{http.StatusConflict, "", "User is the last admin of team " + t.ID +
					" and cannot be deleted"})
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
		return c.reply(http.StatusNoContent, nil)
	})
}

// scimChange applies change to a copy of the SCIM user named by the path and commits the copy, so a change
// that fails part way leaves the user untouched; it answers with the stored user.
func (s *Server) scimChange(c *call, change func(*Member) *scimErr) {
	s.writing(func() answer {
		i, miss := s.findVisible(c)
		if miss != nil {
			return miss
		}
		m := s.org.Members[i]
		m.AdminRoles = slices.Clone(m.AdminRoles)
		if e := change(&m); e != nil {
			return c.scimFail(e)
		}
		if e := s.commit(i, &m); e != nil {
			return c.scimFail(e)
		}
		return s.scimUserReply(c, i)
	})
}
