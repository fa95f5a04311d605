package connector

import (
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"google.golang.org/protobuf/proto"
)

// The resource types of the Baton model. Org roles, admin roles and licenses are
// attributes of each org member, so their grants are produced once per type
// (TypeScopedGrants) from the member pages the user sync already fetched.
var (
	userResourceType = newResourceType("user", "User", v2.ResourceType_TRAIT_USER,
		"A member of the Miro organization, including guests and external users.", &v2.SkipEntitlementsAndGrants{})
	teamResourceType = newResourceType("team", "Team", v2.ResourceType_TRAIT_GROUP,
		"A Miro team; its entitlements are the team roles.")
	roleResourceType = newResourceType("role", "Organization role", v2.ResourceType_TRAIT_ROLE,
		"An organization role: internal admin, internal user, external user or team guest.", &v2.TypeScopedGrants{})
	adminRoleResourceType = newResourceType("admin_role", "Admin role", v2.ResourceType_TRAIT_ROLE,
		"A Miro admin role such as Content Admin, User Admin, Security Admin or a custom admin role.", &v2.TypeScopedGrants{})
	licenseResourceType = newResourceType("license", "License", v2.ResourceType_TRAIT_LICENSE_PROFILE,
		"A Miro license (full, free, occasional, …) with purchased and consumed seats.", &v2.TypeScopedGrants{})
	userGroupResourceType = newResourceType("user_group", "User group", v2.ResourceType_TRAIT_GROUP,
		"A Miro user group; a group attached to a team gives its members that team's role.")
	// Boards and projects (--sync-boards) are children of a team and have no trait.
	boardResourceType = newResourceType("board", "Board", v2.ResourceType_TRAIT_UNSPECIFIED,
		"A Miro board of a team; its entitlements are the board roles, its profile holds the sharing policy and, with --sync-board-classification, the classification label.")
	projectResourceType = newResourceType("project", "Project", v2.ResourceType_TRAIT_UNSPECIFIED,
		"A Miro project (Space) of a team; its entitlements are the project roles.")
)

// newResourceType builds a resource type; TRAIT_UNSPECIFIED gives it no trait.
func newResourceType(id, name string, trait v2.ResourceType_Trait, description string, annos ...proto.Message) *v2.ResourceType {
	var a annotations.Annotations
	for _, m := range annos {
		a.Append(m)
	}
	var traits []v2.ResourceType_Trait
	if trait != v2.ResourceType_TRAIT_UNSPECIFIED {
		traits = []v2.ResourceType_Trait{trait}
	}
	return v2.ResourceType_builder{
		Id:          id,
		DisplayName: name,
		Description: description,
		Traits:      traits,
		Annotations: a,
	}.Build()
}
