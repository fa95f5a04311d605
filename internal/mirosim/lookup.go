package mirosim

// Where one person's or group's access stands in an org as the server keeps
// it (sorted by id): for tests and tools that check what a change did (read
// a copy, Server.Org()). "" = none.

// Member returns the member with id, nil if there is none.
func (o *Org) Member(id string) *Member { return byID(o.Members, id, memberID) }

// TeamRole is userID's role in team team.
func (o *Org) TeamRole(team, userID string) string {
	if t := teamByID(o.Teams, team); t != nil {
		return roleOf(t.Members, userID, func(m TeamMember) (string, string) { return m.UserID, m.Role })
	}
	return ""
}

// BoardRole is userID's role on board board.
func (o *Org) BoardRole(board, userID string) string {
	if b := byID(o.Boards, board, boardID); b != nil {
		return roleOf(b.Members, userID, func(m BoardMember) (string, string) { return m.UserID, m.Role })
	}
	return ""
}

// ProjectRole is userID's role in project project.
func (o *Org) ProjectRole(project, userID string) string {
	if p := byID(o.Projects, project, projectID); p != nil {
		return roleOf(p.Members, userID, func(m ProjectMember) (string, string) { return m.UserID, m.Role })
	}
	return ""
}

// ShareRole is the role a board or project (kind "board" or "project", id) is
// shared with user group groupID.
func (o *Org) ShareRole(kind, id, groupID string) string {
	var shares []GroupShare
	switch kind {
	case "board":
		if b := byID(o.Boards, id, boardID); b != nil {
			shares = b.Groups
		}
	case "project":
		if p := byID(o.Projects, id, projectID); p != nil {
			shares = p.Groups
		}
	}
	return roleOf(shares, groupID, func(g GroupShare) (string, string) { return g.GroupID, g.Role })
}

// roleOf is the role of who among members (each read as its id and role).
func roleOf[M any](members []M, who string, read func(M) (id, role string)) string {
	for _, m := range members {
		if id, role := read(m); id == who {
			return role
		}
	}
	return ""
}
