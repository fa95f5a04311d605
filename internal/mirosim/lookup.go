package mirosim

// Where one person's or group's access stands in an org: for tests and tools
// that check what a change did (read a copy, Server.Org()). "" = none.

// Member returns the member with id, nil if there is none.
func (o *Org) Member(id string) *Member {
	for i := range o.Members {
		if o.Members[i].ID == id {
			return &o.Members[i]
		}
	}
	return nil
}

// TeamRole is userID's role in team teamID.
func (o *Org) TeamRole(teamID, userID string) string {
	for _, t := range o.Teams {
		for _, m := range t.Members {
			if t.ID == teamID && m.UserID == userID {
				return m.Role
			}
		}
	}
	return ""
}

// BoardRole is userID's role on board boardID.
func (o *Org) BoardRole(boardID, userID string) string {
	for _, b := range o.Boards {
		for _, m := range b.Members {
			if b.ID == boardID && m.UserID == userID {
				return m.Role
			}
		}
	}
	return ""
}

// ProjectRole is userID's role in project projectID.
func (o *Org) ProjectRole(projectID, userID string) string {
	for _, p := range o.Projects {
		for _, m := range p.Members {
			if p.ID == projectID && m.UserID == userID {
				return m.Role
			}
		}
	}
	return ""
}

// ShareRole is the role a board or project (kind "board" or "project", id) is
// shared with user group groupID.
func (o *Org) ShareRole(kind, id, groupID string) string {
	var shares []GroupShare
	for _, b := range o.Boards {
		if kind == "board" && b.ID == id {
			shares = b.Groups
		}
	}
	for _, p := range o.Projects {
		if kind == "project" && p.ID == id {
			shares = p.Groups
		}
	}
	for _, g := range shares {
		if g.GroupID == groupID {
			return g.Role
		}
	}
	return ""
}
