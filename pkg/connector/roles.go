package connector

import (
	"fmt"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// roleTable is the roles of a team, board or project, one shape for the three: each role is one entitlement
// of the resource; a member's role becomes a grant of it, and so does a user group's on a link or share.
type roleTable struct {
	noun  string    // "team", "board" or "project": in display names, log fields and grant metadata
	roles []roleDef // in entitlement order
	// fallback is the role an unknown role is recorded as, with the raw role in the grant's metadata.
	fallback string
	// shares maps a user group's role as Miro names it on a link or share to the role's slug.
	shares map[string]string
	// exclusion names the exclusion group of the resource's exclusive roles; nil = none is exclusive.
	exclusion func(resourceID string) string
	// groupGrantable: a role user groups can hold (a share target) can also be granted to a user group
	// (board_access.go shares the board or project with it).
	groupGrantable bool
}

// roleDef is one role: its slug (the entitlement id's last part, Miro's value), display name and description.
type roleDef struct {
	slug, name, description string
	exclusive               bool // in the resource's exclusion group: a membership holds one of these
}

// teamRoles are the team entitlements, one per team role Miro documents (team_guest is deprecated but still
// returned for old data). A group linked to a team holds one of the same roles.
var teamRoles = newRoleTable("team", miro.TeamRoleMember, nil, teamRoleExclusionGroup, []roleDef{
	{miro.TeamRoleMember, "Member", "Member of the team", true},
	{miro.TeamRoleAdmin, "Admin", "Admin of the team: manages its members and settings", true},
	{miro.TeamRoleNonTeam, "Non-team member", "External or non-team user with access to some of the team's boards", false},
	{miro.TeamRoleGuest, "Guest", "Legacy team guest", false},
})

// boardRoles are a board's member roles; a group a board is shared with holds VIEWER, COMMENTER or EDITOR.
var boardRoles = newRoleTable("board", miro.BoardRoleViewer, map[string]string{miro.GroupShareViewer: miro.BoardRoleViewer,
	miro.GroupShareCommenter: miro.BoardRoleCommenter, miro.GroupShareEditor: miro.BoardRoleEditor}, nil, []roleDef{
	{miro.BoardRoleViewer, "Viewer", "Can view the board", false},
	{miro.BoardRoleCommenter, "Commenter", "Can view and comment on the board", false},
	{miro.BoardRoleEditor, "Editor", "Can edit the board", false},
	{miro.BoardRoleCoowner, "Co-owner", "Co-owner of the board: edits it and manages its members and sharing", false},
	{miro.BoardRoleOwner, "Owner", "Owner of the board", false},
}).withGroupGrants()

// projectRoles are a project's member roles; a group a project is shared with holds VIEWER, COMMENTER (the
// project's commentator) or EDITOR.
var projectRoles = newRoleTable("project", miro.ProjectRoleViewer, map[string]string{miro.GroupShareViewer: miro.ProjectRoleViewer,
	miro.GroupShareCommenter: miro.ProjectRoleCommentator, miro.GroupShareEditor: miro.ProjectRoleEditor}, nil, []roleDef{
	{miro.ProjectRoleViewer, "Viewer", "Can view the boards of the project", false},
	{miro.ProjectRoleCommentator, "Commentator", "Can view and comment on the boards of the project", false},
	{miro.ProjectRoleEditor, "Editor", "Can edit the boards of the project", false},
	{miro.ProjectRoleCoowner, "Co-owner", "Co-owner of the project: manages its members and boards", false},
	{miro.ProjectRoleOwner, "Owner", "Owner of the project", false},
}).withGroupGrants()

// newRoleTable builds a table; shares nil means a group holds the roles by their own slugs.
func newRoleTable(noun, fallback string, shares map[string]string, exclusion func(string) string, roles []roleDef) *roleTable {
	if shares == nil {
		shares = make(map[string]string, len(roles))
		for _, r := range roles {
			shares[r.slug] = r.slug
		}
	}
	return &roleTable{noun: noun, roles: roles, fallback: fallback, shares: shares, exclusion: exclusion}
}

// withGroupGrants makes the table's share targets grantable to user groups.
func (t *roleTable) withGroupGrants() *roleTable {
	t.groupGrantable = true
	return t
}

// known reports whether role is one of the table's slugs.
func (t *roleTable) known(role string) bool {
	for _, r := range t.roles {
		if r.slug == role {
			return true
		}
	}
	return false
}

// sharedAs reports whether user groups can hold slug.
func (t *roleTable) sharedAs(slug string) bool {
	for _, s := range t.shares {
		if s == slug {
			return true
		}
	}
	return false
}

// metaKey is the grant-metadata key holding a role the table does not know.
func (t *roleTable) metaKey() string { return "miro_" + t.noun + "_role" }

// entitlements builds one entitlement per role of r; they cost no API call.
func (t *roleTable) entitlements(r *v2.Resource) []*v2.Entitlement {
	out := make([]*v2.Entitlement, 0, len(t.roles))
	for _, role := range t.roles {
		to := []*v2.ResourceType{userResourceType}
		if t.groupGrantable && t.sharedAs(role.slug) {
			to = append(to, userGroupResourceType)
		}
		opts := []ent.EntitlementOption{
			ent.WithGrantableTo(to...),
			ent.WithDisplayName(fmt.Sprintf("%s %s %s", r.GetDisplayName(), t.noun, role.name)),
			ent.WithDescription(fmt.Sprintf("%s %s", role.description, r.GetDisplayName())),
		}
		if role.exclusive && t.exclusion != nil {
			opts = append(opts, ent.WithExclusionGroup(t.exclusion(r.GetId().GetResource())))
		}
		out = append(out, ent.NewAssignmentEntitlement(r, role.slug, opts...))
	}
	return out
}
