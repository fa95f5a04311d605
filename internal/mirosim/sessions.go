package mirosim

import (
	"net/http"
	"strings"
)

const scopeSessionsDelete = "sessions:delete"

// resetSessions is POST /v2/sessions/reset_all?email=: it signs the org member with that email (any role,
// active or not; case-insensitive) out of every device and answers 200 with no body. Doing it again is the same
// success. A missing email is 400 invalidParameters, an email of no org member 404 notFound. Each success
// counts one reset for the member (SessionResets).
func (s *Server) resetSessions(c *call) {
	email := strings.TrimSpace(c.r.URL.Query().Get("email"))
	if email == "" {
		c.invalidParam("email", "email is required")
		return
	}
	s.writing(func() answer {
		uid, miss := s.memberWithEmail(c, email)
		if miss != nil {
			return miss
		}
		s.sessionResets[uid]++
		return c.reply(http.StatusOK, nil)
	})
}

// SessionResets returns how many times the member's sessions were reset through the API.
func (s *Server) SessionResets(memberID string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sessionResets[memberID]
}
