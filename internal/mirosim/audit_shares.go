package mirosim

// auditShare records that a board or project was shared with a user group (callers hold s.mu): base names the
// event, category, object and team (board_shared_with_group / project_shared_with_group, see board_access.go); the
// entry gets the time, the token's user as actor, the team's name and the group and role as details. Any
// handler that shares with groups calls it once per group.
func (s *Server) auditShare(base AuditEvent, groupID, role string) {
	ev := base
	ev.At, ev.IP = s.now(), "127.0.0.1"
	if t := s.team(base.TeamID); t != nil {
		ev.TeamName = t.Name
	}
	ev.Details = map[string]any{"userGroupId": groupID, "role": role}
	s.adminActor(&ev)
	s.audit.add(ev)
}
