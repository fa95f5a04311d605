package simtest

import (
	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/pkg/miro"
)

// MinCalls is the API budget of a sync of org (DefaultParts).
func MinCalls(org *mirosim.Org) map[string]int { return MinCallsParts(org, DefaultParts(org)) }

// MinCallsParts is the API budget of a sync covering parts of org: the sync
// issue's token context, organization, member pages, team pages and every
// team's member pages; the user-group pages (one empty page for an org
// without groups) and, when there are groups, every group's member pages and
// the group-to-team link pages from the side with fewer items (every group's
// team pages when there are fewer groups than teams, else every team's
// attached-group pages); with boards, every team's board pages
// (50 per page) and every board's member pages (50), every team's project
// pages and every project's member pages (100), and, when there are groups,
// every board's and project's shared-group pages (100). A page is a call even when
// empty, and members who left the org are not listed.
func MinCallsParts(org *mirosim.Org, parts Parts) map[string]int {
	teamMemberPages := 0
	for _, t := range org.Teams {
		teamMemberPages += pages(len(t.Members))
	}
	m := map[string]int{
		"oauth_token":       1,
		"get_org":           1,
		"list_members":      pages(len(org.Members)),
		"list_teams":        pages(len(org.Teams)),
		"list_team_members": teamMemberPages,
	}
	inOrg := make(map[string]bool, len(org.Members))
	for _, mem := range org.Members {
		inOrg[mem.ID] = true
	}
	if parts.TeamSettings {
		m["get_team_settings"] = len(org.Teams)
	}
	if parts.GroupsRefused {
		m["list_groups"] = 1 // refused; nothing else of groups is asked
	} else {
		m["list_groups"] = pages(len(org.Groups))
		if len(org.Groups) > 0 {
			attached, teams := map[string]int{}, map[string]bool{}
			for _, t := range org.Teams {
				teams[t.ID] = true
			}
			perGroup := len(org.Groups) < len(org.Teams) // links are read from the side with fewer items
			for _, g := range org.Groups {
				m["list_group_members"] += pages(countIn(g.MemberIDs, inOrg))
				for _, tid := range g.TeamIDs {
					attached[tid]++
				}
				if perGroup {
					m["list_group_teams"] += pages(countIn(g.TeamIDs, teams))
				}
			}
			for _, t := range org.Teams {
				if !perGroup {
					m["list_team_groups"] += pages(attached[t.ID])
				}
			}
		}
	}
	if parts.Boards {
		shares := !parts.GroupsRefused && len(org.Groups) > 0
		boards, projects := map[string]int{}, map[string]int{}
		for _, b := range org.Boards {
			boards[b.TeamID]++
			m["list_board_members"] += boardPages(countInOrg(b.Members, inOrg, func(bm mirosim.BoardMember) string { return bm.UserID }))
			if shares {
				m["list_board_groups"] += pages(len(b.Groups))
			}
		}
		for _, p := range org.Projects {
			projects[p.TeamID]++
			m["list_project_members"] += pages(countInOrg(p.Members, inOrg, func(pm mirosim.ProjectMember) string { return pm.UserID }))
			if shares {
				m["list_project_groups"] += pages(len(p.Groups))
			}
		}
		for _, t := range org.Teams {
			m["list_boards"] += boardPages(boards[t.ID])
			m["list_projects"] += pages(projects[t.ID])
		}
	}
	return m
}

func countIn(ids []string, in map[string]bool) int {
	n := 0
	for _, id := range ids {
		if in[id] {
			n++
		}
	}
	return n
}

func boardPages(n int) int { return max(1, (n+miro.BoardPageSize-1)/miro.BoardPageSize) }

// MinCredits is the credit cost of MinCalls.
func MinCredits(org *mirosim.Org) int {
	total := 0
	for route, n := range MinCalls(org) {
		total += n * mirosim.CreditsFor(route)
	}
	return total
}

func pages(n int) int { return max(1, (n+miro.PageSize-1)/miro.PageSize) }

// countInOrg counts the members whose user is an org member (the simulator
// serves only those).
func countInOrg[T any](members []T, inOrg map[string]bool, userID func(T) string) int {
	n := 0
	for _, m := range members {
		if inOrg[userID(m)] {
			n++
		}
	}
	return n
}
